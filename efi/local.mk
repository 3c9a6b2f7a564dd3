# The boot-state store: record codecs (pure) and the EFI/file backends.
noinst_LIBRARIES += libstore.a
LG_EARLY_LIBS += libstore.a
libstore_a_SOURCES = \
	%reldir%/record.c \
	%reldir%/store.c %reldir%/store.h \
	%reldir%/store-efi.c %reldir%/store-internal.h
libstore_a_CFLAGS = $(AM_CFLAGS) $(LG_PKG_CFLAGS)

# Unit tests of the records (pure) and of the store against a temporary
# efivarfs-like directory, with failure injection through -Wl,--wrap=.
# They link only what they test (not all of LG_LIBS), so that they build
# and run whatever state the other areas are in.
STORE_TEST_LINK = $(LG_GROUP_START) libstore.a libinventory.a libbasic.a $(LG_GROUP_END)
check_PROGRAMS += tests/unit/test-record tests/unit/test-store
TESTS += tests/unit/test-record tests/unit/test-store
tests_unit_test_record_SOURCES = tests/unit/test-record.c
tests_unit_test_record_CFLAGS = $(TEST_CFLAGS) $(LG_PKG_CFLAGS)
tests_unit_test_record_LDADD = $(STORE_TEST_LINK) $(LG_PKG_LIBS) $(TEST_LIBS)
tests_unit_test_record_DEPENDENCIES = libstore.a libinventory.a libbasic.a

# The wrapped symbols are those libstore.a and libbasic.a call directly;
# libefivar's own syscalls are out of reach of --wrap (shared library), so
# its entry points are wrapped instead.
STORE_TEST_WRAPS = -Wl,--wrap=efi_get_variable,--wrap=efi_set_variable,--wrap=efi_del_variable \
	-Wl,--wrap=ioctl,--wrap=write,--wrap=fsync,--wrap=openat,--wrap=renameat
tests_unit_test_store_SOURCES = tests/unit/test-store.c
tests_unit_test_store_CFLAGS = $(TEST_CFLAGS) $(LG_PKG_CFLAGS)
tests_unit_test_store_LDFLAGS = $(STORE_TEST_WRAPS)
tests_unit_test_store_LDADD = $(STORE_TEST_LINK) $(LG_PKG_LIBS) $(TEST_LIBS)
tests_unit_test_store_DEPENDENCIES = libstore.a libinventory.a libbasic.a

# Black-box tests of lastgoodctl's state verbs (status, good, bad, reset, arm).
TESTS += tests/integration/ctl-state.sh tests/integration/ctl-items.sh
EXTRA_DIST += tests/integration/ctl-state.sh tests/integration/ctl-items.sh
