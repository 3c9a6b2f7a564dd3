# lastgoodctl: one dispatcher, verbs grouped by concern.
sbin_PROGRAMS += lastgoodctl
lastgoodctl_SOURCES = \
	%reldir%/ctl.h \
	%reldir%/lastgoodctl.c \
	%reldir%/verb-state.c \
	%reldir%/verb-items.c \
	%reldir%/verb-crash.c \
	%reldir%/verb-fleet.c
lastgoodctl_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/ctl
lastgoodctl_CFLAGS = $(AM_CFLAGS) $(LG_PKG_CFLAGS)
lastgoodctl_LDADD = $(LG_LINK) $(LG_PKG_LIBS)
lastgoodctl_DEPENDENCIES = $(LG_LIBS)
