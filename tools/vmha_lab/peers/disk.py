"""The test guest's disk, read and commanded from the host through its image
file. Layout (written by guest/writer.c beside this module): sector 0 is the
control sector, sectors 8..2055 a ring of one record per 100 ms.

A command is a request: the guest obeys it at its next 100 ms tick, once it
runs and has written its first record (before that, or while it is paused,
the command waits on the disk). It clears the command before obeying it."""

import collections
import errno
import mmap
import os
import struct

SECTOR = 512
RING_START = 8
RING_SECTORS = 2048
REC_MAGIC = b"VMHAREC1"
CTL_MAGIC = b"VMHACTL1"
# magic, boot id, counter, guest CLOCK_MONOTONIC ns; little endian, packed.
_RECORD = struct.Struct("<8s36sQQ")

Record = collections.namedtuple("Record", "boot_id counter mono_ns")


def _open(path, flags):
    """Opens with O_DIRECT so that reads see what the guest wrote past any
    cache (QEMU writes with cache='none'); filesystems without O_DIRECT
    (tmpfs) get a plain descriptor, with fsync for writes."""
    try:
        return os.open(path, flags | os.O_DIRECT | os.O_CLOEXEC)
    except OSError as e:
        if e.errno != errno.EINVAL:
            raise
        return os.open(path, flags | os.O_CLOEXEC)


def _aligned(size):
    # An anonymous mmap is page aligned, as O_DIRECT wants.
    return mmap.mmap(-1, size)


def make_disk(path, size_mib=16):
    """Creates (or empties) a sparse raw image with no records and no command."""
    with open(path, "wb") as f:
        f.truncate(size_mib * 1024 * 1024)
    _write_control(path, b"")


def _write_control(path, command):
    buf = _aligned(SECTOR)
    if command:
        buf[:8 + len(command)] = CTL_MAGIC + command
    fd = _open(path, os.O_WRONLY)
    try:
        if os.pwrite(fd, buf, 0) != SECTOR:
            raise OSError(errno.EIO, f"short write to the control sector of {path}")
        os.fsync(fd)
    finally:
        os.close(fd)
        buf.close()


def request_poweroff(path):
    """Asks the guest to power itself off (libvirt: shutoff, reason shutdown)
    within ~100 ms of running; the guest clears the command first."""
    _write_control(path, b"poweroff")


def request_panic(path):
    """Asks the guest to panic its kernel (with <panic model='isa'/> libvirt
    reports crashed/panicked)."""
    _write_control(path, b"panic")


def request_ignore_power_button(path):
    """Makes the guest ignore the ACPI power button until its next boot, as
    a guest that never answers a graceful shutdown; its console says
    "ignoring the ACPI power button" once it obeyed."""
    _write_control(path, b"ignore-power-button")


def request_agent_stop(path):
    """Kills the guest's agent: libvirt then reports it not connected."""
    _write_control(path, b"agent-stop")


def request_agent_start(path):
    """Starts the guest's agent again after request_agent_stop()."""
    _write_control(path, b"agent-start")


def read_records(path):
    """Every record in the ring, sorted by counter; sectors without the
    record magic (never written, or torn) are skipped."""
    size = RING_SECTORS * SECTOR
    buf = _aligned(size)
    fd = _open(path, os.O_RDONLY)
    try:
        n = os.preadv(fd, [buf], RING_START * SECTOR)
    finally:
        os.close(fd)
    records = []
    for off in range(0, n - n % SECTOR, SECTOR):
        magic, boot_id, counter, mono_ns = _RECORD.unpack_from(buf, off)
        if magic == REC_MAGIC:
            records.append(Record(boot_id.decode(errors="replace"), counter, mono_ns))
    buf.close()
    return sorted(records, key=lambda r: r.counter)


def latest_counter(path):
    """The highest counter written so far, or None before the first record."""
    records = read_records(path)
    return records[-1].counter if records else None
