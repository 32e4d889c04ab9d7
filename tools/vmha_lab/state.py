"""The lab's record of what it made, in <lab dir>/state.json: every process
(PID with its start time, so a recycled PID is never signalled), network
namespace and loop device, and the timings `up` measured. Written before
each thing is made, so `down` finds it even after a failed `up`; changed
under an flock because a BMC's chassis hook updates it from another
process."""

import contextlib
import fcntl
import json
import os

STATE_FILE = "state.json"


def proc_start_time(pid):
    """The process's start time in clock ticks since boot, or None if it is
    gone (or a zombie)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(") ", 1)[1].split()
    except (OSError, IndexError):
        return None
    return None if fields[0] in ("Z", "X") else int(fields[19])


def proc_record(pid, **extra):
    return dict(extra, pid=pid, start=proc_start_time(pid))


def is_same_process(rec):
    """Whether the recorded process still runs (same PID and start time)."""
    return bool(rec) and rec.get("start") is not None and proc_start_time(rec["pid"]) == rec["start"]


class State:
    def __init__(self, lab_dir):
        self.dir = lab_dir
        self.path = os.path.join(lab_dir, STATE_FILE)

    def exists(self):
        return os.path.exists(self.path)

    def load(self):
        try:
            with open(self.path) as f:
                return json.load(f)
        except FileNotFoundError:
            return {}

    def _save(self, data):
        tmp = self.path + ".tmp"
        # 0600: the state names the BMC password's file, and may grow.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(data, f, indent=1, sort_keys=True)
        os.rename(tmp, self.path)

    @contextlib.contextmanager
    def edit(self):
        """with state.edit() as data: ... (saved on leaving the block)."""
        os.makedirs(self.dir, exist_ok=True)
        with open(os.path.join(self.dir, "lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            data = self.load()
            yield data
            self._save(data)

    def set_proc(self, key, rec):
        with self.edit() as data:
            data.setdefault("procs", {})[key] = rec

    def add_to_list(self, key, value):
        with self.edit() as data:
            items = data.setdefault(key, [])
            if value not in items:
                items.append(value)
