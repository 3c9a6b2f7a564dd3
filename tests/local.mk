# Unit tests (cmocka) shared settings. Each area adds its own tests in its
# fragment; this one holds the state machine's table test.
TEST_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) -I$(top_srcdir)/tests/unit
TEST_LIBS = $(CMOCKA_LIBS)

check_PROGRAMS += tests/unit/test-machine
TESTS += tests/unit/test-machine
tests_unit_test_machine_SOURCES = tests/unit/test-machine.c
tests_unit_test_machine_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_machine_LDADD = $(LG_LINK) $(LG_PKG_LIBS) $(TEST_LIBS)
tests_unit_test_machine_DEPENDENCIES = $(LG_LIBS)

# Caches of the tests in the build tree (built fake modules, downloaded
# dracut .debs, the end-to-end guest): kept by `make clean`, which should
# not cost a rebuild of the guest; gone with `make distclean`.
distclean-local:
	-rm -rf $(abs_top_builddir)/tests/fixtures-cache $(abs_top_builddir)/tests/e2e/.cache
EXTRA_DIST += tests/unit/test-state.h

# The watchdog's libkmod by dlopen(): its object before the libraries, as
# in lastgood-watchdog, and no -lkmod.
check_PROGRAMS += tests/unit/test-kmod-dlopen
TESTS += tests/unit/test-kmod-dlopen
tests_unit_test_kmod_dlopen_SOURCES = tests/unit/test-kmod-dlopen.c lib/inventory/kmod-dlopen.c
tests_unit_test_kmod_dlopen_CPPFLAGS = $(AM_CPPFLAGS) -DLG_TEST_FIXTURES=\"$(abs_top_srcdir)/tests/fixtures\"
tests_unit_test_kmod_dlopen_CFLAGS = $(TEST_CFLAGS) $(LG_PKG_CFLAGS)
tests_unit_test_kmod_dlopen_LDADD = $(LG_LINK) $(EFIVAR_LIBS) $(SYSTEMD_LIBS) $(JSONC_LIBS) $(INIH_LIBS) \
	$(DL_LIBS) $(TEST_LIBS)
tests_unit_test_kmod_dlopen_DEPENDENCIES = $(LG_LIBS)
