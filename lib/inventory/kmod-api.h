/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <libkmod.h>

/* The part of libkmod the inventory uses (modinfo of a module file), as a
 * table of functions. Two providers, one linked into each program:
 *   kmod-link.c    the functions linked at build time (lastgoodctl, the
 *                  generator, lastgood-apply, the tests);
 *   kmod-dlopen.c  libkmod.so.2 opened on first use and closed when the
 *                  last user releases it: the watchdog rests for the whole
 *                  boot and needs libkmod (and the libcrypto it pulls in)
 *                  only for a proven write or a module loaded at run time;
 *                  lastgood-early starts in a third of the time without it
 *                  and needs it only for a module file the cache does not
 *                  know, narrowing's dependencies or loading softdog (its
 *                  initramfs hooks copy libkmod.so.2 explicitly).
 * The inventory objects reference only these two functions. */

typedef struct lg_kmod_api {
        struct kmod_ctx *(*new_ctx)(const char *dirname, const char *const *config_paths);
        struct kmod_ctx *(*unref)(struct kmod_ctx *ctx);
        void (*set_log_priority)(struct kmod_ctx *ctx, int priority);
        int (*module_new_from_path)(struct kmod_ctx *ctx, const char *path, struct kmod_module **mod);
        struct kmod_module *(*module_unref)(struct kmod_module *mod);
        int (*module_get_info)(const struct kmod_module *mod, struct kmod_list **list);
        const char *(*module_info_get_key)(const struct kmod_list *entry);
        const char *(*module_info_get_value)(const struct kmod_list *entry);
        void (*module_info_free_list)(struct kmod_list *list);
        struct kmod_list *(*list_next)(const struct kmod_list *list, const struct kmod_list *curr);
        /* softdog for the hang reset (reset-wdt.c) */
        int (*module_new_from_lookup)(struct kmod_ctx *ctx, const char *given_alias, struct kmod_list **list);
        int (*module_unref_list)(struct kmod_list *list);
        struct kmod_module *(*module_get_module)(const struct kmod_list *entry);
        int (*module_probe_insert_module)(struct kmod_module *mod, unsigned int flags, const char *extra_options,
                                          int (*run_install)(struct kmod_module *m, const char *cmdline,
                                                             void *data),
                                          const void *data,
                                          void (*print_action)(struct kmod_module *m, bool install,
                                                               const char *options));
} lg_kmod_api;

/* The table, or NULL with errno set when libkmod cannot be used. Every
 * non-NULL return is paired with one lg_kmod_api_release(). */
const lg_kmod_api *lg_kmod_api_acquire(void);
void lg_kmod_api_release(void);
/* True while libkmod is mapped because of lg_kmod_api_acquire() (always
 * true for the linked provider). For tests and the footprint bench. */
bool lg_kmod_api_loaded(void);
