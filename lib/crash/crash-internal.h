/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Internal to libcrash: the facts read from a crash log (crash-parse.c),
 * the known families (crash-families.c), and the decision (crash.c). */

#include <stdbool.h>
#include <stddef.h>

#include "crash.h"

/* The kernel's MODULE_NAME_LEN is 64 - sizeof(unsigned long) = 56 with the
 * NUL: longer names cannot be modules and are ignored. */
#define CRASH_MODNAME_MAX 55
#define CRASH_LINE_MAX 1024      /* longer lines are cut for parsing */
#define CRASH_MAX_MODULES 1024   /* a real system has a few hundred */
#define CRASH_MAX_FRAMES 64      /* frames kept of the first report */
#define CRASH_FUNC_MAX 127
#define CRASH_COMM_MAX 15        /* TASK_COMM_LEN - 1 */

typedef enum crash_kind {
        CRASH_KIND_NONE,
        CRASH_KIND_MARKER,   /* "cut here", ZFS VERIFY: start of a report, no kind yet */
        CRASH_KIND_BUG,      /* BUG: ..., Unable to handle kernel ... */
        CRASH_KIND_KBUG,     /* kernel BUG at file:line */
        CRASH_KIND_WARN,     /* WARNING: ... */
        CRASH_KIND_OOPS,     /* Oops: ..., Internal error: Oops */
        CRASH_KIND_TRAP,     /* general protection fault, divide error, invalid opcode */
        CRASH_KIND_KASAN,    /* BUG: KASAN: / KFENCE: */
        CRASH_KIND_LOCKUP,   /* soft/hard lockup, hung task, RCU stall */
        CRASH_KIND_PANIC,    /* Kernel panic - not syncing: */
        CRASH_KIND_SPLPANIC, /* SPL "PANIC at file:line:func()" */
} crash_kind;

typedef struct crash_module {
        char name[CRASH_MODNAME_MAX + 1]; /* normalized ('_') */
        char flags[8];                    /* taint markers from the list, "" when none */
        bool in_list;                     /* seen in "Modules linked in:" */
        bool oot_line;                    /* "NAME: loading out-of-tree module taints kernel" & co */
        char *oot_evidence;               /* that line */
} crash_module;

typedef struct crash_frame {
        char func[CRASH_FUNC_MAX + 1];
        char module[CRASH_MODNAME_MAX + 1]; /* "" for built-in code */
        bool reliable;                      /* not marked "? " */
        char *line;
} crash_frame;

typedef enum crash_loc {
        CRASH_LOC_UNKNOWN,     /* no faulting-instruction line, or unsymbolized */
        CRASH_LOC_SYMBOL,      /* symbolized: module (or "" = built-in) */
} crash_loc;

typedef struct crash_report {
        crash_kind kind;
        char *headline;
        char head_module[CRASH_MODNAME_MAX + 1]; /* module named by the headline itself */
        char head_func[CRASH_FUNC_MAX + 1];      /* SPL PANIC at ...:func() */
        char *bug_path;                          /* kernel BUG at / WARNING at path */
        bool warn_pending_symbol;                /* WARNING line split before its symbol */
        int oops_no;                             /* [#N], 0 unknown */

        crash_loc loc;
        char rip_module[CRASH_MODNAME_MAX + 1];
        char rip_func[CRASH_FUNC_MAX + 1];
        char *rip_line;
        bool rip_module_space;                   /* unsymbolized address in the module area */

        char lr_module[CRASH_MODNAME_MAX + 1];   /* arm lr / LR is at */
        bool lr_symbol;
        char *lr_line;

        char wq_module[CRASH_MODNAME_MAX + 1];
        char *wq_line;

        crash_frame frames[CRASH_MAX_FRAMES];
        size_t n_frames;
        char comm[CRASH_COMM_MAX + 1];           /* "CPU: N PID: N Comm: NAME", "" unknown */
        char *comm_line;
        bool done;                               /* "---[ end trace" seen */
        uint32_t hash;                           /* FNV-1a of its normalized lines */
} crash_report;

typedef struct crash_facts {
        char *kernel;
        char *taint;            /* "P OE", NULL when unknown */
        bool taint_known;
        bool not_tainted;
        bool taint_oot;         /* O, P, E or X among the flags */
        crash_module *modules;
        size_t n_modules;
        uint16_t module_index[2 * CRASH_MAX_MODULES]; /* open addressing: position + 1, 0 empty */
        crash_report first;
        bool have_first;
        unsigned reports;
        char *later_headline;   /* headline of the first later report, if any */
        char *panic_on_warn;    /* "Kernel panic - not syncing: panic_on_warn set", or NULL */
        bool panic_after_first; /* a panic line follows the first report's headline */
        uint32_t text_hash;     /* FNV-1a of all normalized lines */
} crash_facts;

int crash_parse(const char *text, size_t size, crash_facts *ret);
void crash_facts_done(crash_facts *f);
crash_module *crash_facts_find_module(crash_facts *f, const char *name);

/* Parsing helpers shared with the decision. */
bool crash_modname_valid(const char *s, size_t n);
