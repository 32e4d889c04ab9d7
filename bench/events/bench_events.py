"""bench/events: how fast vmha-eventd turns libvirt events into cluster
facts and actions, on a real one-host cluster (EventdBed, tools/vmha_lab/peers).

Measured per repetition, from the clocks of the parts involved:
  io->cib      QEMU's I/O error (the daemon's journal entry for the libvirt
               event, stamped on receipt) to vmha-paused-io=1 visible in the
               CIB (cib_watch: the CIB manager's own diff notification)
  fault->cib   the same, from the moment the export starts failing: adds
               the guest's next write (one every 100 ms) and QEMU's and
               libvirt's reporting, which vmha does not control
  back->run    storage working again (the error trigger removed) to the
               guest running (the daemon's journal entry for the resume
               event); no heartbeat is configured here, so the daemon tries
               a resume every 500 ms (resume_retry)
  crash->start kill -9 of the guest's QEMU to the cluster's new start
               operation appearing in the CIB (the guest's monitor interval is
               60 s, so only the daemon's report can explain a fast start)
Prints p50/p95/p99 per measure (nearest rank: with 20 repetitions p99 is
the largest value). Usage: bench_events.py [--reps N]"""

import argparse
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time

from vmha_lab.peers import disk, proc
from vmha_lab.peers.eventd_bed import EventdBed


class CibWatch:
    """cib_watch inside the cluster host; lines as (epoch ms, words)."""

    def __init__(self, bed, attrs, rscs):
        tool = os.path.join(proc.build_dir(), "bench", "events", "cib_watch")
        argv = [tool] + sum([["--attr", a] for a in attrs], []) + sum([["--rsc", r] for r in rscs], [])
        self.p = subprocess.Popen(bed.host.cmd(argv), stdout=subprocess.PIPE, text=True)
        self.lines = []
        self.lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()
        proc.wait_until(lambda: any(w[0] == "ready" for _, w in self.snapshot()), 10,
                        what="cib_watch to connect")

    def _read(self):
        for line in self.p.stdout:
            parts = line.split()
            if len(parts) >= 2:
                with self.lock:
                    self.lines.append((int(parts[0]), parts[1:]))

    def snapshot(self):
        with self.lock:
            return list(self.lines)

    def wait_for(self, after_ms, pred, timeout, what):
        def found():
            for t, w in self.snapshot():
                if t >= after_ms and pred(w):
                    return t
            return None
        return proc.wait_until(found, timeout, interval=0.01, what=what)

    def close(self):
        proc.stop_pid(self.p.pid)


def now_ms():
    return int(time.time() * 1000)


def journal_time(bed, subject, what, after_ms, timeout=20):
    def find():
        db = sqlite3.connect(f"file:{bed.journal}?mode=ro", uri=True, timeout=5)
        try:
            row = db.execute("SELECT MIN(time) FROM events WHERE subject=? AND what=? AND time>=?",
                             (subject, what, after_ms)).fetchone()
        finally:
            db.close()
        return row[0]
    return proc.wait_until(find, timeout, interval=0.02, what=f"journal '{what}' of {subject}")


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def report(name, values, goal):
    print(f"{name:<14} n={len(values):<3} p50 {pct(values, 50):7.1f} ms  p95 {pct(values, 95):7.1f} ms"
          f"  p99 {pct(values, 99):7.1f} ms  max {max(values):7.1f} ms   goal: {goal}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=20)
    args = ap.parse_args()
    with EventdBed(name="bev", subnet_index=32, listen_addr="127.0.0.96",
                   migration_ports=(49520, 49535)) as bed:
        nbd, image, cleanup = bed.add_guest("benchvm", resume_behavior="auto_resume")
        try:
            watch = CibWatch(bed, ["vmha-paused-io"], ["benchvm"])
            node = bed.host.name
            io_to_cib, fault_to_cib, back_to_run, crash_to_start = [], [], [], []
            proc.wait_until(lambda: (disk.latest_counter(image) or 0) > 3, 60, what="guest writes")
            for i in range(args.reps):
                t0 = now_ms()
                nbd.fail_on()
                t_cib = watch.wait_for(t0, lambda w: w[:4] == ["attr", node, "vmha-paused-io", "1"],
                                       20, "vmha-paused-io=1 in the CIB")
                t_io = journal_time(bed, "benchvm", "I/O error", t0)
                io_to_cib.append(t_cib - t_io)
                fault_to_cib.append(t_cib - t0)
                t_back = now_ms()
                nbd.fail_off()
                t_run = journal_time(bed, "benchvm", "resumed", t_back)
                back_to_run.append(t_run - t_back)
                watch.wait_for(t_back, lambda w: w[:4] == ["attr", node, "vmha-paused-io", "0"],
                               20, "vmha-paused-io=0 in the CIB")
                last = disk.latest_counter(image)
                proc.wait_until(lambda: (disk.latest_counter(image) or 0) > last, 20, what="writes")
                print(f"rep {i + 1}: io->cib {io_to_cib[-1]} ms, back->run {back_to_run[-1]} ms",
                      file=sys.stderr, flush=True)
            for i in range(args.reps):
                qemu = proc.wait_until(lambda: bed.lv.qemu_pid("benchvm"), 30, what="QEMU")
                t0 = now_ms()
                os.kill(qemu, signal.SIGKILL)
                t_start = watch.wait_for(t0, lambda w: w[:3] == ["op", "benchvm", "start"], 20,
                                         "a new start operation")
                crash_to_start.append(t_start - t0)
                proc.wait_until(lambda: bed.started("benchvm"), 30, what="running again")
                print(f"rep {i + 1}: crash->start {crash_to_start[-1]} ms", file=sys.stderr, flush=True)
            watch.close()
        finally:
            cleanup()
        print(f"\nbench/events: {args.reps} repetitions on a one-host cluster, TCG guest, 2 cores")
        report("io->cib", io_to_cib, "< 100 ms at p99")
        report("fault->cib", fault_to_cib, "(includes the guest's next write, <= 100 ms)")
        report("back->run", back_to_run, "< 1 s after storage answers")
        report("crash->start", crash_to_start, "< 1 s at p99 (VirtualDomain: up to a monitor interval)")


if __name__ == "__main__":
    main()
