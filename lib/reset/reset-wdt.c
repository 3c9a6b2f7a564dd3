/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The hang reset: a watchdog device started with a long timeout and closed
 * without the magic 'V', so that it keeps running with nobody to ping it:
 * a one-shot deadline for the whole boot, from before udev to healthy.
 *
 * Why not only systemd's RuntimeWatchdogSec=: systemd pings the device as
 * long as PID 1 runs, so it resets a host whose kernel or PID 1 hangs, not
 * a boot that hangs (a unit that never finishes, a module stuck in its init,
 * an initramfs waiting for its root for ever). Why not only
 * JobTimeoutAction= on the boot's targets: it starts with the main system,
 * after the initramfs, and needs PID 1 alive. The deadline covers all of
 * it; an administrator's own watchdog (RuntimeWatchdogSec=, a watchdog
 * daemon) takes the device over by opening it, and then rules.
 *
 * Linux watchdog API: Documentation/watchdog/watchdog-api.rst. The watchdog
 * core keeps a started device running after a close without 'V'
 * (drivers/watchdog/watchdog_dev.c, watchdog_release(): "watchdog did not
 * stop!"), and emulates timeouts longer than the hardware's. */
#include <errno.h>
#include <fcntl.h>
#include <linux/watchdog.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kmod-api.h"
#include "macro.h"
#include "reset-internal.h"
#include "reset.h"

static const char *const devices[] = { "/dev/watchdog0", "/dev/watchdog" };

static const char *find_device(const lg_root *root) {
        for (size_t i = 0; i < ELEMENTSOF(devices); i++) {
                struct stat st;

                if (fstatat(root->fd, devices[i] + 1, &st, 0) >= 0)
                        return devices[i];
        }
        return NULL;
}

/* softdog, as modprobe would load it (its options from modprobe.d). */
static int load_softdog(const lg_root *root, const char *kernel) {
        _cleanup_free_ char *dir = NULL, *rel = NULL;
        const lg_kmod_api *k;
        struct kmod_ctx *ctx;
        struct kmod_list *list = NULL;
        int r = -ENOENT;

        if (asprintf(&rel, "/lib/modules/%s", kernel) < 0) {
                rel = NULL;
                return -ENOMEM;
        }
        dir = lg_root_path(root, rel);
        if (!dir)
                return -ENOMEM;
        k = lg_kmod_api_acquire();
        if (!k)
                return -errno;
        ctx = k->new_ctx(dir, NULL);
        if (!ctx) {
                lg_kmod_api_release();
                return -ENOMEM;
        }
        if (k->module_new_from_lookup(ctx, "softdog", &list) < 0)
                list = NULL;
        if (list) {
                struct kmod_module *m = k->module_get_module(list);

                r = k->module_probe_insert_module(m, 0, NULL, NULL, NULL, NULL);
                k->module_unref(m);
                if (r > 0) /* blacklisted or an install command refused it */
                        r = -EPERM;
        }
        k->module_unref_list(list);
        k->unref(ctx);
        lg_kmod_api_release();
        return r;
}

/* Whether the softdog module exists for kernel (no loading). */
static bool have_softdog(const lg_root *root, const char *kernel) {
        _cleanup_free_ char *dir = NULL, *rel = NULL;
        const lg_kmod_api *k;
        struct kmod_ctx *ctx;
        struct kmod_list *list = NULL;
        bool found;

        if (asprintf(&rel, "/lib/modules/%s", kernel) < 0)
                return false;
        dir = lg_root_path(root, rel);
        if (!dir)
                return false;
        k = lg_kmod_api_acquire();
        if (!k)
                return false;
        ctx = k->new_ctx(dir, NULL);
        if (ctx) {
                found = k->module_new_from_lookup(ctx, "softdog", &list) >= 0 && list;
                k->module_unref_list(list);
                k->unref(ctx);
        } else
                found = false;
        lg_kmod_api_release();
        return found;
}

/* /sys/class/watchdog/watchdogN/nowayout: 1 means a started device can
 * never be stopped again, so the deadline could not be released. */
static bool nowayout(const lg_root *root, const char *device) {
        char path[128];
        const char *name = strrchr(device, '/') + 1;
        int v = 0;

        snprintf(path, sizeof(path), "/sys/class/watchdog/%s/nowayout",
                 streq(name, "watchdog") ? "watchdog0" : name);
        return lg_reset_sysctl_read(root, path, &v) >= 0 && v != 0;
}

/* Stops a started device: WDIOS_DISABLECARD, then the magic close. */
static void stop(int fd) {
        int flags = WDIOS_DISABLECARD;

        (void) ioctl(fd, WDIOC_SETOPTIONS, &flags);
        (void) !write(fd, "V", 1);
}

void lg_reset_hang_arm(const lg_root *root, const lg_reset_options *o, lg_reset_item *it) {
        struct watchdog_info info = {};
        const char *device;
        int fd, timeout;

        *it = (lg_reset_item){};
        if (o->config->hang_reset_sec == 0) {
                it->status = LG_RESET_OFF;
                return;
        }
        if (o->exhausted) {
                it->status = LG_RESET_SKIPPED;
                return;
        }
        device = find_device(root);
        if (!device && o->load_modules && o->kernel && load_softdog(root, o->kernel) >= 0)
                device = find_device(root);
        if (!device) {
                /* Outside the host root nothing is loaded: say whether
                 * softdog would have been there. */
                it->status = LG_RESET_UNAVAILABLE;
                it->error = !o->load_modules && o->kernel && have_softdog(root, o->kernel) ? ENOENT : ENODEV;
                return;
        }
        snprintf(it->device, sizeof(it->device), "%s", device);
        if (nowayout(root, device)) {
                it->status = LG_RESET_UNAVAILABLE;
                it->error = EPERM;
                return;
        }

        /* Opening starts the device with its current timeout. */
        fd = lg_root_open(root, device, O_WRONLY | O_NOCTTY, 0);
        if (fd < 0) {
                it->status = fd == -EBUSY ? LG_RESET_BUSY : LG_RESET_FAILED;
                it->error = -fd;
                return;
        }
        if (ioctl(fd, WDIOC_GETSUPPORT, &info) < 0 || !(info.options & WDIOF_SETTIMEOUT)) {
                /* Not a watchdog (ENOTTY), or one whose timeout is fixed. */
                it->status = LG_RESET_FAILED;
                it->error = !(info.options & WDIOF_SETTIMEOUT) && errno != ENOTTY ? EOPNOTSUPP : ENOTTY;
                stop(fd);
                close(fd);
                return;
        }
        timeout = (int) o->config->hang_reset_sec;
        if (ioctl(fd, WDIOC_SETTIMEOUT, &timeout) < 0) {
                it->status = LG_RESET_FAILED;
                it->error = errno > 0 ? errno : EIO;
                stop(fd);
                close(fd);
                return;
        }
        /* The driver may round the timeout: it tells the one in force. */
        it->status = LG_RESET_SET;
        it->value = timeout > 0 ? timeout : (int) o->config->hang_reset_sec;
        /* No 'V': the device keeps running after the close. */
        close(fd);
}

int lg_reset_release(const lg_root *root, lg_reset *r) {
        lg_reset_item *it = &r->items[LG_RESET_HANG];
        int fd;

        if (it->status != LG_RESET_SET || !it->device[0])
                return 0;
        fd = lg_root_open(root, it->device, O_WRONLY | O_NOCTTY, 0);
        if (fd < 0)
                return fd;
        stop(fd);
        close(fd);
        it->status = LG_RESET_RELEASED;
        return 1;
}
