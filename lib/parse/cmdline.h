/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* The lastgood.* words of the kernel command line (DESIGN.md, "Administrator
 * override"). Pure: parsed from a memory buffer, quoting as the kernel does
 * it, '-' and '_' alike in keys and in module names. */

typedef enum lg_mode {
        LG_MODE_AUTO,
        LG_MODE_SAFE,
        LG_MODE_STRICT,
        LG_MODE_NORMAL,
        LG_MODE_OFF,
        _LG_MODE_MAX,
        _LG_MODE_INVALID = -1,
} lg_mode;

const char *lg_mode_to_string(lg_mode m);
lg_mode lg_mode_from_string(const char *s);

typedef struct lg_cmdline {
        lg_mode mode;          /* LG_MODE_AUTO unless given */
        bool reset;            /* lastgood.reset */
        bool release_all;      /* lastgood.release=all */
        char **release;        /* NULL-terminated, normalized names; never NULL after parse */
        char **block;
        char **allow;
        unsigned threshold;    /* 0 = not given */
        char **warnings;       /* one human sentence per ignored/bad word; caller logs them */
} lg_cmdline;

/* Parse buf (need not be NUL-terminated). Unknown lastgood.* words and bad
 * values are added to ->warnings and ignored; the last of repeated scalar
 * words wins, list words accumulate. Returns 0, or -ENOMEM. */
int lg_cmdline_parse(const char *buf, size_t size, lg_cmdline *ret);

/* True when the command line changes lastgood's behaviour this boot
 * (anything but mode=auto with no other words). */
bool lg_cmdline_is_override(const lg_cmdline *c);

/* True when name (normalized or not) is in the list (NULL-terminated). */
bool lg_name_in_list(char *const *list, const char *name);

void lg_cmdline_done(lg_cmdline *c);

/* True when the kernel's part of the command line (before "--") has a
 * word whose key is key ('-' and '_' alike, as the kernel's parameq());
 * value, when non-NULL, must match too. For the kernel's own settings
 * (panic=, oops=panic, sysctl.kernel.panic=) that lastgood must keep. */
bool lg_cmdline_has_kernel_word(const char *buf, size_t size, const char *name, const char *value);

/* Longest accepted module/agent name (bytes). */
#define LG_NAME_MAX 255

/* True when s is usable as a module or agent name: 1..LG_NAME_MAX bytes of
 * [A-Za-z0-9_.@+-], not starting with '.' or '-'. Such a name can never
 * carry shell or modprobe.d syntax. */
bool lg_name_is_valid(const char *s);
