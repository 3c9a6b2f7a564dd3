/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "apply.h"
#include "deny.h"
#include "rootfs.h"

/* The watchdog's deny lists (lastgood-deny.d(5)): loaded at start and
 * again whenever a list folder changes, without a restart. The folders are
 * watched through their fds (opened from / with no symlink on the way) and
 * so are their parents, for a deny.d folder created or replaced later. */

typedef struct lg_wdeny {
        lg_deny deny;
        int wds[4];          /* deny.d of /etc and /usr/lib, then their parents; -1: none */
} lg_wdeny;

#define LG_WDENY_INIT { .wds = { -1, -1, -1, -1 } }

/* (Re)add the inotify watches. Never fails: a folder that cannot be
 * watched is left out (its lists are still read at each reload). */
void lg_wdeny_watch(lg_wdeny *d, const lg_root *root, int inotify_fd);
/* True when an inotify event of wd concerns the lists. */
bool lg_wdeny_owns(const lg_wdeny *d, int wd);
/* Read the lists again (the old ones stay when reading fails). Returns
 * 0 or -ENOMEM. */
int lg_wdeny_reload(lg_wdeny *d, const lg_root *root);
void lg_wdeny_done(lg_wdeny *d);

/* Withhold the denied content file path: into the quarantine under batch
 * boot_seq, its last good copy back (whatever the agent's OnSafeMode=),
 * only where an agent's Content= covers it, never through a symlink
 * (lg_apply_withhold()). Returns 0 (see *ret), -EPERM when no agent covers
 * path, -errno. */
int lg_wdeny_withhold(const lg_root *root, const lg_agents *agents, const char *path, uint32_t boot_seq,
                      const char **ret_agent, lg_withhold_result *ret);

/* The content files on disk now that the lists deny (the manifest as stat
 * cache: unchanged files are not read). Calls fn for each; returns the
 * number found or -errno. */
typedef void (*lg_wdeny_fn)(const char *path, const char *sha256, const char *where, void *userdata);
int lg_wdeny_sweep(const lg_wdeny *d, const lg_root *root, const char *kernel, const lg_agents *agents,
                   lg_wdeny_fn fn, void *userdata);
