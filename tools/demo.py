"""The demo behind tools/demo: one real guest under ocf:vmha:VirtualMachine."""

import os
import sys
import time

from vmha_lab.peers import disk, proc
from vmha_lab.peers.domain_xml import domain_xml
from vmha_lab.peers.guest_image import GuestImage
from vmha_lab.peers.libvirtd import PrivateLibvirtd
from vmha_lab.peers.nbd import NbdExport

AGENT = os.path.join(proc.build_dir(), "ocf", "resource.d", "vmha", "VirtualMachine")
CODES = {0: "OCF_SUCCESS", 1: "OCF_ERR_GENERIC", 2: "OCF_ERR_ARGS", 6: "OCF_ERR_CONFIGURED",
         7: "OCF_NOT_RUNNING", 190: "OCF_DEGRADED"}


def step(lv, action, params, title):
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "OCF_ROOT": "/usr/lib/ocf",
           "OCF_RESOURCE_INSTANCE": "demo-vm", "VMHA_RUN_DIR": os.path.join(lv.workdir, "vmha"),
           "OCF_RESKEY_CRM_meta_timeout": "60000"}
    env.update({f"OCF_RESKEY_{k}": str(v) for k, v in params.items()})
    t0 = time.monotonic()
    cp = lv.run([AGENT, action], check=False, env=env, timeout=120)
    ms = (time.monotonic() - t0) * 1000
    reason = [l.split(":", 1)[1] for l in cp.stderr.splitlines() if l.startswith("ocf-exit-reason:")]
    state = lv.run(["virsh", "domstate", "--reason", "demo"], check=False).stdout.strip() or "absent"
    print(f"{title:<44} {action:<8} rc={cp.returncode:<3} {CODES.get(cp.returncode, ''):<16}"
          f" {ms:7.1f} ms   libvirt: {state}")
    if reason:
        print(f"{'':44} reason: {reason[0]}")
    return cp.returncode


def main():
    print("vmha demo: a real QEMU guest (TCG) under ocf:vmha:VirtualMachine\n")
    image = GuestImage.get()
    with PrivateLibvirtd("demo", listen_addr="127.0.0.99") as lv:
        img = os.path.join(lv.workdir, "demo.img")
        disk.make_disk(img)
        with NbdExport(img, lv.workdir, export_name="demo", error_filter=True) as nbd:
            config = os.path.join(lv.workdir, "demo.xml")
            with open(config, "w") as f:
                f.write(domain_xml("demo", image, nbd=nbd))
            p = {"config": config, "resume_behavior": "kill", "kill_paused_after": 5}
            step(lv, "monitor", dict(p, CRM_meta_interval=0), "probe before start")
            step(lv, "start", p, "start")
            proc.wait_until(lambda: (disk.latest_counter(img) or 0) > 5, 40, what="guest writes")
            print(f"{'':44} guest is writing: counter {disk.latest_counter(img)}")
            step(lv, "monitor", p, "monitor")
            step(lv, "monitor", dict(p, OCF_CHECK_LEVEL=10), "monitor, depth 10")
            nbd.fail_on()
            proc.wait_until(lambda: "paused" in lv.virsh("domstate", "demo"), 20, what="pause")
            step(lv, "monitor", p, "storage fails: guest paused on I/O error")
            nbd.fail_off()
            step(lv, "monitor", p, "storage back: monitor resumes it")
            nbd.fail_on()
            proc.wait_until(lambda: "paused" in lv.virsh("domstate", "demo"), 20, what="pause")
            paused = time.monotonic()
            step(lv, "monitor", p, "storage fails again")
            proc.wait_until(lambda: time.monotonic() - paused > 5.2, 10, what="kill_paused_after")
            step(lv, "monitor", p, "still paused after kill_paused_after=5")
            nbd.fail_off()
            step(lv, "start", p, "cluster recovers it: start")
            before = disk.latest_counter(img) or 0
            proc.wait_until(lambda: (disk.latest_counter(img) or 0) > before + 5, 40,
                            what="the new boot to write")
            print(f"{'':44} new boot is writing: counter {disk.latest_counter(img)}"
                  " (never behind the old one)")
            step(lv, "stop", p, "stop")
            step(lv, "monitor", p, "monitor after stop")
    print("\nEverything the demo started has been stopped and removed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
