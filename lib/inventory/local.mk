# The inventory of third-party items (libkmod), the last-known-good
# manifest and its diff, and the withheld-set policy.
noinst_LIBRARIES += libinventory.a
LG_EARLY_LIBS += libinventory.a
libinventory_a_SOURCES = \
	%reldir%/inventory.h \
	%reldir%/inventory.c \
	%reldir%/kmod-api.h \
	%reldir%/kmod-link.c \
	%reldir%/manifest.c \
	%reldir%/policy.c \
	%reldir%/names.c \
	%reldir%/modinfo.c \
	%reldir%/narrow.c %reldir%/narrow.h \
	%reldir%/narrow-file.c \
	%reldir%/deny.c %reldir%/deny.h %reldir%/deny-match.c
libinventory_a_CFLAGS = $(AM_CFLAGS) $(LG_PKG_CFLAGS)


check_PROGRAMS += tests/unit/test-policy
TESTS += tests/unit/test-policy
tests_unit_test_policy_SOURCES = tests/unit/test-policy.c
tests_unit_test_policy_CFLAGS = $(TEST_CFLAGS) $(LG_PKG_CFLAGS)
tests_unit_test_policy_LDADD = $(LG_LINK) $(LG_PKG_LIBS) $(TEST_LIBS)
tests_unit_test_policy_DEPENDENCIES = $(LG_LIBS)
check_PROGRAMS += tests/unit/test-narrow
TESTS += tests/unit/test-narrow
tests_unit_test_narrow_SOURCES = tests/unit/test-narrow.c
tests_unit_test_narrow_CFLAGS = $(TEST_CFLAGS) $(LG_PKG_CFLAGS)
tests_unit_test_narrow_LDADD = $(LG_LINK) $(LG_PKG_LIBS) $(TEST_LIBS)
tests_unit_test_narrow_DEPENDENCIES = $(LG_LIBS)
check_PROGRAMS += tests/unit/test-inventory
TESTS += tests/unit/test-inventory
tests_unit_test_inventory_SOURCES = tests/unit/test-inventory.c
tests_unit_test_inventory_CFLAGS = $(TEST_CFLAGS) $(LG_PKG_CFLAGS)
tests_unit_test_inventory_LDADD = $(LG_LINK) $(LG_PKG_LIBS) $(TEST_LIBS)
tests_unit_test_inventory_DEPENDENCIES = $(LG_LIBS)

# The in-tree test by .modinfo: built objects, every truncation and flipped
# header byte, and the same answer as libkmod on the installed kernel.
check_PROGRAMS += tests/unit/test-modinfo
TESTS += tests/unit/test-modinfo
tests_unit_test_modinfo_SOURCES = tests/unit/test-modinfo.c
tests_unit_test_modinfo_CFLAGS = $(TEST_CFLAGS) $(LG_PKG_CFLAGS)
tests_unit_test_modinfo_LDADD = $(LG_LINK) $(LG_PKG_LIBS) $(TEST_LIBS)
tests_unit_test_modinfo_DEPENDENCIES = $(LG_LIBS)

# Deny lists (lastgood-deny.d(5)): every bad line, the trust rule, the loader.
check_PROGRAMS += tests/unit/test-deny
TESTS += tests/unit/test-deny
tests_unit_test_deny_SOURCES = tests/unit/test-deny.c
tests_unit_test_deny_CFLAGS = $(TEST_CFLAGS) $(LG_PKG_CFLAGS)
tests_unit_test_deny_LDADD = $(LG_LINK) $(LG_PKG_LIBS) $(TEST_LIBS)
tests_unit_test_deny_DEPENDENCIES = $(LG_LIBS)
