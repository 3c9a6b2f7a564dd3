# Benchmarks (run by hand, not part of `make check`): figures for the
# "Speed" and "Footprint" targets of issues #3 and #4. Each script says
# what it measures and how; both need hyperfine and strace, and
# bench-early the installed linux-image-cloud-amd64 modules.
bench-early: lastgood-early$(EXEEXT) tests/integration/early-helper$(EXEEXT)
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
		$(SHELL) $(abs_top_srcdir)/bench/early-stage.sh

bench-watchdog: lastgood-watchdog$(EXEEXT)
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
		$(SHELL) $(abs_top_srcdir)/bench/watchdog-footprint.sh

# lastgoodctl fleet over 10,000 hosts and 40,000 entries (issue #13), and
# fleet --deny-list over 50,000 and 100,000 hosts (issue 20).
bench-fleet: lastgoodctl$(EXEEXT)
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
		$(SHELL) $(abs_top_srcdir)/bench/fleet.sh

# The boot-time cost of a 100,000-entry deny list and of fingerprints
# (issue #20).
bench-deny: lastgood-early$(EXEEXT) tests/integration/early-helper$(EXEEXT)
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
		$(SHELL) $(abs_top_srcdir)/bench/deny.sh

.PHONY: bench-early bench-watchdog bench-fleet bench-deny
