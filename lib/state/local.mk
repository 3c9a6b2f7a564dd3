# The pure state machine (DESIGN.md's state machine as a table of steps).
noinst_LIBRARIES += libstate.a
LG_EARLY_LIBS += libstate.a
libstate_a_SOURCES = \
	%reldir%/machine.c %reldir%/machine.h
