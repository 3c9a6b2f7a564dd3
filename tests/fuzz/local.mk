# libFuzzer targets (configure --enable-fuzzing, CC=clang). Each target is
# one tests/fuzz/fuzz-NAME.c with a seed corpus in tests/fuzz/corpus/NAME/;
# tests/fuzz/run-fuzzers.sh runs each for a bounded time.
FUZZ_CFLAGS = $(AM_CFLAGS) $(LG_PKG_CFLAGS) -fsanitize=fuzzer,address,undefined
# (not FUZZ_LDADD/FUZZ_LDFLAGS: automake -Wall -Werror takes those for the
# variables of a program named FUZZ and fails)
FUZZ_LINK_LIBS = $(LG_LINK) $(LG_PKG_LIBS)
FUZZ_LINK_FLAGS = -fsanitize=fuzzer,address,undefined
if ENABLE_FUZZING
# Each target adds itself here:
#   noinst_PROGRAMS += tests/fuzz/fuzz-NAME
#   tests_fuzz_fuzz_NAME_SOURCES = tests/fuzz/fuzz-NAME.c
#   tests_fuzz_fuzz_NAME_CFLAGS = $(FUZZ_CFLAGS)
#   tests_fuzz_fuzz_NAME_LDFLAGS = $(FUZZ_LINK_FLAGS)
#   tests_fuzz_fuzz_NAME_LDADD = $(FUZZ_LINK_LIBS)
#   tests_fuzz_fuzz_NAME_DEPENDENCIES = $(LG_LIBS)
noinst_PROGRAMS += tests/fuzz/fuzz-state
tests_fuzz_fuzz_state_SOURCES = tests/fuzz/fuzz-state.c
tests_fuzz_fuzz_state_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_state_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_state_LDADD = $(FUZZ_LINK_LIBS)
tests_fuzz_fuzz_state_DEPENDENCIES = $(LG_LIBS)
noinst_PROGRAMS += tests/fuzz/fuzz-cmdline tests/fuzz/fuzz-config
tests_fuzz_fuzz_cmdline_SOURCES = tests/fuzz/fuzz-cmdline.c
tests_fuzz_fuzz_cmdline_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_cmdline_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_cmdline_LDADD = $(FUZZ_LINK_LIBS)
tests_fuzz_fuzz_cmdline_DEPENDENCIES = $(LG_LIBS)
tests_fuzz_fuzz_config_SOURCES = tests/fuzz/fuzz-config.c
tests_fuzz_fuzz_config_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_config_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_config_LDADD = $(FUZZ_LINK_LIBS)
tests_fuzz_fuzz_config_DEPENDENCIES = $(LG_LIBS)
noinst_PROGRAMS += tests/fuzz/fuzz-narrow
tests_fuzz_fuzz_narrow_SOURCES = tests/fuzz/fuzz-narrow.c
tests_fuzz_fuzz_narrow_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_narrow_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_narrow_LDADD = $(FUZZ_LINK_LIBS)
tests_fuzz_fuzz_narrow_DEPENDENCIES = $(LG_LIBS)
noinst_PROGRAMS += tests/fuzz/fuzz-events
tests_fuzz_fuzz_events_SOURCES = tests/fuzz/fuzz-events.c
tests_fuzz_fuzz_events_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_events_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_events_LDADD = $(FUZZ_LINK_LIBS)
tests_fuzz_fuzz_events_DEPENDENCIES = $(LG_LIBS)
noinst_PROGRAMS += tests/fuzz/fuzz-crash
tests_fuzz_fuzz_crash_SOURCES = tests/fuzz/fuzz-crash.c
tests_fuzz_fuzz_crash_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_crash_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_crash_LDADD = $(FUZZ_LINK_LIBS)
tests_fuzz_fuzz_crash_DEPENDENCIES = $(LG_LIBS)
noinst_PROGRAMS += tests/fuzz/fuzz-content
tests_fuzz_fuzz_content_SOURCES = tests/fuzz/fuzz-content.c
tests_fuzz_fuzz_content_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_content_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_content_LDADD = $(FUZZ_LINK_LIBS)
tests_fuzz_fuzz_content_DEPENDENCIES = $(LG_LIBS)
noinst_PROGRAMS += tests/fuzz/fuzz-deny
tests_fuzz_fuzz_deny_SOURCES = tests/fuzz/fuzz-deny.c
tests_fuzz_fuzz_deny_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_deny_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_deny_LDADD = $(FUZZ_LINK_LIBS)
tests_fuzz_fuzz_deny_DEPENDENCIES = $(LG_LIBS)
endif
EXTRA_DIST += tests/fuzz/corpus tests/fuzz/run-fuzzers.sh
