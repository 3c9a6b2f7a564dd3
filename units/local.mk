# systemd units of lastgood. Units that need a path of the build (libexec)
# are made from NAME.in with $(lg_unit_subst); add a unit by appending it to
# lg_units_in (source) or lg_units_static (no substitution).
lg_unit_subst = sed -e 's|@pkglibexecdir@|$(libexecdir)/lastgood|g' \
	-e 's|@libexecdir@|$(libexecdir)|g' -e 's|@sbindir@|$(sbindir)|g' \
	-e 's|@bindir@|$(bindir)|g'

lg_units_in = \
	%reldir%/lastgood-watchdog.service.in \
	%reldir%/lastgood-check.service.in \
	%reldir%/lastgood-apply.service.in \
	%reldir%/lastgood-metrics.service.in
lg_units_static = %reldir%/lastgood-metrics.timer

systemdsystemunit_DATA = $(lg_units_in:.in=) $(lg_units_static)
CLEANFILES += $(lg_units_in:.in=)
EXTRA_DIST += $(lg_units_in) $(lg_units_static)

# One explicit rule per generated unit (pattern rules are a GNU make
# extension that automake -Wall refuses).
%reldir%/lastgood-watchdog.service: %reldir%/lastgood-watchdog.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) $(@D) && $(lg_unit_subst) < $< > $@.tmp && mv $@.tmp $@
%reldir%/lastgood-check.service: %reldir%/lastgood-check.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) $(@D) && $(lg_unit_subst) < $< > $@.tmp && mv $@.tmp $@

# Journal catalog of the MESSAGE_IDs (lastgood events).
dist_catalog_DATA = %reldir%/lastgood.catalog
%reldir%/lastgood-apply.service: %reldir%/lastgood-apply.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) $(@D) && $(lg_unit_subst) < $< > $@.tmp && mv $@.tmp $@

# node_exporter's textfile: lastgood-metrics.timer runs the service every
# minute, which runs lastgood-metrics-textfile (issue 20).
%reldir%/lastgood-metrics.service: %reldir%/lastgood-metrics.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) $(@D) && $(lg_unit_subst) < $< > $@.tmp && mv $@.tmp $@
pkglibexec_SCRIPTS = %reldir%/lastgood-metrics-textfile
CLEANFILES += %reldir%/lastgood-metrics-textfile
EXTRA_DIST += %reldir%/lastgood-metrics-textfile.in
# (lg_hooks_subst: its @sbindir[@] is not replaced by configure itself.)
%reldir%/lastgood-metrics-textfile: %reldir%/lastgood-metrics-textfile.in Makefile
	$(AM_V_GEN)$(MKDIR_P) $(@D) && $(lg_hooks_subst) < $< > $@.tmp && chmod +x $@.tmp && mv $@.tmp $@
TESTS += tests/integration/metrics-units.sh
EXTRA_DIST += tests/integration/metrics-units.sh
