# systemd units of lastgood. Units that need a path of the build (libexec)
# are made from NAME.in with $(lg_unit_subst); add a unit by appending it to
# lg_units_in (source) or lg_units_static (no substitution).
lg_unit_subst = sed -e 's|@pkglibexecdir@|$(libexecdir)/lastgood|g' \
	-e 's|@libexecdir@|$(libexecdir)|g' -e 's|@sbindir@|$(sbindir)|g' \
	-e 's|@bindir@|$(bindir)|g'

lg_units_in = \
	%reldir%/lastgood-watchdog.service.in \
	%reldir%/lastgood-check.service.in \
	%reldir%/lastgood-apply.service.in
lg_units_static =

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
