# lastgood-early and its initramfs integrations (initramfs-tools, dracut).
sbin_PROGRAMS += lastgood-early
lastgood_early_SOURCES = %reldir%/lastgood-early.c
lastgood_early_CFLAGS = $(AM_CFLAGS) $(LG_PKG_CFLAGS)
lastgood_early_LDADD = $(LG_LINK) $(LG_PKG_LIBS)
lastgood_early_DEPENDENCIES = $(LG_LIBS)

# Test driver of the early-*.sh integration tests.
check_PROGRAMS += tests/integration/early-helper
tests_integration_early_helper_SOURCES = tests/integration/early-helper.c
tests_integration_early_helper_CFLAGS = $(AM_CFLAGS) $(LG_PKG_CFLAGS)
tests_integration_early_helper_LDADD = $(LG_LINK) $(LG_PKG_LIBS)
tests_integration_early_helper_DEPENDENCIES = $(LG_LIBS)
