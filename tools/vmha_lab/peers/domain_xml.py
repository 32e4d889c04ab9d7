"""libvirt domain XML for the test guest (guest_image.GuestImage)."""

from xml.sax.saxutils import escape, quoteattr

from . import kvm, proc

KERNEL_CMDLINE = "console=ttyS0 quiet"


def _disk(disk_path, nbd):
    # error_policy stop: an I/O error pauses the guest (reason ioerror)
    # instead of reaching the writer.
    policy = "error_policy='stop' rerror_policy='stop'"
    if nbd is not None:
        # TCP when nbd has .tcp = (address, port), else its unix socket.
        tcp = getattr(nbd, "tcp", None)
        host = (f"<host name={quoteattr(tcp[0])} port='{int(tcp[1])}'/>" if tcp else
                f"<host transport='unix' socket={quoteattr(nbd.socket)}/>")
        # A named export: libvirt 9.0 drops I/O-error events for unnamed ones.
        return f"""<disk type='network' device='disk'>
      <driver name='qemu' type='raw' cache='none' {policy}/>
      <source protocol='nbd' name={quoteattr(nbd.export_name)}>
        {host}
      </source>
      <target dev='vda' bus='virtio'/>
    </disk>"""
    return f"""<disk type='file' device='disk'>
      <driver name='qemu' type='raw' cache='none' io='native' {policy}/>
      <source file={quoteattr(disk_path)}/>
      <target dev='vda' bus='virtio'/>
    </disk>"""


def domain_xml(name, image, disk_path=None, nbd=None, memory_mib=96, vcpus=1,
               virt_type=None, serial_log=None, guest_agent_channel=False, uuid=None,
               panic_device=False, on_crash="destroy"):
    """The XML of a guest booting `image` (kernel + initrd) directly, with one
    virtio disk: the raw file disk_path, or `nbd` (anything with .export_name and
    .socket, e.g. nbd.NbdExport, or .tcp = (address, port)). virt_type 'qemu' is TCG,
    'kvm' KVM; None takes kvm.virt_type(), KVM only where a boot proved it works.
    on_crash is libvirt's action on a guest panic ('preserve' keeps the domain
    in state crashed). The console (ttyS0) goes to serial_log when
    given. With guest_agent_channel the guest's minimal agent answers
    guest-ping and guest-shutdown (see guest/agent.c)."""
    if (disk_path is None) == (nbd is None):
        raise proc.HarnessError("domain_xml needs exactly one of disk_path and nbd")
    if virt_type is None:
        virt_type = kvm.virt_type()
    features = "<acpi/><apic/>"  # ACPI: virsh shutdown presses the power button
    if virt_type == "qemu":
        # A small translation cache: QEMU's default (1 GiB) wastes RAM per guest.
        features += "<tcg><tb-cache unit='MiB'>16</tb-cache></tcg>"
    serial = (f"<serial type='file'><source path={quoteattr(serial_log)} append='on'/>"
              "<target port='0'/></serial>" if serial_log else "<serial type='null'/>")
    extra = []
    if guest_agent_channel:
        extra.append("<channel type='unix'><source mode='bind'/>"
                     "<target type='virtio' name='org.qemu.guest_agent.0'/></channel>")
    if panic_device:
        extra.append("<panic model='isa'/>")
    uuid_line = f"<uuid>{uuid}</uuid>" if uuid else ""
    return f"""<domain type={quoteattr(virt_type)}>
  <name>{escape(name)}</name>
  {uuid_line}
  <memory unit='MiB'>{memory_mib}</memory>
  <vcpu>{vcpus}</vcpu>
  <os>
    <type arch='x86_64'>hvm</type>
    <kernel>{escape(image.kernel)}</kernel>
    <initrd>{escape(image.initrd)}</initrd>
    <cmdline>{KERNEL_CMDLINE}</cmdline>
  </os>
  <features>{features}</features>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>{escape(on_crash)}</on_crash>
  <devices>
    {_disk(disk_path, nbd)}
    {serial}
    {''.join(extra)}
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
  </devices>
</domain>
"""
