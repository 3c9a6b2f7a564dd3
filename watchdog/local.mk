# lastgood-watchdog: health, healthy/proven bookkeeping, the proven write,
# the runtime change watch. Its parts are a library so that unit tests (and
# lastgoodctl good, if it wants the same proven write) can link them.
noinst_LIBRARIES += libwatchdog.a
libwatchdog_a_SOURCES = \
	%reldir%/health.c %reldir%/health.h \
	%reldir%/watch.c %reldir%/watch.h \
	%reldir%/deny-watch.c %reldir%/deny-watch.h \
	%reldir%/bus.c %reldir%/bus.h \
	%reldir%/notice.c %reldir%/notice.h \
	%reldir%/health-tiers.c %reldir%/health-tiers.h \
	%reldir%/bpf-record.c %reldir%/bpf-record.h
libwatchdog_a_CFLAGS = $(AM_CFLAGS) $(LG_PKG_CFLAGS) $(UDEV_CFLAGS)

lastgoodlibexecdir = $(libexecdir)/lastgood
lastgoodlibexec_PROGRAMS = lastgood-watchdog
# libkmod by dlopen() (lib/inventory/kmod-api.h): the daemon at rest has neither it
# nor the libcrypto it pulls in mapped. Its object comes before the
# libraries, so the linked provider of libinventory.a is never pulled in.
lastgood_watchdog_SOURCES = %reldir%/lastgood-watchdog.c lib/inventory/kmod-dlopen.c
lastgood_watchdog_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/watchdog
lastgood_watchdog_CFLAGS = $(AM_CFLAGS) $(LG_PKG_CFLAGS) $(UDEV_CFLAGS)
lastgood_watchdog_LDADD = libwatchdog.a $(LG_LINK) $(EFIVAR_LIBS) $(SYSTEMD_LIBS) $(JSONC_LIBS) $(INIH_LIBS) \
	$(UDEV_LIBS) $(DL_LIBS)
lastgood_watchdog_DEPENDENCIES = libwatchdog.a $(LG_LIBS)

# The daemon's test build: the same sources with the test hooks
# (--crash-after-step, --test-module-add; -DLG_TEST_HOOKS), which the
# installed daemon (and so the .deb) does not have. The daemon tests that
# need a hook run this one (WD_TEST in tests/integration/watchdog-lib.sh).
check_PROGRAMS += tests/integration/lastgood-watchdog-test
tests_integration_lastgood_watchdog_test_SOURCES = $(lastgood_watchdog_SOURCES)
tests_integration_lastgood_watchdog_test_CPPFLAGS = $(lastgood_watchdog_CPPFLAGS) -DLG_TEST_HOOKS
tests_integration_lastgood_watchdog_test_CFLAGS = $(lastgood_watchdog_CFLAGS)
tests_integration_lastgood_watchdog_test_LDADD = $(lastgood_watchdog_LDADD)
tests_integration_lastgood_watchdog_test_DEPENDENCIES = $(lastgood_watchdog_DEPENDENCIES)
TESTS += tests/integration/test-hooks.sh
EXTRA_DIST += tests/integration/test-hooks.sh

# Unit tests of the health checks runner.
check_PROGRAMS += tests/unit/test-health
TESTS += tests/unit/test-health
tests_unit_test_health_SOURCES = tests/unit/test-health.c
tests_unit_test_health_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/watchdog
tests_unit_test_health_CFLAGS = $(TEST_CFLAGS) $(LG_PKG_CFLAGS)
tests_unit_test_health_LDADD = libwatchdog.a $(LG_LINK) $(LG_PKG_LIBS) $(UDEV_LIBS) $(TEST_LIBS)
tests_unit_test_health_DEPENDENCIES = libwatchdog.a $(LG_LIBS)

# Daemon tests: the real daemon, a private D-Bus with a stub of the
# service manager, a notify socket bound by the test.
WATCHDOG_TESTS = \
	tests/integration/watchdog-lifecycle.sh \
	tests/integration/watchdog-checks.sh \
	tests/integration/watchdog-crash-steps.sh \
	tests/integration/watchdog-bad-input.sh \
	tests/integration/watchdog-runtime.sh \
	tests/integration/watchdog-deny.sh \
	tests/integration/watchdog-units.sh \
	tests/integration/watchdog-private-bus.sh \
	tests/integration/watchdog-installed.sh
TESTS += $(WATCHDOG_TESTS)
EXTRA_DIST += $(WATCHDOG_TESTS) \
	tests/integration/watchdog-lib.sh \
	tests/integration/hot-record.py \
	tests/integration/store-lib.sh \
	tests/integration/watchdog-systemd-stub.py \
	tests/integration/watchdog-notify.py

# lastgood-watchdog once more, with a watchdog device emulated on a plain
# file of the test root (tests/unit/wdt-emul.c), for watchdog-reset.sh.
check_PROGRAMS += tests/integration/lastgood-watchdog-wdt
tests_integration_lastgood_watchdog_wdt_SOURCES = %reldir%/lastgood-watchdog.c tests/unit/wdt-emul.c
tests_integration_lastgood_watchdog_wdt_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/watchdog
tests_integration_lastgood_watchdog_wdt_CFLAGS = $(AM_CFLAGS) $(LG_PKG_CFLAGS) $(UDEV_CFLAGS)
tests_integration_lastgood_watchdog_wdt_LDFLAGS = -Wl,--wrap=ioctl -Wl,--wrap=openat
tests_integration_lastgood_watchdog_wdt_LDADD = libwatchdog.a $(LG_LINK) $(LG_PKG_LIBS) $(UDEV_LIBS)
tests_integration_lastgood_watchdog_wdt_DEPENDENCIES = libwatchdog.a $(LG_LIBS)
TESTS += tests/integration/watchdog-reset.sh
EXTRA_DIST += tests/integration/watchdog-reset.sh

# The eBPF record (issue 21): a fake /proc under a temporary root.
check_PROGRAMS += tests/unit/test-bpf-record
TESTS += tests/unit/test-bpf-record
tests_unit_test_bpf_record_SOURCES = tests/unit/test-bpf-record.c
tests_unit_test_bpf_record_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/watchdog
tests_unit_test_bpf_record_CFLAGS = $(TEST_CFLAGS) $(LG_PKG_CFLAGS)
tests_unit_test_bpf_record_LDADD = libwatchdog.a $(LG_LINK) $(LG_PKG_LIBS) $(TEST_LIBS)
tests_unit_test_bpf_record_DEPENDENCIES = libwatchdog.a $(LG_LIBS)
