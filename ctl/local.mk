# lastgoodctl: one dispatcher, verbs grouped by concern.
sbin_PROGRAMS += lastgoodctl
lastgoodctl_SOURCES = \
	%reldir%/ctl.h \
	%reldir%/lastgoodctl.c \
	%reldir%/output.c \
	%reldir%/verb-state.c \
	%reldir%/status-agents.c \
	%reldir%/status-reset.c \
	%reldir%/verb-narrow.c \
	%reldir%/verb-items.c \
	%reldir%/verb-crash.c \
	%reldir%/verb-fleet.c \
	%reldir%/verb-denylist.c \
	%reldir%/deny-write.c %reldir%/deny-write.h \
	%reldir%/verb-arm.c \
	%reldir%/verb-doctor.c \
	%reldir%/verb-plan.c \
	%reldir%/deny.c \
	%reldir%/json-out.c %reldir%/json-out.h \
	%reldir%/strmap.c %reldir%/strmap.h
lastgoodctl_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/ctl \
	-DSYSTEMDSYSTEMUNITDIR=\"$(systemdsystemunitdir)\" \
	-DSYSTEMDSYSTEMGENERATORDIR=\"$(systemdsystemgeneratordir)\"
lastgoodctl_CFLAGS = $(AM_CFLAGS) $(LG_PKG_CFLAGS)
lastgoodctl_LDADD = $(LG_LINK) $(LG_PKG_LIBS)
lastgoodctl_DEPENDENCIES = $(LG_LIBS)

# lastgoodctl doctor, every check ok and broken, against temporary roots.
TESTS += tests/integration/ctl-doctor.sh
EXTRA_DIST += tests/integration/ctl-doctor.sh
TESTS += tests/integration/ctl-monitoring.sh
EXTRA_DIST += tests/integration/ctl-monitoring.sh tests/integration/lib-protected.sh

# The administrator's view: status and its exit codes, plan, the JSON
# schemas of every verb, metrics, the login notice.
ADMIN_TESTS = \
	tests/integration/ctl-plan.sh \
	tests/integration/ctl-status.sh \
	tests/integration/ctl-deny.sh \
	tests/integration/watchdog-notice.sh \
	tests/integration/fleet-large.sh \
	tests/integration/watchdog-health-tiers.sh
TESTS += $(ADMIN_TESTS)
EXTRA_DIST += $(ADMIN_TESTS) tests/integration/check-json.py tests/integration/fleet-gen.py

# The JSON schema of every --json output, for those who consume it.
lastgoodschemasdir = $(datadir)/lastgood/schemas
dist_lastgoodschemas_DATA = schemas/lastgoodctl.schema.json

# Options: each command takes its own (others are usage errors), the
# default command, --quiet, the pager; every --json output against its
# schema, and --help, lastgoodctl(8) and the program agree on which.
TESTS += tests/integration/ctl-options.sh
EXTRA_DIST += tests/integration/ctl-options.sh

# Deny lists from the evidence (issue 20): fleet --deny-list from hostile
# and honest journals, deny-list --from-prometheus.
FLEET_DENY_TESTS = tests/integration/fleet-deny.sh tests/integration/deny-list-prometheus.sh
TESTS += $(FLEET_DENY_TESTS)
EXTRA_DIST += $(FLEET_DENY_TESTS) tests/integration/fleet-entries.py

# The summary behind status, the login notice and STATUS=; the metrics text.
check_PROGRAMS += tests/unit/test-summary
TESTS += tests/unit/test-summary
tests_unit_test_summary_SOURCES = tests/unit/test-summary.c
tests_unit_test_summary_CFLAGS = $(TEST_CFLAGS) $(LG_PKG_CFLAGS)
tests_unit_test_summary_LDADD = $(LG_LINK) $(LG_PKG_LIBS) $(TEST_LIBS)
tests_unit_test_summary_DEPENDENCIES = $(LG_LIBS)
