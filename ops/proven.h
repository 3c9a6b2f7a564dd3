/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmdline.h"
#include "config.h"
#include "inventory.h"
#include "machine.h"
#include "narrow.h"
#include "rootfs.h"
#include "runstate.h"
#include "store.h"

/* The proven write: the current set becomes the last known good.
 *
 * Layout under /var/lib/lastgood/ (a kill at any point leaves either the old
 * or the new last known good, never a mix):
 *
 *   generations/N/manifest              the manifest of generation N
 *   generations/N/copies                its index: AGENT/PATH -> store key
 *   store/KK/KEY                        last good copies, once per key,
 *                                       shared by the generations (castore.h)
 *   current  -> generations/N           the generation pointer (symlink)
 *   manifest -> current/manifest        LG_MANIFEST_PATH, stable name
 *
 * A new generation is built next to the old one: a file whose manifest
 * entry (fingerprint and stat key, ctime included) is the old one's keeps
 * its old index entry, at no cost (no stat, no link); a changed file is
 * reflinked or copied into the store with owner, mode and times kept. The
 * generation (manifest and index) is sealed with syncfs() and a rename of
 * its folder, then the cold record is written, then `current` is switched
 * with one rename(), then the hot record is written; only then are the
 * generations before the old one and the store files that neither the new
 * nor the old generation names removed. Until the hot record is written
 * the boot stays unproven, so an interrupted proven write is simply done
 * again.
 *
 * An older version's layout (generations/N/content/AGENT/PATH and
 * content -> current/content) is still read: the apply unit falls back to
 * it while the current generation has no index, and the first proven write
 * puts the old copies of withheld files into the store. */

#define LG_LIB_DIR "/var/lib/lastgood"
#define LG_HEALTHY_MARKER LG_RUN_HEALTHY

/* Steps of the proven write, for the after_step hook (tests kill the
 * daemon there). */
typedef enum lg_proven_step {
        LG_PROVEN_SCANNED = 1,   /* inventory scanned; nothing written yet */
        LG_PROVEN_COPIED,        /* new generation's content copies made (temporary folder) */
        LG_PROVEN_MANIFEST,      /* new generation's manifest written (temporary folder) */
        LG_PROVEN_SEALED,        /* generation synced and renamed to its final name */
        LG_PROVEN_QUARANTINE,    /* cold record written (when the set changed) */
        LG_PROVEN_SWITCHED,      /* `current` points at the new generation */
        LG_PROVEN_STATE,         /* hot record written */
        LG_PROVEN_PRUNED,        /* older generations and unnamed store files removed */
        _LG_PROVEN_STEP_MAX,
} lg_proven_step;

/* Moments of the copy of one content file, for the copying hook (tests
 * change the file there, as a hostile agent's user would). */
typedef enum lg_proven_copy_phase {
        LG_PROVEN_COPY_OPEN = 1, /* about to open the file */
        LG_PROVEN_COPY_READ,     /* opened and checked against the scan, about to copy it */
} lg_proven_copy_phase;

typedef struct lg_proven_input {
        const lg_root *root;
        lg_store *store;
        const char *kernel;
        const lg_config *config;
        const lg_agents *agents;
        const lg_cmdline *cmdline;
        const lg_withheld *withheld;  /* withheld this boot (runstate); may be NULL */
        lg_step step;                 /* LG_STEP_PROVEN or LG_STEP_SHUTDOWN */
        bool healthy;                 /* this boot reached healthy (since the last change seen) */
        bool bad;                     /* lastgoodctl bad: this boot failed for good */
        uint64_t now_usec;            /* CLOCK_REALTIME */
        /* A boot proves only what it ran: an item whose ctime (which no
         * user can set back) is at or after this time keeps its previous
         * last-known-good entry (none, if it is new), so the next boot sees
         * it as changed and counts. The watchdog passes the earlier of
         * now - StableSec and the time this boot became healthy; 0 = prove
         * everything (lastgoodctl good, --prove-now). */
        uint64_t changed_after_usec;
        /* boot_seq of this boot's hand-over from lastgood-early (0: none):
         * the narrowing probe this boot ran; a second proof in the same
         * boot passes nothing more. */
        uint32_t handover_boot_seq;
        void (*after_step)(lg_proven_step step, void *userdata);
        /* An item withheld this boot that the cold record cannot hold
         * (its owner's share is full): called once per item, may be NULL. */
        void (*record_skipped)(lg_item_kind kind, const char *name, const char *why, void *userdata);
        /* A content file that was not what the scan saw when it was copied
         * (rewritten, replaced, removed, a socket or symlink now): it keeps
         * its previous last-known-good entry. Called once per file, may be
         * NULL. */
        void (*copy_changed)(const char *agent, const char *path, const char *why, void *userdata);
        /* Test hook, may be NULL: called at each phase of each copy. */
        void (*copying)(lg_proven_copy_phase phase, const char *path, void *userdata);
        void *userdata;
} lg_proven_input;

typedef struct lg_proven_result {
        lg_decision decision;
        lg_state state;             /* the hot record as it is now */
        bool state_was_corrupt;     /* hot record unreadable: started from zero */
        bool manifest_was_corrupt;  /* old manifest unreadable: everything is new */
        bool files_written;         /* a new generation was made */
        bool steady;                /* nothing differed: nothing written at all */
        bool quarantine_written;
        bool state_written;
        unsigned generation;
        size_t n_items, n_quarantined;
        size_t n_linked;            /* content files that kept the old generation's copy */
        size_t n_copied;            /* content files copied into the store */
        size_t n_pruned;            /* store files removed */
        size_t n_recent;            /* items changed too recently: kept at their previous entry */
        size_t n_quarantine_hashed;  /* of n_quarantined, recorded by the hash of the name */
        size_t n_quarantine_skipped; /* withheld, but no room in the cold record */
        size_t n_too_big;            /* content files left without a last good copy (byte budget,
                                      * by apparent size) */
        size_t n_changed_under;      /* content files not what the scan saw at their copy: previous
                                      * entry kept */
        unsigned skipped;           /* unreadable modules skipped by the scan */
        /* Narrowing (proven-narrow.c): started by this level-2 proof, or a
         * probe passed; narrow is the search as recorded now (free it with
         * lg_proven_result_done()), narrow_error a failure to record it (the
         * suspects then went to the cold record, as verdicts). */
        bool narrow_started, narrow_passed, narrow_was_corrupt;
        /* Level-2 items of agents not installed (no unit file, no module):
         * no suspects, and no verdicts either (not in the cold record). */
        size_t narrow_not_installed;
        int narrow_error;
        lg_narrow narrow;
        lg_narrow_report narrow_report;
} lg_proven_result;

void lg_proven_result_done(lg_proven_result *res);

/* True when the withheld item is a narrowing suspect: withheld only because
 * level 2 withholds everything third-party (all-third-party, or changed in
 * a level-2 boot). */
bool lg_withheld_is_suspect(const lg_withheld *w, const lg_withheld_item *it);

/* True when a unit file of unit exists under root, in systemd's search
 * path for system units (an instance "foo@bar.service": its template), or
 * cannot be told (unreadable). */
bool lg_unit_file_exists(const lg_root *root, const char *unit);
/* True when something of agent a is on the host: a unit file, or one of
 * its modules or content files in inv (a scan; may be NULL). An agent of
 * which nothing is installed (lastgood ships definitions of several) runs
 * nothing: neither a narrowing suspect nor anything to withhold. */
bool lg_agent_on_host(const lg_root *root, const lg_agent *a, const lg_inventory *inv);
/* A narrowing probe is judged only by failed boots (crashes, resets, hangs
 * before boot-complete.target): this boot, counted with boot_seq (the
 * hand-over's), ended neutral (an orderly shutdown before healthy, e.g. an
 * agent's user kept writing content so that it was never proven). The
 * recorded search moves its base one boot on, so that the next derivation
 * does not count it against the re-admitted suspects. Returns 1 when the
 * record was moved, 0 when there is no search or the boot is not one of
 * its probe boots, -errno. */
int lg_proven_narrowing_neutral(const lg_root *root, uint32_t boot_seq);
/* Starts (EFI store only: see proven-narrow.c) or advances the narrowing
 * at a proof (before the cold record is written). scan: the items the new
 * manifest did not take; manifest: the new last known good (may be NULL).
 * Returns 0 or -errno. */
int lg_proven_narrowing(const lg_proven_input *in, const lg_inventory *scan, const lg_inventory *manifest,
                        const uint64_t *fps, uint32_t boot_seq, unsigned threshold, lg_proven_result *res);

/* Run the step (PROVEN or SHUTDOWN) through the state machine and, when it
 * says proven, do the proven write. Returns 0 (see ret) or -errno; on error
 * the old last known good is intact and the hot record is not written. */
int lg_proven_write(const lg_proven_input *in, lg_proven_result *ret);
