/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every failure ends in a reset: the kernel settings, the /run file and
 * the strings. The watchdog device is in reset-wdt.c. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmdline.h"
#include "macro.h"
#include "reset-internal.h"
#include "reset.h"

#define SYSCTL_MAX 64
#define RESET_FILE_MAX 4096

static const char *const kind_table[_LG_RESET_KIND_MAX] = {
        [LG_RESET_PANIC] = "kernel.panic",
        [LG_RESET_OOPS] = "kernel.panic_on_oops",
        [LG_RESET_SOFTLOCKUP] = "kernel.softlockup_panic",
        [LG_RESET_HARDLOCKUP] = "kernel.hardlockup_panic",
        [LG_RESET_HANG] = "hang-reset",
};

static const char *const status_table[_LG_RESET_STATUS_MAX] = {
        [LG_RESET_NONE] = "none",       [LG_RESET_SET] = "set",
        [LG_RESET_KEPT] = "kept",       [LG_RESET_CMDLINE] = "cmdline",
        [LG_RESET_OFF] = "off",         [LG_RESET_UNAVAILABLE] = "unavailable",
        [LG_RESET_BUSY] = "busy",       [LG_RESET_FAILED] = "failed",
        [LG_RESET_SKIPPED] = "skipped", [LG_RESET_RELEASED] = "released",
        [LG_RESET_RESTORED] = "restored",
};

const char *lg_reset_kind_to_string(lg_reset_kind k) {
        return (int) k >= 0 && k < _LG_RESET_KIND_MAX ? kind_table[k] : NULL;
}

lg_reset_kind lg_reset_kind_from_string(const char *s) {
        for (int i = 0; s && i < _LG_RESET_KIND_MAX; i++)
                if (streq(kind_table[i], s))
                        return (lg_reset_kind) i;
        return _LG_RESET_KIND_INVALID;
}

const char *lg_reset_status_to_string(lg_reset_status s) {
        return (int) s >= 0 && s < _LG_RESET_STATUS_MAX ? status_table[s] : NULL;
}

lg_reset_status lg_reset_status_from_string(const char *s) {
        for (int i = 0; s && i < _LG_RESET_STATUS_MAX; i++)
                if (streq(status_table[i], s))
                        return (lg_reset_status) i;
        return _LG_RESET_STATUS_INVALID;
}

bool lg_reset_in_force(lg_reset_kind k, const lg_reset_item *it) {
        switch (it->status) {
        case LG_RESET_SET:
                return true;
        case LG_RESET_KEPT:
        case LG_RESET_CMDLINE:
                return k != LG_RESET_HANG && it->value != 0;
        default:
                return false;
        }
}

static const char *effect(lg_reset_kind k) {
        switch (k) {
        case LG_RESET_PANIC:
                return "a panic reboots";
        case LG_RESET_OOPS:
                return "an oops panics";
        case LG_RESET_SOFTLOCKUP:
                return "a soft lockup panics";
        case LG_RESET_HARDLOCKUP:
                return "a hard lockup panics";
        default:
                return "a boot that hangs before boot-complete.target is reset";
        }
}

void lg_reset_describe(lg_reset_kind k, const lg_reset_item *it, char *buf, size_t size) {
        const char *name = strna(lg_reset_kind_to_string(k));
        const char *err = it->error > 0 ? strerror(it->error) : NULL;

        if (size == 0)
                return;
        switch (it->status) {
        case LG_RESET_SET:
                if (k == LG_RESET_HANG)
                        snprintf(buf, size,
                                 "hang reset armed: %s resets the host unless the boot reaches "
                                 "boot-complete.target within %d s",
                                 it->device, it->value);
                else if (k == LG_RESET_PANIC)
                        snprintf(buf, size, "%s set to %d for this armed boot: a panic reboots after %d s",
                                 name, it->value, it->value);
                else
                        snprintf(buf, size, "%s set to %d for this armed boot: %s", name, it->value,
                                 effect(k));
                break;
        case LG_RESET_KEPT:
                snprintf(buf, size, "%s kept at %d (already set by the kernel or the administrator)", name,
                         it->value);
                break;
        case LG_RESET_CMDLINE:
                snprintf(buf, size, "%s left at %d: the kernel command line sets it", name, it->value);
                break;
        case LG_RESET_OFF:
                snprintf(buf, size, "%s not set: turned off in lastgood.conf", name);
                break;
        case LG_RESET_UNAVAILABLE:
                if (k == LG_RESET_HANG)
                        snprintf(buf, size, "hang reset not in force: %s",
                                 it->error == ENODEV ? "no watchdog device and no softdog module"
                                 : it->error == ENOENT
                                         ? "no watchdog device (softdog is loaded only on the host root)"
                                 : it->error == EPERM
                                         ? "the watchdog device cannot be stopped again (nowayout)"
                                         : strna(err));
                else
                        snprintf(buf, size, "%s not in force: this kernel has no such setting", name);
                break;
        case LG_RESET_BUSY:
                snprintf(buf, size,
                         "hang reset not in force: %s is in use by another program (its watchdog "
                         "rules)",
                         it->device);
                break;
        case LG_RESET_FAILED:
                snprintf(buf, size, "%s not in force: %s", k == LG_RESET_HANG ? "hang reset" : name,
                         err ? err : "failed");
                break;
        case LG_RESET_SKIPPED:
                snprintf(buf, size,
                         "hang reset not armed: recovery is exhausted, lastgood stays out of the way");
                break;
        case LG_RESET_RELEASED:
                snprintf(buf, size, "hang reset released: the boot did not hang, %s stopped", it->device);
                break;
        case LG_RESET_RESTORED:
                snprintf(buf, size, "%s back to %d: the boot is proven or the host no longer armed", name,
                         it->value);
                break;
        default:
                snprintf(buf, size, "%s untouched", name);
                break;
        }
}

/* A sysctl value: an int, possibly negative (kernel.panic=-1 reboots at
 * once), then white space. */
static int parse_int(const char *s, int *ret) {
        char *end;
        long v;

        errno = 0;
        v = strtol(s, &end, 10);
        if (errno || end == s || v < INT_MIN || v > INT_MAX)
                return -EBADMSG;
        while (*end && isspace((unsigned char) *end))
                end++;
        if (*end)
                return -EBADMSG;
        *ret = (int) v;
        return 0;
}

int lg_reset_sysctl_read(const lg_root *root, const char *path, int *ret) {
        _cleanup_free_ char *buf = NULL;
        int r;

        r = lg_root_read_file(root, path, SYSCTL_MAX, &buf, NULL);
        if (r < 0)
                return r;
        return parse_int(buf, ret);
}

int lg_reset_sysctl_write(const lg_root *root, const char *path, int value) {
        _cleanup_close_ int fd = -EBADF;
        char buf[16];
        int n;
        ssize_t w;

        /* O_TRUNC: procfs ignores it; a plain file of a test root needs it. */
        fd = lg_root_open(root, path, O_WRONLY | O_TRUNC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW, 0);
        if (fd < 0)
                return fd;
        n = snprintf(buf, sizeof(buf), "%d\n", value);
        do
                w = write(fd, buf, (size_t) n);
        while (w < 0 && errno == EINTR);
        if (w < 0)
                return negative_errno();
        return w == n ? 0 : -EIO;
}

static const struct {
        const char *path;
        const char *words[3]; /* command line words that set it */
} sysctl_table[] = {
        [LG_RESET_PANIC] = { "/proc/sys/kernel/panic",
                             { "panic", "sysctl.kernel.panic", "sysctl.kernel/panic" } },
        [LG_RESET_OOPS] = { "/proc/sys/kernel/panic_on_oops",
                            { "oops", "sysctl.kernel.panic_on_oops", "sysctl.kernel/panic_on_oops" } },
        [LG_RESET_SOFTLOCKUP] = { "/proc/sys/kernel/softlockup_panic",
                                  { "softlockup_panic", "sysctl.kernel.softlockup_panic",
                                    "sysctl.kernel/softlockup_panic" } },
        /* nmi_watchdog=panic|nopanic sets it (kernel/watchdog.c). */
        [LG_RESET_HARDLOCKUP] = { "/proc/sys/kernel/hardlockup_panic",
                                  { "nmi_watchdog", "sysctl.kernel.hardlockup_panic",
                                    "sysctl.kernel/hardlockup_panic" } },
};

static void apply_sysctl(const lg_root *root, const lg_reset_options *o, lg_reset_kind k, bool enabled,
                         int want, lg_reset_item *it) {
        bool on_cmdline = false;
        int cur = 0, r;

        *it = (lg_reset_item){};
        r = lg_reset_sysctl_read(root, sysctl_table[k].path, &cur);
        if (!enabled) {
                it->status = LG_RESET_OFF;
                it->value = r >= 0 ? cur : 0;
                return;
        }
        if (r == -ENOENT || r == -ENOTDIR) {
                it->status = LG_RESET_UNAVAILABLE;
                it->error = -r;
                return;
        }
        if (r < 0) {
                it->status = LG_RESET_FAILED;
                it->error = -r;
                return;
        }
        it->value = cur;
        for (size_t i = 0; i < ELEMENTSOF(sysctl_table[k].words); i++)
                on_cmdline = on_cmdline || lg_cmdline_has_kernel_word(o->cmdline, o->cmdline_size,
                                                                      sysctl_table[k].words[i], NULL);
        if (on_cmdline) {
                it->status = LG_RESET_CMDLINE;
                return;
        }
        if (cur != 0) {
                it->status = LG_RESET_KEPT;
                return;
        }
        r = lg_reset_sysctl_write(root, sysctl_table[k].path, want);
        if (r < 0) {
                it->status = LG_RESET_FAILED;
                it->error = -r;
                return;
        }
        it->status = LG_RESET_SET;
        it->value = want;
}

void lg_reset_apply(const lg_root *root, const lg_reset_options *o, lg_reset *ret) {
        const lg_config *c = o->config;

        *ret = (lg_reset){};
        apply_sysctl(root, o, LG_RESET_PANIC, c->panic_reboot_sec > 0, (int) c->panic_reboot_sec,
                     &ret->items[LG_RESET_PANIC]);
        apply_sysctl(root, o, LG_RESET_OOPS, c->panic_on_oops, 1, &ret->items[LG_RESET_OOPS]);
        apply_sysctl(root, o, LG_RESET_SOFTLOCKUP, c->softlockup_panic, 1, &ret->items[LG_RESET_SOFTLOCKUP]);
        apply_sysctl(root, o, LG_RESET_HARDLOCKUP, c->hardlockup_panic, 1, &ret->items[LG_RESET_HARDLOCKUP]);
        lg_reset_hang_arm(root, o, &ret->items[LG_RESET_HANG]);
}

int lg_reset_restore(const lg_root *root, lg_reset *r) {
        int n = 0, first = 0;

        for (int k = 0; k < (int) ELEMENTSOF(sysctl_table); k++) {
                lg_reset_item *it = &r->items[k];
                int cur, q;

                if (it->status != LG_RESET_SET)
                        continue;
                /* Only lastgood's own value goes: an administrator who set
                 * it since (sysctl -w) keeps theirs. */
                q = lg_reset_sysctl_read(root, sysctl_table[k].path, &cur);
                if (q >= 0 && cur != it->value) {
                        it->status = LG_RESET_KEPT;
                        it->value = cur;
                        continue;
                }
                if (q >= 0)
                        q = lg_reset_sysctl_write(root, sysctl_table[k].path, 0);
                if (q < 0) {
                        if (!first)
                                first = q;
                        continue;
                }
                it->status = LG_RESET_RESTORED;
                it->value = 0;
                n++;
        }
        return first < 0 ? first : n;
}

static bool device_valid(const char *s) {
        size_t n = strlen(s);

        if (n < 6 || n >= LG_RESET_DEVICE_MAX || strncmp(s, "/dev/", 5) != 0 || strstr(s, ".."))
                return false;
        for (const char *p = s; *p; p++)
                if (!isascii((unsigned char) *p) || !(isalnum((unsigned char) *p) || strchr("/_-.", *p)))
                        return false;
        return true;
}

int lg_reset_format(const lg_reset *r, char **ret, size_t *ret_size) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f;

        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        for (int k = 0; k < _LG_RESET_KIND_MAX; k++) {
                const lg_reset_item *it = &r->items[k];

                if (it->status == LG_RESET_NONE || !lg_reset_status_to_string(it->status))
                        continue;
                fprintf(f, "%s=%s %d %d %s\n", kind_table[k], status_table[it->status], it->value, it->error,
                        device_valid(it->device) ? it->device : "-");
        }
        if (fclose(f) != 0 || !buf) {
                free(buf);
                return -ENOMEM;
        }
        *ret = buf;
        if (ret_size)
                *ret_size = size;
        return 0;
}

static int parse_line(char *line, lg_reset *r) {
        char *eq = strchr(line, '='), *tok[4], *save = NULL, *p;
        lg_reset_kind k;
        lg_reset_status s;
        int value, error, n = 0;

        if (!eq)
                return -EBADMSG;
        *eq = '\0';
        k = lg_reset_kind_from_string(line);
        if (k < 0)
                return -EBADMSG;
        for (p = strtok_r(eq + 1, " ", &save); p && n < 5; p = strtok_r(NULL, " ", &save)) {
                if (n == 4)
                        return -EBADMSG;
                tok[n++] = p;
        }
        if (n != 4)
                return -EBADMSG;
        s = lg_reset_status_from_string(tok[0]);
        if (s <= LG_RESET_NONE || parse_int(tok[1], &value) < 0 || parse_int(tok[2], &error) < 0 ||
            error < 0 || error > 4095)
                return -EBADMSG;
        if (!streq(tok[3], "-") && !device_valid(tok[3]))
                return -EBADMSG;
        r->items[k] = (lg_reset_item){ .status = s, .value = value, .error = error };
        if (!streq(tok[3], "-"))
                snprintf(r->items[k].device, sizeof(r->items[k].device), "%s", tok[3]);
        return 0;
}

int lg_reset_parse(const char *buf, size_t size, lg_reset *ret) {
        lg_reset r = {};
        size_t pos = 0;
        bool any = false;

        while (pos < size) {
                const char *nl = memchr(buf + pos, '\n', size - pos);
                size_t n = nl ? (size_t) (nl - (buf + pos)) : size - pos;
                char line[160];

                if (n < sizeof(line) && !memchr(buf + pos, '\0', n)) {
                        memcpy(line, buf + pos, n);
                        line[n] = '\0';
                        if (parse_line(line, &r) >= 0)
                                any = true;
                }
                pos += n + 1;
        }
        if (!any)
                return -EBADMSG;
        *ret = r;
        return 0;
}

int lg_reset_save(const lg_root *root, const lg_reset *r) {
        _cleanup_free_ char *buf = NULL;
        size_t size;
        int k;

        k = lg_reset_format(r, &buf, &size);
        if (k < 0)
                return k;
        return lg_root_write_atomic(root, LG_RUN_RESET, buf, size, 0644);
}

int lg_reset_load(const lg_root *root, lg_reset *ret) {
        _cleanup_free_ char *buf = NULL;
        size_t size;
        int r;

        r = lg_root_read_file(root, LG_RUN_RESET, RESET_FILE_MAX, &buf, &size);
        if (r < 0)
                return r;
        return lg_reset_parse(buf, size, ret);
}
