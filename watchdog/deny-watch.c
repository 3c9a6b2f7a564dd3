/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The watchdog's deny lists: load, watch, reload (deny-watch.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "deny.h"
#include "macro.h"
#include "safepath.h"
#include "deny-watch.h"

static int watch_dir(const lg_root *root, int inotify_fd, const char *dir, uint32_t mask) {
        _cleanup_close_ int dfd = lg_safe_open(root, dir, O_RDONLY | O_DIRECTORY);
        char fdpath[64];

        if (dfd < 0)
                return dfd;
        /* Through the fd: a folder swapped for a symlink is not watched. */
        snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", dfd);
        return inotify_add_watch(inotify_fd, fdpath, mask | IN_ONLYDIR);
}

void lg_wdeny_watch(lg_wdeny *d, const lg_root *root, int inotify_fd) {
        static const char *const dirs[] = { LG_DENY_DIR_ETC, LG_DENY_DIR_USR, "/etc/lastgood", "/usr/lib/lastgood" };
        const uint32_t list_mask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_ATTRIB |
                                   IN_DELETE_SELF | IN_MOVE_SELF;
        /* In a parent only deny.d itself matters; IN_ATTRIB for its mode. */
        const uint32_t parent_mask = IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_ATTRIB;

        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                int wd = watch_dir(root, inotify_fd, dirs[i], i < 2 ? list_mask : parent_mask);

                /* inotify gives the same wd for the same inode again. */
                d->wds[i] = wd >= 0 ? wd : -1;
        }
}

bool lg_wdeny_owns(const lg_wdeny *d, int wd) {
        for (size_t i = 0; i < ELEMENTSOF(d->wds); i++)
                if (d->wds[i] >= 0 && d->wds[i] == wd)
                        return true;
        return false;
}

int lg_wdeny_reload(lg_wdeny *d, const lg_root *root) {
        lg_deny n = {};
        int r;

        r = lg_deny_load(root, &n);
        if (r < 0)
                return r;
        lg_deny_done(&d->deny);
        d->deny = n;
        return 0;
}

int lg_wdeny_withhold(const lg_root *root, const lg_agents *agents, const char *path, uint32_t boot_seq,
                      const char **ret_agent, lg_withhold_result *ret) {
        const lg_agent *a = lg_agents_find_content(agents, path);
        _cleanup_free_ char *anchor = NULL;

        if (!a)
                return -EPERM;
        anchor = lg_content_anchor(a, path);
        if (!anchor)
                return -ENOMEM;
        *ret_agent = a->name;
        return lg_apply_withhold(root, a->name, anchor, path, boot_seq, true, ret);
}

int lg_wdeny_sweep(const lg_wdeny *d, const lg_root *root, const char *kernel, const lg_agents *agents,
                   lg_wdeny_fn fn, void *userdata) {
        lg_inventory good = {}, now = {};
        bool have_good;
        int r, n = 0;

        if (d->deny.n == 0)
                return 0;
        have_good = lg_manifest_load(root, LG_MANIFEST_PATH, &good) == 0;
        r = lg_inventory_scan_content(root, kernel, agents, have_good ? &good : NULL, &now);
        lg_inventory_done(&good);
        if (r < 0)
                return r;
        for (size_t i = 0; i < now.n; i++) {
                const lg_inv_item *it = &now.items[i];
                const lg_deny_entry *e;
                char sha[LG_SHA256_STRING_MAX], where[512];

                if (it->kind != LG_ITEM_CONTENT || !it->has_sha256 ||
                    !(e = lg_deny_find(&d->deny, LG_ITEM_CONTENT, it->sha256)))
                        continue;
                fn(it->name, lg_sha256_to_string(it->sha256, sha), lg_deny_where(&d->deny, e, where, sizeof(where)),
                   userdata);
                n++;
        }
        lg_inventory_done(&now);
        return n;
}

void lg_wdeny_done(lg_wdeny *d) {
        if (!d)
                return;
        lg_deny_done(&d->deny);
}
