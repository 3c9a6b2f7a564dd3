/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lastgood-generator NORMAL EARLY LATE: a systemd generator.
 *
 *  - masks the units of agents withheld at this level (policy disable, or
 *    every non-keep agent at level 2): EARLY/UNIT -> /dev/null, as
 *    systemd.mask= does;
 *  - pulls lastgood-apply.service into the boot
 *    (EARLY/sysinit.target.wants/), and orders every agent unit after it
 *    (NORMAL/UNIT.d/50-lastgood-apply.conf), also agents that start before
 *    sysinit.target;
 *  - on hosts without EFI variables, where no lastgood-early ran in the
 *    initramfs, counts the boot as lastgood-early does (file store), writes
 *    /run/modprobe.d/lastgood.conf (honoured by udev in the main system)
 *    and hands the decision over in /run/lastgood/.
 *
 * Logs to /dev/kmsg, no IPC, and exits 0 whatever happens: a generator
 * that fails must never be the reason a boot fails. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "crash.h"
#include "events.h"
#include "inventory.h"
#include "log.h"
#include "machine.h"
#include "macro.h"
#include "reset.h"
#include "runstate.h"
#include "store.h"
#include "strv.h"

#ifndef SYSTEMDSYSTEMUNITDIR
#define SYSTEMDSYSTEMUNITDIR "/usr/lib/systemd/system"
#endif
#define APPLY_UNIT "lastgood-apply.service"
#define WATCHDOG_UNIT "lastgood-watchdog.service"
#define CHECK_UNIT "lastgood-check.service"
#define LG_STATE_PENDING "/run/lastgood/state.pending"

static const char *arg_root = NULL;
static const char *arg_kernel = NULL;
static const char *arg_dest_normal = NULL, *arg_dest_early = NULL;

/* A unit name we are willing to write into the generator folders: no '/',
 * not hidden, known characters and a unit type suffix. */
static bool unit_name_ok(const char *s) {
        static const char *const types[] = { ".service", ".socket", ".timer", ".path", ".target", ".mount",
                                             ".automount", ".swap", ".device", ".scope", ".slice" };
        size_t len = s ? strlen(s) : 0;

        if (len < 3 || len > 255 || s[0] == '.' || s[0] == '-')
                return false;
        for (const char *p = s; *p; p++)
                if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:-_.\\@", *p))
                        return false;
        for (size_t i = 0; i < ELEMENTSOF(types); i++) {
                size_t t = strlen(types[i]);

                if (len > t && streq(s + len - t, types[i]))
                        return true;
        }
        return false;
}

static char *mfree(char *p) {
        free(p);
        return NULL;
}

static int mkdir_in(const char *dir, const char *sub, char **ret) {
        if (asprintf(ret, "%s/%s", dir, sub) < 0)
                return -ENOMEM;
        if (mkdir(*ret, 0755) < 0 && errno != EEXIST) {
                int r = negative_errno();
                *ret = mfree(*ret);
                return r;
        }
        return 0;
}

static int mask_unit(const char *unit) {
        _cleanup_free_ char *p = NULL;
        char target[16];
        ssize_t n;

        if (asprintf(&p, "%s/%s", arg_dest_early, unit) < 0)
                return -ENOMEM;
        if (symlink("/dev/null", p) >= 0)
                return 1;
        if (errno != EEXIST)
                return negative_errno();
        n = readlink(p, target, sizeof(target) - 1);
        if (n > 0) {
                target[n] = '\0';
                if (streq(target, "/dev/null"))
                        return 0; /* masked already (two agents share it) */
        }
        return -EEXIST;
}

static int add_dependency_to(const char *dir, const char *target, const char *kind, const char *unit,
                             const char *unit_dir);
static int add_dependency(const char *dir, const char *target, const char *kind, const char *unit) {
        return add_dependency_to(dir, target, kind, unit, NULL);
}

/* The unit folder that holds unit under the root, as systemd looks. */
static const char *unit_dir_of(const lg_root *root, const char *unit) {
        static const char *const dirs[] = { "/etc/systemd/system", "/run/systemd/system",
                                            "/usr/local/lib/systemd/system", "/usr/lib/systemd/system",
                                            "/lib/systemd/system" };

        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                _cleanup_free_ char *p = NULL;

                if (asprintf(&p, "%s/%s", dirs[i] + 1, unit) < 0)
                        return NULL;
                if (faccessat(root->fd, p, F_OK, AT_SYMLINK_NOFOLLOW) >= 0)
                        return dirs[i];
        }
        return NULL;
}

static int want_apply(void) {
        _cleanup_free_ char *dir = NULL, *p = NULL;
        int r;

        r = mkdir_in(arg_dest_early, "sysinit.target.wants", &dir);
        if (r < 0)
                return r;
        if (asprintf(&p, "%s/" APPLY_UNIT, dir) < 0)
                return -ENOMEM;
        if (symlink(SYSTEMDSYSTEMUNITDIR "/" APPLY_UNIT, p) < 0 && errno != EEXIST)
                return negative_errno();
        return 0;
}

/* DIR/TARGET.KIND/UNIT -> the installed UNIT (in unit_dir, or lastgood's
 * own unit folder): what `systemctl enable` would make, but for this boot
 * only and without anyone enabling it. */
static int add_dependency_to(const char *dir, const char *target, const char *kind, const char *unit,
                             const char *unit_dir) {
        _cleanup_free_ char *sub = NULL, *d = NULL, *p = NULL, *to = NULL;
        int r;

        if (asprintf(&sub, "%s.%s", target, kind) < 0 ||
            asprintf(&to, "%s/%s", unit_dir ?: SYSTEMDSYSTEMUNITDIR, unit) < 0)
                return -ENOMEM;
        r = mkdir_in(dir, sub, &d);
        if (r < 0)
                return r;
        if (asprintf(&p, "%s/%s", d, unit) < 0)
                return -ENOMEM;
        if (symlink(to, p) < 0 && errno != EEXIST)
                return negative_errno();
        return 0;
}

/* Installing is enough (as systemd-bless-boot-generator pulls in its
 * service): the early stages count every armed boot, and only the watchdog
 * proves one, so a host where nobody ran `systemctl enable` must still run
 * it, or five healthy boots would end in safe mode. The check unit is
 * RequiredBy= boot-complete.target like the [Install] section says. */
static int want_watchdog(void) {
        int r;

        r = add_dependency(arg_dest_normal, "multi-user.target", "wants", WATCHDOG_UNIT);
        if (r < 0)
                return r;
        return add_dependency(arg_dest_normal, "boot-complete.target", "requires", CHECK_UNIT);
}

/* Order an agent unit after the apply unit: content is checked (and rolled
 * back) before the agent reads it, even for agents that start early. */
static int order_after_apply(const char *unit) {
        static const char text[] = "# Written by lastgood-generator: agent content is checked first.\n"
                                   "[Unit]\nAfter=" APPLY_UNIT "\n";
        _cleanup_free_ char *sub = NULL, *dir = NULL, *p = NULL;
        _cleanup_close_ int fd = -EBADF;
        int r;

        if (asprintf(&sub, "%s.d", unit) < 0)
                return -ENOMEM;
        r = mkdir_in(arg_dest_normal, sub, &dir);
        if (r < 0)
                return r;
        if (asprintf(&p, "%s/50-lastgood-apply.conf", dir) < 0)
                return -ENOMEM;
        fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0)
                return negative_errno();
        if (write(fd, text, sizeof(text) - 1) != (ssize_t) (sizeof(text) - 1))
                return -EIO;
        return 0;
}

static void emit(const lg_root *root, lg_event *e) {
        (void) lg_event_emit(root, LG_SINK_EARLY, e);
}

/* FallbackDropIn=: the administrator's file (under /etc/lastgood or
 * /usr/lib/lastgood, root's folders) as NORMAL/UNIT.d/60-lastgood-fallback.conf. */
static int install_dropin(const lg_root *root, const char *src, const char *unit) {
        static const char head[] = "# Written by lastgood-generator: the agent runs in its fallback.\n";
        _cleanup_free_ char *text = NULL, *sub = NULL, *dir = NULL, *p = NULL;
        _cleanup_close_ int fd = -EBADF;
        size_t size = 0;
        int r;

        if (!lg_fallback_dropin_allowed(src))
                return -EPERM;
        r = lg_root_read_file(root, src, 64 * 1024, &text, &size);
        if (r < 0)
                return r;
        if (asprintf(&sub, "%s.d", unit) < 0)
                return -ENOMEM;
        r = mkdir_in(arg_dest_normal, sub, &dir);
        if (r < 0)
                return r;
        if (asprintf(&p, "%s/60-lastgood-fallback.conf", dir) < 0)
                return -ENOMEM;
        fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0)
                return negative_errno();
        if (write(fd, head, sizeof(head) - 1) != (ssize_t) (sizeof(head) - 1) ||
            write(fd, text, size) != (ssize_t) size)
                return -EIO;
        return 0;
}

/* OnSafeMode=fallback where the level withholds the agent: its Units= are
 * masked and its FallbackUnits= pulled in (multi-user.target.wants), or,
 * with a FallbackDropIn= alone, its Units= run with the drop-in. A journal
 * event either way. Returns true when the agent's units must not be masked
 * (drop-in only). */
static bool apply_fallback(const lg_root *root, const lg_agent *a, const lg_runstate *rs) {
        bool units = a->fallback_units && a->fallback_units[0];
        char **targets = units ? a->fallback_units : a->units;
        _cleanup_free_ char *msg = NULL;
        int r;

        for (char **u = units ? a->fallback_units : NULL; u && *u; u++) {
                if (!unit_name_ok(*u))
                        continue;
                r = add_dependency_to(arg_dest_normal, "multi-user.target", "wants", *u, unit_dir_of(root, *u));
                if (r < 0)
                        lg_log(LOG_ERR, "Cannot pull in %s, the fallback of agent %s: %s", *u, a->name, strerror(-r));
        }
        for (char **u = a->fallback_dropin ? targets : NULL; u && *u; u++) {
                if (!unit_name_ok(*u))
                        continue;
                r = install_dropin(root, a->fallback_dropin, *u);
                if (r < 0)
                        lg_log(LOG_ERR, "Cannot install %s for %s, the fallback of agent %s: %s", a->fallback_dropin,
                               *u, a->name, strerror(-r));
        }
        if (asprintf(&msg, "Agent %s runs in its fallback this boot (%s%s%s).", a->name,
                     units ? "units " : "drop-in ", units ? a->fallback_units[0] : a->fallback_dropin,
                     units && a->fallback_units[1] ? " and more" : "") < 0)
                msg = NULL;
        lg_log(LOG_WARNING, "%s", msg ?: "An agent runs in its fallback.");
        lg_event e = LG_EVENT_INIT(LG_MSG_WITHHELD);
        e.priority = LOG_WARNING;
        e.message = msg ?: "Agent runs in its fallback.";
        e.item = a->name;
        e.item_kind = "agent";
        e.reason = "fallback";
        e.level = (int) rs->level;
        e.boot_seq = rs->boot_seq;
        emit(root, &e);
        return !units;
}

/* A unit of an agent whose fallback is a drop-in alone: not masked. */
static bool runs_with_dropin(const lg_agents *agents, const char *unit) {
        for (size_t a = 0; a < agents->n; a++) {
                const lg_agent *ag = &agents->agents[a];

                if (lg_agent_uses_fallback(ag) && ag->fallback_dropin &&
                    !(ag->fallback_units && ag->fallback_units[0]) && lg_strv_contains(ag->units, unit))
                        return true;
        }
        return false;
}

/* The watchdog moves denied agent content away at run time (and content
 * of the cold record that reappears): under ProtectSystem=strict it needs
 * the content folders writable. Each agent's Content= folder (the part of
 * the pattern before the first glob) goes into a drop-in, "-" so that a
 * missing one is no error; never a top-level folder or a system tree as a
 * whole (DESIGN.md, "Trust boundaries"), never a name systemd would parse
 * differently (blanks, quotes, escapes, specifiers). */
static bool rw_path_ok(const char *d) {
        static const char *const never[] = { "/usr/lib", "/usr/share", "/usr/local", "/var/lib", "/var/lib/lastgood",
                                             "/usr/bin", "/usr/sbin", "/var/log", "/var/cache" };
        static const char *const never_under[] = { "/proc/", "/sys/", "/run/", "/dev/", "/boot/", "/var/lib/lastgood/" };

        if (d[0] != '/' || !strchr(d + 1, '/') || strstr(d, "/..") || strstr(d, "/./") || strstr(d, "//"))
                return false;
        for (const char *p = d; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                      strchr("/._-+@:", *p)))
                        return false;
        for (size_t i = 0; i < ELEMENTSOF(never); i++)
                if (streq(d, never[i]))
                        return false;
        for (size_t i = 0; i < ELEMENTSOF(never_under); i++)
                if (strncmp(d, never_under[i], strlen(never_under[i])) == 0)
                        return false;
        return true;
}

static int content_rw_paths(const lg_agents *agents) {
        _cleanup_free_ char *dir = NULL, *p = NULL, *text = NULL;
        _cleanup_close_ int fd = -EBADF;
        size_t size = 0, n = 0;
        FILE *f;
        int r;

        f = open_memstream(&text, &size);
        if (!f)
                return -ENOMEM;
        fputs("# Written by lastgood-generator: the agents' content folders, where the watchdog\n"
              "# moves denied or persistently withheld content away at run time.\n[Service]\n", f);
        for (size_t a = 0; agents && a < agents->n; a++)
                for (char **c = agents->agents[a].content; c && *c; c++) {
                        _cleanup_free_ char *d = strdup(*c);
                        char *glob, *slash;

                        if (!d) {
                                fclose(f);
                                return -ENOMEM;
                        }
                        glob = strpbrk(d, "*?[");
                        if (glob)
                                *glob = '\0';
                        slash = strrchr(d, '/');
                        if (!slash)
                                continue;
                        *slash = '\0';
                        if (!rw_path_ok(d)) {
                                lg_log(LOG_NOTICE, "Content folder %s of agent %s is not made writable for "
                                       "lastgood-watchdog (a system folder or an unusual name): add a drop-in.",
                                       d[0] ? d : "/", agents->agents[a].name);
                                continue;
                        }
                        fprintf(f, "ReadWritePaths=-%s\n", d);
                        n++;
                }
        if (fclose(f) != 0)
                return -ENOMEM;
        if (n == 0)
                return 0;
        r = mkdir_in(arg_dest_normal, WATCHDOG_UNIT ".d", &dir);
        if (r < 0)
                return r;
        if (asprintf(&p, "%s/50-lastgood-content.conf", dir) < 0)
                return -ENOMEM;
        fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0)
                return negative_errno();
        if (write(fd, text, size) != (ssize_t) size)
                return -EIO;
        return 1;
}

static bool has_efi(const lg_root *root) {
        /* Under --root only the root's own /sys counts. */
        return faccessat(root->fd, "sys/firmware/efi", F_OK, 0) >= 0;
}

/* Read the crash record (pstore) newer than the last proven boot and name
 * its culprit, for the fast path. */
static char *crash_culprit(const lg_root *root, const lg_agents *agents, const lg_state *st, uint32_t *ret_id) {
        _cleanup_free_ char *text = NULL;
        lg_crash_report rep = {};
        size_t size = 0;
        char *c = NULL;

        if (lg_pstore_read(root, st->last_proven_usec, &text, &size) < 0)
                return NULL;
        if (lg_crash_attribute(text, size, agents, &rep) < 0)
                return NULL;
        if (lg_crash_fast_path_culprit(&rep, agents)) {
                c = strdup(rep.culprit);
                *ret_id = rep.id;
        }
        lg_crash_report_done(&rep);
        return c;
}

/* Count this boot on a host without EFI variables (what lastgood-early
 * pre-udev does on EFI hosts). Fills rs. */
/* Every failure ends in a reset (lib/reset/reset.h). A host without EFI
 * variables is counted here, so its armed boots are made to reset here
 * too: generators run before any unit, udev included. */
static void reset_on_failure(const lg_root *root, const lg_config *config, bool exhausted) {
        _cleanup_free_ char *cmdline = NULL, *kernel = NULL;
        size_t size = 0;
        lg_reset r, done;
        int k;

        if (lg_reset_load(root, &done) >= 0)
                return;
        if (lg_root_read_file(root, "/proc/cmdline", 64 * 1024, &cmdline, &size) < 0)
                size = 0;
        if (lg_kernel_release(arg_kernel, &kernel) < 0)
                kernel = NULL;
        lg_reset_options o = {
                .config = config,
                .cmdline = cmdline ? cmdline : "",
                .cmdline_size = size,
                .kernel = kernel,
                .exhausted = exhausted,
                .load_modules = lg_root_is_host(root),
        };
        lg_reset_apply(root, &o, &r);
        k = lg_reset_save(root, &r);
        if (k < 0) {
                /* Nobody could release the deadline at healthy. */
                lg_log(LOG_WARNING, "Cannot write %s: %s", LG_RUN_RESET, strerror(-k));
                if (lg_reset_release(root, &r) > 0)
                        lg_log(LOG_WARNING,
                               "Hang reset stopped again: it could not be released at healthy.");
        }
        for (int i = 0; i < _LG_RESET_KIND_MAX; i++) {
                lg_event e = LG_EVENT_INIT(LG_MSG_RESET);
                char msg[256];

                if (r.items[i].status == LG_RESET_NONE)
                        continue;
                lg_reset_describe((lg_reset_kind) i, &r.items[i], msg, sizeof(msg));
                e.message = msg;
                e.item = lg_reset_kind_to_string((lg_reset_kind) i);
                e.reason = lg_reset_status_to_string(r.items[i].status);
                if (r.items[i].status == LG_RESET_FAILED || r.items[i].status == LG_RESET_BUSY)
                        e.priority = LOG_WARNING;
                emit(root, &e);
        }
}

static int count_boot(const lg_root *root, const lg_cmdline *cmdline, const lg_config *config,
                      const lg_agents *agents, lg_runstate *rs, unsigned *ret_level) {
        _cleanup_store_ lg_store *store = NULL;
        _cleanup_free_ char *culprit = NULL;
        lg_state old = {}, st;
        lg_decision d;
        lg_facts facts = {};
        int r;

        r = lg_store_open(root, LG_STORE_FORCE_FILE, &store);
        if (r < 0)
                return r;
        if (faccessat(root->fd, "var/lib/lastgood", F_OK, 0) < 0) {
                /* A separate /var is not mounted yet: counting would write
                 * under the mount point. Leave it to the next boot's luck. */
                lg_log(LOG_WARNING,
                       "/var/lib/lastgood is not reachable yet (separate /var?); this boot is not counted.");
                return -ENOENT;
        }
        r = lg_store_read_state(store, &old);
        if (r < 0 && r != -ENOENT) {
                lg_event e = LG_EVENT_INIT(LG_MSG_STATE_CORRUPT);
                e.priority = LOG_WARNING;
                e.message = "Boot state unreadable; treated as no state and rewritten.";
                e.reason = "corrupt";
                emit(root, &e);
        }
        if (r < 0)
                old = (lg_state) {};

        culprit = crash_culprit(root, agents, &old, &facts.crash_id);
        facts.culprit = culprit;
        lg_machine_step(&old, LG_STEP_BOOT, cmdline, config, &facts, &st, &d);

        if (d.write) {
                r = lg_store_write_state(store, &st);
                if (r < 0) {
                        /* Usually a read-only root at this point: the apply
                         * unit stores it once the file systems are writable. */
                        uint8_t buf[LG_STATE_SIZE];

                        lg_state_encode(&st, buf);
                        r = lg_root_write_atomic(root, LG_STATE_PENDING, buf, sizeof(buf), 0600);
                        if (r < 0)
                                lg_log(LOG_ERR, "Cannot store the boot state: %s", strerror(-r));
                }
        }

        if (st.armed && !d.noop)
                reset_on_failure(root, config, d.exhausted);

        rs->level = d.exhausted ? LG_LEVEL_MAX : d.level;
        rs->mode = d.mode;
        rs->tries = st.tries;
        rs->threshold = d.threshold;
        rs->boot_seq = st.boot_seq;
        rs->counted = d.counted;
        rs->exhausted = d.exhausted;
        rs->fast_path = d.fast_path;
        rs->override = d.override;
        if (d.fast_path && culprit)
                rs->culprit = strdup(culprit);

        if (d.counted) {
                lg_event e = LG_EVENT_INIT(LG_MSG_BOOT_COUNTED);
                e.message = "Boot counted (no EFI variables: counted by the generator).";
                e.tries = st.tries;
                e.threshold = (int) d.threshold;
                e.level = (int) d.level;
                e.boot_seq = st.boot_seq;
                emit(root, &e);
        }
        if (d.override) {
                lg_event e = LG_EVENT_INIT(LG_MSG_OVERRIDE);
                e.priority = LOG_WARNING;
                e.message = "Administrator override on the kernel command line in force.";
                e.mode = lg_mode_to_string(d.mode);
                emit(root, &e);
        }
        if (d.fast_path && culprit) {
                lg_event e = LG_EVENT_INIT(LG_MSG_CULPRIT);
                e.priority = LOG_WARNING;
                e.message = "Culprit named from the crash log; withheld this boot.";
                e.item = culprit;
                e.item_kind = lg_agents_find_module(agents, culprit) || !lg_agents_find(agents, culprit) ? "module" : "agent";
                emit(root, &e);
        }
        if (d.exhausted) {
                lg_event e = LG_EVENT_INIT(LG_MSG_EXHAUSTED);
                e.priority = LOG_ERR;
                e.message = "Recovery exhausted: lastgood withholds nothing more; the boot loader's fallback is next.";
                e.level = LG_LEVEL_MAX;
                emit(root, &e);
        } else if (d.level >= 1) {
                lg_event e = LG_EVENT_INIT(LG_MSG_SAFE_MODE);
                e.priority = LOG_WARNING;
                e.message = "Safe mode entered.";
                e.level = (int) d.level;
                e.tries = st.tries;
                e.threshold = (int) d.threshold;
                e.mode = lg_mode_to_string(d.mode);
                emit(root, &e);
        }
        *ret_level = d.exhausted ? 0 : d.level;
        return 0;
}

/* lastgood-early left nothing: decide the withheld set here. Counting too
 * when the host has no EFI variables. */
static int decide(const lg_root *root, const lg_cmdline *cmdline, const lg_config *config, const lg_agents *agents,
                  bool efi, lg_runstate *rs) {
        _cleanup_store_ lg_store *store = NULL;
        _cleanup_free_ char *kernel = NULL;
        lg_inventory good = {}, now = {};
        lg_changes changes = {};
        lg_quarantine q = {};
        unsigned level = 0;
        int r, mr;
        bool have_q = false;

        if (!efi) {
                r = count_boot(root, cmdline, config, agents, rs, &level);
                if (r < 0 && r != -ENOENT)
                        lg_log(LOG_ERR, "Counting this boot failed: %s", strerror(-r));
        } else {
                /* EFI host without lastgood-early in its initramfs: the
                 * hot record is read, never written here. */
                lg_state st = {};

                if (lg_store_open(root, LG_STORE_AUTO, &store) >= 0 && lg_store_read_state(store, &st) >= 0)
                        level = st.level >= LG_LEVEL_MAX ? 0 : st.level;
                if (cmdline->mode == LG_MODE_SAFE)
                        level = 1;
                else if (cmdline->mode == LG_MODE_STRICT)
                        level = 2;
                else if (cmdline->mode == LG_MODE_NORMAL)
                        level = 0;
                rs->level = level;
                rs->mode = cmdline->mode;
                rs->boot_seq = st.boot_seq;
                rs->tries = st.tries;
                rs->override = lg_cmdline_is_override(cmdline);
        }
        if (!store && lg_store_open(root, efi ? LG_STORE_AUTO : LG_STORE_FORCE_FILE, &store) < 0)
                store = NULL;

        r = lg_kernel_release(arg_kernel, &kernel);
        if (r < 0)
                return r;
        rs->kernel = strdup(kernel);
        rs->stage = strdup("generator");

        mr = lg_manifest_load(root, LG_MANIFEST_PATH, &good);
        r = lg_inventory_scan_cached(root, kernel, config, agents, mr >= 0 ? &good : NULL, LG_STAT_STRICT, &now, NULL);
        if (r >= 0)
                r = lg_manifest_diff(mr >= 0 ? &good : &(lg_inventory) {}, &now, &changes);
        if (r >= 0 && store && lg_store_read_quarantine(store, &q) >= 0)
                have_q = true;
        if (r >= 0) {
                lg_policy_input in = {
                        .level = level,
                        .now = &now,
                        .changes = &changes,
                        .quarantine = have_q ? &q : NULL,
                        .cmdline = cmdline,
                        .config = config,
                        .agents = agents,
                        .culprit = rs->culprit,
                };
                r = lg_policy_compute(&in, &rs->withheld);
        }
        lg_quarantine_done(&q);
        lg_changes_done(&changes);
        lg_inventory_done(&now);
        lg_inventory_done(&good);
        if (r < 0)
                return r;

        r = lg_modprobe_conf_write(root, &rs->withheld, "lastgood-generator", NULL, NULL);
        if (r < 0)
                lg_log(LOG_ERR, "Cannot write %s: %s", LG_MODPROBE_CONF, strerror(-r));
        r = lg_runstate_write(root, rs);
        if (r < 0)
                lg_log(LOG_ERR, "Cannot write %s: %s", LG_RUN_DECISION, strerror(-r));

        /* Modules and units are withheld by what we just wrote; content is
         * announced by the apply unit when it moves it. */
        for (size_t i = 0; i < rs->withheld.n; i++) {
                const lg_withheld_item *it = &rs->withheld.items[i];
                _cleanup_free_ char *msg = NULL;

                if (it->kind == LG_ITEM_CONTENT)
                        continue;
                if (asprintf(&msg, "%s %s withheld (%s)%s%s.", lg_item_kind_to_string(it->kind), it->name,
                             lg_reason_to_string(it->reason), it->agent ? ", agent " : "", it->agent ?: "") < 0)
                        msg = NULL;
                lg_event e = LG_EVENT_INIT(LG_MSG_WITHHELD);
                e.priority = LOG_WARNING;
                e.message = msg ?: "Item withheld.";
                e.item = it->name;
                e.item_kind = lg_item_kind_to_string(it->kind);
                e.reason = lg_reason_to_string(it->reason);
                e.level = (int) rs->level;
                e.boot_seq = rs->boot_seq;
                emit(root, &e);
        }
        return 0;
}

static int read_cmdline(const lg_root *root, lg_cmdline *ret) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;

        if (lg_root_read_file(root, "/proc/cmdline", 64 * 1024, &buf, &size) < 0)
                size = 0;
        return lg_cmdline_parse(buf ?: "", size, ret);
}

static int parse_argv(int argc, char *argv[]) {
        enum { ARG_ROOT = 0x100, ARG_KERNEL };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' }, /* long only */
                { "root", required_argument, NULL, ARG_ROOT },
                { "kernel-release", required_argument, NULL, ARG_KERNEL },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("Usage: %s [--root=DIR] [--kernel-release=R] NORMAL [EARLY [LATE]]\n\n"
                               "systemd generator of lastgood: masks withheld agents' units, pulls in\n"
                               "lastgood-apply.service, lastgood-watchdog.service and lastgood-check.service,\n"
                               "counts boots on hosts without EFI variables.\n\n"
                               "  -h --help                Show this help\n"
                               "     --version             Show the version\n"
                               "     --root=DIR            Resolve every host path under DIR\n"
                               "     --kernel-release=REL  Use REL instead of uname -r\n",
                               program_invocation_short_name);
                        return 0;
                case 'V':
                        printf("lastgood-generator " PACKAGE_VERSION "\n");
                        return 0;
                case ARG_ROOT:
                        arg_root = optarg;
                        break;
                case ARG_KERNEL:
                        arg_kernel = optarg;
                        break;
                default:
                        return -EINVAL;
                }
        if (optind >= argc || argc - optind > 3) {
                lg_log(LOG_ERR, "Expected one or three folders (normal, early, late).");
                return -EINVAL;
        }
        arg_dest_normal = argv[optind];
        arg_dest_early = argc - optind >= 2 ? argv[optind + 1] : arg_dest_normal;
        return 1;
}

static int run(int argc, char *argv[]) {
        _cleanup_root_ lg_root *root = NULL;
        lg_cmdline cmdline = {};
        lg_config config = {};
        lg_agents agents = {};
        lg_runstate rs = {};
        bool have_rs;
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return 0;

        r = lg_root_new(arg_root, &root);
        if (r < 0) {
                lg_log(LOG_ERR, "Cannot open root %s: %s", arg_root ?: "/", strerror(-r));
                return 0;
        }
        lg_log_set_kmsg_fd(lg_root_open(root, "/dev/kmsg", O_WRONLY | O_NOCTTY, 0));

        if (read_cmdline(root, &cmdline) < 0)
                goto oom;
        if (cmdline.mode == LG_MODE_OFF) {
                lg_log(LOG_NOTICE, "lastgood.mode=off: nothing done this boot.");
                goto finish;
        }
        r = lg_runstate_read(root, &rs);
        have_rs = r >= 0;
        if (have_rs && rs.noop) {
                lg_log(LOG_NOTICE, "lastgood-early decided to do nothing this boot.");
                goto finish;
        }
        if (r < 0 && r != -ENOENT)
                lg_log(LOG_WARNING, "Unreadable hand-over from lastgood-early (%s); deciding here.",
                       strerror(-r));

        if (lg_config_load(root, &config) < 0 || lg_agents_load(root, &agents) < 0)
                goto oom;

        if (!have_rs) {
                lg_runstate_done(&rs);
                rs = (lg_runstate) {};
                r = decide(root, &cmdline, &config, &agents, has_efi(root), &rs);
                if (r < 0)
                        lg_log(LOG_ERR, "Cannot decide the withheld set: %s; nothing masked.", strerror(-r));
        }

        r = want_apply();
        if (r < 0)
                lg_log(LOG_ERR, "Cannot pull in " APPLY_UNIT ": %s", strerror(-r));
        r = want_watchdog();
        if (r < 0)
                lg_log(LOG_ERR, "Cannot pull in " WATCHDOG_UNIT " and " CHECK_UNIT ": %s", strerror(-r));

        /* Agents with a fallback first: their units are not simply masked. */
        for (size_t a = 0; a < agents.n; a++) {
                const lg_agent *ag = &agents.agents[a];
                bool withheld = false;

                if (!lg_agent_uses_fallback(ag))
                        continue;
                for (size_t i = 0; i < rs.withheld.n; i++)
                        if (rs.withheld.items[i].kind == LG_ITEM_UNIT &&
                            lg_strv_contains(ag->units, rs.withheld.items[i].name))
                                withheld = true;
                if (withheld)
                        (void) apply_fallback(root, ag, &rs);
        }

        for (size_t i = 0; i < rs.withheld.n; i++) {
                const lg_withheld_item *it = &rs.withheld.items[i];

                if (it->kind != LG_ITEM_UNIT || runs_with_dropin(&agents, it->name))
                        continue;
                if (!unit_name_ok(it->name)) {
                        lg_log(LOG_WARNING, "Not a unit name, not masked: \"%s\".", it->name);
                        continue;
                }
                r = mask_unit(it->name);
                if (r < 0)
                        lg_log(LOG_ERR, "Cannot mask %s: %s", it->name, strerror(-r));
                else if (r > 0)
                        lg_log(LOG_WARNING, "Masked %s this boot (%s%s%s).", it->name,
                               lg_reason_to_string(it->reason) ?: "withheld", it->agent ? ", agent " : "",
                               it->agent ?: "");
        }

        r = content_rw_paths(&agents);
        if (r < 0)
                lg_log(LOG_ERR, "Cannot make the agents' content folders writable for " WATCHDOG_UNIT ": %s",
                       strerror(-r));
        for (size_t a = 0; a < agents.n; a++)
                for (char **u = agents.agents[a].units; u && *u; u++) {
                        if (!unit_name_ok(*u))
                                continue;
                        r = order_after_apply(*u);
                        if (r < 0)
                                lg_log(LOG_ERR, "Cannot order %s after " APPLY_UNIT ": %s", *u,
                                       strerror(-r));
                }
        goto finish;

oom:
        lg_log(LOG_ERR, "Out of memory.");
finish:
        lg_runstate_done(&rs);
        lg_agents_done(&agents);
        lg_config_done(&config);
        lg_cmdline_done(&cmdline);
        lg_log_close();
        return 0;
}

int main(int argc, char *argv[]) {
        /* Generators run before journald: kmsg (stderr without it). */
        lg_log_open(LG_LOG_KMSG, "lastgood-generator");
        return run(argc, argv);
}
