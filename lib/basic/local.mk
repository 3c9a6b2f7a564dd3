# The basic layer: path context and safe walks, copies, names, strv,
# escaping, the kernel taint. Knows nothing of programs or state.
noinst_LIBRARIES += libbasic.a
LG_LIBS += libbasic.a
libbasic_a_SOURCES = \
	%reldir%/macro.h \
	%reldir%/bootstate.h \
	%reldir%/rootfs.c %reldir%/rootfs.h \
	%reldir%/safepath.c %reldir%/safepath.h \
	%reldir%/qname.c %reldir%/qname.h \
	%reldir%/copy.c %reldir%/copy.h \
	%reldir%/escape.c %reldir%/escape.h \
	%reldir%/strv.c %reldir%/strv.h \
	%reldir%/taint.c %reldir%/taint.h
