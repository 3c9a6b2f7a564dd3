/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every failure ends in a reset (lib/reset/reset.c, lib/reset/reset-wdt.c) against
 * temporary roots: the /proc/sys/kernel files are plain, /dev/watchdog0 is a
 * plain file that tests/unit/wdt-emul.c makes behave as a watchdog driver
 * (-Wl,--wrap=ioctl,--wrap=openat). One table of cases: the files before,
 * the command line, the configuration; the files after and each item. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h" /* lib/parse/config.h: the build's own is force-included */
#include "cmdline.h"
#include "macro.h"
#include "reset.h"
#include "rootfs.h"
#include "strv.h"

#define NO_FILE "-"

typedef struct fixture {
        char dir[64];
        lg_root *root;
} fixture;

static void write_file(fixture *f, const char *rel, const char *content) {
        char path[256], cmd[320];
        FILE *o;

        snprintf(path, sizeof(path), "%s/%s", f->dir, rel);
        snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
        assert_int_equal(system(cmd), 0);
        o = fopen(path, "we");
        assert_non_null(o);
        fputs(content, o);
        fclose(o);
}

static char *read_back(fixture *f, const char *rel) {
        char path[256], *buf = NULL;
        size_t n = 0;
        FILE *i;

        snprintf(path, sizeof(path), "%s/%s", f->dir, rel);
        i = fopen(path, "re");
        if (!i)
                return strdup(NO_FILE);
        if (getdelim(&buf, &n, '\0', i) < 0) {
                free(buf);
                buf = strdup("");
        }
        fclose(i);
        return buf;
}

static void setup(fixture *f) {
        snprintf(f->dir, sizeof(f->dir), "/tmp/test-reset-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        assert_int_equal(lg_root_new(f->dir, &f->root), 0);
}

static void teardown(fixture *f) {
        char cmd[128];

        lg_root_free(f->root);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
        assert_int_equal(system(cmd), 0);
        unsetenv("LG_TEST_WDT_BUSY");
        unsetenv("LG_TEST_WDT_FIXED");
        unsetenv("LG_TEST_WDT_MAX");
        unsetenv("LG_TEST_PROC_SYS_RO");
}

static const char *const sysctl_files[4] = {
        "proc/sys/kernel/panic",
        "proc/sys/kernel/panic_on_oops",
        "proc/sys/kernel/softlockup_panic",
        "proc/sys/kernel/hardlockup_panic",
};

typedef struct item_want {
        lg_reset_status status;
        int value;
        int error;
} item_want;

typedef struct reset_case {
        const char *name;
        const char *before[4]; /* the sysctl files; NULL: "0\n"; NO_FILE: absent */
        bool no_proc;          /* no /proc at all */
        bool device;           /* dev/watchdog0 exists */
        const char *nowayout;  /* sys/class/watchdog/watchdog0/nowayout, or NULL */
        const char *cmdline;
        const char *conf; /* lastgood.conf text */
        bool exhausted;
        const char *env;      /* one of the wdt-emul variables set to 1, or NULL */
        const char *after[4]; /* expected file contents; NULL: unchanged */
        item_want want[_LG_RESET_KIND_MAX];
        const char *log;     /* expected dev/watchdog0.log ("-": none) */
        const char *devdata; /* expected dev/watchdog0 content */
} reset_case;

#define ALL_SET                                                                          \
        {                                                                                \
                { LG_RESET_SET, 10, 0 }, { LG_RESET_SET, 1, 0 }, { LG_RESET_SET, 1, 0 }, \
                        { LG_RESET_SET, 1, 0 }, {                                        \
                        LG_RESET_SET, 900, 0                                             \
                }                                                                        \
        }

static const reset_case cases[] = {
        { .name = "armed, stock kernel: everything set",
          .device = true,
          .cmdline = "root=/dev/vda ro quiet",
          .after = { "10\n", "1\n", "1\n", "1\n" },
          .want = ALL_SET,
          .log = "settimeout 900\n",
          .devdata = "" },
        { .name = "administrator values kept",
          .before = { "30\n", "1\n", "0\n", "2\n" },
          .device = true,
          .after = { "30\n", "1\n", "1\n", "2\n" },
          .want = { { LG_RESET_KEPT, 30, 0 },
                    { LG_RESET_KEPT, 1, 0 },
                    { LG_RESET_SET, 1, 0 },
                    { LG_RESET_KEPT, 2, 0 },
                    { LG_RESET_SET, 900, 0 } },
          .log = "settimeout 900\n",
          .devdata = "" },
        { .name = "kernel.panic=-1 (reboot at once) is a value too",
          .before = { "-1\n" },
          .after = { "-1\n", "1\n", "1\n", "1\n" },
          .want = { { LG_RESET_KEPT, -1, 0 },
                    { LG_RESET_SET, 1, 0 },
                    { LG_RESET_SET, 1, 0 },
                    { LG_RESET_SET, 1, 0 },
                    { LG_RESET_UNAVAILABLE, 0, ENODEV } },
          .log = NO_FILE,
          .devdata = NO_FILE },
        { .name = "the command line sets them: kept, even at 0",
          .device = true,
          .cmdline = "root=/dev/vda panic=0 oops=continue softlockup-panic=0 \"nmi_watchdog=nopanic\"",
          .after = { "0\n", "0\n", "0\n", "0\n" },
          .want = { { LG_RESET_CMDLINE, 0, 0 },
                    { LG_RESET_CMDLINE, 0, 0 },
                    { LG_RESET_CMDLINE, 0, 0 },
                    { LG_RESET_CMDLINE, 0, 0 },
                    { LG_RESET_SET, 900, 0 } },
          .log = "settimeout 900\n",
          .devdata = "" },
        { .name = "sysctl.kernel.* words are the administrator's too",
          .cmdline = "sysctl.kernel.panic=0 sysctl.kernel/panic_on_oops=0",
          .after = { "0\n", "0\n", "1\n", "1\n" },
          .want = { { LG_RESET_CMDLINE, 0, 0 },
                    { LG_RESET_CMDLINE, 0, 0 },
                    { LG_RESET_SET, 1, 0 },
                    { LG_RESET_SET, 1, 0 },
                    { LG_RESET_UNAVAILABLE, 0, ENODEV } },
          .log = NO_FILE,
          .devdata = NO_FILE },
        { .name = "words after -- belong to init, lastgood.* words are not the kernel's",
          .cmdline = "lastgood.panic=0 xpanic=1 -- panic=0",
          .after = { "10\n", "1\n", "1\n", "1\n" },
          .want = { { LG_RESET_SET, 10, 0 },
                    { LG_RESET_SET, 1, 0 },
                    { LG_RESET_SET, 1, 0 },
                    { LG_RESET_SET, 1, 0 },
                    { LG_RESET_UNAVAILABLE, 0, ENODEV } },
          .log = NO_FILE,
          .devdata = NO_FILE },
        { .name = "each turned off in lastgood.conf",
          .device = true,
          .conf = "[Boot]\nPanicRebootSec=0\nPanicOnOops=no\nSoftLockupPanic=no\nHardLockupPanic=no\n"
                  "HangResetSec=0\n",
          .after = { "0\n", "0\n", "0\n", "0\n" },
          .want = { { LG_RESET_OFF, 0, 0 },
                    { LG_RESET_OFF, 0, 0 },
                    { LG_RESET_OFF, 0, 0 },
                    { LG_RESET_OFF, 0, 0 },
                    { LG_RESET_OFF, 0, 0 } },
          .log = NO_FILE,
          .devdata = "" },
        { .name = "PanicRebootSec= and HangResetSec= values",
          .device = true,
          .conf = "[Boot]\nPanicRebootSec=30\nHangResetSec=2min\n",
          .after = { "30\n", "1\n", "1\n", "1\n" },
          .want = { { LG_RESET_SET, 30, 0 },
                    { LG_RESET_SET, 1, 0 },
                    { LG_RESET_SET, 1, 0 },
                    { LG_RESET_SET, 1, 0 },
                    { LG_RESET_SET, 120, 0 } },
          .log = "settimeout 120\n",
          .devdata = "" },
        { .name = "no hard lockup detector in this kernel",
          .before = { NULL, NULL, NULL, NO_FILE },
          .after = { "10\n", "1\n", "1\n", NO_FILE },
          .want = { { LG_RESET_SET, 10, 0 },
                    { LG_RESET_SET, 1, 0 },
                    { LG_RESET_SET, 1, 0 },
                    { LG_RESET_UNAVAILABLE, 0, ENOENT },
                    { LG_RESET_UNAVAILABLE, 0, ENODEV } },
          .log = NO_FILE,
          .devdata = NO_FILE },
        { .name = "/proc/sys missing",
          .no_proc = true,
          .after = { NO_FILE, NO_FILE, NO_FILE, NO_FILE },
          .want = { { LG_RESET_UNAVAILABLE, 0, ENOENT },
                    { LG_RESET_UNAVAILABLE, 0, ENOENT },
                    { LG_RESET_UNAVAILABLE, 0, ENOENT },
                    { LG_RESET_UNAVAILABLE, 0, ENOENT },
                    { LG_RESET_UNAVAILABLE, 0, ENODEV } },
          .log = NO_FILE,
          .devdata = NO_FILE },
        { .name = "/proc/sys read-only",
          .env = "LG_TEST_PROC_SYS_RO",
          .device = true,
          .after = { "0\n", "0\n", "0\n", "0\n" },
          .want = { { LG_RESET_FAILED, 0, EROFS },
                    { LG_RESET_FAILED, 0, EROFS },
                    { LG_RESET_FAILED, 0, EROFS },
                    { LG_RESET_FAILED, 0, EROFS },
                    { LG_RESET_SET, 900, 0 } },
          .log = "settimeout 900\n",
          .devdata = "" },
        { .name = "garbage in a sysctl file is not overwritten",
          .before = { "ten\n", "1 2\n", "", "99999999999999999999\n" },
          .after = { "ten\n", "1 2\n", "", "99999999999999999999\n" },
          .want = { { LG_RESET_FAILED, 0, EBADMSG },
                    { LG_RESET_FAILED, 0, EBADMSG },
                    { LG_RESET_FAILED, 0, EBADMSG },
                    { LG_RESET_FAILED, 0, EBADMSG },
                    { LG_RESET_UNAVAILABLE, 0, ENODEV } },
          .log = NO_FILE,
          .devdata = NO_FILE },
        { .name = "watchdog device busy",
          .env = "LG_TEST_WDT_BUSY",
          .device = true,
          .after = { "10\n", "1\n", "1\n", "1\n" },
          .want = { { LG_RESET_SET, 10, 0 },
                    { LG_RESET_SET, 1, 0 },
                    { LG_RESET_SET, 1, 0 },
                    { LG_RESET_SET, 1, 0 },
                    { LG_RESET_BUSY, 0, EBUSY } },
          .log = NO_FILE,
          .devdata = "" },
        { .name = "watchdog with a fixed timeout: stopped again",
          .env = "LG_TEST_WDT_FIXED",
          .device = true,
          .after = { "10\n", "1\n", "1\n", "1\n" },
          .want = { { LG_RESET_SET, 10, 0 },
                    { LG_RESET_SET, 1, 0 },
                    { LG_RESET_SET, 1, 0 },
                    { LG_RESET_SET, 1, 0 },
                    { LG_RESET_FAILED, 0, EOPNOTSUPP } },
          .log = "disable\n",
          .devdata = "V" },
        { .name = "watchdog with nowayout: never started",
          .device = true,
          .nowayout = "1\n",
          .after = { "10\n", "1\n", "1\n", "1\n" },
          .want = { { LG_RESET_SET, 10, 0 },
                    { LG_RESET_SET, 1, 0 },
                    { LG_RESET_SET, 1, 0 },
                    { LG_RESET_SET, 1, 0 },
                    { LG_RESET_UNAVAILABLE, 0, EPERM } },
          .log = NO_FILE,
          .devdata = "" },
        { .name = "the driver rounds the timeout down",
          .env = "LG_TEST_WDT_MAX",
          .device = true,
          .after = { "10\n", "1\n", "1\n", "1\n" },
          .want = { { LG_RESET_SET, 10, 0 },
                    { LG_RESET_SET, 1, 0 },
                    { LG_RESET_SET, 1, 0 },
                    { LG_RESET_SET, 1, 0 },
                    { LG_RESET_SET, 1, 0 } },
          .log = "settimeout 1\n",
          .devdata = "" },
        { .name = "recovery exhausted: no hang reset",
          .device = true,
          .exhausted = true,
          .after = { "10\n", "1\n", "1\n", "1\n" },
          .want = { { LG_RESET_SET, 10, 0 },
                    { LG_RESET_SET, 1, 0 },
                    { LG_RESET_SET, 1, 0 },
                    { LG_RESET_SET, 1, 0 },
                    { LG_RESET_SKIPPED, 0, 0 } },
          .log = NO_FILE,
          .devdata = "" },
};

static void test_apply(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                const reset_case *t = &cases[i];
                fixture f = {};
                lg_config cfg;
                lg_reset r, back;
                lg_reset_options o = {};
                char *s;

                print_message("case: %s\n", t->name);
                setup(&f);
                for (int k = 0; k < 4 && !t->no_proc; k++)
                        if (!streq_ptr(t->before[k], NO_FILE))
                                write_file(&f, sysctl_files[k], t->before[k] ? t->before[k] : "0\n");
                if (t->device)
                        write_file(&f, "dev/watchdog0", "");
                if (t->nowayout)
                        write_file(&f, "sys/class/watchdog/watchdog0/nowayout", t->nowayout);
                if (t->env)
                        setenv(t->env, "1", 1);
                assert_int_equal(lg_config_init(&cfg), 0);
                if (t->conf)
                        assert_int_equal(lg_config_parse(&cfg, "lastgood.conf", t->conf, strlen(t->conf)),
                                         0);
                assert_int_equal(lg_strv_length(cfg.warnings), 0);
                o.config = &cfg;
                o.cmdline = t->cmdline ? t->cmdline : "";
                o.cmdline_size = strlen(o.cmdline);
                o.kernel = "6.1.0-test";
                o.exhausted = t->exhausted;
                o.load_modules = false;

                lg_reset_apply(f.root, &o, &r);

                for (int k = 0; k < _LG_RESET_KIND_MAX; k++) {
                        char line[256];

                        lg_reset_describe((lg_reset_kind) k, &r.items[k], line, sizeof(line));
                        print_message("  %s\n", line);
                        assert_int_equal(r.items[k].status, t->want[k].status);
                        assert_int_equal(r.items[k].value, t->want[k].value);
                        assert_int_equal(r.items[k].error, t->want[k].error);
                        assert_true(strlen(line) > 10);
                }
                for (int k = 0; k < 4; k++) {
                        const char *want = t->after[k] ? t->after[k] : t->before[k] ? t->before[k] : "0\n";

                        s = read_back(&f, sysctl_files[k]);
                        assert_string_equal(s, want);
                        free(s);
                }
                s = read_back(&f, "dev/watchdog0.log");
                assert_string_equal(s, t->log);
                free(s);
                s = read_back(&f, "dev/watchdog0");
                assert_string_equal(s, t->devdata);
                free(s);

                /* What lastgoodctl status and the watchdog read back. */
                assert_int_equal(lg_reset_save(f.root, &r), 0);
                assert_int_equal(lg_reset_load(f.root, &back), 0);
                assert_memory_equal(&back, &r, sizeof(r));

                lg_config_done(&cfg);
                teardown(&f);
        }
}

static void test_release(void **state) {
        fixture f = {};
        lg_config cfg;
        lg_reset r;
        lg_reset_options o = { .config = &cfg, .cmdline = "", .kernel = "6.1.0-test" };
        char *s;

        setup(&f);
        write_file(&f, "dev/watchdog0", "");
        assert_int_equal(lg_config_init(&cfg), 0);
        lg_reset_apply(f.root, &o, &r);
        assert_int_equal(r.items[LG_RESET_HANG].status, LG_RESET_SET);
        assert_string_equal(r.items[LG_RESET_HANG].device, "/dev/watchdog0");
        assert_true(lg_reset_in_force(LG_RESET_HANG, &r.items[LG_RESET_HANG]));

        /* Held by another program (systemd's RuntimeWatchdogSec=): it
         * rules, nothing changes. */
        setenv("LG_TEST_WDT_BUSY", "1", 1);
        assert_int_equal(lg_reset_release(f.root, &r), -EBUSY);
        assert_int_equal(r.items[LG_RESET_HANG].status, LG_RESET_SET);
        unsetenv("LG_TEST_WDT_BUSY");

        assert_int_equal(lg_reset_release(f.root, &r), 1);
        assert_int_equal(r.items[LG_RESET_HANG].status, LG_RESET_RELEASED);
        assert_false(lg_reset_in_force(LG_RESET_HANG, &r.items[LG_RESET_HANG]));
        s = read_back(&f, "dev/watchdog0");
        assert_string_equal(s, "V");
        free(s);
        s = read_back(&f, "dev/watchdog0.log");
        assert_string_equal(s, "settimeout 900\ndisable\n");
        free(s);
        /* Once only. */
        assert_int_equal(lg_reset_release(f.root, &r), 0);

        /* The device went away. */
        r.items[LG_RESET_HANG].status = LG_RESET_SET;
        {
                char path[128];

                snprintf(path, sizeof(path), "%s/dev/watchdog0", f.dir);
                assert_int_equal(unlink(path), 0);
        }
        assert_int_equal(lg_reset_release(f.root, &r), -ENOENT);

        lg_config_done(&cfg);
        teardown(&f);
}

/* Proven or not armed: what lastgood set goes back to the value found (0);
 * a value changed since is kept; one that cannot be written stays set. */
static void test_restore(void **state) {
        fixture f = {};
        lg_reset r = {}, back;
        char *s;

        setup(&f);
        write_file(&f, "proc/sys/kernel/panic", "10\n");
        write_file(&f, "proc/sys/kernel/panic_on_oops", "1\n");
        write_file(&f, "proc/sys/kernel/softlockup_panic", "2\n"); /* sysctl -w since */
        r.items[LG_RESET_PANIC] = (lg_reset_item){ .status = LG_RESET_SET, .value = 10 };
        r.items[LG_RESET_OOPS] = (lg_reset_item){ .status = LG_RESET_SET, .value = 1 };
        r.items[LG_RESET_SOFTLOCKUP] = (lg_reset_item){ .status = LG_RESET_SET, .value = 1 };
        /* hardlockup_panic: gone (no such file): an error, the item stays set */
        r.items[LG_RESET_HARDLOCKUP] = (lg_reset_item){ .status = LG_RESET_SET, .value = 1 };
        r.items[LG_RESET_HANG] = (lg_reset_item){ .status = LG_RESET_SET, .value = 900, .device = "/dev/watchdog0" };

        assert_int_equal(lg_reset_restore(f.root, &r), -ENOENT);
        assert_int_equal(r.items[LG_RESET_PANIC].status, LG_RESET_RESTORED);
        assert_int_equal(r.items[LG_RESET_PANIC].value, 0);
        assert_int_equal(r.items[LG_RESET_OOPS].status, LG_RESET_RESTORED);
        assert_int_equal(r.items[LG_RESET_SOFTLOCKUP].status, LG_RESET_KEPT);
        assert_int_equal(r.items[LG_RESET_SOFTLOCKUP].value, 2);
        assert_int_equal(r.items[LG_RESET_HARDLOCKUP].status, LG_RESET_SET);
        assert_int_equal(r.items[LG_RESET_HANG].status, LG_RESET_SET); /* not touched */
        assert_false(lg_reset_in_force(LG_RESET_PANIC, &r.items[LG_RESET_PANIC]));
        s = read_back(&f, "proc/sys/kernel/panic");
        assert_string_equal(s, "0\n");
        free(s);
        s = read_back(&f, "proc/sys/kernel/softlockup_panic");
        assert_string_equal(s, "2\n");
        free(s);

        /* Saved and read back as "restored"; a second call does nothing. */
        assert_int_equal(lg_reset_save(f.root, &r), 0);
        assert_int_equal(lg_reset_load(f.root, &back), 0);
        assert_int_equal(back.items[LG_RESET_PANIC].status, LG_RESET_RESTORED);
        write_file(&f, "proc/sys/kernel/hardlockup_panic", "1\n");
        assert_int_equal(lg_reset_restore(f.root, &back), 1);
        assert_int_equal(back.items[LG_RESET_HARDLOCKUP].status, LG_RESET_RESTORED);
        assert_int_equal(lg_reset_restore(f.root, &back), 0);
        teardown(&f);
}

static void test_parse(void **state) {
        static const struct {
                const char *text;
                int result;
                lg_reset_status panic, hang;
                const char *device;
        } t[] = {
                { "kernel.panic=set 10 0 -\nhang-reset=set 900 0 /dev/watchdog0\n", 0, LG_RESET_SET,
                  LG_RESET_SET, "/dev/watchdog0" },
                { "kernel.panic=kept 30 0 -", 0, LG_RESET_KEPT, LG_RESET_NONE, "" },
                { "hang-reset=released 900 0 /dev/watchdog1\nbogus=set 1 0 -\n", 0, LG_RESET_NONE,
                  LG_RESET_RELEASED, "/dev/watchdog1" },
                { "hang-reset=set 900 0 /etc/passwd\n", -EBADMSG, 0, 0, "" },
                { "hang-reset=set 900 0 /dev/../etc/passwd\n", -EBADMSG, 0, 0, "" },
                { "hang-reset=set 900 0 /dev/watchdog0 extra\n", -EBADMSG, 0, 0, "" },
                { "kernel.panic=none 0 0 -\n", -EBADMSG, 0, 0, "" },
                { "kernel.panic=maybe 0 0 -\n", -EBADMSG, 0, 0, "" },
                { "kernel.panic=set ten 0 -\n", -EBADMSG, 0, 0, "" },
                { "kernel.panic=failed 0 -5 -\n", -EBADMSG, 0, 0, "" },
                { "kernel.panic=set 10 0\n", -EBADMSG, 0, 0, "" },
                { "kernel.panic set 10 0 -\n", -EBADMSG, 0, 0, "" },
                { "", -EBADMSG, 0, 0, "" },
                { "kernel.panic=set 10 0 -\0hang-reset=set 1 0 -\n", -EBADMSG, 0, 0, "" },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                lg_reset r = {};
                size_t n = strlen(t[i].text);

                if (i == ELEMENTSOF(t) - 1)
                        n = sizeof("kernel.panic=set 10 0 -\0hang-reset=set 1 0 -\n") - 1;
                assert_int_equal(lg_reset_parse(t[i].text, n, &r), t[i].result);
                if (t[i].result < 0)
                        continue;
                assert_int_equal(r.items[LG_RESET_PANIC].status, t[i].panic);
                assert_int_equal(r.items[LG_RESET_HANG].status, t[i].hang);
                assert_string_equal(r.items[LG_RESET_HANG].device, t[i].device);
        }
}

static void test_strings(void **state) {
        for (int k = 0; k < _LG_RESET_KIND_MAX; k++) {
                assert_non_null(lg_reset_kind_to_string((lg_reset_kind) k));
                assert_int_equal(lg_reset_kind_from_string(lg_reset_kind_to_string((lg_reset_kind) k)), k);
                for (int s = 0; s < _LG_RESET_STATUS_MAX; s++) {
                        lg_reset_item it = { .status = (lg_reset_status) s, .value = 5, .error = EIO };
                        char line[200];

                        assert_int_equal(
                                lg_reset_status_from_string(lg_reset_status_to_string((lg_reset_status) s)),
                                s);
                        lg_reset_describe((lg_reset_kind) k, &it, line, sizeof(line));
                        assert_true(strlen(line) > 10);
                }
        }
        assert_null(lg_reset_kind_to_string(_LG_RESET_KIND_MAX));
        assert_int_equal(lg_reset_kind_from_string("kernel.reboot"), _LG_RESET_KIND_INVALID);
        assert_int_equal(lg_reset_status_from_string(NULL), _LG_RESET_STATUS_INVALID);
}

static void test_cmdline_words(void **state) {
        static const struct {
                const char *line, *key, *value;
                bool found;
        } t[] = {
                { "panic=10", "panic", NULL, true },
                { "quiet panic", "panic", NULL, true },
                { "kpanic=1 panicx=1", "panic", NULL, false },
                { "softlockup-panic=1", "softlockup_panic", NULL, true },
                { "oops=panic", "oops", "panic", true },
                { "oops=continue", "oops", "panic", false },
                { "\"panic=5\"", "panic", NULL, true },
                { "init=/bin/sh -- panic=5", "panic", NULL, false },
                { "a=\"x panic=5\"", "panic", NULL, false },
                { "", "panic", NULL, false },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++)
                assert_int_equal(
                        lg_cmdline_has_kernel_word(t[i].line, strlen(t[i].line), t[i].key, t[i].value),
                        t[i].found);
        assert_false(lg_cmdline_has_kernel_word(NULL, 0, "panic", NULL));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_apply),         cmocka_unit_test(test_release),
                cmocka_unit_test(test_restore),
                cmocka_unit_test(test_parse),         cmocka_unit_test(test_strings),
                cmocka_unit_test(test_cmdline_words),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
