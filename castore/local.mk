# The content-addressed store of last good copies and the generation index
# that names them (castore.h), with SHA-256 (lib/basic/sha256.c) for the
# names.
noinst_LIBRARIES += libcastore.a
LG_MAIN_LIBS += libcastore.a
libcastore_a_SOURCES = \
	%reldir%/castore.c %reldir%/castore.h \
	%reldir%/copies.c

# Put, lookup, prune, damaged and missing store files, the index format;
# ioctl (FICLONE), copy_file_range and write wrapped for ENOSPC.
check_PROGRAMS += tests/unit/test-castore
TESTS += tests/unit/test-castore
tests_unit_test_castore_SOURCES = tests/unit/test-castore.c tests/unit/enospc-wrap.c tests/unit/enospc-wrap.h
tests_unit_test_castore_CFLAGS = $(TEST_CFLAGS) $(LG_PKG_CFLAGS)
tests_unit_test_castore_LDFLAGS = -Wl,--wrap=copy_file_range -Wl,--wrap=ioctl -Wl,--wrap=write
tests_unit_test_castore_LDADD = $(LG_LINK) $(LG_PKG_LIBS) $(TEST_LIBS)
tests_unit_test_castore_DEPENDENCIES = $(LG_LIBS)
