# lastgoodctl: one dispatcher, verbs grouped by concern.
sbin_PROGRAMS += lastgoodctl
lastgoodctl_SOURCES = \
	%reldir%/ctl.h \
	%reldir%/lastgoodctl.c \
	%reldir%/output.c \
	%reldir%/verb-state.c \
	%reldir%/status-reset.c \
	%reldir%/verb-narrow.c \
	%reldir%/verb-items.c \
	%reldir%/verb-crash.c \
	%reldir%/verb-fleet.c \
	%reldir%/verb-arm.c \
	%reldir%/verb-doctor.c
lastgoodctl_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/ctl -I$(top_srcdir)/watchdog -I$(top_srcdir)/generator \
	-DSYSTEMDSYSTEMUNITDIR=\"$(systemdsystemunitdir)\" \
	-DSYSTEMDSYSTEMGENERATORDIR=\"$(systemdsystemgeneratordir)\"
lastgoodctl_CFLAGS = $(AM_CFLAGS) $(LG_PKG_CFLAGS)
# libwatchdog.a: `good` is the watchdog's own proven write.
lastgoodctl_LDADD = libwatchdog.a $(LG_LINK) $(LG_PKG_LIBS) $(UDEV_LIBS)
lastgoodctl_DEPENDENCIES = libwatchdog.a $(LG_LIBS)

# lastgoodctl doctor, every check ok and broken, against temporary roots.
TESTS += tests/integration/ctl-doctor.sh
EXTRA_DIST += tests/integration/ctl-doctor.sh
