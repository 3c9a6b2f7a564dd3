# The main system's journal (sd_journal_sendv() for events and native log
# lines), apart so that lastgood-early links no libsystemd: programs that
# want it call lg_journal_install().
noinst_LIBRARIES += libjournal.a
LG_MAIN_LIBS += libjournal.a
libjournal_a_SOURCES = %reldir%/journal.c %reldir%/journal.h
libjournal_a_CFLAGS = $(AM_CFLAGS) $(LG_PKG_CFLAGS)
