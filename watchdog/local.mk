# lastgood-watchdog: health, healthy/proven bookkeeping, the proven write,
# the runtime change watch. Its parts are a library so that unit tests (and
# lastgoodctl good, if it wants the same proven write) can link them.
noinst_LIBRARIES += libwatchdog.a
libwatchdog_a_SOURCES = \
	%reldir%/health.c %reldir%/health.h \
	%reldir%/proven.c %reldir%/proven.h \
	%reldir%/watch.c %reldir%/watch.h \
	%reldir%/bus.c %reldir%/bus.h
libwatchdog_a_CFLAGS = $(AM_CFLAGS) $(LG_PKG_CFLAGS) $(UDEV_CFLAGS)

lastgoodlibexecdir = $(libexecdir)/lastgood
lastgoodlibexec_PROGRAMS = lastgood-watchdog
lastgood_watchdog_SOURCES = %reldir%/lastgood-watchdog.c
lastgood_watchdog_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/watchdog
lastgood_watchdog_CFLAGS = $(AM_CFLAGS) $(LG_PKG_CFLAGS) $(UDEV_CFLAGS)
lastgood_watchdog_LDADD = libwatchdog.a $(LG_LINK) $(LG_PKG_LIBS) $(UDEV_LIBS)
lastgood_watchdog_DEPENDENCIES = libwatchdog.a $(LG_LIBS)

# Unit tests of the health checks runner and of the proven write.
check_PROGRAMS += tests/unit/test-health tests/unit/test-proven
TESTS += tests/unit/test-health tests/unit/test-proven
tests_unit_test_health_SOURCES = tests/unit/test-health.c
tests_unit_test_health_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/watchdog
tests_unit_test_health_CFLAGS = $(TEST_CFLAGS) $(LG_PKG_CFLAGS)
tests_unit_test_health_LDADD = libwatchdog.a $(LG_LINK) $(LG_PKG_LIBS) $(UDEV_LIBS) $(TEST_LIBS)
tests_unit_test_health_DEPENDENCIES = libwatchdog.a $(LG_LIBS)
tests_unit_test_proven_SOURCES = tests/unit/test-proven.c
tests_unit_test_proven_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/watchdog \
	-DLG_TEST_FIXTURES=\"$(abs_top_srcdir)/tests/fixtures\"
tests_unit_test_proven_CFLAGS = $(TEST_CFLAGS) $(LG_PKG_CFLAGS)
# A full /var and a full NVRAM (ENOSPC), injected through the linker.
tests_unit_test_proven_LDFLAGS = -Wl,--wrap=write,--wrap=copy_file_range,--wrap=ioctl,--wrap=efi_set_variable
tests_unit_test_proven_LDADD = libwatchdog.a $(LG_LINK) $(LG_PKG_LIBS) $(UDEV_LIBS) $(TEST_LIBS)
tests_unit_test_proven_DEPENDENCIES = libwatchdog.a $(LG_LIBS)

# Daemon tests: the real daemon, a private D-Bus with a stub of the
# service manager, a notify socket bound by the test.
WATCHDOG_TESTS = \
	tests/integration/watchdog-lifecycle.sh \
	tests/integration/watchdog-checks.sh \
	tests/integration/watchdog-crash-steps.sh \
	tests/integration/watchdog-bad-input.sh \
	tests/integration/watchdog-runtime.sh \
	tests/integration/watchdog-installed.sh \
	tests/integration/watchdog-units.sh
TESTS += $(WATCHDOG_TESTS)
EXTRA_DIST += $(WATCHDOG_TESTS) \
	tests/integration/watchdog-lib.sh \
	tests/integration/watchdog-systemd-stub.py \
	tests/integration/watchdog-notify.py
