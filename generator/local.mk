# The systemd generator and the apply unit's program (the content moves
# they run are in ops/apply.c).

systemdsystemgenerator_PROGRAMS = lastgood-generator
lastgood_generator_SOURCES = %reldir%/lastgood-generator.c
lastgood_generator_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/generator \
	-DSYSTEMDSYSTEMUNITDIR=\"$(systemdsystemunitdir)\"
lastgood_generator_CFLAGS = $(AM_CFLAGS) $(LG_PKG_CFLAGS)
lastgood_generator_LDADD = $(LG_LINK) $(LG_PKG_LIBS)
lastgood_generator_DEPENDENCIES = $(LG_LIBS)

pkglibexec_PROGRAMS = lastgood-apply
lastgood_apply_SOURCES = %reldir%/lastgood-apply.c
lastgood_apply_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/generator
lastgood_apply_CFLAGS = $(AM_CFLAGS) $(LG_PKG_CFLAGS)
lastgood_apply_LDADD = $(LG_LINK) $(LG_PKG_LIBS)
lastgood_apply_DEPENDENCIES = $(LG_LIBS)



GENERATOR_TESTS = \
	tests/integration/generator-basic.sh \
	tests/integration/generator-nonefi.sh \
	tests/integration/apply-policies.sh \
	tests/integration/apply-deny.sh \
	tests/integration/castore-upgrade.sh \
	tests/integration/fleet.sh \
	tests/integration/install-five-boots.sh
TESTS += $(GENERATOR_TESTS)
EXTRA_DIST += $(GENERATOR_TESTS) tests/integration/lib-generator.sh
