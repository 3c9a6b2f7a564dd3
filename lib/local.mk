# Basic helpers (path context, strv, names, the /run hand-over) and the pure
# state machine.
noinst_LIBRARIES += libbasic.a libstate.a
LG_EARLY_LIBS += libstate.a libbasic.a
libbasic_a_SOURCES = \
	%reldir%/macro.h \
	%reldir%/rootfs.c %reldir%/rootfs.h \
	%reldir%/safepath.c %reldir%/safepath.h \
	%reldir%/qname.c %reldir%/qname.h \
	%reldir%/copy.c %reldir%/copy.h \
	%reldir%/escape.c %reldir%/escape.h \
	%reldir%/log.c %reldir%/log.h \
	%reldir%/strv.c %reldir%/strv.h \
	%reldir%/names.c \
	%reldir%/runstate.c %reldir%/runstate.h \
	%reldir%/summary.c %reldir%/summary.h \
	%reldir%/metrics.c %reldir%/metrics.h \
	%reldir%/taint.c %reldir%/taint.h
libstate_a_SOURCES = \
	%reldir%/bootstate.h %reldir%/inventory.h %reldir%/events.h \
	%reldir%/machine.c %reldir%/machine.h

# The logging helper: every target, the fallbacks, the errno helpers.
check_PROGRAMS += tests/unit/test-log
TESTS += tests/unit/test-log
tests_unit_test_log_SOURCES = tests/unit/test-log.c
tests_unit_test_log_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_log_LDADD = libbasic.a $(TEST_LIBS)
tests_unit_test_log_DEPENDENCIES = libbasic.a
