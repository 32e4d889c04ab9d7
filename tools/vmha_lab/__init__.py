"""vmha-lab: a cluster of hosts as namespaces on this machine, built by `up`,
left running in the background, and removed by `down` from what the state
directory records. It reuses the test harness (tests/harness/vmha_harness)
for every peer it starts; origin.py says where both come from."""

import sys

from .origin import HARNESS_DIR

if HARNESS_DIR not in sys.path:
    sys.path.insert(0, HARNESS_DIR)
