"""The lab's HA guests: the harness's test guest (a tiny kernel whose init
writes a numbered record with its boot id every 100 ms) on a disk served
over NBD from the storage namespace."""

import os
import types

from . import layout as L
from .peers import disk
from .peers.domain_xml import domain_xml
from .peers.guest_image import GuestImage

MEMORY_MIB = 96
VCPUS = 1


def names(count):
    return [f"g{i}" for i in range(1, count + 1)]


def disk_path(layout, name):
    return os.path.join(layout.storage_dir, name)


def config_path(layout, name):
    return os.path.join(layout.guest_dir, f"{name}.xml")


def make(layout, count):
    """Creates each guest's disk and domain XML; returns their names."""
    image = GuestImage.get()
    os.makedirs(layout.storage_dir)
    os.makedirs(layout.guest_dir)
    for name in names(count):
        disk.make_disk(disk_path(layout, name))
        nbd = types.SimpleNamespace(export_name=name, tcp=(L.STORAGE_ADDR, L.NBD_PORT))
        with open(config_path(layout, name), "w") as f:
            # The console path is inside the host that runs the guest
            # (its /var/log/libvirt is the host's directory libvirt/log).
            f.write(domain_xml(name, image, nbd=nbd, memory_mib=MEMORY_MIB, vcpus=VCPUS,
                               serial_log=f"/var/log/libvirt/qemu/{name}.serial"))
    return names(count)


def records(layout, name):
    return disk.read_records(disk_path(layout, name))
