/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "bootstate.h"
#include "config.h"
#include "inventory.h"
#include "rootfs.h"

/* The runtime change watch: what a module load or a content change seen
 * while the system runs means for lastgood. Library code, no printing. */

#define LG_QUARANTINE_DIR "/var/lib/lastgood/quarantine"

typedef enum lg_watch_verdict {
        LG_WATCH_NONE,      /* not ours, or the same as the last known good */
        LG_WATCH_ARM,       /* a change against the last known good: arm */
        LG_WATCH_WITHHOLD,  /* content matching a cold-record item: withhold again */
} lg_watch_verdict;

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
