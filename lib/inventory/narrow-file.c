/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The narrowing state on disk, and module dependencies from libkmod (see
 * narrow.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "macro.h"
#include "narrow.h"
#include "kmod-api.h"
#include "strv.h"

int lg_narrow_load(const lg_root *root, lg_narrow *ret) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        int r;

        r = lg_root_read_file(root, LG_NARROW_PATH, LG_NARROW_MAX_SIZE, &buf, &size);
        if (r == -EFBIG)
                return -EBADMSG;
        if (r < 0)
                return r;
        return lg_narrow_parse(buf, size, ret);
}

int lg_narrow_remove(const lg_root *root) {
        _cleanup_close_ int dfd = lg_root_open(root, "/var/lib/lastgood", O_RDONLY | O_DIRECTORY, 0);

        if (dfd == -ENOENT)
                return 0;
        if (dfd < 0)
                return dfd;
        if (unlinkat(dfd, "narrowing", 0) < 0) {
                if (errno == ENOENT)
                        return 0;
                return negative_errno();
        }
        /* The end of a search must survive a power cut like its steps. */
        if (fsync(dfd) < 0)
                return negative_errno();
        return 0;
}

int lg_narrow_save(const lg_root *root, const lg_narrow *nw) {
        _cleanup_free_ char *buf = NULL;
        size_t size;
        int r;

        if (!lg_narrow_active(nw))
                return lg_narrow_remove(root);
        r = lg_narrow_format(nw, &buf, &size);
        if (r < 0)
                return r;
        return lg_root_write_atomic(root, LG_NARROW_PATH, buf, size, 0644);
}

int lg_narrow_module_depends(const lg_root *root, const char *kernel, const char *relpath, char ***ret) {
        /* No configuration at all: modinfo needs none, and the host's
         * /etc/modprobe.d must not leak into a --root run. */
        static const char *const no_config[] = { NULL };
        _cleanup_free_ char *moddir = NULL, *full = NULL;
        _cleanup_strv_free_ char **deps = NULL;
        const lg_kmod_api *k;
        struct kmod_ctx *ctx = NULL;
        struct kmod_module *mod = NULL;
        struct kmod_list *info = NULL, *l;
        char host[PATH_MAX];
        int r;

        if (!kernel || !relpath || strstr(relpath, ".."))
                return -EINVAL;
        snprintf(host, sizeof(host), "/lib/modules/%s", kernel);
        moddir = lg_root_path(root, host);
        if (!moddir || asprintf(&full, "%s/%s", moddir, relpath) < 0)
                return -ENOMEM;
        /* Through the inventory's table: linked, or opened by the watchdog
         * for this read only (lib/inventory/kmod-api.h). */
        k = lg_kmod_api_acquire();
        if (!k)
                return negative_errno();
        ctx = k->new_ctx(moddir, no_config);
        if (!ctx) {
                lg_kmod_api_release();
                return -ENOMEM;
        }
        k->set_log_priority(ctx, 0);
        r = k->module_new_from_path(ctx, full, &mod);
        if (r >= 0)
                r = k->module_get_info(mod, &info);
        if (r >= 0) {
                r = 0;
                for (l = info; l && r >= 0; l = k->list_next(info, l)) {
                        const char *v = k->module_info_get_value(l);
                        _cleanup_free_ char *copy = NULL;
                        char *save = NULL;

                        if (!streq_ptr(k->module_info_get_key(l), "depends") || !v)
                                continue;
                        copy = strdup(v);
                        if (!copy) {
                                r = -ENOMEM;
                                break;
                        }
                        for (char *d = strtok_r(copy, ",", &save); d && r >= 0;
                             d = strtok_r(NULL, ",", &save)) {
                                _cleanup_free_ char *n = lg_module_name_normalize(d);

                                if (!n)
                                        r = -ENOMEM;
                                else if (lg_module_name_valid(n))
                                        r = lg_strv_push(&deps, n);
                        }
                }
                k->module_info_free_list(info);
        }
        if (mod)
                k->module_unref(mod);
        k->unref(ctx);
        lg_kmod_api_release();
        if (r < 0)
                return r;
        if (!deps) {
                deps = calloc(1, sizeof(char *));
                if (!deps)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(deps);
        return 0;
}
