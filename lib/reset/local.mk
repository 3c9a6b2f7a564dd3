# Every failure ends in a reset: the kernel's panic settings and the hang
# reset (a watchdog device deadline) of armed boots.
noinst_LIBRARIES += libreset.a
LG_EARLY_LIBS += libreset.a
libreset_a_SOURCES = \
	%reldir%/reset.c %reldir%/reset.h %reldir%/reset-internal.h \
	%reldir%/reset-wdt.c
libreset_a_CFLAGS = $(AM_CFLAGS) $(LG_PKG_CFLAGS)

# The watchdog device is emulated on a plain file by wrapping ioctl() and
# openat() (tests/unit/test-reset.c); everything else is the real code.
check_PROGRAMS += tests/unit/test-reset
TESTS += tests/unit/test-reset
tests_unit_test_reset_SOURCES = tests/unit/test-reset.c tests/unit/wdt-emul.c tests/unit/wdt-emul.h
tests_unit_test_reset_CFLAGS = $(TEST_CFLAGS) $(LG_PKG_CFLAGS)
tests_unit_test_reset_LDFLAGS = -Wl,--wrap=ioctl -Wl,--wrap=openat
tests_unit_test_reset_LDADD = $(LG_LINK) $(LG_PKG_LIBS) $(TEST_LIBS)
tests_unit_test_reset_DEPENDENCIES = $(LG_LIBS)
