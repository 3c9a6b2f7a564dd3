/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lastgood-early: the initramfs half of lastgood (DESIGN.md, "Programs").
 *
 *   pre-udev                 before udev starts: count, decide the level,
 *                            withhold the initramfs's own modules
 *   pre-switch --sysroot=DIR once the real root is mounted: arm when it
 *                            differs from the last known good, write the
 *                            full withheld set to /run
 *   arm-if-changed           at initramfs build time (hook): arm when the
 *                            kernel's third-party set differs from the
 *                            manifest; --image-dir=DIR saves that set into
 *                            the image as the pre-udev stat cache
 *
 * Do no harm: every error is a message and a normal boot. It always exits
 * 0, bounds its own run time with alarm(), waits on nothing. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "cmdline.h"
#include "config.h"
#include "crash.h"
#include "deny.h"
#include "events.h"
#include "inventory.h"
#include "log.h"
#include "machine.h"
#include "macro.h"
#include "reset.h"
#include "narrow.h"
#include "rootfs.h"
#include "runstate.h"
#include "store.h"
#include "strv.h"

#define EFIVARFS_MAGIC 0xde5e81e4
#define PSTOREFS_MAGIC 0x6165676C
#define IMAGE_INVENTORY "/var/lib/lastgood/initramfs.inventory"
#define LG_LIB_DIR_IMAGE "/var/lib/lastgood"
#define CMDLINE_MAX (64 * 1024)

static const char *arg_root;
static const char *arg_sysroot;
static const char *arg_kernel;
static const char *arg_image_dir;
static unsigned arg_timeout = 5;

static void on_alarm(int sig) {
        static const char msg[] = "<4>lastgood: time limit reached, letting the boot go on\n";

        /* Async-signal-safe only: write and _exit. */
        if (lg_log_kmsg_fd() < 0 || write(lg_log_kmsg_fd(), msg, sizeof(msg) - 1) < 0)
                (void) !write(STDERR_FILENO, msg + 3, sizeof(msg) - 4);
        _exit(0);
}

static void help(void) {
        printf("lastgood-early [OPTIONS] pre-udev|pre-switch|arm-if-changed\n\n"
               "Boot-loop recovery, initramfs stages.\n\n"
               "  -h --help                 Show this help\n"
               "     --version              Show the version\n"
               "     --root=DIR             Resolve every host path under DIR\n"
               "     --sysroot=DIR          The real root (pre-switch)\n"
               "     --kernel-release=REL   Override uname -r\n"
               "     --image-dir=DIR        arm-if-changed: the image being built\n"
               "     --timeout=SEC          Run-time bound (default 5)\n");
}

/* 1 = run, 0 = exit now (help), -EINVAL = usage error. */
static int parse_argv(int argc, char *argv[], const char **ret_verb) {
        enum { ARG_ROOT = 0x100, ARG_SYSROOT, ARG_KERNEL, ARG_IMAGE_DIR, ARG_TIMEOUT };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' }, /* long only: 'V' is not in the short options */
                { "root", required_argument, NULL, ARG_ROOT },
                { "sysroot", required_argument, NULL, ARG_SYSROOT },
                { "kernel-release", required_argument, NULL, ARG_KERNEL },
                { "image-dir", required_argument, NULL, ARG_IMAGE_DIR },
                { "timeout", required_argument, NULL, ARG_TIMEOUT },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case 'V':
                        printf("lastgood-early " PACKAGE_VERSION "\n");
                        return 0;
                case ARG_ROOT:
                        arg_root = optarg;
                        break;
                case ARG_SYSROOT:
                        arg_sysroot = optarg;
                        break;
                case ARG_KERNEL:
                        arg_kernel = optarg;
                        break;
                case ARG_IMAGE_DIR:
                        arg_image_dir = optarg;
                        break;
                case ARG_TIMEOUT: {
                        char *end;
                        unsigned long v = strtoul(optarg, &end, 10);

                        if (*end || v == 0 || v > 600)
                                return -EINVAL;
                        arg_timeout = (unsigned) v;
                        break;
                }
                default:
                        return -EINVAL;
                }
        if (optind + 1 != argc)
                return -EINVAL;
        *ret_verb = argv[optind];
        return 1;
}

/* What both boot stages share. */
typedef struct ctx {
        lg_root *root;
        lg_cmdline cmdline;
        lg_config config;
        lg_agents agents;
        char *kernel;
} ctx;

static void ctx_done(ctx *c) {
        lg_cmdline_done(&c->cmdline);
        lg_config_done(&c->config);
        lg_agents_done(&c->agents);
        free(c->kernel);
        lg_root_free(c->root);
}

static void log_warnings(char **w) {
        for (; w && *w; w++)
                lg_log(4, "%s", *w);
}

/* An event about an item: its fingerprint (sha: "sha256:HEX" or NULL),
 * whether it is a verdict (DESIGN.md, "Fleet immunity"), the deny list's
 * line. */
typedef struct item_facts {
        const char *sha256, *verdict, *deny_list;
} item_facts;

static void emit_item(const ctx *c, lg_msg m, const char *message, const lg_decision *d, const lg_state *s,
                      const char *item, const char *kind, const char *reason, const item_facts *f) {
        lg_event e = LG_EVENT_INIT(m);

        e.message = message;
        e.kernel = c->kernel;
        if (d) {
                e.level = (int) d->level;
                e.threshold = (int) d->threshold;
                e.mode = lg_mode_to_string(d->mode);
        }
        if (s) {
                e.tries = s->tries;
                e.boot_seq = s->boot_seq;
        }
        e.item = item;
        e.item_kind = kind;
        e.reason = reason;
        if (f) {
                e.item_sha256 = f->sha256;
                e.verdict = f->verdict;
                e.deny_list = f->deny_list;
        }
        if (m == LG_MSG_SAFE_MODE || m == LG_MSG_EXHAUSTED || m == LG_MSG_WITHHELD || m == LG_MSG_CULPRIT ||
            m == LG_MSG_STATE_CORRUPT || m == LG_MSG_DENIED)
                e.priority = 4;
        (void) lg_event_emit(c->root, LG_SINK_EARLY, &e);
}

static void emit(const ctx *c, lg_msg m, const char *message, const lg_decision *d, const lg_state *s,
                 const char *item, const char *kind, const char *reason) {
        emit_item(c, m, message, d, s, item, kind, reason, NULL);
}

/* The deny lists of root (the initramfs's copies before udev, the real
 * root's at pre-switch). Each problem is said once, as a warning: a bad
 * line or an untrusted file is ignored, never the boot's problem. */
static void deny_load(const lg_root *root, const lg_inventory *now, lg_deny *ret) {
        lg_deny_filter f = {};
        int r;

        /* Only the entries this host's items can match (deny.h): a long
         * list costs one pass over its text. */
        r = now ? lg_deny_filter_build(&f, now) : 0;
        if (r >= 0)
                r = lg_deny_load_filtered(root, now ? &f : NULL, ret);
        lg_deny_filter_done(&f);
        if (r < 0) {
                lg_log(4, "cannot read the deny lists (%s): nothing denied this boot", strerror(-r));
                *ret = (lg_deny) {};
                return;
        }
        for (size_t i = 0; i < ret->n_problems; i++) {
                const lg_deny_problem *p = &ret->problems[i];

                if (p->line)
                        lg_log(4, "deny list %s, line %u: %s; the line is ignored", ret->files[p->file], p->line,
                               p->what);
                else
                        lg_log(4, "deny list %s %s; it is ignored", ret->files[p->file], p->what);
        }
        if (ret->n_problems_total > ret->n_problems)
                lg_log(4, "deny lists: %zu more problems", ret->n_problems_total - ret->n_problems);
}

/* Whether any deny list file may be there (a folder with an entry): the
 * steady pre-udev scans the image's modules only then. */
static bool deny_lists_exist(const lg_root *root) {
        static const char *const dirs[] = { LG_DENY_DIR_ETC, LG_DENY_DIR_USR };

        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                _cleanup_close_ int fd = lg_root_open(root, dirs[i], O_RDONLY | O_DIRECTORY, 0);
                DIR *d;
                struct dirent *de;
                bool any = false;

                if (fd < 0)
                        continue;
                d = fdopendir(TAKE_FD(fd));
                if (!d)
                        continue;
                while (!any && (de = readdir(d)))
                        any = de->d_name[0] != '.';
                closedir(d);
                if (any)
                        return true;
        }
        return false;
}

/* The in-tree modules the lists deny (an administrator's word, honoured
 * and said). */
static void deny_intree(const ctx *c, const lg_root *root, const lg_inventory *now, const lg_deny *deny,
                        lg_inventory *ret) {
        int r = lg_deny_intree(root, c->kernel, now, deny, ret);

        if (r < 0) {
                lg_log(4, "cannot match the deny lists against the in-tree modules (%s)", strerror(-r));
                *ret = (lg_inventory) {};
        }
        for (size_t i = 0; i < ret->n; i++)
                lg_log(4, "deny list names the in-tree module %s: withheld as the list says", ret->items[i].name);
}

static const char *item_sha(const lg_inventory *a, const lg_inventory *b, lg_item_kind kind, const char *name,
                            char out[static LG_SHA256_STRING_MAX]) {
        const char *r = a ? lg_inventory_sha256(a, kind, name, out) : NULL;

        return r ? r : b ? lg_inventory_sha256(b, kind, name, out) : NULL;
}

static int ctx_init(ctx *c, const lg_root *config_root, bool boot) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        int r;

        r = lg_kernel_release(arg_kernel, &c->kernel);
        if (r < 0)
                return r;
        /* At build time the running system's command line is not the one
         * of the boot the image is for. */
        r = boot ? lg_root_read_file(c->root, "/proc/cmdline", CMDLINE_MAX, &buf, &size) : 0;
        if (r < 0) {
                lg_log(4, "cannot read /proc/cmdline (%s), no overrides this boot", strerror(-r));
                size = 0;
        }
        r = lg_cmdline_parse(buf ? buf : "", size, &c->cmdline);
        if (r < 0)
                return r;
        log_warnings(c->cmdline.warnings);
        if (c->cmdline.mode == LG_MODE_OFF)
                return 0;
        r = lg_config_load(config_root, &c->config);
        if (r < 0)
                return r;
        log_warnings(c->config.warnings);
        r = lg_agents_load(config_root, &c->agents);
        if (r < 0)
                return r;
        log_warnings(c->agents.warnings);
        return 0;
}

static bool fs_is(const lg_root *root, const char *path, long magic) {
        _cleanup_close_ int fd = lg_root_open(root, path, O_RDONLY | O_DIRECTORY, 0);
        struct statfs sfs;

        return fd >= 0 && fstatfs(fd, &sfs) >= 0 && (long) sfs.f_type == magic;
}

/* In the initramfs nothing has mounted efivarfs or pstore yet (the hook
 * loads their modules first). Only on the host root: a --root run must
 * never mount anything. */
/* Mounts efivarfs and pstore where the initramfs has not. Returns true when
 * it mounted efivarfs now. */
static bool mount_firmware_fs(const lg_root *root) {
        struct stat st;
        bool mounted = false;

        if (!lg_root_is_host(root))
                return false;
        if (stat("/sys/firmware/efi", &st) >= 0 && !fs_is(root, "/sys/firmware/efi/efivars", EFIVARFS_MAGIC)) {
                if (mount("efivarfs", "/sys/firmware/efi/efivars", "efivarfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                          NULL) < 0)
                        lg_log(4, "cannot mount efivarfs (%m); EFI state unavailable this boot");
                else
                        mounted = true;
        }
        if (stat("/sys/fs/pstore", &st) >= 0 && !fs_is(root, "/sys/fs/pstore", PSTOREFS_MAGIC))
                (void) mount("pstore", "/sys/fs/pstore", "pstore", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
        return mounted;
}

/* libefivar 37 chooses its backend once, in a library constructor that
 * runs before main() (lib/lib.c, libefivar_init()): when efivarfs was not
 * mounted at that moment, this process has no EFI backend at all, and the
 * boot would silently go uncounted. So once efivarfs is mounted here, the
 * program starts again (once; the pending alarm() survives execve(), so the
 * run-time bound still holds). */
static void reexec_for_efivar(char *argv[]) {
        if (getenv("LASTGOOD_EARLY_REEXEC"))
                return;
        if (setenv("LASTGOOD_EARLY_REEXEC", "1", 1) < 0)
                return;
        (void) execv("/proc/self/exe", argv);
        lg_log(4, "cannot restart after mounting efivarfs (%m); EFI state unavailable this boot");
        (void) unsetenv("LASTGOOD_EARLY_REEXEC");
}

/* Every failure ends in a reset (lib/reset/reset.h): an armed boot only, once
 * per boot (pre-switch, when the boot was armed there). The settings before
 * the events, as the modprobe.d file. */
static bool reset_on_failure(const ctx *c, bool exhausted, lg_reset *ret) {
        _cleanup_free_ char *cmdline = NULL;
        size_t size = 0;
        lg_reset done;
        sigset_t alrm, old;
        int k;

        if (lg_reset_load(c->root, &done) >= 0)
                return false;
        /* The run-time bound waits until the file is written: a deadline
         * armed on the watchdog device but not written down could not be
         * released at healthy, and would reset a good boot. What runs here
         * is bounded (a few small writes, an ioctl, loading softdog). */
        sigemptyset(&alrm);
        sigaddset(&alrm, SIGALRM);
        (void) sigprocmask(SIG_BLOCK, &alrm, &old);
        if (lg_root_read_file(c->root, "/proc/cmdline", CMDLINE_MAX, &cmdline, &size) < 0)
                size = 0;
        lg_reset_options o = {
                .config = &c->config,
                .cmdline = cmdline ? cmdline : "",
                .cmdline_size = size,
                .kernel = c->kernel,
                .exhausted = exhausted,
                /* softdog: never loaded for a --root run. */
                .load_modules = lg_root_is_host(c->root),
        };
        lg_reset_apply(c->root, &o, ret);
        k = lg_reset_save(c->root, ret);
        if (k < 0) {
                /* The watchdog could not find the deadline to release it:
                 * a healthy boot would be reset. Stop it now. */
                lg_log(4, "cannot write %s (%s)", LG_RUN_RESET, strerror(-k));
                if (lg_reset_release(c->root, ret) > 0)
                        lg_log(4, "hang reset stopped again: the watchdog could not release it at healthy");
        }
        (void) sigprocmask(SIG_SETMASK, &old, NULL);
        return true;
}

/* One event per setting, after the decision's. */
static void emit_reset(const ctx *c, const lg_decision *d, const lg_state *s, const lg_reset *r) {
        for (int i = 0; i < _LG_RESET_KIND_MAX; i++) {
                lg_reset_status st = r->items[i].status;
                lg_event e = LG_EVENT_INIT(LG_MSG_RESET);
                char msg[256];

                if (st == LG_RESET_NONE)
                        continue;
                lg_reset_describe((lg_reset_kind) i, &r->items[i], msg, sizeof(msg));
                e.message = msg;
                e.kernel = c->kernel;
                e.level = (int) d->level;
                e.threshold = (int) d->threshold;
                e.mode = lg_mode_to_string(d->mode);
                e.tries = s->tries;
                e.boot_seq = s->boot_seq;
                e.item = lg_reset_kind_to_string((lg_reset_kind) i);
                e.reason = lg_reset_status_to_string(st);
                if (st == LG_RESET_FAILED || st == LG_RESET_BUSY ||
                    (st == LG_RESET_UNAVAILABLE && i == LG_RESET_HANG))
                        e.priority = 4;
                (void) lg_event_emit(c->root, LG_SINK_EARLY, &e);
        }
}

/* Reads the hot record; corrupt → event, "no state", rewrite. */
static int read_state(const ctx *c, lg_store *store, lg_state *ret, bool *ret_rewrite) {
        int r = lg_store_read_state(store, ret);

        *ret_rewrite = false;
        if (r >= 0)
                return 0;
        *ret = (lg_state) {};
        if (r == -ENOENT)
                return 0;
        if (r == -EBADMSG || r == -EMSGSIZE || r == -EPROTONOSUPPORT || r == -ERANGE) {
                emit(c, LG_MSG_STATE_CORRUPT, "boot state record corrupt, treated as no state and rewritten",
                     NULL, NULL, NULL, NULL, NULL);
                *ret_rewrite = true;
                return 0;
        }
        lg_log(4, "cannot read the boot state (%s), treated as no state", strerror(-r));
        return r;
}

/* handover: write /run/lastgood/decision and withheld. Not on a host
 * without EFI variables: there the boot is counted by lastgood-generator,
 * which decides (and counts) only when it finds no hand-over; one from
 * here would leave every boot of such a host uncounted. The modprobe.d
 * file is written all the same (the initramfs's udev reads it). */
static void write_run(const ctx *c, const lg_runstate *rs, bool handover) {
        unsigned refused = 0;
        int r;

        r = lg_modprobe_conf_write(c->root, &rs->withheld, "lastgood-early", NULL, &refused);
        if (refused > 0)
                lg_log(4, "refusing to write %u invalid module name%s to modprobe.d", refused,
                       refused == 1 ? "" : "s");
        if (r < 0)
                lg_log(3, "cannot write %s (%s); nothing withheld this boot", LG_MODPROBE_CONF,
                       strerror(-r));
        if (!handover)
                return;
        r = lg_runstate_write(c->root, rs);
        if (r < 0)
                lg_log(3, "cannot write %s (%s)", LG_RUN_DIR, strerror(-r));
}

static void emit_withheld(const ctx *c, const lg_withheld *w, const lg_withheld *already, const lg_decision *d,
                          const lg_inventory *now, const lg_inventory *intree) {
        for (size_t i = 0; i < w->n; i++) {
                const lg_withheld_item *it = &w->items[i];
                bool seen = false;
                char msg[1024], sha[LG_SHA256_STRING_MAX];
                item_facts f = {};

                for (size_t j = 0; already && j < already->n && !seen; j++)
                        seen = already->items[j].kind == it->kind && streq(already->items[j].name, it->name);
                if (seen)
                        continue;
                f.sha256 = item_sha(now, intree, it->kind, it->name, sha);
                if (it->reason == LG_REASON_DENIED) {
                        f.deny_list = it->denied_by;
                        snprintf(msg, sizeof(msg), "%s %s denied by %s: withheld (not a change, nothing counted)",
                                 lg_item_kind_to_string(it->kind), it->name, strna(it->denied_by));
                        emit_item(c, LG_MSG_DENIED, msg, d, NULL, it->name, lg_item_kind_to_string(it->kind),
                                  "denied", &f);
                        continue;
                }
                snprintf(msg, sizeof(msg), "withholding %s %s (%s)", lg_item_kind_to_string(it->kind), it->name,
                         lg_reason_to_string(it->reason));
                emit_item(c, LG_MSG_WITHHELD, msg, d, NULL, it->name, lg_item_kind_to_string(it->kind),
                          lg_reason_to_string(it->reason), &f);
        }
}

static void emit_decision(const ctx *c, const lg_decision *d, const lg_state *s) {
        char msg[256];

        if (d->override) {
                snprintf(msg, sizeof(msg), "administrator override in force (lastgood.mode=%s)",
                         lg_mode_to_string(d->mode));
                emit(c, LG_MSG_OVERRIDE, msg, d, s, NULL, NULL, NULL);
        }
        if (d->reset)
                /* The contract's "state corrupt or reset" event: the
                 * counter and level were cleared by lastgood.reset. */
                emit(c, LG_MSG_STATE_CORRUPT, "counter and level cleared (lastgood.reset)", d, s, NULL, NULL,
                     "reset");
        if (d->counted) {
                snprintf(msg, sizeof(msg), "boot counted: try %u of %u at level %u", s->tries, d->threshold,
                         d->level);
                emit(c, LG_MSG_BOOT_COUNTED, msg, d, s, NULL, NULL, NULL);
        }
        if (d->exhausted)
                emit(c, LG_MSG_EXHAUSTED, "recovery exhausted: withholding nothing more, leaving it to the boot loader",
                     d, s, NULL, NULL, NULL);
        else if (d->level > 0) {
                snprintf(msg, sizeof(msg), "safe mode level %u in force", d->level);
                emit(c, LG_MSG_SAFE_MODE, msg, d, s, NULL, NULL, NULL);
        }
}

/* The crash fast path: the newest pstore record, attributed. The culprit
 * counts only when it is not proven: absent from the manifest, or its
 * fingerprint there differs from the one of the current set. */
static char *crash_culprit(const ctx *c, const lg_state *s, const lg_inventory *manifest,
                           const lg_inventory *current, uint32_t *ret_id) {
        _cleanup_free_ char *text = NULL;
        lg_crash_report rep = {};
        const lg_inv_item *good, *now;
        const char *name;
        size_t size;
        char *culprit = NULL;

        if (lg_pstore_read(c->root, s->last_proven_usec, &text, &size) < 0)
                return NULL;
        if (lg_crash_attribute(text, size, &c->agents, &rep) < 0 ||
            !(name = lg_crash_fast_path_culprit(&rep, &c->agents))) {
                if (rep.culprit && streq_ptr(rep.culprit_kind, "agent"))
                        lg_log(5, "crash log names agent %s; it has no fallback to take at once: no fast path",
                               rep.culprit);
                lg_crash_report_done(&rep);
                return NULL;
        }
        /* An agent named by its process has no fingerprint: its fallback
         * is taken once per crash (the machine remembers the crash id). */
        if (!streq_ptr(rep.culprit_kind, "agent")) {
                good = lg_inventory_find(manifest, LG_ITEM_MODULE, rep.culprit);
                now = lg_inventory_find(current, LG_ITEM_MODULE, rep.culprit);
                if (good && (!now || now->fingerprint == good->fingerprint)) {
                        lg_log(5, "crash log names %s, which is proven: no fast path", rep.culprit);
                        lg_crash_report_done(&rep);
                        return NULL;
                }
        }
        culprit = TAKE_PTR(rep.culprit);
        *ret_id = rep.id;
        lg_crash_report_done(&rep);
        return culprit;
}

static bool has_module_quarantine(const lg_quarantine *q) {
        for (size_t i = 0; i < q->n; i++)
                if (q->items[i].kind == LG_ITEM_MODULE)
                        return true;
        return false;
}

/* The third-party items of root (stat cache: cache) and, with a manifest,
 * what changed since it. What fails is logged ("cannot list WHAT"); returns
 * the scan's result. */
static int scan_changes(const ctx *c, const lg_root *root, const lg_inventory *cache, lg_stat_match match,
                        const char *what, const lg_inventory *manifest, lg_inventory *now, lg_changes *changes) {
        unsigned skipped = 0;
        int r;

        r = lg_inventory_scan_cached(root, c->kernel, &c->config, &c->agents, cache, match, now, &skipped);
        if (r < 0)
                lg_log(4, "cannot list %s (%s)", what, strerror(-r));
        if (skipped)
                lg_log(5, "%u unusable module files skipped", skipped);
        if (manifest && lg_manifest_diff(manifest, now, changes) < 0)
                lg_log(4, "out of memory computing the changed set");
        return r;
}

static int run_pre_udev(ctx *c) {
        _cleanup_store_ lg_store *store = NULL;
        _cleanup_free_ char *culprit = NULL;
        lg_inventory manifest = {}, image = {}, now = {}, intree_denied = {};
        lg_quarantine quarantine = {};
        lg_deny deny = {};
        lg_changes changes = {};
        lg_runstate rs = {};
        lg_state old = {}, new;
        lg_decision d;
        lg_facts facts = {};
        bool rewrite = false, counting, have_manifest, have_image, need_withheld, reset_applied = false,
             reset_tried = false;
        lg_reset reset;
        int r;

        r = lg_store_open(c->root, LG_STORE_AUTO, &store);
        if (r < 0) {
                lg_log(4, "no boot-state store (%s): boot goes on unmanaged", strerror(-r));
                return 0;
        }
        /* Without EFI variables the records are files of the real root:
         * counting starts in the main system (the generator). */
        counting = lg_store_get_backend(store) == LG_STORE_EFI;
        if (!counting)
                lg_log(5, "no EFI variables: this boot is counted by the main system");
        if (counting)
                (void) read_state(c, store, &old, &rewrite);
        r = lg_store_read_quarantine(store, &quarantine);
        if (r < 0 && r != -ENOENT)
                lg_log(4, "cannot read the persistently withheld list (%s)", strerror(-r));

        r = lg_manifest_load(c->root, LG_MANIFEST_PATH, &manifest);
        have_manifest = r >= 0;
        if (r == -EBADMSG)
                lg_log(4,
                       "the initramfs's copy of the last-known-good manifest is corrupt: treated as missing");
        r = lg_manifest_load(c->root, IMAGE_INVENTORY, &image);
        have_image = r >= 0;
        if (r == -EBADMSG)
                lg_log(4, "the initramfs's module inventory is corrupt: modules read from their files");

        if (counting)
                culprit = crash_culprit(c, &old, have_manifest ? &manifest : NULL, have_image ? &image : NULL,
                                        &facts.crash_id);
        facts.culprit = culprit;

        lg_machine_step(&old, LG_STEP_BOOT, &c->cmdline, &c->config, &facts, &new, &d);
        if (d.noop)
                goto finish;
        if (counting && (d.write || rewrite)) {
                r = lg_store_write_state(store, &new);
                if (r < 0) {
                        lg_log(3, "cannot write the boot state (%s); this boot is not counted",
                               strerror(-r));
                        /* NVRAM full or read-only: the level decided for
                         * this boot still applies, but no "boot counted"
                         * event, and the hand-over shows the stored record. */
                        d.counted = false;
                        new.tries = old.tries;
                        new.boot_seq = old.boot_seq;
                }
        }
        /* Steady state: nothing to withhold, nothing to hand over, so no
         * module file is read and nothing is written. */
        need_withheld = d.level > 0 || d.fast_path || lg_strv_length(c->cmdline.block) > 0 ||
                        has_module_quarantine(&quarantine) || deny_lists_exist(c->root);
        if (!need_withheld && !d.counted && !d.override && !d.reset && !rewrite && !d.exhausted)
                goto finish;

        if (need_withheld) {
                /* The initramfs's own modules, against the build-time
                 * inventory (same files, copied with their size and mtime)
                 * as stat cache. */
                (void) scan_changes(c, c->root, have_image ? &image : &manifest, LG_STAT_LOOSE, "the initramfs modules",
                                    have_manifest ? &manifest : NULL, &now, &changes);
                /* The initramfs's copies of the deny lists (the hooks put
                 * them there): a denied module of the image is withheld
                 * before udev. */
                deny_load(c->root, &now, &deny);
                deny_intree(c, c->root, &now, &deny, &intree_denied);
        }

        lg_policy_input in = {
                .level = d.exhausted ? LG_LEVEL_MAX : d.level,
                .now = &now,
                .changes = have_manifest ? &changes : NULL,
                .quarantine = &quarantine,
                .cmdline = &c->cmdline,
                .config = &c->config,
                .agents = &c->agents,
                .culprit = d.fast_path ? culprit : NULL,
                .deny = &deny,
                .denied_intree = &intree_denied,
        };
        if (need_withheld) {
                r = lg_policy_compute(&in, &rs.withheld);
                if (r < 0)
                        lg_log(4, "cannot compute the withheld set (%s)", strerror(-r));
        }

        rs.level = d.level;
        rs.mode = d.mode;
        rs.tries = new.tries;
        rs.threshold = d.threshold;
        rs.boot_seq = new.boot_seq;
        rs.counted = d.counted;
        rs.exhausted = d.exhausted;
        rs.fast_path = d.fast_path;
        rs.override = d.override;
        rs.noop = d.noop;
        rs.stage = (char *) "pre-udev";
        rs.kernel = c->kernel;
        rs.culprit = d.fast_path ? culprit : NULL;
        /* The files that protect the boot first, the events after: in a
         * nearly full /run the spool must not take the room of the
         * modprobe.d file (kmsg has every event anyway). */
        write_run(c, &rs, counting);
        /* Then the settings that make a failure of this armed boot a
         * reset (in /run after the hand-over, which matters more). */
        if (counting && new.armed)
                reset_applied = reset_on_failure(c, d.exhausted, &reset);
        reset_tried = true;
        emit_decision(c, &d, &new);
        if (d.fast_path && culprit) {
                char msg[300], sha[LG_SHA256_STRING_MAX];
                item_facts f = { .verdict = "crash-log" };

                bool agent = !lg_inventory_find(&now, LG_ITEM_MODULE, culprit) &&
                             !lg_agents_find_module(&c->agents, culprit) && lg_agents_find(&c->agents, culprit);

                if (agent)
                        snprintf(msg, sizeof(msg), "crash log names agent %s: its fallback runs this boot", culprit);
                else {
                        f.sha256 = item_sha(&now, have_image ? &image : NULL, LG_ITEM_MODULE, culprit, sha);
                        snprintf(msg, sizeof(msg), "crash log names %s: withheld this boot", culprit);
                }
                emit_item(c, LG_MSG_CULPRIT, msg, &d, &new, culprit, agent ? "agent" : "module", "crash-log", &f);
        }
        emit_withheld(c, &rs.withheld, NULL, &d, &now, &intree_denied);

finish:
        /* An armed boot that left the path above early (its counting
         * could not be written) is made to reset all the same. */
        if (!reset_tried && !d.noop && counting && new.armed)
                reset_applied = reset_on_failure(c, d.exhausted, &reset);
        if (reset_applied)
                emit_reset(c, &d, &new, &reset);
        lg_withheld_done(&rs.withheld);
        lg_changes_done(&changes);
        lg_inventory_done(&intree_denied);
        lg_deny_done(&deny);
        lg_inventory_done(&now);
        lg_inventory_done(&image);
        lg_inventory_done(&manifest);
        lg_quarantine_done(&quarantine);
        return 0;
}

/* lastgood.release= lets persistently withheld items load this boot: each
 * one so released is an "item released" event (the cold record keeps it;
 * `lastgoodctl release` removes it for good). */
static void emit_released(const ctx *c, const lg_quarantine *q, const lg_decision *d, const lg_state *s) {
        for (size_t i = 0; q && i < q->n; i++) {
                const lg_qitem *it = &q->items[i];
                char msg[LG_NAME_MAX + 96];

                if (!c->cmdline.release_all && !lg_name_in_list(c->cmdline.release, it->name))
                        continue;
                snprintf(msg, sizeof(msg), "%s %.*s released by lastgood.release= for this boot",
                         strna(lg_item_kind_to_string(it->kind)), LG_NAME_MAX, it->name);
                emit(c, LG_MSG_RELEASED, msg, d, s, it->name, lg_item_kind_to_string(it->kind), "release");
        }
}

/* Narrowing after level 2 (lib/inventory/narrow.h): the search recorded on the real
 * root at the last proof. Only read here (the real root is read-only in
 * the initramfs): true when one is in progress and goes on this boot.
 * EFI hosts only: elsewhere the generator counts and no search starts. */
static bool narrowing_load(const ctx *c, const lg_root *sysroot, lg_narrow *ret) {
        const char *word;
        int r;

        r = lg_narrow_load(sysroot, ret);
        if (r == -EBADMSG)
                emit(c, LG_MSG_STATE_CORRUPT, "narrowing state corrupt: no narrowing this boot", NULL, NULL,
                     LG_NARROW_PATH, NULL, "corrupt");
        else if (r < 0 && r != -ENOENT)
                lg_log(4, "cannot read the narrowing state (%s): no narrowing this boot", strerror(-r));
        if (r < 0)
                return false;
        if (!lg_narrow_active(ret)) {
                lg_narrow_done(ret);
                return false;
        }
        word = lg_narrow_ended_by(&c->cmdline);
        if (word) {
                char msg[128];

                /* The watchdog removes the state once the main system runs. */
                snprintf(msg, sizeof(msg), "narrowing ended by %s: its suspects are released", word);
                emit(c, LG_MSG_NARROWING, msg, NULL, NULL, NULL, NULL, "ended");
                lg_narrow_done(ret);
                return false;
        }
        return true;
}

/* This boot's probe, from the record and boot_seq (this boot counted):
 * the probes failed since the last proof advance the search, a suspect
 * named guilty goes to the cold record, and the level the failed boots
 * raised goes back to 0 (the search, not the level, decides what is
 * withheld while it lasts). */
static void narrowing_step(const ctx *c, lg_store *store, bool counting, lg_state *st, const lg_narrow *rec,
                           const lg_inventory *now, lg_quarantine *q, lg_narrow *ret) {
        lg_narrow_report rep;
        char msg[512];
        int r;

        r = lg_narrow_derive(rec, st->boot_seq, ret, &rep);
        if (r < 0) {
                lg_log(4, "cannot compute the narrowing step (%s)", strerror(-r));
                *ret = (lg_narrow) {};
                return;
        }
        for (size_t i = 0; i < rep.n_guilty; i++) {
                const lg_suspect *s = &ret->items[rep.guilty[i]];

                char sha[LG_SHA256_STRING_MAX];
                item_facts f = { .verdict = "narrowed" };

                f.sha256 = item_sha(now, NULL, LG_ITEM_MODULE, s->name, sha);
                snprintf(msg, sizeof(msg), "narrowing names %s %s: its re-admission was followed by %u failed boots",
                         lg_suspect_kind_to_string(s->kind), s->name, ret->threshold);
                emit_item(c, LG_MSG_NARROWING, msg, NULL, st, s->name, lg_suspect_kind_to_string(s->kind), "guilty",
                          &f);
        }
        r = lg_narrow_quarantine(ret, &c->agents, now, q);
        if (r > 0 && counting) {
                r = lg_store_write_quarantine(store, q);
                if (r < 0)
                        lg_log(3, "cannot record the narrowing's culprit (%s); withheld this boot only",
                               strerror(-r));
        }
        if (counting && st->level != 0) {
                lg_state new = *st;

                new.level = 0;
                r = lg_store_write_state(store, &new);
                if (r < 0)
                        lg_log(4, "cannot write the boot state (%s)", strerror(-r));
                else
                        *st = new;
        }
        if (rep.failed && rep.n_guilty == 0) {
                snprintf(msg, sizeof(msg), "narrowing: the last probe was followed by %u failed boots, searching inside it",
                         ret->threshold);
                emit(c, LG_MSG_NARROWING, msg, NULL, st, NULL, NULL, "failed");
        }
        if (rep.new_probe && lg_narrow_active(ret)) {
                _cleanup_free_ char *names = lg_narrow_names(ret, LG_NARROW_READMITTED);

                snprintf(msg, sizeof(msg), "narrowing: re-admitting %.300s this boot, %zu suspect%s left",
                         strna(names), lg_narrow_held(ret), lg_narrow_held(ret) == 1 ? "" : "s");
                emit(c, LG_MSG_NARROWING, msg, NULL, st, NULL, NULL, "step");
        } else if (!lg_narrow_active(ret) && rep.n_guilty > 0)
                emit(c, LG_MSG_NARROWING, "narrowing done: every other suspect is released", NULL, st, NULL, NULL,
                     "done");
}

static int run_pre_switch(ctx *c, lg_root *sysroot) {
        _cleanup_store_ lg_store *store = NULL;
        lg_inventory manifest = {}, now = {}, intree_denied = {};
        lg_quarantine quarantine = {};
        lg_deny deny = {};
        lg_changes changes = {};
        lg_runstate early = { .mode = LG_MODE_AUTO }, rs = {};
        lg_state st = {};
        lg_decision d = {};
        lg_decision arm_d = {};
        bool have_early, have_manifest, counting = false, changed, armed_now = false, reset_applied = false,
             narrowing;
        lg_reset reset;
        lg_narrow narrow_rec = {}, narrow = {};
        unsigned level;
        int r;

        have_early = lg_runstate_read(c->root, &early) >= 0 && !early.noop;

        r = lg_store_open(c->root, LG_STORE_AUTO, &store);
        if (r >= 0 && lg_store_get_backend(store) != LG_STORE_EFI) {
                /* No EFI variables: the file records of the real root, read only. */
                lg_store_free(store);
                store = NULL;
                r = lg_store_open(sysroot, LG_STORE_FORCE_FILE, &store);
        } else if (r >= 0)
                counting = true;
        if (r < 0)
                lg_log(4, "no boot-state store (%s)", strerror(-r));
        if (store) {
                if (lg_store_read_state(store, &st) < 0)
                        st = (lg_state) {};
                r = lg_store_read_quarantine(store, &quarantine);
                if (r < 0 && r != -ENOENT)
                        lg_log(4, "cannot read the persistently withheld list (%s)", strerror(-r));
        }

        r = lg_manifest_load(sysroot, LG_MANIFEST_PATH, &manifest);
        have_manifest = r >= 0;
        if (r == -EBADMSG)
                lg_log(4, "last-known-good manifest is corrupt: treated as missing");
        r = scan_changes(c, sysroot, have_manifest ? &manifest : NULL, LG_STAT_STRICT, "the modules of the real root",
                         have_manifest ? &manifest : NULL, &now, &changes);
        /* The real root's deny lists: a denied item is withheld, and is no
         * change (it neither arms nor counts). */
        deny_load(sysroot, &now, &deny);
        deny_intree(c, sysroot, &now, &deny, &intree_denied);
        changed = r >= 0 && lg_manifest_differs_deny(have_manifest ? &manifest : NULL, &now, &quarantine, &deny);
        /* A narrowing keeps the host armed: its boots count. */
        narrowing = counting && narrowing_load(c, sysroot, &narrow_rec);
        changed = changed || narrowing;

        /* The decision of pre-udev, or (it wrote nothing: steady state, or
         * no EFI) the same one derived from the record without a step. */
        d.mode = c->cmdline.mode;
        d.threshold = c->cmdline.threshold ? c->cmdline.threshold :
                      c->config.threshold  ? c->config.threshold :
                                             LG_DEFAULT_THRESHOLD;
        if (have_early) {
                level = early.level;
                d.counted = early.counted;
                d.exhausted = early.exhausted;
                d.fast_path = early.fast_path;
        } else {
                level = d.mode == LG_MODE_SAFE ? 1 : d.mode == LG_MODE_STRICT ? 2 :
                        d.mode == LG_MODE_NORMAL ? 0 : MIN(st.level, (uint8_t) LG_LEVEL_MAX);
                d.exhausted = d.mode == LG_MODE_AUTO && st.armed && st.level >= LG_LEVEL_MAX;
        }
        d.level = level;

        if (changed && counting && !st.armed) {
                lg_state new;
                lg_decision ad;
                lg_facts facts = {};

                lg_machine_step(&st, LG_STEP_ARM, &c->cmdline, &c->config, &facts, &new, &ad);
                r = ad.write ? lg_store_write_state(store, &new) : 0;
                if (r < 0) {
                        /* Not armed, not counted: say only that. */
                        lg_log(3, "cannot write the boot state (%s); counting not armed", strerror(-r));
                        ad.armed_now = ad.counted = false;
                } else
                        st = new;
                if (ad.armed_now) {
                        armed_now = true;
                        arm_d = ad;
                }
                d.counted = d.counted || ad.counted;
        }

        if (narrowing) {
                narrowing_step(c, store, counting, &st, &narrow_rec, &now, &quarantine, &narrow);
                level = 0;
                d.level = 0;
                d.exhausted = false;
        }

        /* pre-udev judged the crash-log culprit "not proven" against the
         * initramfs's copy of the manifest, which is as old as the image:
         * the real root's last known good has the last word. */
        const char *culprit = have_early && early.fast_path ? early.culprit : NULL;
        if (culprit && have_manifest) {
                const lg_inv_item *good = lg_inventory_find(&manifest, LG_ITEM_MODULE, culprit),
                                  *cur = lg_inventory_find(&now, LG_ITEM_MODULE, culprit);

                if (good && cur && good->fingerprint == cur->fingerprint) {
                        lg_log(5,
                               "crash log names %s, proven on the real root since the initramfs was built: "
                               "not withheld",
                               culprit);
                        culprit = NULL;
                }
        }

        lg_policy_input in = {
                .level = d.exhausted ? LG_LEVEL_MAX : level,
                .now = &now,
                .changes = have_manifest ? &changes : NULL,
                .quarantine = &quarantine,
                .cmdline = &c->cmdline,
                .config = &c->config,
                .agents = &c->agents,
                .culprit = culprit,
                .narrow = narrowing && lg_narrow_active(&narrow) ? &narrow : NULL,
                .deny = &deny,
                .denied_intree = &intree_denied,
        };
        r = lg_policy_compute(&in, &rs.withheld);
        if (r < 0)
                lg_log(4, "cannot compute the withheld set (%s)", strerror(-r));

        rs.level = level;
        rs.mode = c->cmdline.mode;
        rs.tries = st.tries;
        rs.threshold = d.threshold;
        rs.boot_seq = st.boot_seq;
        rs.counted = d.counted;
        rs.exhausted = d.exhausted;
        rs.fast_path = d.fast_path;
        rs.override = lg_cmdline_is_override(&c->cmdline);
        rs.stage = (char *) "pre-switch";
        rs.kernel = c->kernel;
        rs.culprit = in.culprit ? (char *) in.culprit : NULL;
        rs.culprit_evidence = have_early ? early.culprit_evidence : NULL;
        write_run(c, &rs, counting);
        if (counting && st.armed)
                reset_applied = reset_on_failure(c, d.exhausted, &reset);
        /* Events after the files, as in pre-udev. */
        if (armed_now)
                emit(c, LG_MSG_ARMED,
                     have_manifest ? "real root differs from the last known good: counting armed"
                                   : "no usable last-known-good manifest: counting armed",
                     &arm_d, &st, NULL, NULL, NULL);
        emit_withheld(c, &rs.withheld, have_early ? &early.withheld : NULL, &d, &now, &intree_denied);
        emit_released(c, &quarantine, &d, &st);
        if (reset_applied)
                emit_reset(c, &d, &st, &reset);

        lg_narrow_done(&narrow);
        lg_narrow_done(&narrow_rec);
        lg_withheld_done(&rs.withheld);
        lg_runstate_done(&early);
        lg_changes_done(&changes);
        lg_inventory_done(&intree_denied);
        lg_deny_done(&deny);
        lg_inventory_done(&now);
        lg_inventory_done(&manifest);
        lg_quarantine_done(&quarantine);
        return 0;
}

/* The modules of inv only: a view sharing inv's strings (free only its
 * items array). */
static int modules_only(const lg_inventory *inv, lg_inventory *ret) {
        *ret = (lg_inventory) { .kernel = inv->kernel, .intree = inv->intree, .n_intree = inv->n_intree,
                                .written_ns = inv->written_ns };
        ret->items = calloc(inv->n ? inv->n : 1, sizeof(lg_inv_item));
        if (!ret->items)
                return -ENOMEM;
        for (size_t i = 0; i < inv->n; i++)
                if (inv->items[i].kind == LG_ITEM_MODULE)
                        ret->items[ret->n++] = inv->items[i];
        return 0;
}

static int save_modules(const lg_root *image, const char *path, const lg_inventory *inv) {
        lg_inventory m;
        int r = modules_only(inv, &m);

        if (r >= 0)
                r = lg_manifest_save(image, path, &m);
        free(m.items);
        return r;
}

/* What pre-udev reads, saved into the image (which anyone may read: the
 * initramfs is world-readable on most hosts): the kernel's third-party set
 * (its stat cache), the modules of the last-known-good manifest and of the
 * file store's cold record. Never agent content: its paths, sizes, inodes
 * and fingerprints would disclose root-only files (a 6-digit PIN in a 0600
 * file is found offline from its fingerprint); content is judged at
 * pre-switch from the real root. */
static void save_into_image(const ctx *c, const lg_inventory *now, const lg_inventory *manifest) {
        _cleanup_root_ lg_root *image = NULL;
        _cleanup_store_ lg_store *fstore = NULL, *istore = NULL;
        lg_quarantine q = {}, mq = {};
        int r;

        r = lg_root_new(arg_image_dir, &image);
        if (r >= 0)
                r = save_modules(image, IMAGE_INVENTORY, now);
        if (r < 0)
                lg_log(4, "cannot save the module inventory into the image (%s)", strerror(-r));
        if (!image)
                return;
        if (manifest) {
                r = save_modules(image, LG_MANIFEST_PATH, manifest);
                if (r < 0)
                        lg_log(4, "cannot save the last-known-good modules into the image (%s)", strerror(-r));
        }
        /* Hosts without EFI variables keep the cold record in a file;
         * pre-udev withholds its modules from it. */
        if (lg_store_open(c->root, LG_STORE_FORCE_FILE, &fstore) < 0 || lg_store_read_quarantine(fstore, &q) < 0)
                return;
        r = 0;
        for (size_t i = 0; i < q.n && r >= 0; i++)
                if (q.items[i].kind == LG_ITEM_MODULE)
                        r = lg_quarantine_add(&mq, q.items[i].kind, q.items[i].name, q.items[i].fingerprint);
        if (r >= 0 && mq.n > 0) {
                r = lg_root_mkdir_p(image, LG_LIB_DIR_IMAGE, 0755);
                if (r >= 0)
                        r = lg_store_open(image, LG_STORE_FORCE_FILE, &istore);
                if (r >= 0)
                        r = lg_store_write_quarantine(istore, &mq);
        }
        if (r < 0)
                lg_log(4, "cannot save the persistently withheld modules into the image (%s)", strerror(-r));
        lg_quarantine_done(&mq);
        lg_quarantine_done(&q);
}

/* Build time, on the running system: the kernel being packed into an image
 * is the set the next boot will run; when it is not the last known good,
 * arm. The set is also saved into the image as pre-udev's stat cache. */
static int run_arm_if_changed(ctx *c) {
        _cleanup_store_ lg_store *store = NULL;
        lg_inventory manifest = {}, now = {};
        bool have_manifest;
        unsigned skipped = 0;
        int r;

        have_manifest = lg_manifest_load(c->root, LG_MANIFEST_PATH, &manifest) >= 0;
        r = lg_inventory_scan_cached(c->root, c->kernel, &c->config, &c->agents, have_manifest ? &manifest : NULL,
                                     LG_STAT_STRICT, &now, &skipped);
        if (r < 0) {
                lg_log(4, "cannot list the modules of %s (%s)", c->kernel, strerror(-r));
                goto finish;
        }
        if (arg_image_dir)
                save_into_image(c, &now, have_manifest ? &manifest : NULL);
        r = lg_store_open(c->root, LG_STORE_AUTO, &store);
        if (r >= 0) {
                lg_quarantine q = {};
                lg_deny deny = {};
                bool differs;

                /* Persistently withheld modules do not load, and neither do
                 * denied ones: no change. */
                if (lg_store_read_quarantine(store, &q) < 0)
                        q = (lg_quarantine) {};
                deny_load(c->root, &now, &deny);
                differs = lg_manifest_differs_deny(have_manifest ? &manifest : NULL, &now, &q, &deny);
                lg_deny_done(&deny);
                lg_quarantine_done(&q);
                if (!differs)
                        goto finish;
        } else if (!lg_manifest_differs(have_manifest ? &manifest : NULL, &now, NULL))
                goto finish;

        if (r >= 0) {
                lg_state old = {}, new;
                lg_decision d;
                bool rewrite;
                int k;

                /* The change lands in a running system that does not run
                 * it: armed, the next boot is counted. The marker tells the
                 * watchdog, whose health window starts again, so that a
                 * reboot at once is neutral and does not prove the new
                 * modules. */
                (void) read_state(c, store, &old, &rewrite);
                lg_machine_step(&old, LG_STEP_ARM, &c->cmdline, &c->config, &(lg_facts) { .next_boot_only = true },
                                &new, &d);
                if (d.write || rewrite)
                        r = lg_store_write_state(store, &new);
                k = lg_root_mkdir_p(c->root, LG_RUN_DIR, 0755);
                if (k >= 0)
                        k = lg_root_write_atomic(c->root, LG_RUN_CHANGED, "1\n", 2, 0644);
                if (k < 0)
                        lg_log(5, "cannot write %s (%s)", LG_RUN_CHANGED, strerror(-k));
                if (r < 0)
                        lg_log(3, "cannot arm (%s)", strerror(-r));
                else if (d.armed_now) {
                        /* A fresh install: nothing differs from a last
                         * known good that does not exist yet. */
                        if (have_manifest)
                                printf("lastgood: third-party modules of %s differ from the last known good: "
                                       "counting armed\n",
                                       c->kernel);
                        else
                                printf("lastgood: no last known good yet; the first healthy boot will record one\n");
                        emit(c, LG_MSG_ARMED, "initramfs rebuilt with a changed third-party set: counting armed", &d,
                             &new, NULL, NULL, NULL);
                }
        } else
                lg_log(4, "no boot-state store (%s): not armed", strerror(-r));
finish:
        lg_inventory_done(&now);
        lg_inventory_done(&manifest);
        return 0;
}

int main(int argc, char *argv[]) {
        _cleanup_(ctx_done) ctx c = {};
        _cleanup_root_ lg_root *sysroot = NULL;
        struct sigaction sa = { .sa_handler = on_alarm };
        const char *verb = NULL;
        int r;

        /* The run-time bound comes first: nothing below may hold the boot. */
        (void) sigaction(SIGALRM, &sa, NULL);
        alarm(arg_timeout);
        lg_log_open(LG_LOG_KMSG, "lastgood");

        r = parse_argv(argc, argv, &verb);
        if (r <= 0) {
                if (r < 0)
                        lg_log(4, "usage error, see --help; boot goes on");
                return 0;
        }
        alarm(arg_timeout);

        r = lg_root_new(arg_root, &c.root);
        if (r < 0) {
                lg_log(3, "cannot open root %s: %s", strna(arg_root), strerror(-r));
                return 0;
        }
        lg_log_set_kmsg_fd(lg_root_open(c.root, "/dev/kmsg", O_WRONLY | O_NOCTTY | O_APPEND, 0));

        if (!streq(verb, "pre-udev") && !streq(verb, "pre-switch") && !streq(verb, "arm-if-changed")) {
                lg_log(4, "unknown stage '%.64s'; boot goes on", verb);
                return 0;
        }
        /* (The kmsg fd is O_CLOEXEC: the new image opens its own.) */
        if (!streq(verb, "arm-if-changed") && mount_firmware_fs(c.root))
                reexec_for_efivar(argv);
        if (streq(verb, "pre-switch")) {
                if (!arg_sysroot) {
                        lg_log(4, "pre-switch needs --sysroot=DIR; boot goes on");
                        return 0;
                }
                r = lg_root_new(arg_sysroot, &sysroot);
                if (r < 0) {
                        lg_log(4, "cannot open the real root %s (%s); boot goes on", arg_sysroot,
                               strerror(-r));
                        return 0;
                }
        }

        r = ctx_init(&c, sysroot ? sysroot : c.root, !streq(verb, "arm-if-changed"));
        if (r < 0) {
                lg_log(3, "cannot start (%s); boot goes on", strerror(-r));
                return 0;
        }
        if (c.cmdline.mode == LG_MODE_OFF) {
                lg_log(5, "lastgood.mode=off: doing nothing this boot");
                return 0;
        }

        if (streq(verb, "pre-udev"))
                (void) run_pre_udev(&c);
        else if (streq(verb, "pre-switch"))
                (void) run_pre_switch(&c, sysroot);
        else
                (void) run_arm_if_changed(&c);

        lg_log_close();
        return 0;
}
