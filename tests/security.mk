# Issue 10, security hardening: each attack of a hostile agent user, fleet
# uploader or name is a test here (integration tests act as an unprivileged
# user against a temporary root; unit tests of the safe path helpers).
SECURITY_TESTS = \
	tests/integration/security-symlinks.sh \
	tests/integration/security-ctime.sh \
	tests/integration/security-cold-record.sh \
	tests/integration/security-budget.sh \
	tests/integration/security-fleet.sh \
	tests/integration/security-health.sh \
	tests/integration/security-runtime.sh \
	tests/integration/security-sparse-store.sh \
	tests/integration/security-copy-race.sh
TESTS += $(SECURITY_TESTS)
EXTRA_DIST += $(SECURITY_TESTS) tests/integration/security-lib.sh tests/integration/tap-lib.sh

check_PROGRAMS += tests/unit/test-safepath
TESTS += tests/unit/test-safepath
tests_unit_test_safepath_SOURCES = tests/unit/test-safepath.c
tests_unit_test_safepath_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/watchdog
tests_unit_test_safepath_CFLAGS = $(TEST_CFLAGS) $(LG_PKG_CFLAGS)
tests_unit_test_safepath_LDFLAGS = -Wl,--wrap=syscall
tests_unit_test_safepath_LDADD = libwatchdog.a $(LG_LINK) $(LG_PKG_LIBS) $(UDEV_LIBS) $(TEST_LIBS)
tests_unit_test_safepath_DEPENDENCIES = libwatchdog.a $(LG_LIBS)

# Issue 18, rows 7 and 8: an agent user's file names in the commands the
# tool suggests and in the login notice.
TESTS += tests/integration/security-names.sh
EXTRA_DIST += tests/integration/security-names.sh

# Issue 18, safe-mode abuse by an agent's own user: a content flood must
# not fail a boot (the hang reset, the proof, the cost of judging) nor
# steer the narrowing; the panic settings go back once proven.
SECURITY_FLOOD_TESTS = \
	tests/integration/security-content-flood.sh \
	tests/integration/security-narrowing-flood.sh
TESTS += $(SECURITY_FLOOD_TESTS)
EXTRA_DIST += $(SECURITY_FLOOD_TESTS)
