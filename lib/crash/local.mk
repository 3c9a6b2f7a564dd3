# Crash-log attribution and pstore reading (issue 5).
noinst_LIBRARIES += libcrash.a
LG_EARLY_LIBS += libcrash.a
libcrash_a_SOURCES = \
	%reldir%/crash.h \
	%reldir%/crash-internal.h \
	%reldir%/crash.c \
	%reldir%/crash-parse.c \
	%reldir%/crash-families.c \
	%reldir%/bpf-record.c \
	%reldir%/pstore.c
libcrash_a_CFLAGS = $(AM_CFLAGS) $(LG_PKG_CFLAGS)

check_PROGRAMS += tests/unit/test-crash tests/unit/test-pstore
TESTS += tests/unit/test-crash tests/unit/test-pstore tests/integration/crash-fixtures.sh
EXTRA_DIST += tests/integration/crash-fixtures.sh tests/fixtures/oops
tests_unit_test_crash_SOURCES = tests/unit/test-crash.c
tests_unit_test_crash_CFLAGS = $(TEST_CFLAGS) $(LG_PKG_CFLAGS)
tests_unit_test_crash_LDADD = $(LG_LINK) $(LG_PKG_LIBS) $(TEST_LIBS)
tests_unit_test_crash_DEPENDENCIES = $(LG_LIBS)
tests_unit_test_pstore_SOURCES = tests/unit/test-pstore.c
tests_unit_test_pstore_CFLAGS = $(TEST_CFLAGS) $(LG_PKG_CFLAGS)
tests_unit_test_pstore_LDADD = $(LG_LINK) $(LG_PKG_LIBS) $(TEST_LIBS)
tests_unit_test_pstore_DEPENDENCIES = $(LG_LIBS)

# lg_pstore_reassemble(): pstore's parts in a text (issue 15).
check_PROGRAMS += tests/unit/test-pstore-text
TESTS += tests/unit/test-pstore-text tests/integration/crash-pstore.sh
EXTRA_DIST += tests/integration/crash-pstore.sh tests/fixtures/pstore
tests_unit_test_pstore_text_SOURCES = tests/unit/test-pstore-text.c
tests_unit_test_pstore_text_CFLAGS = $(TEST_CFLAGS) $(LG_PKG_CFLAGS)
tests_unit_test_pstore_text_LDADD = $(LG_LINK) $(LG_PKG_LIBS) $(TEST_LIBS)
tests_unit_test_pstore_text_DEPENDENCIES = $(LG_LIBS)

# Agents named by their process or their eBPF programs (issue 21).
check_PROGRAMS += tests/unit/test-crash-agents
TESTS += tests/unit/test-crash-agents
tests_unit_test_crash_agents_SOURCES = tests/unit/test-crash-agents.c
tests_unit_test_crash_agents_CFLAGS = $(TEST_CFLAGS) $(LG_PKG_CFLAGS)
tests_unit_test_crash_agents_LDADD = $(LG_LINK) $(LG_PKG_LIBS) $(TEST_LIBS)
tests_unit_test_crash_agents_DEPENDENCIES = $(LG_LIBS)
