# The pure parsers: kernel command line, lastgood.conf, agent definitions,
# journalctl's time words.
noinst_LIBRARIES += libparse.a
LG_EARLY_LIBS += libparse.a
libparse_a_SOURCES = \
	%reldir%/cmdline.c %reldir%/cmdline.h \
	%reldir%/config.c %reldir%/config.h \
	%reldir%/agents.c \
	%reldir%/agents-units.c \
	%reldir%/timestamp.c %reldir%/timestamp.h \
	%reldir%/parse-util.h
libparse_a_CFLAGS = $(AM_CFLAGS) $(LG_PKG_CFLAGS)

check_PROGRAMS += tests/unit/test-cmdline tests/unit/test-config tests/unit/test-agents
TESTS += tests/unit/test-cmdline tests/unit/test-config tests/unit/test-agents
tests_unit_test_cmdline_SOURCES = tests/unit/test-cmdline.c
tests_unit_test_cmdline_CFLAGS = $(TEST_CFLAGS) $(LG_PKG_CFLAGS)
tests_unit_test_cmdline_LDADD = $(LG_LINK) $(LG_PKG_LIBS) $(TEST_LIBS)
tests_unit_test_cmdline_DEPENDENCIES = $(LG_LIBS)
tests_unit_test_config_SOURCES = tests/unit/test-config.c
tests_unit_test_config_CFLAGS = $(TEST_CFLAGS) $(LG_PKG_CFLAGS)
tests_unit_test_config_LDADD = $(LG_LINK) $(LG_PKG_LIBS) $(TEST_LIBS)
tests_unit_test_config_DEPENDENCIES = $(LG_LIBS)
tests_unit_test_agents_SOURCES = tests/unit/test-agents.c
tests_unit_test_agents_CFLAGS = $(TEST_CFLAGS) $(LG_PKG_CFLAGS)
tests_unit_test_agents_LDADD = $(LG_LINK) $(LG_PKG_LIBS) $(TEST_LIBS)
tests_unit_test_agents_DEPENDENCIES = $(LG_LIBS)

# journalctl's time words (fleet --since=), in fixed time zones.
check_PROGRAMS += tests/unit/test-timestamp
TESTS += tests/unit/test-timestamp
tests_unit_test_timestamp_SOURCES = tests/unit/test-timestamp.c
tests_unit_test_timestamp_CFLAGS = $(TEST_CFLAGS) $(LG_PKG_CFLAGS)
tests_unit_test_timestamp_LDADD = $(LG_LINK) $(LG_PKG_LIBS) $(TEST_LIBS)
tests_unit_test_timestamp_DEPENDENCIES = $(LG_LIBS)
