/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmdline.h"
#include "config.h"
#include "inventory.h"
#include "rootfs.h"

/* Narrowing after level 2 (DESIGN.md, "The state machine", Narrowing).
 *
 * Items withheld by a proven level-2 boot are suspects, not verdicts. The
 * following boots re-admit them while the host stays armed, as a search
 * over one ordered list: agents first (keep security on), then modules,
 * each module after the suspects it depends on (libkmod's depends=), so
 * that every prefix of the list can load. Each probe re-admits a prefix of
 * the suspects still held:
 *
 *   - a probe whose boot is proven clears its prefix (the items are
 *     released: they ran and the host proved itself);
 *   - a probe followed by Threshold failed boots fails: the culprit is in
 *     its prefix, which becomes the shortest prefix known to fail ("bad");
 *   - when the shortest failing prefix is one item long, that item is
 *     guilty (it alone goes to the cold record), and the suspects after it
 *     are re-admitted all at once (a verification probe: with one culprit
 *     it passes and ends the search; if not, the search goes on among them).
 *
 * n suspects cost ceil(log2(n + 1)) probes, one more when agents are
 * tested first, one more for the verification after a culprit.
 *
 * Failures are counted without any write from the initramfs (the real root
 * is read-only there and a crashing boot never reaches the main system):
 * the state records boot_seq of the hot record at its last proof
 * (base_seq); every counted boot since then raises boot_seq, so the number
 * of failed probes is (boot_seq - base_seq - 1) / threshold. The state is
 * written only at proofs, in the main system, to LG_NARROW_PATH.
 *
 * Everything here is pure except lg_narrow_load/save/remove and
 * lg_narrow_module_depends (narrow-file.c). */

#define LG_NARROW_PATH "/var/lib/lastgood/narrowing"
#define LG_NARROW_MAX_ITEMS 512
#define LG_NARROW_MAX_SIZE (64 * 1024)

typedef enum lg_suspect_kind {
        LG_SUSPECT_AGENT,  /* an agent: its units, modules and content */
        LG_SUSPECT_MODULE, /* a third-party module of no agent */
        _LG_SUSPECT_KIND_MAX,
        _LG_SUSPECT_KIND_INVALID = -1,
} lg_suspect_kind;

typedef enum lg_suspect_state {
        LG_SUSPECT_HELD,    /* still a suspect */
        LG_SUSPECT_CLEARED, /* re-admitted in a proven boot: released */
        LG_SUSPECT_GUILTY,  /* named by the search: in the cold record */
        _LG_SUSPECT_STATE_MAX,
        _LG_SUSPECT_STATE_INVALID = -1,
} lg_suspect_state;

const char *lg_suspect_kind_to_string(lg_suspect_kind k);   /* "agent", "module" */
const char *lg_suspect_state_to_string(lg_suspect_state s); /* "held", "cleared", "guilty" */

typedef struct lg_suspect {
        lg_suspect_kind kind;
        lg_suspect_state state;
        char *name;           /* agent name, or normalized module name */
        uint64_t fingerprint; /* module: its fingerprint when suspected; agent: 0 */
} lg_suspect;

typedef struct lg_narrow {
        unsigned threshold; /* failed boots that fail a probe */
        uint32_t base_seq;  /* boot_seq of the hot record when this state was recorded */
        /* Over the suspects still held, in list order: */
        size_t bad;   /* shortest prefix known to fail; held + 1 = none known */
        size_t probe; /* the prefix re-admitted now: 1 <= probe < bad */
        size_t n;
        lg_suspect *items; /* search order */
} lg_narrow;

/* A suspect as the proven write finds it. deps: the modules it needs (a
 * module's depends=, for an agent those of its modules); names that are no
 * suspect are ignored. */
typedef struct lg_suspect_input {
        lg_suspect_kind kind;
        const char *name;
        uint64_t fingerprint;
        char *const *deps; /* may be NULL */
} lg_suspect_input;

/* Orders the suspects (agents first, dependencies before what needs them,
 * then by name; a dependency cycle is broken by name) and starts the
 * search. Duplicates are merged. Returns 0, -EINVAL (no suspect, a bad
 * name, more than LG_NARROW_MAX_ITEMS), -ENOMEM. */
int lg_narrow_new(const lg_suspect_input *in, size_t n, unsigned threshold, uint32_t boot_seq,
                  lg_narrow *ret);

/* Suspects still held. */
size_t lg_narrow_held(const lg_narrow *nw);
/* True while suspects are held (a search in progress). */
bool lg_narrow_active(const lg_narrow *nw);
/* The i-th held suspect in list order, NULL past the end. */
const lg_suspect *lg_narrow_held_at(const lg_narrow *nw, size_t i);
/* True when the suspect is re-admitted in the current probe. */
bool lg_narrow_readmitted(const lg_narrow *nw, const lg_suspect *s);

/* What a step did, for the journal: indices into items. */
typedef struct lg_narrow_report {
        unsigned failed; /* probes found failed by this boot (derive: 0 or 1) */
        size_t n_guilty, n_cleared;
        size_t guilty[LG_NARROW_MAX_ITEMS];
        size_t cleared[LG_NARROW_MAX_ITEMS];
        bool new_probe; /* this boot is the first of a probe */
        bool done;      /* no suspect left */
} lg_narrow_report;

/* This boot's search: the state as recorded at the last proof, advanced by
 * the probes that failed since (boot_seq: the hot record's, this boot
 * counted). base_seq of the result is moved along, so that recording it
 * and deriving again gives the same state. Returns 0 or -ENOMEM. */
int lg_narrow_derive(const lg_narrow *recorded, uint32_t boot_seq, lg_narrow *ret, lg_narrow_report *rep);
/* The current probe's boot is proven: its prefix is cleared, the next probe
 * chosen, base_seq = boot_seq. In place. rep may be NULL. */
void lg_narrow_passed(lg_narrow *nw, uint32_t boot_seq, lg_narrow_report *rep);

/* Adds to w what the current probe keeps withheld (reason all-third-party):
 * the units and modules of each held agent not re-admitted, and each held
 * module not re-admitted. Returns 0 or -ENOMEM. */
int lg_narrow_withhold(const lg_narrow *nw, const lg_agents *agents, const lg_inventory *now,
                       lg_withheld *w);
/* Adds the guilty suspects to the cold record q: a module by name and
 * fingerprint, an agent as its units and modules (fingerprints from now).
 * Returns the number of entries added or changed, or -ENOMEM. */
int lg_narrow_quarantine(const lg_narrow *nw, const lg_agents *agents, const lg_inventory *now,
                         lg_quarantine *q);

/* The suspects of one set, in list order. */
typedef enum lg_narrow_set {
        LG_NARROW_READMITTED, /* held, re-admitted by the current probe */
        LG_NARROW_HELD_BACK,  /* held, still withheld */
        LG_NARROW_CLEARED,
        LG_NARROW_GUILTY,
        _LG_NARROW_SET_MAX,
} lg_narrow_set;
bool lg_narrow_in_set(const lg_narrow *nw, const lg_suspect *s, lg_narrow_set set);
/* "a, b, c" (names as they are: the parser accepts no byte that needs
 * escaping), "" for none; NULL on OOM. */
char *lg_narrow_names(const lg_narrow *nw, lg_narrow_set set);

/* The administrator's word on the command line that ends a narrowing
 * (lastgood.mode=safe|strict|normal, lastgood.reset, release=, block=,
 * allow=), or NULL. mode=off ends nothing: it does nothing at all. */
const char *lg_narrow_ended_by(const lg_cmdline *c);

/* Text form (LG_NARROW_PATH). parse: 0, -EBADMSG (corrupt: no narrowing),
 * -ENOMEM. format: 0 and a malloc'd buffer, -ENOMEM. */
int lg_narrow_parse(const char *buf, size_t size, lg_narrow *ret);
int lg_narrow_format(const lg_narrow *nw, char **ret, size_t *ret_size);
int lg_narrow_copy(const lg_narrow *nw, lg_narrow *ret);
void lg_narrow_done(lg_narrow *nw);

/* narrow-file.c. load: 0, -ENOENT (no narrowing), -EBADMSG (corrupt),
 * -errno. save: atomic (temporary file, fsync, rename, fsync of the
 * folder); a state with no held suspect removes the file instead.
 * remove: 0 (also when there was none) or -errno. */
int lg_narrow_load(const lg_root *root, lg_narrow *ret);
int lg_narrow_save(const lg_root *root, const lg_narrow *nw);
int lg_narrow_remove(const lg_root *root);
/* The depends= of a module file (path relative to /lib/modules/KVER), as
 * libkmod reads it, normalized. Returns 0 (an empty list when none), or
 * -errno. */
int lg_narrow_module_depends(const lg_root *root, const char *kernel, const char *relpath, char ***ret);
