/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libkmod opened on first use, closed by the last user (see kmod-api.h),
 * as systemd opens its optional libraries (dlopen_many_sym_or_warn()). */
#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#include "kmod-api.h"

/* The SONAME of libkmod 2.x (kmod 30 of Debian 12 and later). */
#define LIBKMOD_SONAME "libkmod.so.2"

static void *handle;
static unsigned users;
static lg_kmod_api api;

static const struct {
        const char *name;
        size_t offset;
} syms[] = {
        { "kmod_new", offsetof(lg_kmod_api, new_ctx) },
        { "kmod_unref", offsetof(lg_kmod_api, unref) },
        { "kmod_set_log_priority", offsetof(lg_kmod_api, set_log_priority) },
        { "kmod_module_new_from_path", offsetof(lg_kmod_api, module_new_from_path) },
        { "kmod_module_unref", offsetof(lg_kmod_api, module_unref) },
        { "kmod_module_get_info", offsetof(lg_kmod_api, module_get_info) },
        { "kmod_module_info_get_key", offsetof(lg_kmod_api, module_info_get_key) },
        { "kmod_module_info_get_value", offsetof(lg_kmod_api, module_info_get_value) },
        { "kmod_module_info_free_list", offsetof(lg_kmod_api, module_info_free_list) },
        { "kmod_list_next", offsetof(lg_kmod_api, list_next) },
        { "kmod_module_new_from_lookup", offsetof(lg_kmod_api, module_new_from_lookup) },
        { "kmod_module_unref_list", offsetof(lg_kmod_api, module_unref_list) },
        { "kmod_module_get_module", offsetof(lg_kmod_api, module_get_module) },
        { "kmod_module_probe_insert_module", offsetof(lg_kmod_api, module_probe_insert_module) },
};

const lg_kmod_api *lg_kmod_api_acquire(void) {
        if (!handle) {
                handle = dlopen(LIBKMOD_SONAME, RTLD_NOW | RTLD_LOCAL);
                if (!handle) {
                        errno = ENOENT;
                        return NULL;
                }
                for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
                        void *p = dlsym(handle, syms[i].name);

                        if (!p) {
                                dlclose(handle);
                                handle = NULL;
                                errno = ENOSYS;
                                return NULL;
                        }
                        /* POSIX: a function pointer from dlsym() is stored
                         * through a void * of the same size. */
                        *(void **) ((char *) &api + syms[i].offset) = p;
                }
        }
        users++;
        return &api;
}

void lg_kmod_api_release(void) {
        if (users == 0 || --users > 0)
                return;
        dlclose(handle);
        handle = NULL;
}

bool lg_kmod_api_loaded(void) {
        return handle != NULL;
}
