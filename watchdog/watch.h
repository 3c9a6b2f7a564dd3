/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "bootstate.h"
#include "config.h"
#include "deny.h"
#include "inventory.h"
#include "rootfs.h"

/* The runtime change watch: what a module load or a content change seen
 * while the system runs means for lastgood. Library code, no printing. */

#define LG_QUARANTINE_DIR "/var/lib/lastgood/quarantine"

typedef enum lg_watch_verdict {
        LG_WATCH_NONE,      /* not ours, or the same as the last known good */
        LG_WATCH_ARM,       /* a change against the last known good: arm */
        LG_WATCH_WITHHOLD,  /* content matching a cold-record item: withhold again */
        LG_WATCH_DENY,      /* content a deny list names: move away, last good copy back; no arming */
} lg_watch_verdict;

/* Why LG_WATCH_DENY: the item's fingerprint and the list's line. */
typedef struct lg_watch_denial {
        char sha256[LG_SHA256_STRING_MAX];
        char where[512];        /* "FILE:LINE" */
} lg_watch_denial;

typedef struct lg_watch_ctx {
        const lg_root *root;
        const char *kernel;
        const lg_config *config;
        const lg_agents *agents;
        const lg_quarantine *quarantine;  /* cold record, may be NULL */
        /* The last-known-good manifest already loaded by the caller (kept
         * across judgements): good_given with good NULL means none. Not
         * given: lg_watch_judge() loads it itself. */
        bool good_given;
        const lg_inventory *good;
        uint64_t *budget;                 /* bytes left to read (NULL: a budget of its own) */
        const lg_deny *deny;              /* deny lists, may be NULL */
        lg_watch_denial *denial;          /* filled for LG_WATCH_DENY, may be NULL */
} lg_watch_ctx;

/* Judge one item (a module by name, against a fresh scan of the module
 * tree; a content file by absolute path, that file alone) against the
 * last-known-good manifest (a
 * missing or corrupt manifest: everything third-party is a change).
 * *ret_fingerprint is the current fingerprint (0 when gone), *ret_agent the
 * owning agent (borrowed from ctx->agents, may be NULL).
 * Returns 0 or -errno. */
int lg_watch_judge(const lg_watch_ctx *ctx, lg_item_kind kind, const char *name,
                   lg_watch_verdict *ret, uint64_t *ret_fingerprint, const char **ret_agent);

/* An IN_CREATE of path that needs no judgement of its own: a new regular
 * file with one link is being written, and its IN_CLOSE_WRITE follows
 * (judged then, whole: a denied file is never judged half written and
 * taken for a change). Never follows a symlink. */
bool lg_watch_create_wait_close(const lg_root *root, const char *path);

/* The agent whose Content= patterns match path, or NULL. */
const char *lg_watch_content_agent(const lg_agents *agents, const char *path);

/* The folders to watch for the agents' Content= patterns (the part of each
 * pattern before the first component holding a glob character).
 * Returns a NULL-terminated list of host paths, or NULL on OOM. */
char **lg_watch_content_dirs(const lg_agents *agents);

/* Withhold a content file again: move it (never delete it) to
 * /var/lib/lastgood/quarantine/BOOT_SEQ/PATH, with renameat2(NOREPLACE)
 * on the same file system and copy+fsync+unlink across. The file is
 * opened with O_NOFOLLOW: a symlink is never followed.
 * Returns 0 and the destination (host path) or -errno. */
int lg_content_withhold(const lg_root *root, const char *path, uint32_t boot_seq, char **ret_dest);
