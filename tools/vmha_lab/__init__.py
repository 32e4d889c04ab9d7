"""vmha-lab: a cluster of hosts as namespaces on this machine, built by `up`,
left running in the background, and removed by `down` from what the state
directory records. It reuses the test harness (tests/harness/vmha_harness)
for every peer it starts."""

import os
import sys

SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
HARNESS_DIR = os.path.join(SOURCE_DIR, "tests", "harness")
if HARNESS_DIR not in sys.path:
    sys.path.insert(0, HARNESS_DIR)
