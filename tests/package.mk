# The Debian package (debian/): built from a clean clone and checked with
# lintian by tests/integration/deb-package.sh. A package build runs
# configure with --disable-package-test (a package cannot build itself).
EXTRA_DIST += \
	debian/changelog debian/control debian/copyright debian/rules \
	debian/source/format debian/lastgood.triggers debian/lastgood.docs \
	debian/postinst debian/postrm debian/README.Debian \
	tests/integration/deb-package.sh
if ENABLE_PACKAGE_TEST
TESTS += tests/integration/deb-package.sh
endif
