# Sequences of simulated boots through the real programs (lastgood-early,
# lastgood-apply, lastgood-watchdog with the D-Bus stub, lastgoodctl):
# issue 15's counting patterns, with the NVRAM writes of every boot.
COUNTING_TESTS = \
	tests/integration/counting-patterns.sh \
	tests/integration/counting-patterns-more.sh \
	tests/integration/counting-patterns-faults.sh \
	tests/integration/counting-patterns-attacker.sh
TESTS += $(COUNTING_TESTS)
EXTRA_DIST += $(COUNTING_TESTS) \
	tests/integration/patterns-lib.sh \
	tests/integration/patterns-run.sh \
	tests/integration/nvram-count.py

# The source tree's layers: no program folder includes another's headers,
# no layer includes one above it.
TESTS += tests/integration/layers.sh
EXTRA_DIST += tests/integration/layers.sh

# OnSafeMode=fallback and agents named by their process (issue 21).
TESTS += tests/integration/generator-fallback.sh
EXTRA_DIST += tests/integration/generator-fallback.sh tests/fixtures/agents
