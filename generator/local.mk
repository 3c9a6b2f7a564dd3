# The systemd generator, the apply unit's program, and the safe content
# moves they share with lastgoodctl (libapply.a).
noinst_LIBRARIES += libapply.a
LG_LIBS += libapply.a
libapply_a_SOURCES = %reldir%/apply.c %reldir%/apply.h
libapply_a_CFLAGS = $(AM_CFLAGS) $(LG_PKG_CFLAGS)

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

# Unit test of the moves, with failures injected through the linker
# (-Wl,--wrap): EXDEV to force the copy path, ENOSPC, vanishing files.
check_PROGRAMS += tests/unit/test-apply
TESTS += tests/unit/test-apply
tests_unit_test_apply_SOURCES = tests/unit/test-apply.c
tests_unit_test_apply_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/generator
tests_unit_test_apply_CFLAGS = $(TEST_CFLAGS) $(LG_PKG_CFLAGS)
tests_unit_test_apply_LDFLAGS = -Wl,--wrap=renameat2 -Wl,--wrap=copy_file_range -Wl,--wrap=write
tests_unit_test_apply_LDADD = $(LG_LINK) $(LG_PKG_LIBS) $(TEST_LIBS)
tests_unit_test_apply_DEPENDENCIES = $(LG_LIBS)


GENERATOR_TESTS = \
	tests/integration/generator-basic.sh \
	tests/integration/generator-nonefi.sh \
	tests/integration/apply-policies.sh \
	tests/integration/castore-upgrade.sh \
	tests/integration/fleet.sh \
	tests/integration/install-five-boots.sh
TESTS += $(GENERATOR_TESTS)
EXTRA_DIST += $(GENERATOR_TESTS) tests/integration/lib-generator.sh
