# Basic helpers (path context, strv, names, the /run hand-over) and the pure
# state machine.
noinst_LIBRARIES += libbasic.a libstate.a
LG_LIBS += libstate.a libbasic.a
libbasic_a_SOURCES = \
	%reldir%/macro.h \
	%reldir%/rootfs.c %reldir%/rootfs.h \
	%reldir%/safepath.c %reldir%/safepath.h \
	%reldir%/qname.c %reldir%/qname.h \
	%reldir%/copy.c %reldir%/copy.h \
	%reldir%/escape.c %reldir%/escape.h \
	%reldir%/strv.c %reldir%/strv.h \
	%reldir%/names.c \
	%reldir%/runstate.c %reldir%/runstate.h \
	%reldir%/summary.c %reldir%/summary.h \
	%reldir%/metrics.c %reldir%/metrics.h \
	%reldir%/taint.c %reldir%/taint.h
libstate_a_SOURCES = \
	%reldir%/bootstate.h %reldir%/inventory.h %reldir%/events.h \
	%reldir%/machine.c %reldir%/machine.h
