# The operations layer: what more than one program does with the library
# and the store. The proven write (a new last known good), the content
# moves of rollback, quarantine and restore, the /run hand-over from
# lastgood-early to the main system, and the administrator's summary and
# metrics. Programs (initramfs-hook/, generator/, watchdog/, ctl/) link it;
# nothing below it includes its headers.
noinst_LIBRARIES += libops.a
# lastgood-early links it for the hand-over and the modprobe.d writer
# (runstate.c): a static library brings only the objects a program uses.
LG_EARLY_LIBS += libops.a
libops_a_SOURCES = \
	%reldir%/proven.c %reldir%/proven.h \
	%reldir%/proven-narrow.c \
	%reldir%/apply.c %reldir%/apply.h \
	%reldir%/runstate.c %reldir%/runstate.h \
	%reldir%/summary.c %reldir%/summary.h \
	%reldir%/metrics.c %reldir%/metrics.h \
	%reldir%/fingerprints.c %reldir%/fingerprints.h
libops_a_CFLAGS = $(AM_CFLAGS) $(LG_PKG_CFLAGS)

# Unit test of the moves, with failures injected through the linker
# (-Wl,--wrap): EXDEV to force the copy path, ENOSPC, vanishing files.
check_PROGRAMS += tests/unit/test-apply
TESTS += tests/unit/test-apply
tests_unit_test_apply_SOURCES = tests/unit/test-apply.c
tests_unit_test_apply_CFLAGS = $(TEST_CFLAGS) $(LG_PKG_CFLAGS)
tests_unit_test_apply_LDFLAGS = -Wl,--wrap=renameat2 -Wl,--wrap=copy_file_range -Wl,--wrap=write
tests_unit_test_apply_LDADD = $(LG_LINK) $(LG_PKG_LIBS) $(TEST_LIBS)
tests_unit_test_apply_DEPENDENCIES = $(LG_LIBS)

# Unit tests of the proven write.
check_PROGRAMS += tests/unit/test-proven
TESTS += tests/unit/test-proven
tests_unit_test_proven_SOURCES = tests/unit/test-proven.c tests/unit/enospc-wrap.c tests/unit/enospc-wrap.h
tests_unit_test_proven_CPPFLAGS = $(AM_CPPFLAGS) -DLG_TEST_FIXTURES=\"$(abs_top_srcdir)/tests/fixtures\"
tests_unit_test_proven_CFLAGS = $(TEST_CFLAGS) $(LG_PKG_CFLAGS)
# A full /var and a full NVRAM (ENOSPC), injected through the linker.
tests_unit_test_proven_LDFLAGS = -Wl,--wrap=write,--wrap=copy_file_range,--wrap=ioctl,--wrap=efi_set_variable
tests_unit_test_proven_LDADD = $(LG_LINK) $(LG_PKG_LIBS) $(TEST_LIBS)
tests_unit_test_proven_DEPENDENCIES = $(LG_LIBS)
