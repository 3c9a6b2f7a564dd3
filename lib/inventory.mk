# The inventory of third-party items (libkmod), the last-known-good
# manifest and its diff, and the withheld-set policy.
noinst_LIBRARIES += libinventory.a
LG_LIBS += libinventory.a
libinventory_a_SOURCES = \
	%reldir%/inventory.h \
	%reldir%/inventory.c \
	%reldir%/manifest.c \
	%reldir%/policy.c
libinventory_a_CFLAGS = $(AM_CFLAGS) $(LG_PKG_CFLAGS)

