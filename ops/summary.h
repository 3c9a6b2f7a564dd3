/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "bootstate.h"
#include "runstate.h"

/* What the administrator sees: the host's state in one word, how far this
 * boot got, why the level in force is in force and the next step in one
 * line. Pure: computed from the records and this boot's hand-over, shared
 * by lastgoodctl status (text, JSON, metrics, exit code), the login notice
 * and the watchdog's STATUS= line, so that they never disagree. */

typedef enum lg_host_state {
        LG_HOST_STEADY,    /* not armed, level 0: nothing counted */
        LG_HOST_ARMED,     /* a change since the last known good: boots are counted */
        LG_HOST_SAFE_MODE, /* level 1 or 2 in force this boot */
        LG_HOST_EXHAUSTED, /* level 3: lastgood withholds nothing more */
        LG_HOST_CORRUPT,   /* the hot record cannot be read or trusted */
        _LG_HOST_STATE_MAX,
} lg_host_state;

typedef enum lg_boot_health {
        LG_BOOT_WAITING, /* not healthy yet (health window running) */
        LG_BOOT_HEALTHY, /* healthy, not yet proven */
        LG_BOOT_PROVEN,  /* healthy and proven (or nothing to prove) */
        LG_BOOT_OFF,     /* lastgood.mode=off: lastgood does nothing this boot */
        _LG_BOOT_HEALTH_MAX,
} lg_boot_health;

typedef struct lg_summary_input {
        const lg_state *state;           /* the hot record (zeroes when none) */
        int state_r;                     /* its read result: 0, -ENOENT or another -errno */
        const lg_runstate *run;          /* this boot's hand-over, NULL when none */
        const lg_quarantine *quarantine; /* the cold record, may be NULL */
        unsigned threshold;
        bool healthy_marker; /* /run/lastgood/healthy exists */
        bool proven_marker;  /* /run/lastgood/proven exists (lastgoodctl good proved this boot) */
} lg_summary_input;

typedef struct lg_summary {
        lg_host_state host;
        lg_boot_health health;
        unsigned level;      /* in force this boot */
        size_t n_withheld;   /* this boot's withheld items */
        size_t n_quarantine; /* persistently withheld items */
        char *reason;        /* why the level in force is in force */
        char *next_step;     /* one line: what to do now */
} lg_summary;

/* Why a boot-state record could not be used, in the administrator's terms
 * (a corrupt record's -EBADMSG is "bad magic, checksum or variable
 * attributes", not strerror's "Bad message"). Never NULL. */
const char *lg_record_error(int r);

/* Returns 0 or -ENOMEM. *ret is written only on success. */
int lg_summary_compute(const lg_summary_input *in, lg_summary *ret);
void lg_summary_done(lg_summary *s);

/* "steady", "armed", "safe-mode", "exhausted", "corrupt"; NULL if invalid. */
const char *lg_host_state_to_string(lg_host_state s);
/* "waiting", "healthy", "proven", "off"; NULL if invalid. */
const char *lg_boot_health_to_string(lg_boot_health h);

/* The one-line status of the host, e.g. "Safe mode (level 1): 2 items
 * withheld; boot healthy, not yet proven". Returns 0 or -ENOMEM. */
int lg_summary_line(const lg_summary *s, char **ret);

/* The login notice (motd) text, or NULL in *ret when there is nothing to
 * tell (steady and nothing withheld). Returns 0 or -ENOMEM. */
int lg_summary_motd(const lg_summary *s, const lg_runstate *run, char **ret);
