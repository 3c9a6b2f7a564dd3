/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libkmod bound at link time (see kmod-api.h). */
#include <stdbool.h>

#include "kmod-api.h"

static const lg_kmod_api linked = {
        .new_ctx = kmod_new,
        .unref = kmod_unref,
        .set_log_priority = kmod_set_log_priority,
        .module_new_from_path = kmod_module_new_from_path,
        .module_unref = kmod_module_unref,
        .module_get_info = kmod_module_get_info,
        .module_info_get_key = kmod_module_info_get_key,
        .module_info_get_value = kmod_module_info_get_value,
        .module_info_free_list = kmod_module_info_free_list,
        .list_next = kmod_list_next,
        .module_new_from_lookup = kmod_module_new_from_lookup,
        .module_unref_list = kmod_module_unref_list,
        .module_get_module = kmod_module_get_module,
        .module_probe_insert_module = kmod_module_probe_insert_module,
};

const lg_kmod_api *lg_kmod_api_acquire(void) {
        return &linked;
}

void lg_kmod_api_release(void) {
}

bool lg_kmod_api_loaded(void) {
        return true;
}
