# lastgood-early and its initramfs integrations (initramfs-tools, dracut).
# It links the early-safe libraries only (LG_EARLY_LINK, Makefile.am):
# libefivar and libkmod, no libsystemd, json-c or libudev in the initramfs.
sbin_PROGRAMS += lastgood-early
# libkmod by dlopen() on first use (lib/inventory/kmod-api.h), as in the
# watchdog: a steady boot reads no module file and loads no softdog, so it
# never maps libkmod and the libcrypto, liblzma and libzstd it pulls in
# (start-up was 44% of a steady pre-udev with them; the initramfs hooks
# copy libkmod.so.2 themselves, since their ldd walk no longer sees it).
lastgood_early_SOURCES = %reldir%/lastgood-early.c lib/inventory/kmod-dlopen.c
lastgood_early_CFLAGS = $(AM_CFLAGS) $(LG_PKG_CFLAGS)
lastgood_early_LDADD = $(LG_EARLY_LINK) $(EFIVAR_LIBS) $(INIH_EARLY_LIBS) $(DL_LIBS)
lastgood_early_DEPENDENCIES = $(LG_EARLY_LIBS)

# Test driver of the early-*.sh integration tests.
check_PROGRAMS += tests/integration/early-helper
tests_integration_early_helper_SOURCES = tests/integration/early-helper.c
tests_integration_early_helper_CFLAGS = $(AM_CFLAGS) $(LG_PKG_CFLAGS)
tests_integration_early_helper_LDADD = $(LG_LINK) $(LG_PKG_LIBS)
tests_integration_early_helper_DEPENDENCIES = $(LG_LIBS)

# lastgood-early once more, with write() failing as on a full /run
# (tests/integration/early-full.c, -Wl,--wrap=write), for early-bad-state.sh.
check_PROGRAMS += tests/integration/lastgood-early-full
tests_integration_lastgood_early_full_SOURCES = %reldir%/lastgood-early.c tests/integration/early-full.c
tests_integration_lastgood_early_full_CFLAGS = $(AM_CFLAGS) $(LG_PKG_CFLAGS)
tests_integration_lastgood_early_full_LDFLAGS = -Wl,--wrap=write
tests_integration_lastgood_early_full_LDADD = $(LG_EARLY_LINK) $(LG_EARLY_PKG_LIBS)
tests_integration_lastgood_early_full_DEPENDENCIES = $(LG_EARLY_LIBS)

# lastgood-early once more, with a watchdog device and a read-only
# /proc/sys emulated on the plain files of a test root
# (tests/unit/wdt-emul.c, -Wl,--wrap=ioctl,--wrap=openat), for
# early-reset.sh.
check_PROGRAMS += tests/integration/lastgood-early-wdt
tests_integration_lastgood_early_wdt_SOURCES = %reldir%/lastgood-early.c tests/unit/wdt-emul.c
tests_integration_lastgood_early_wdt_CFLAGS = $(AM_CFLAGS) $(LG_PKG_CFLAGS)
tests_integration_lastgood_early_wdt_LDFLAGS = -Wl,--wrap=ioctl -Wl,--wrap=openat
tests_integration_lastgood_early_wdt_LDADD = $(LG_EARLY_LINK) $(LG_EARLY_PKG_LIBS)
tests_integration_lastgood_early_wdt_DEPENDENCIES = $(LG_EARLY_LIBS)

# initramfs-tools: the hook and the two boot scripts.
initramfstoolshooksdir = $(initramfstoolsdir)/hooks
dist_initramfstoolshooks_SCRIPTS = %reldir%/initramfs-tools/hooks/lastgood
initramfstoolsinittopdir = $(initramfstoolsdir)/scripts/init-top
dist_initramfstoolsinittop_SCRIPTS = %reldir%/initramfs-tools/scripts/init-top/lastgood
initramfstoolslocalbottomdir = $(initramfstoolsdir)/scripts/local-bottom
dist_initramfstoolslocalbottom_SCRIPTS = %reldir%/initramfs-tools/scripts/local-bottom/lastgood

# dracut: module 90lastgood (systemd units and non-systemd hooks).
dracutlastgooddir = $(dracutmoduledir)/90lastgood
dist_dracutlastgood_SCRIPTS = \
	%reldir%/dracut/90lastgood/module-setup.sh \
	%reldir%/dracut/90lastgood/lastgood-pre-udev.sh \
	%reldir%/dracut/90lastgood/lastgood-pre-pivot.sh
dist_dracutlastgood_DATA = \
	%reldir%/dracut/90lastgood/lastgood-pre-udev.service \
	%reldir%/dracut/90lastgood/lastgood-pre-switch.service

# Integration tests of lastgood-early (temporary roots from the fake module
# tree of tests/fixtures/modules; EFI variables in a plain folder) and of
# the real initramfs builders over the installed cloud kernel.
EARLY_TESTS = \
	tests/integration/early-levels.sh \
	tests/integration/early-overrides.sh \
	tests/integration/early-quarantine.sh \
	tests/integration/early-deny.sh \
	tests/integration/early-modprobe.sh \
	tests/integration/early-bad-tree.sh \
	tests/integration/early-many-modules.sh \
	tests/integration/early-bad-state.sh \
	tests/integration/early-reset.sh \
	tests/integration/narrowing.sh
INITRAMFS_TESTS = \
	tests/integration/early-links.sh \
	tests/integration/initramfs-tools.sh \
	tests/integration/initramfs-dracut.sh
TESTS += $(EARLY_TESTS) $(INITRAMFS_TESTS)
EXTRA_DIST += $(EARLY_TESTS) $(INITRAMFS_TESTS) \
	tests/integration/early-lib.sh \
	tests/fixtures/modules/build-tree.sh \
	tests/fixtures/modules/mkmod.sh
