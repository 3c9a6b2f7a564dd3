# End-to-end suite: real boots under QEMU (TCG) + OVMF, see tests/e2e/lib.sh.
# Needs root and the packages of .ci/packages; builds a Debian 12 guest once
# per run (cached under tests/e2e/.cache in the build tree, keyed by its
# inputs; LASTGOOD_E2E_CACHE moves it).
#
# The scenarios run against what the Debian package (`dpkg -i`, built from
# the source tree as it is) installs into the guest; they
# are part of `make check` (unless configured with --disable-e2e), and
# `make check-e2e` runs the end-to-end suite alone.

E2E_SELFTEST = %reldir%/rig-selftest.sh
# Builds that need the rig's roots but no QEMU: the Debian 13 package with
# its tests (scenario-trixie.sh boots what it built).
E2E_BUILDS = %reldir%/trixie-build.sh
# Longest first (tests/e2e/README.md, "Time"): with two guests at a time,
# the long ones started last would leave one slot idle at the end; the
# trixie guest after the trixie build has had time to make its package.
E2E_SCENARIOS = \
	%reldir%/scenario-update-then-reboot.sh \
	%reldir%/scenario-late-crash-loop.sh \
	%reldir%/scenario-fleet-immunity.sh \
	%reldir%/scenario-module-crash-loop.sh \
	%reldir%/scenario-narrowing.sh \
	%reldir%/scenario-exhausted.sh \
	%reldir%/scenario-trixie.sh \
	%reldir%/scenario-do-no-harm.sh \
	%reldir%/scenario-agent-content-crash-loop.sh \
	%reldir%/scenario-steady-state.sh \
	%reldir%/scenario-dracut.sh \
	%reldir%/scenario-overrides.sh \
	%reldir%/scenario-stock-panic.sh \
	%reldir%/scenario-hang-loop.sh \
	%reldir%/scenario-agent-fallback.sh \
	%reldir%/scenario-crash-log-fast-path.sh \
	%reldir%/scenario-oops-loop.sh \
	%reldir%/scenario-no-dbus.sh

if ENABLE_E2E
TESTS += $(E2E_BUILDS) $(E2E_SELFTEST) $(E2E_SCENARIOS)
endif

check-e2e:
	$(MAKE) $(AM_MAKEFLAGS) check TESTS="$(E2E_BUILDS) $(E2E_SELFTEST) $(E2E_SCENARIOS)"

# Everything else: tools/test-all.sh runs it beside check-e2e (the guests
# first, the rest at a lower priority in the CPU time they leave).
check-no-e2e:
	@e2e=' $(E2E_BUILDS) $(E2E_SELFTEST) $(E2E_SCENARIOS) '; list=; \
	for t in $(TESTS); do \
		case "$$e2e" in *" $$t "*) ;; *) list="$$list $$t" ;; esac; \
	done; \
	$(MAKE) $(AM_MAKEFLAGS) check TESTS="$$list"

demo-e2e:
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
		$(SHELL) $(abs_top_srcdir)/%reldir%/demo.sh

bench-boot-time:
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
		$(SHELL) $(abs_top_srcdir)/bench/boot-time.sh

.PHONY: check-e2e check-no-e2e demo-e2e bench-boot-time

EXTRA_DIST += \
	%reldir%/README.md \
	%reldir%/lib.sh \
	%reldir%/reset-lib.sh \
	%reldir%/efivars.py \
	%reldir%/time-table.sh \
	%reldir%/build-image.sh \
	%reldir%/boot.sh \
	%reldir%/demo.sh \
	$(E2E_BUILDS) \
	$(E2E_SELFTEST) \
	$(E2E_SCENARIOS) \
	%reldir%/modules/lgcrash/Makefile \
	%reldir%/modules/lgcrash/lgcrash.c \
	%reldir%/guest/e2e-report \
	%reldir%/guest/e2e-report.service \
	%reldir%/guest/e2e-crash.service \
	%reldir%/guest/fakeagent \
	%reldir%/guest/fakeagent-fallback.service \
	%reldir%/guest/fakeagent.service \
	%reldir%/guest/fakeagent-push \
	%reldir%/guest/fakeagent-push.service \
	%reldir%/guest/fakeagent.conf \
	%reldir%/guest/lastgood.conf

clean-e2e-cache:
	-rm -rf $(abs_top_builddir)/%reldir%/.cache
.PHONY: clean-e2e-cache
