# Man pages, written in scdoc(5) (Debian package scdoc) and rendered to
# roff at build time. lastgood(7) is the contract for administrators.
LG_MAN_PAGES = \
	%reldir%/lastgood.7 \
	%reldir%/lastgoodctl.8 \
	%reldir%/lastgood-early.8 \
	%reldir%/lastgood-watchdog.8 \
	%reldir%/lastgood-generator.8 \
	%reldir%/lastgood.conf.5 \
	%reldir%/lastgood-agents.d.5 \
	%reldir%/lastgood-deny.d.5
EXTRA_DIST += $(LG_MAN_PAGES:=.scd)

if ENABLE_MAN
man_MANS = $(LG_MAN_PAGES)
CLEANFILES += $(LG_MAN_PAGES)
# One explicit rule per page (pattern rules are a GNU make extension that
# automake -Wall refuses). A page with a table starts with the '\" t hint,
# so that man runs tbl (groff warns otherwise; lintian on Debian 13 too).
LG_SCDOC = $(AM_V_GEN)$(MKDIR_P) $(@D) && $(SCDOC) < $< > $@.tmp && \
	{ ! grep -q '^\.TS' $@.tmp || { printf '%s\n' "'\\\" t" | cat - $@.tmp > $@.tbl && mv $@.tbl $@.tmp; }; } && \
	mv $@.tmp $@
%reldir%/lastgood.7: %reldir%/lastgood.7.scd
	$(LG_SCDOC)
%reldir%/lastgoodctl.8: %reldir%/lastgoodctl.8.scd
	$(LG_SCDOC)
%reldir%/lastgood-early.8: %reldir%/lastgood-early.8.scd
	$(LG_SCDOC)
%reldir%/lastgood-watchdog.8: %reldir%/lastgood-watchdog.8.scd
	$(LG_SCDOC)
%reldir%/lastgood-generator.8: %reldir%/lastgood-generator.8.scd
	$(LG_SCDOC)
%reldir%/lastgood.conf.5: %reldir%/lastgood.conf.5.scd
	$(LG_SCDOC)
%reldir%/lastgood-agents.d.5: %reldir%/lastgood-agents.d.5.scd
	$(LG_SCDOC)
%reldir%/lastgood-deny.d.5: %reldir%/lastgood-deny.d.5.scd
	$(LG_SCDOC)

# Every page renders without a warning, every option of each program's
# --help is in its page, every Documentation= and catalog link resolves.
TESTS += tests/integration/man-pages.sh
endif
EXTRA_DIST += tests/integration/man-pages.sh
