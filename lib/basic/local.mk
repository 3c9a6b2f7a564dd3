# The basic layer: path context and safe walks, copies, names, strv,
# escaping, the kernel taint. Knows nothing of programs or state.
noinst_LIBRARIES += libbasic.a
LG_EARLY_LIBS += libbasic.a
libbasic_a_SOURCES = \
	%reldir%/macro.h \
	%reldir%/bootstate.h \
	%reldir%/rootfs.c %reldir%/rootfs.h \
	%reldir%/safepath.c %reldir%/safepath.h \
	%reldir%/qname.c %reldir%/qname.h \
	%reldir%/copy.c %reldir%/copy.h \
	%reldir%/escape.c %reldir%/escape.h \
	%reldir%/strv.c %reldir%/strv.h \
	%reldir%/taint.c %reldir%/taint.h \
	%reldir%/log.c %reldir%/log.h \
	%reldir%/sha256.c %reldir%/sha256.h

# The logging helper: every target, the fallbacks, the errno helpers.
check_PROGRAMS += tests/unit/test-log
TESTS += tests/unit/test-log
tests_unit_test_log_SOURCES = tests/unit/test-log.c
tests_unit_test_log_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_log_LDADD = libbasic.a $(TEST_LIBS)
tests_unit_test_log_DEPENDENCIES = libbasic.a
