# Journal events: MESSAGE_IDs, the journal and early (kmsg + spool) sinks,
# the spool forwarder, Journal Export Format.
noinst_LIBRARIES += libevents.a
LG_EARLY_LIBS += libevents.a
libevents_a_SOURCES = %reldir%/events.c %reldir%/events.h
libevents_a_CFLAGS = $(AM_CFLAGS) $(LG_PKG_CFLAGS)

check_PROGRAMS += tests/unit/test-events tests/integration/lg-emit-events
TESTS += tests/unit/test-events tests/integration/events-journal.sh tests/integration/catalog.sh
EXTRA_DIST += tests/integration/events-journal.sh tests/integration/catalog.sh
tests_unit_test_events_SOURCES = tests/unit/test-events.c
tests_unit_test_events_CFLAGS = $(TEST_CFLAGS) $(LG_PKG_CFLAGS)
tests_unit_test_events_LDFLAGS = -Wl,--wrap=sd_journal_sendv -Wl,--wrap=access -Wl,--wrap=write
tests_unit_test_events_LDADD = $(LG_LINK) $(LG_PKG_LIBS) $(TEST_LIBS)
tests_unit_test_events_DEPENDENCIES = $(LG_LIBS)
tests_integration_lg_emit_events_SOURCES = tests/integration/lg-emit-events.c
tests_integration_lg_emit_events_CFLAGS = $(AM_CFLAGS) $(LG_PKG_CFLAGS)
tests_integration_lg_emit_events_LDADD = $(LG_LINK) $(LG_PKG_LIBS)
tests_integration_lg_emit_events_DEPENDENCIES = $(LG_LIBS)
