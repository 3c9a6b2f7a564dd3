# Agent definitions shipped in /usr/lib/lastgood/agents.d/ (each says its
# source and the version it was checked against), and their test.
agentsdir = $(prefix)/lib/lastgood/agents.d
dist_agents_DATA = \
	%reldir%/elastic-agent.conf \
	%reldir%/falco.conf \
	%reldir%/falcon-sensor.conf \
	%reldir%/mdatp.conf \
	%reldir%/osquery.conf \
	%reldir%/sentinelone.conf \
	%reldir%/wazuh-agent.conf

# Drop-ins for FallbackDropIn= of the shipped definitions.
agentsfallbackdir = $(prefix)/lib/lastgood/fallback
dist_agentsfallback_DATA = %reldir%/fallback/falcon-sensor-kernel.conf

check_PROGRAMS += tests/unit/test-agents-shipped
TESTS += tests/unit/test-agents-shipped
tests_unit_test_agents_shipped_SOURCES = tests/unit/test-agents-shipped.c
tests_unit_test_agents_shipped_CPPFLAGS = $(AM_CPPFLAGS) -DLG_AGENTS_SHIPPED=\"$(abs_top_srcdir)/agents\"
tests_unit_test_agents_shipped_CFLAGS = $(TEST_CFLAGS) $(LG_PKG_CFLAGS)
tests_unit_test_agents_shipped_LDADD = $(LG_LINK) $(LG_PKG_LIBS) $(TEST_LIBS)
tests_unit_test_agents_shipped_DEPENDENCIES = $(LG_LIBS)
