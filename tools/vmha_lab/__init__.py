"""vmha-lab: a cluster of hosts as namespaces on this machine, built by `up`,
left running in the background, and removed by `down` from what the state
directory records. Its machinery (every peer it starts) is the subpackage
peers/, which vmha's tests and benchmarks use too; its failure scenarios
are the subpackage scenarios/; origin.py says where the lab runs from."""
