/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lastgood-watchdog: decides when a boot is healthy and proven, keeps the
 * boot-state bookkeeping of the running system, watches for runtime
 * changes, and sends the initramfs's events to the journal.
 *
 * Event driven (sd-event): at rest the only wake-ups are the service
 * manager's watchdog ping and the StableSec/ProveSec timers. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <libudev.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>
#include <systemd/sd-id128.h>

#include "bpf-record.h"
#include "bus.h"
#include "cmdline.h"
#include "config.h"
#include "deny-watch.h"
#include "events.h"
#include "fingerprints.h"
#include "health.h"
#include "inventory.h"
#include "journal.h"
#include "log.h"
#include "machine.h"
#include "parse-util.h"
#include "escape.h"
#include "macro.h"
#include "narrow.h"
#include "health-tiers.h"
#include "notice.h"
#include "proven.h"
#include "reset.h"
#include "rootfs.h"
#include "safepath.h"
#include "runstate.h"
#include "store.h"
#include "strv.h"
#include "watch.h"
#include "copy.h"

#define CMDLINE_MAX (64 * 1024)

static char *arg_root;
static char *arg_kernel;
static char *arg_bus_address;
static char *arg_journal_export;
static long arg_stable_sec = -1, arg_prove_sec = -1, arg_check_timeout_sec = -1;
/* Test hooks, set only by the test build's options (LG_TEST_HOOKS). */
static unsigned arg_crash_after_step;
static bool arg_prove_now;
static bool arg_check;
static bool arg_no_module_watch;
static char **arg_test_module_add;
#ifdef LG_TEST_HOOKS
static char *arg_test_exec_copying;
#endif

typedef struct Context {
        lg_root *root;
        char *kernel;
        lg_cmdline cmdline;
        lg_config config;
        lg_agents agents;
        lg_runstate rs;
        bool have_rs;
        lg_store *store;
        FILE *export;

        sd_event *event;
        sd_bus *bus;
        sd_event_source *stable_timer, *prove_timer, *ping_timer;
        sd_event_source *inotify_source, *udev_source;
        uint64_t watchdog_usec;

        int inotify_fd;
        int run_wd;             /* /run/lastgood: lastgoodctl arm's marker */
        char **watch_dirs;      /* index = position of the wd in wds */
        int *wds;
        size_t n_wds;
        lg_wdeny deny;          /* deny lists, reloaded when they change (deny-watch.h) */
        struct udev *udev;
        struct udev_monitor *monitor;

        bool off;
        bool boot_complete;
        bool unhealthy;
        bool healthy;
        bool tainted_after_healthy;
        bool proven;
        uint64_t healthy_usec;  /* CLOCK_REALTIME when this boot became healthy (since the last change) */
        /* CLOCK_REALTIME of this boot's start, once a change installed for
         * the next boot was reported (the changed marker); 0 = none. */
        uint64_t installed_usec;
        unsigned long taint_base;
        int exit_code;

        /* The last-known-good manifest as the run-time judgements use it,
         * loaded again only when the file changed (a proof): a burst of
         * changes must not load it once per file. */
        lg_inventory good;
        bool good_loaded, have_good;
        struct stat good_st;
        uint64_t judge_budget; /* bytes a burst of content changes may read */
} Context;

static void refresh_notice(Context *c, const char *extra);

/* ---- events -------------------------------------------------------------- */

static uint64_t realtime_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
}

/* This boot's ID for exported entries: systemd-journal-remote (v257, Debian
 * 13) refuses an entry without _BOOT_ID ("Entry is invalid"). NULL when
 * unknown. */
static const char *export_boot_id(void) {
        static char s[SD_ID128_STRING_MAX];
        sd_id128_t id;

        if (!s[0] && sd_id128_get_boot(&id) >= 0)
                sd_id128_to_string(id, s);
        return s[0] ? s : NULL;
}

static void export_iov(Context *c, const struct iovec *iov, size_t n) {
        if (!c->export)
                return;
        fprintf(c->export, "__REALTIME_TIMESTAMP=%" PRIu64 "\n", realtime_usec());
        if (export_boot_id())
                fprintf(c->export, "_BOOT_ID=%s\n", export_boot_id());
        for (size_t i = 0; i < n; i++) {
                const char *s = iov[i].iov_base, *eq = memchr(s, '=', iov[i].iov_len);
                uint64_t len;

                if (!eq)
                        continue;
                if (!memchr(s, '\n', iov[i].iov_len)) {
                        fwrite(s, 1, iov[i].iov_len, c->export);
                        fputc('\n', c->export);
                        continue;
                }
                /* Binary form of the export format for values with newlines. */
                fwrite(s, 1, (size_t) (eq - s), c->export);
                fputc('\n', c->export);
                len = htole64((uint64_t) (iov[i].iov_len - (size_t) (eq - s) - 1));
                fwrite(&len, sizeof len, 1, c->export);
                fwrite(eq + 1, 1, iov[i].iov_len - (size_t) (eq - s) - 1, c->export);
                fputc('\n', c->export);
        }
        fputc('\n', c->export);
        fflush(c->export);
}

static int forward_sender(const struct iovec *iov, size_t n, void *userdata) {
        Context *c = userdata;
        int r;

        /* Events must stay spooled for a later attempt when journald
         * does not run. */
        r = lg_journal_sendv(iov, n, NULL);
        if (c->export) {
                export_iov(c, iov, n);
                return ferror(c->export) ? -EIO : 0;
        }
        return r;
}

static void forward_spool(Context *c) {
        int r = lg_events_forward_spool_with(c->root, forward_sender, c);

        if (r < 0)
                lg_log(LOG_WARNING,
                       "Could not forward the initramfs events to the journal (they stay spooled): %s",
                       strerror(-r));
        else if (r > 0)
                lg_log(LOG_INFO, "Forwarded %d event(s) of the initramfs to the journal.", r);
}

/* One event to the journal (or stderr when it is unavailable: never
 * fatal) and, with --journal-export, in the export format with the
 * _BOOT_ID journal-remote needs. Every event of the daemon goes here. */
static void emit_event(Context *c, lg_event *e) {
        (void) lg_event_emit(c->root, LG_SINK_JOURNAL, e);
        if (c->export) {
                lg_export_meta meta = { .realtime_usec = realtime_usec(), .boot_id = export_boot_id() };

                if (lg_event_format_export(e, &meta, c->export) < 0)
                        lg_log(LOG_WARNING, "Could not write to %s.", arg_journal_export);
                fflush(c->export);
        }
}

static void emit(Context *c, lg_msg msg, int prio, const char *item, const char *kind, const char *reason,
                 const char *fmt, ...) _printf_(7, 8);
static void emit(Context *c, lg_msg msg, int prio, const char *item, const char *kind, const char *reason,
                 const char *fmt, ...) {
        lg_event e = LG_EVENT_INIT(msg);
        _cleanup_free_ char *message = NULL;
        lg_state st;
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(&message, fmt, ap) < 0)
                message = NULL;
        va_end(ap);
        e.priority = prio;
        e.message = message ?: "lastgood event";
        e.item = item;
        e.item_kind = kind;
        e.reason = reason;
        e.kernel = c->kernel;
        e.mode = lg_mode_to_string(c->cmdline.mode);
        if (c->store && lg_store_read_state(c->store, &st) == 0) {
                e.tries = st.tries;
                e.level = st.level;
                e.boot_seq = st.boot_seq;
        } else if (c->have_rs) {
                e.tries = (int) c->rs.tries;
                e.level = (int) c->rs.level;
                e.boot_seq = c->rs.boot_seq;
        }
        e.threshold = (int) (c->cmdline.threshold ?: c->config.threshold);

        emit_event(c, &e);
}

/* ---- state machine steps --------------------------------------------------- */

/* Every failure ends in a reset, and no user but root can make a boot
 * count as failed without crashing the kernel (DESIGN.md): the boot
 * reached boot-complete.target, which lastgood-check.service (RequiredBy=)
 * and every other check of systemd's convention let it reach, so it did
 * not hang. The deadline that lastgood-early armed on the watchdog device
 * (lib/reset/reset.h) is stopped here, whatever run-time change follows:
 * a change restarts the proof (the health window, ProveSec), never the
 * hang deadline, so an agent's user writing content every few seconds
 * cannot have a good boot reset and counted. The panic settings stay
 * until the boot is proven: a crash before that is a failed boot too. */
static void release_hang_reset(Context *c) {
        lg_reset rs;
        char msg[256];
        int r;

        if (lg_reset_load(c->root, &rs) < 0 || rs.items[LG_RESET_HANG].status != LG_RESET_SET)
                return;
        r = lg_reset_release(c->root, &rs);
        if (r == -EBUSY) {
                lg_log(LOG_NOTICE, "Hang reset: %s is held by another program now (its watchdog rules).",
                       rs.items[LG_RESET_HANG].device);
                return;
        }
        if (r < 0) {
                lg_log(LOG_ERR, "Could not release the hang reset on %s: %s; the host will be reset.",
                       rs.items[LG_RESET_HANG].device, strerror(-r));
                return;
        }
        r = lg_reset_save(c->root, &rs);
        if (r < 0)
                lg_log(LOG_WARNING, "Could not write %s: %s", LG_RUN_RESET, strerror(-r));
        lg_reset_describe(LG_RESET_HANG, &rs.items[LG_RESET_HANG], msg, sizeof(msg));
        emit(c, LG_MSG_RESET, LOG_NOTICE, lg_reset_kind_to_string(LG_RESET_HANG), NULL,
             lg_reset_status_to_string(LG_RESET_RELEASED), "%s", msg);
}

/* The panic settings of an armed boot go back to the values lastgood
 * found once the boot is proven or the host is no longer armed (DESIGN.md,
 * "Every failure ends in a reset": while armed, and only then). A run-time
 * change that arms the host again does not set them again: the next boot,
 * armed, does. */
static void restore_panic_settings(Context *c, const char *why) {
        lg_reset rs, before;
        char msg[256];
        int r;

        if (lg_reset_load(c->root, &rs) < 0)
                return;
        before = rs;
        r = lg_reset_restore(c->root, &rs);
        if (r < 0)
                lg_log(LOG_WARNING, "Could not put every panic setting back (%s).", strerror(-r));
        if (memcmp(&before, &rs, sizeof(rs)) == 0)
                return;
        if (lg_reset_save(c->root, &rs) < 0)
                lg_log(LOG_WARNING, "Could not write %s.", LG_RUN_RESET);
        for (int k = 0; k < _LG_RESET_KIND_MAX; k++) {
                if (rs.items[k].status != LG_RESET_RESTORED || before.items[k].status == LG_RESET_RESTORED)
                        continue;
                lg_reset_describe((lg_reset_kind) k, &rs.items[k], msg, sizeof(msg));
                emit(c, LG_MSG_RESET, LOG_NOTICE, lg_reset_kind_to_string((lg_reset_kind) k), NULL,
                     lg_reset_status_to_string(LG_RESET_RESTORED), "%s (%s)", msg, why);
        }
}

static int step_state(Context *c, lg_step step, lg_decision *ret) {
        lg_state st = {}, nst;
        lg_facts facts = { .healthy = c->healthy, .now_usec = realtime_usec() };
        lg_decision d;
        bool corrupt = false;
        int r;

        if (!c->store)
                return -ENODEV;
        r = lg_store_read_state(c->store, &st);
        if (r < 0 && r != -ENOENT) {
                if (r != -EBADMSG && r != -EMSGSIZE && r != -EPROTONOSUPPORT && r != -ERANGE)
                        return r;
                emit(c, LG_MSG_STATE_CORRUPT, LOG_WARNING, NULL, NULL, "corrupt",
                     "The boot state record is corrupt (%s); treating it as no state.", strerror(-r));
                st = (lg_state) {};
                corrupt = true;
        }
        lg_machine_step(&st, step, &c->cmdline, &c->config, &facts, &nst, &d);
        /* A corrupt record is rewritten even when the step changes nothing. */
        if ((d.write || corrupt) && !d.noop) {
                r = lg_store_write_state(c->store, &nst);
                if (r < 0)
                        return r;
        }
        if (ret)
                *ret = d;
        return 0;
}

static void after_step_hook(lg_proven_step step, void *userdata) {
        if (arg_crash_after_step == (unsigned) step) {
                /* Test knob: die here, as a power cut or OOM kill would. */
                fflush(NULL);
                raise(SIGKILL);
        }
}

#ifdef LG_TEST_HOOKS
/* Test knob: run /bin/sh -c CMD sh PHASE PATH at each phase of the copy of
 * a content file (open: before it is opened; read: opened and checked,
 * before it is copied), as an agent's user racing the proof would. */
static void copying_hook(lg_proven_copy_phase phase, const char *path, void *userdata) {
        const char *ph = phase == LG_PROVEN_COPY_OPEN ? "open" : "read";
        pid_t pid;

        (void) userdata;
        if (!arg_test_exec_copying)
                return;
        fflush(NULL);
        pid = fork();
        if (pid == 0) {
                execl("/bin/sh", "sh", "-c", arg_test_exec_copying, "sh", ph, path, (char *) NULL);
                _exit(127);
        }
        if (pid > 0)
                while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                        ;
}
#endif

/* ---- narrowing (lib/inventory/narrow.h) ---------------------------------------------- */

static const char *suspect_kind(const lg_suspect *s) {
        return s->kind == LG_SUSPECT_AGENT ? "agent" : "module";
}

static void emit_narrow_probe(Context *c, const lg_narrow *nw, const char *what) {
        _cleanup_free_ char *next = lg_narrow_names(nw, LG_NARROW_READMITTED);

        if (!lg_narrow_active(nw)) {
                _cleanup_free_ char *guilty = lg_narrow_names(nw, LG_NARROW_GUILTY);

                emit(c, LG_MSG_NARROWING, LOG_NOTICE, NULL, NULL, "done",
                     "Narrowing %s and done: %s%s, every other suspect released.", what,
                     guilty && *guilty ? "persistently withheld: " : "no culprit among the suspects",
                     guilty ? guilty : "");
                return;
        }
        emit(c, LG_MSG_NARROWING, LOG_NOTICE, NULL, NULL, "step",
             "Narrowing %s: %zu suspect(s) left; the next boot re-admits %s (the host stays armed).", what,
             lg_narrow_held(nw), strna(next));
}

/* A released suspect: an agent as its units and modules (what the
 * "item withheld" events named), a module as itself. */
static void emit_suspect_released(Context *c, const lg_suspect *s, const char *reason, const char *why) {
        const lg_agent *a = s->kind == LG_SUSPECT_AGENT ? lg_agents_find(&c->agents, s->name) : NULL;

        if (!a) {
                emit(c, LG_MSG_RELEASED, LOG_NOTICE, s->name, suspect_kind(s), reason, "Suspect %s %s released: %s.",
                     suspect_kind(s), s->name, why);
                return;
        }
        for (char **u = a->units; u && *u; u++)
                emit(c, LG_MSG_RELEASED, LOG_NOTICE, *u, "unit", reason, "Unit %s of agent %s released: %s.", *u,
                     a->name, why);
        for (char **m = a->modules; m && *m; m++)
                emit(c, LG_MSG_RELEASED, LOG_NOTICE, *m, "module", reason, "Module %s of agent %s released: %s.", *m,
                     a->name, why);
}

/* A neutral boot is no failed probe (lib/inventory/narrow.h): only a boot
 * this host counted moves the search's base. */
static void narrowing_neutral(Context *c) {
        int r;

        if (!c->have_rs || !c->rs.counted)
                return;
        r = lg_proven_narrowing_neutral(c->root, c->rs.boot_seq);
        if (r < 0)
                lg_log(LOG_WARNING, "Could not record that this boot does not count for the narrowing (%s).",
                       strerror(-r));
        else if (r > 0)
                lg_log(LOG_NOTICE,
                       "Narrowing: this boot ended in an orderly shutdown before it was proven; it does not count "
                       "against the suspects re-admitted.");
}

/* After a proof: the search started or went on. */
static void emit_narrowing(Context *c, const lg_proven_result *res) {
        const lg_narrow *nw = &res->narrow;
        const lg_narrow_report *rep = &res->narrow_report;

        if (res->narrow_was_corrupt)
                emit(c, LG_MSG_STATE_CORRUPT, LOG_WARNING, LG_NARROW_PATH, NULL, "corrupt",
                     "The narrowing state was corrupt: no narrowing was in progress.");
        if (res->narrow_error)
                emit(c, LG_MSG_NARROWING, LOG_WARNING, NULL, NULL, "error",
                     "Could not record the narrowing (%s): the level-2 suspects are persistently withheld.",
                     strerror(-res->narrow_error));
        if (res->narrow_started)
                emit_narrow_probe(c, nw, "started after a proven level-2 boot");
        if (!res->narrow_passed)
                return;
        for (size_t i = 0; i < rep->n_cleared; i++) {
                emit_suspect_released(c, &nw->items[rep->cleared[i]], "narrowing", "it ran in a proven boot");
        }
        for (size_t i = 0; i < rep->n_guilty; i++) {
                const lg_suspect *s = &nw->items[rep->guilty[i]];

                emit(c, LG_MSG_NARROWING, LOG_WARNING, s->name, suspect_kind(s), "guilty",
                     "Narrowing names %s %s: it is withheld from the next boot on.", suspect_kind(s), s->name);
        }
        emit_narrow_probe(c, nw, "probe passed");
}

/* The administrator's words end a narrowing (its suspects are released);
 * a corrupt state is no narrowing, reported and removed. */
static void narrowing_at_start(Context *c) {
        lg_narrow nw = {};
        const char *word;
        int r;

        r = lg_narrow_load(c->root, &nw);
        if (r == -EBADMSG) {
                emit(c, LG_MSG_STATE_CORRUPT, LOG_WARNING, LG_NARROW_PATH, NULL, "corrupt",
                     "The narrowing state is corrupt: no narrowing; it is removed.");
                (void) lg_narrow_remove(c->root);
                return;
        }
        word = lg_narrow_ended_by(&c->cmdline);
        if (r < 0 || !word || !lg_narrow_active(&nw)) {
                lg_narrow_done(&nw);
                return;
        }
        r = lg_narrow_remove(c->root);
        if (r < 0)
                lg_log(LOG_WARNING, "Cannot end the narrowing (%s).", strerror(-r));
        else {
                for (size_t i = 0; i < nw.n; i++)
                        if (nw.items[i].state == LG_SUSPECT_HELD)
                                emit_suspect_released(c, &nw.items[i], "narrowing-ended", "the narrowing ended");
                /* lastgood-early said it with its MESSAGE_ID already. */
                lg_log(LOG_NOTICE, "Narrowing ended by the administrator (%s): its suspects are released.",
                       word);
        }
        lg_narrow_done(&nw);
}

/* At start: a host that is not armed (a steady boot the initramfs armed
 * on a stale view, lastgoodctl reset or good, a proof of an earlier run
 * of this daemon) keeps no panic setting of lastgood's. */
static void restore_if_not_armed(Context *c) {
        lg_state st;
        int r = c->store ? lg_store_read_state(c->store, &st) : -ENODEV;

        if (r == -ENOENT || (r == 0 && !st.armed))
                restore_panic_settings(c, "not armed");
}

static bool this_boot_bad(Context *c) {
        _cleanup_close_ int fd = lg_root_open(c->root, LG_RUN_BAD, O_PATH, 0);

        return fd >= 0;
}

/* The late-crash bookkeeping lives on disk, not in NVRAM: a healthy boot
 * writes nothing to the hot record (its try stays spent). */
static void late_crash_clear(Context *c) {
        _cleanup_close_ int fd = lg_root_open(c->root, LG_LIB_DIR, O_RDONLY | O_DIRECTORY, 0);

        if (fd >= 0 && unlinkat(fd, "healthy-boot", 0) < 0 && errno != ENOENT)
                lg_log(LOG_WARNING, "Could not remove %s: %m", LG_LATE_CRASH_FILE);
}

static uint32_t boot_seq(Context *c);

static void late_crash_note(Context *c) {
        char buf[16];
        lg_state st;
        int n, r;

        /* A steady host counts nothing: a crash after healthy is no failed
         * boot there, and its disk stays untouched at every boot. */
        if (!c->store || lg_store_read_state(c->store, &st) < 0 || !st.armed)
                return;
        n = snprintf(buf, sizeof buf, "%" PRIu32 "\n", st.boot_seq);
        r = lg_root_mkdir_p(c->root, LG_LIB_DIR, LG_STATE_DIR_MODE);
        if (r >= 0)
                r = lg_root_write_atomic(c->root, LG_LATE_CRASH_FILE, buf, (size_t) n, 0644);
        if (r < 0)
                lg_log(LOG_WARNING, "Could not write %s: %s", LG_LATE_CRASH_FILE, strerror(-r));
}

/* At start: the previous boot was healthy, then neither proven nor shut
 * down: it crashed after the health window. Its try was spent when it
 * started; say so. */
static void late_crash_report(Context *c) {
        _cleanup_free_ char *buf = NULL;
        unsigned long seq;
        char *end;

        if (lg_root_read_file(c->root, LG_LATE_CRASH_FILE, 64, &buf, NULL) < 0)
                return;
        errno = 0;
        seq = strtoul(buf, &end, 10);
        if (errno || end == buf || (*end && *end != '\n') || seq > UINT32_MAX) {
                lg_log(LOG_WARNING, "Ignoring a corrupt %s.", LG_LATE_CRASH_FILE);
                late_crash_clear(c);
                return;
        }
        if ((uint32_t) seq == boot_seq(c))
                return; /* this boot's own note: the watchdog was restarted */
        emit(c, LG_MSG_UNHEALTHY, LOG_WARNING, NULL, NULL, "late-crash",
             "The previous boot (%lu) crashed after it was healthy, before it was proven: it counts as a failed boot.",
             seq);
        late_crash_clear(c);
}

/* Said once per item: a withheld item the cold record has no room for is
 * not persistently withheld (DESIGN.md: the record never fails a proof). */
static void record_skipped_hook(lg_item_kind kind, const char *name, const char *why, void *userdata) {
        _cleanup_free_ char *n = lg_escape_quote(name, strlen(name), 512);

        (void) userdata;
        lg_log(LOG_WARNING, "Not recorded as persistently withheld: %s %s (%s).",
               strna(lg_item_kind_to_string(kind)), n ?: "(out of memory)", why);
}

/* A content file that changed under the proven write keeps its previous
 * last-known-good entry (ops/proven.c): said per file, the first few. */
#define COPY_CHANGED_LOG_MAX 16
static void copy_changed_hook(const char *agent, const char *path, const char *why, void *userdata) {
        unsigned *n = userdata;
        _cleanup_free_ char *p = NULL, *a = NULL;

        if ((*n)++ >= COPY_CHANGED_LOG_MAX)
                return;
        p = lg_escape_quote(path, strlen(path), 512);
        a = lg_escape_quote(agent, strlen(agent), 128);
        lg_log(LOG_WARNING,
               "Agent %s: content %s not taken as last known good (%s while the proof copied it); it keeps its "
               "previous entry and the next boot counts it.",
               a ?: "(out of memory)", p ?: "(out of memory)", why);
}

/* Verdicts (DESIGN.md, "Fleet immunity"): once a proof records this
 * boot's withheld items as persistently withheld, each item named from a
 * crash log, and the only changed item of a level-1 recovery, is said with
 * its SHA-256 and LASTGOOD_VERDICT, for fleets to deny it on other hosts.
 * Level-2 suspects are never verdicts (the narrowing names its culprit
 * from lastgood-early). */
static void emit_verdicts(Context *c, const lg_proven_result *res) {
        const lg_withheld *w = c->have_rs ? &c->rs.withheld : NULL;
        const lg_withheld_item *only = NULL;
        size_t n_changed = 0;
        lg_fp_lookup l = {};

        if (!w || !res->decision.proven || res->n_quarantined == 0)
                return;
        for (size_t i = 0; i < w->n; i++)
                if (w->items[i].reason == LG_REASON_CHANGED && w->items[i].kind != LG_ITEM_UNIT) {
                        n_changed++;
                        only = &w->items[i];
                }
        (void) lg_fp_lookup_open(c->root, c->kernel, &c->config, &c->agents, &l);
        for (size_t i = 0; i < w->n; i++) {
                const lg_withheld_item *it = &w->items[i];
                const char *verdict = it->reason == LG_REASON_CRASH_LOG                            ? "crash-log"
                                      : c->rs.level == 1 && n_changed == 1 && it == only ? "only-change"
                                                                                         : NULL;
                char sha[LG_SHA256_STRING_MAX];
                lg_event e = LG_EVENT_INIT(LG_MSG_WITHHELD);
                _cleanup_free_ char *msg = NULL;

                if (!verdict || it->kind == LG_ITEM_UNIT)
                        continue;
                if (asprintf(&msg, "%s %s is persistently withheld: a verdict (%s) of this recovery.",
                             strna(lg_item_kind_to_string(it->kind)), it->name, verdict) < 0)
                        msg = NULL;
                e.priority = LOG_WARNING;
                e.message = msg ?: "Verdict.";
                e.item = it->name;
                e.item_kind = lg_item_kind_to_string(it->kind);
                e.reason = "quarantine";
                e.verdict = verdict;
                e.item_sha256 = lg_fp_lookup_sha256(&l, it->kind, it->name,
                                                    it->kind == LG_ITEM_CONTENT ? it->fingerprint : 0, sha);
                e.kernel = c->kernel;
                e.level = (int) c->rs.level;
                e.boot_seq = c->rs.boot_seq;
                emit_event(c, &e);
        }
        lg_fp_lookup_done(&l);
}

static int do_proven(Context *c, lg_step step, const char *why) {
        unsigned n_changed_logged = 0;
        uint64_t now = realtime_usec(), stable = (uint64_t) c->config.stable_sec * 1000000ULL;
        lg_proven_input in = {
                .root = c->root,
                .store = c->store,
                .kernel = c->kernel,
                .config = &c->config,
                .agents = &c->agents,
                .cmdline = &c->cmdline,
                .withheld = c->have_rs ? &c->rs.withheld : NULL,
                .step = step,
                .healthy = c->healthy,
                .bad = this_boot_bad(c),
                .now_usec = now,
                /* A boot proves only what it ran: what changed on disk
                 * within StableSec, or since healthy, keeps its previous
                 * entry. A clock set back makes ctimes look recent: they
                 * are then kept too, the safe side. */
                .changed_after_usec =
                        arg_prove_now ? 0
                                      : MIN(MIN(now > stable ? now - stable : 0, c->healthy_usec ?: now),
                                            c->installed_usec ?: now),
                .handover_boot_seq = c->have_rs ? c->rs.boot_seq : 0,
                .after_step = after_step_hook,
                .record_skipped = record_skipped_hook,
                .copy_changed = copy_changed_hook,
#ifdef LG_TEST_HOOKS
                .copying = copying_hook,
#endif
                .userdata = &n_changed_logged,
        };
        lg_proven_result res = {};
        int r;

        if (!c->store) {
                lg_log(LOG_ERR, "No boot-state store; cannot record this boot.");
                return -ENODEV;
        }
        r = lg_proven_write(&in, &res);
        /* The scan of a large content set grew the heap; give it back, the
         * daemon rests for the rest of the boot (footprint, issue #4). */
        (void) malloc_trim(0);
        if (r < 0) {
                lg_log(LOG_ERR, "The proven write failed (%s); the last known good is unchanged.",
                       strerror(-r));
                return r;
        }
        if (res.state_was_corrupt)
                emit(c, LG_MSG_STATE_CORRUPT, LOG_WARNING, NULL, NULL, "corrupt",
                     "The boot state record was corrupt; it was rewritten.");
        if (res.manifest_was_corrupt)
                emit(c, LG_MSG_STATE_CORRUPT, LOG_WARNING, LG_MANIFEST_PATH, NULL, "corrupt",
                     "The last-known-good manifest was corrupt; it was replaced by the current set.");
        if (res.decision.proven || res.decision.neutral)
                late_crash_clear(c);
        if (res.n_changed_under)
                lg_log(LOG_WARNING,
                       "%zu content file(s) changed, were replaced or removed while the proof copied them: they "
                       "keep their previous last-known-good entry and copy.",
                       res.n_changed_under);
        if (res.n_recent)
                lg_log(LOG_NOTICE,
                       "%zu item(s) changed on disk less than %u s before this proof or after healthy keep their "
                       "previous last-known-good entry: the next boot counts them.",
                       res.n_recent, c->config.stable_sec);
        if (res.decision.proven) {
                c->proven = true;
                restore_panic_settings(c, "proven");
                emit(c, LG_MSG_PROVEN, LOG_NOTICE, NULL, NULL, why,
                     "Boot proven (%s): %s%zu item(s) are the new last known good%s.", why,
                     res.steady ? "unchanged, " : "", res.n_items,
                     res.n_quarantined ? ", withheld items recorded as persistently withheld" : "");
                refresh_notice(c, NULL);
                lg_log(LOG_INFO,
                       "Proven write: generation %u, %zu kept, %zu copied, %zu store file(s) pruned, %zu newly withheld%s.",
                       res.generation, res.n_linked, res.n_copied, res.n_pruned, res.n_quarantined,
                       res.steady ? " (steady state, nothing written)" : "");
                if (res.n_too_big)
                        lg_log(LOG_WARNING,
                               "%zu content file(s) over the copy budget have no last good copy (a rollback only quarantines them).",
                               res.n_too_big);
                if (res.n_quarantine_hashed || res.n_quarantine_skipped)
                        lg_log(LOG_WARNING,
                               "Cold record: %zu item(s) recorded by the hash of their name, %zu not recorded (no room).",
                               res.n_quarantine_hashed, res.n_quarantine_skipped);
        } else if (res.decision.neutral) {
                lg_log(LOG_INFO, "Orderly shutdown before healthy: this boot does not count.");
                narrowing_neutral(c);
        }
        emit_narrowing(c, &res);
        emit_verdicts(c, &res);
        lg_proven_result_done(&res);
        return 0;
}

/* ---- what the administrator sees -------------------------------------------- */

/* The login notice, MetricsFile= and STATUS=, from the records as they are
 * now (notice.c); extra (may be NULL) is appended to STATUS=. */
static void refresh_notice(Context *c, const char *extra) {
        _cleanup_free_ char *line = NULL, *status = NULL;
        lg_notice_input in = {
                .root = c->root,
                .store = c->store,
                .threshold = c->config.threshold,
                .metrics_file = c->config.metrics_file,
        };
        int r = lg_notice_refresh(&in, &line);

        if (r < 0)
                lg_log(LOG_WARNING, "Could not update the login notice or the metrics file: %s",
                       strerror(-r));
        if (line && asprintf(&status, "STATUS=%s%s%s", line, extra ? "; " : "", extra ?: "") >= 0)
                (void) sd_notify(0, status);
}

/* ---- health ---------------------------------------------------------------- */

static void ping_cb(void *userdata) {
        (void) sd_notify(0, "WATCHDOG=1");
}

static int on_prove_timer(sd_event_source *s, uint64_t usec, void *userdata);

static void evaluate_health(Context *c) {
        _cleanup_strv_free_ char **reasons = NULL;
        _cleanup_free_ char *joined = NULL;
        lg_check_results res = {}, wanted = {};
        unsigned long taint = 0;
        char tbuf[48];
        size_t len = 0;
        int r;

        if (this_boot_bad(c)) {
                lg_log(LOG_NOTICE, "lastgoodctl bad declared this boot failed: it does not become healthy.");
                return;
        }
        if (lg_taint_read(c->root, &taint) == 0 && (taint & ~c->taint_base & c->config.taint_mask))
                (void) lg_strv_pushf(&reasons, "kernel taint %s appeared",
                                     lg_taint_format(taint & ~c->taint_base & c->config.taint_mask, tbuf, sizeof tbuf));

        for (char **u = c->config.require_units; u && *u; u++) {
                _cleanup_free_ char *state = NULL;

                if (!c->bus) {
                        (void) lg_strv_pushf(&reasons, "%s: no connection to the service manager", *u);
                        continue;
                }
                r = lg_bus_unit_state(c->bus, *u, &state, NULL);
                if (r < 0)
                        (void) lg_strv_pushf(&reasons, "%s: state unknown (%s)", *u, strerror(-r));
                else if (!streq(state, "active"))
                        (void) lg_strv_pushf(&reasons, "%s is %s", *u, state);
        }

        r = lg_health_run_tiers(c->root, (uint64_t) c->config.check_timeout_sec * 1000000ULL,
                                c->watchdog_usec ? ping_cb : NULL, c, c->watchdog_usec / 2, &res, &wanted);
        if (r < 0)
                (void) lg_strv_pushf(&reasons, "health checks could not run (%s)", strerror(-r));
        /* Wanted checks: reported, never a failed boot. */
        for (size_t i = 0; r != -ENOMEM && i < wanted.n; i++)
                if (!wanted.items[i].passed)
                        lg_log(LOG_WARNING,
                               "Wanted health check %s failed (not counted): %s; output (%zu bytes): %.512s",
                               wanted.items[i].name, strna(wanted.items[i].reason),
                               wanted.items[i].output_total, wanted.items[i].output ?: "");
        lg_check_results_done(&wanted);
        for (size_t i = 0; r != -ENOMEM && i < res.n; i++) {
                lg_check_result *k = &res.items[i];

                if (k->passed)
                        continue;
                (void) lg_strv_pushf(&reasons, "health check %s %s", k->name, strna(k->reason));
                /* Truncated output: a check printing megabytes must not
                 * flood the journal. */
                lg_log(LOG_WARNING, "Health check %s failed: %s; output (%zu bytes%s): %.512s", k->name,
                       strna(k->reason), k->output_total, k->output_total > 512 ? ", truncated" : "",
                       k->output ?: "");
        }
        lg_check_results_done(&res);

        if (reasons) {
                for (char **p = reasons; *p; p++)
                        len += strlen(*p) + 2;
                joined = calloc(1, len + 1);
                for (char **p = reasons; joined && *p; p++) {
                        if (p != reasons)
                                strcat(joined, "; ");
                        strcat(joined, *p);
                }
                c->unhealthy = true;
                emit(c, LG_MSG_UNHEALTHY, LOG_WARNING, NULL, NULL, joined, "Boot unhealthy: %s.", strna(joined));
                refresh_notice(c, "unhealthy (see the journal)");
                return;
        }

        c->healthy = true;
        c->healthy_usec = realtime_usec();
        late_crash_note(c);
        release_hang_reset(c);
        r = step_state(c, LG_STEP_HEALTHY, NULL);
        if (r < 0)
                lg_log(LOG_ERR, "Could not record the healthy boot: %s", strerror(-r));
        emit(c, LG_MSG_HEALTHY, LOG_NOTICE, NULL, NULL, NULL,
             "Boot healthy: boot-complete.target reached, checks passed, stable for %u s.", c->config.stable_sec);
        /* The marker lastgoodctl bad reads to know this boot was healthy. */
        r = lg_root_write_atomic(c->root, LG_HEALTHY_MARKER, "1\n", 2, 0644);
        if (r < 0)
                lg_log(LOG_WARNING, "Could not write %s: %s", LG_HEALTHY_MARKER, strerror(-r));
        refresh_notice(c, NULL);
        /* Which unit holds which eBPF program, for the crash log of a
         * later boot (watchdog/bpf-record.c). */
        r = bpf_record_update(c->root, c->kernel);
        if (r < 0)
                lg_log(LOG_WARNING, "Could not record the loaded eBPF programs: %s", strerror(-r));
        /* The journal may have come up since the start. */
        forward_spool(c);

        if (lg_taint_read(c->root, &taint) == 0)
                c->taint_base = taint;
        r = sd_event_add_time_relative(c->event, &c->prove_timer, CLOCK_MONOTONIC,
                                       (uint64_t) c->config.prove_sec * 1000000ULL, 0, on_prove_timer, c);
        if (r < 0)
                lg_log(LOG_ERR, "Could not arm the ProveSec timer: %s", strerror(-r));
}

static int on_stable_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        evaluate_health(userdata);
        return 0;
}

static int on_prove_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Context *c = userdata;
        unsigned long taint = 0;
        char tbuf[48];

        if (this_boot_bad(c)) {
                lg_log(LOG_NOTICE, "lastgoodctl bad declared this boot failed: not proven.");
                return 0;
        }
        if (lg_taint_read(c->root, &taint) == 0 && (taint & ~c->taint_base & c->config.taint_mask)) {
                c->tainted_after_healthy = true;
                lg_taint_format(taint & ~c->taint_base & c->config.taint_mask, tbuf, sizeof tbuf);
                emit(c, LG_MSG_UNHEALTHY, LOG_WARNING, NULL, NULL, "taint",
                     "Boot not proven: kernel taint %s appeared after healthy.", tbuf);
                return 0;
        }
        (void) do_proven(c, LG_STEP_PROVEN, "prove-sec");
        return 0;
}

static void boot_complete_reached(Context *c) {
        int r;

        if (c->boot_complete)
                return;
        c->boot_complete = true;
        lg_log(LOG_INFO, "boot-complete.target reached; healthy after %u s of stability.",
               c->config.stable_sec);
        release_hang_reset(c);
        r = sd_event_add_time_relative(c->event, &c->stable_timer, CLOCK_MONOTONIC,
                                       (uint64_t) c->config.stable_sec * 1000000ULL, 0, on_stable_timer, c);
        if (r < 0)
                lg_log(LOG_ERR, "Could not arm the StableSec timer: %s", strerror(-r));
}

static void check_boot_complete(Context *c) {
        _cleanup_free_ char *state = NULL;
        int r;

        r = lg_bus_unit_state(c->bus, LG_BOOT_COMPLETE_TARGET, &state, NULL);
        if (r < 0) {
                lg_log(LOG_WARNING, "Could not read the state of %s: %s", LG_BOOT_COMPLETE_TARGET,
                       strerror(-r));
                return;
        }
        if (streq(state, "active"))
                boot_complete_reached(c);
}

static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Context *c = userdata;
        const char *path, *unit, *result;
        uint32_t id;

        if (sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) < 0)
                return 0;
        if (!streq(unit, LG_BOOT_COMPLETE_TARGET) || c->boot_complete)
                return 0;
        if (streq(result, "done"))
                check_boot_complete(c);
        else if (!c->unhealthy) {
                c->unhealthy = true;
                emit(c, LG_MSG_UNHEALTHY, LOG_WARNING, LG_BOOT_COMPLETE_TARGET, "unit", result,
                     "Boot unhealthy: %s was not reached (job %s).", LG_BOOT_COMPLETE_TARGET, result);
                refresh_notice(c, "unhealthy: boot-complete.target not reached");
        }
        return 0;
}

/* ---- runtime change watch ------------------------------------------------- */

static uint32_t boot_seq(Context *c) {
        lg_state st;

        if (c->store && lg_store_read_state(c->store, &st) == 0)
                return st.boot_seq;
        return c->have_rs ? c->rs.boot_seq : 0;
}

/* A boot proves only what it ran: a change seen at run time restarts the
 * health window (StableSec from now) and ProveSec after it, and undoes a
 * proof of this boot (the ARM step has armed and counted it again). */
static void restart_health_window(Context *c, const char *what) {
        _cleanup_close_ int fd = -EBADF;
        int r;

        if (c->healthy || c->proven)
                lg_log(LOG_NOTICE, "%s: this boot is %s no more; the health window starts again.", what,
                       c->proven ? "proven" : "healthy");
        c->healthy = false;
        c->proven = false;
        c->healthy_usec = 0;
        c->tainted_after_healthy = false;
        c->prove_timer = sd_event_source_disable_unref(c->prove_timer);
        c->stable_timer = sd_event_source_disable_unref(c->stable_timer);
        fd = lg_root_open(c->root, LG_RUN_DIR, O_RDONLY | O_DIRECTORY, 0);
        if (fd >= 0 && unlinkat(fd, "healthy", 0) < 0 && errno != ENOENT)
                lg_log(LOG_WARNING, "Could not remove %s: %m", LG_RUN_HEALTHY);
        if (!c->boot_complete)
                return; /* the window starts when boot-complete.target is reached */
        r = sd_event_add_time_relative(c->event, &c->stable_timer, CLOCK_MONOTONIC,
                                       (uint64_t) c->config.stable_sec * 1000000ULL, 0, on_stable_timer, c);
        if (r < 0)
                lg_log(LOG_ERR, "Could not arm the StableSec timer: %s", strerror(-r));
}

static bool same_file(const struct stat *a, const struct stat *b) {
        return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
               a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
               a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* The manifest of the judgements: kept while the file is the same (a
 * proof points the name at a new generation's file: another inode). A
 * manifest that cannot be read is no last known good, as in
 * lg_watch_judge(). */
static void manifest_refresh(Context *c) {
        _cleanup_close_ int fd = lg_root_open(c->root, LG_MANIFEST_PATH, O_RDONLY, 0);
        struct stat st = {};

        if (fd >= 0 && fstat(fd, &st) < 0) {
                close(fd);
                fd = -EBADF;
        }
        if (c->good_loaded && (fd >= 0) == c->have_good && (fd < 0 || same_file(&st, &c->good_st)))
                return;
        lg_inventory_done(&c->good);
        c->good = (lg_inventory){};
        c->have_good = fd >= 0 && lg_manifest_load(c->root, LG_MANIFEST_PATH, &c->good) == 0;
        c->good_st = st;
        c->good_loaded = true;
}

/* ---- deny lists (watchdog/deny-watch.c) ------------------------------------ */

/* Denied content written at run time: moved away, its last good copy
 * back, the agent keeps running. Not a change: nothing armed, no try, no
 * NVRAM write (DESIGN.md, "Fleet immunity"). */
static void deny_content(Context *c, const char *path, const char *sha256, const char *where) {
        _cleanup_(lg_withhold_result_done) lg_withhold_result res = {};
        const char *agent = NULL;
        lg_event e = LG_EVENT_INIT(LG_MSG_DENIED);
        _cleanup_free_ char *msg = NULL;
        int r;

        r = lg_wdeny_withhold(c->root, &c->agents, path, boot_seq(c), &agent, &res);
        if (r < 0) {
                lg_log(LOG_ERR, "Could not withhold the denied content %s: %s", path, strerror(-r));
                return;
        }
        if (res.same_as_good || (res.vanished && !res.restored))
                return;
        if (asprintf(&msg, "Agent %s: content %s denied by %s; moved to %s%s.", strna(agent), path, where,
                     strna(res.quarantined),
                     res.restored ? ", last good copy restored" : ", no last good copy (quarantined only)") < 0)
                msg = NULL;
        e.priority = LOG_WARNING;
        e.message = msg ?: "Denied agent content withheld.";
        e.item = path;
        e.item_kind = "content";
        e.reason = "denied";
        e.item_sha256 = sha256;
        e.deny_list = where;
        e.kernel = c->kernel;
        e.boot_seq = boot_seq(c);
        emit_event(c, &e);
        refresh_notice(c, NULL);
}

static void deny_sweep_one(const char *path, const char *sha256, const char *where, void *userdata) {
        deny_content(userdata, path, sha256, where);
}

/* A list changed: read them again and withhold what they deny now. */
static void deny_reload(Context *c) {
        int r;

        lg_wdeny_watch(&c->deny, c->root, c->inotify_fd);
        r = lg_wdeny_reload(&c->deny, c->root);
        if (r < 0) {
                lg_log(LOG_WARNING, "Could not read the deny lists again (%s); the old ones stay.", strerror(-r));
                return;
        }
        for (size_t i = 0; i < c->deny.deny.n_problems; i++) {
                const lg_deny_problem *p = &c->deny.deny.problems[i];

                if (p->line)
                        lg_log(LOG_WARNING, "Deny list %s, line %u: %s; the line is ignored.",
                               c->deny.deny.files[p->file], p->line, p->what);
                else
                        lg_log(LOG_WARNING, "Deny list %s %s; it is ignored.", c->deny.deny.files[p->file], p->what);
        }
        lg_log(LOG_INFO, "Deny lists read: %zu entr%s.", c->deny.deny.n, c->deny.deny.n == 1 ? "y" : "ies");
        r = lg_wdeny_sweep(&c->deny, c->root, c->kernel, &c->agents, deny_sweep_one, c);
        if (r < 0)
                lg_log(LOG_WARNING, "Could not check the agents' content against the deny lists: %s", strerror(-r));
}

static void runtime_change(Context *c, lg_item_kind kind, const char *name) {
        _cleanup_free_ char *dest = NULL;
        lg_quarantine q = {};
        lg_watch_denial denial = {};
        lg_watch_verdict v;
        lg_decision d = {};
        uint64_t fp;
        const char *agent;
        lg_watch_ctx w = {
                .root = c->root,
                .kernel = c->kernel,
                .config = &c->config,
                .agents = &c->agents,
                .good_given = true,
                .budget = &c->judge_budget,
                .deny = &c->deny.deny,
                .denial = &denial,
        };
        int r;

        manifest_refresh(c);
        w.good = c->have_good ? &c->good : NULL;
        if (c->store && lg_store_read_quarantine(c->store, &q) == 0)
                w.quarantine = &q;
        r = lg_watch_judge(&w, kind, name, &v, &fp, &agent);
        lg_quarantine_done(&q);
        if (r < 0) {
                lg_log(LOG_WARNING, "Could not judge the change of %s: %s", name, strerror(-r));
                return;
        }

        switch (v) {
        case LG_WATCH_NONE:
                return;
        case LG_WATCH_DENY:
                deny_content(c, name, denial.sha256, denial.where);
                return;
        case LG_WATCH_WITHHOLD:
                r = lg_content_withhold(c->root, name, boot_seq(c), &dest);
                if (r < 0) {
                        lg_log(LOG_ERR, "Could not withhold %s again: %s", name, strerror(-r));
                        return;
                }
                emit(c, LG_MSG_WITHHELD, LOG_WARNING, name, "content", "quarantine",
                     "Withheld %s again (agent %s): it matches a persistently withheld item; moved to %s.", name,
                     strna(agent), dest);
                refresh_notice(c, NULL);
                return;
        case LG_WATCH_ARM:
                restart_health_window(c, name);
                r = step_state(c, LG_STEP_ARM, &d);
                if (r < 0) {
                        lg_log(LOG_ERR, "Could not arm the boot counter: %s", strerror(-r));
                        return;
                }
                if (d.armed_now)
                        emit(c, LG_MSG_ARMED, LOG_NOTICE, name, lg_item_kind_to_string(kind), "changed",
                             "Change seen at run time (%s %s%s%s), counting armed.", lg_item_kind_to_string(kind),
                             name, agent ? ", agent " : "", agent ?: "");
                if (d.armed_now)
                        refresh_notice(c, NULL);
                else
                        lg_log(LOG_INFO, "Change seen at run time (%s %s); already armed.",
                               lg_item_kind_to_string(kind), name);
                return;
        }
}

/* `lastgoodctl arm` (a package hook installed a module or content the
 * watchdog does not watch): its ARM step already armed and counted this
 * boot; here the health window starts again. */
static void changed_marker(Context *c) {
        struct timespec ts;
        uint64_t now = realtime_usec(), up;

        lg_log(LOG_INFO, "lastgoodctl arm: a change was installed at run time.");
        restart_health_window(c, "lastgoodctl arm");
        /* What was installed (a module file, an initramfs rebuilt by
         * update-initramfs) is for the next boot: a module replaced on
         * disk does not run in this boot, however long it stays healthy
         * afterwards. A proof of this boot keeps every item changed since
         * the boot started at its previous entry, so the next boot sees it
         * as changed and counts it. (Without this, a DKMS upgrade followed
         * by StableSec + ProveSec of uptime, then a reboot, made the new,
         * never-loaded module the last known good.) */
        if (c->installed_usec || clock_gettime(CLOCK_BOOTTIME, &ts) < 0)
                return;
        up = (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
        c->installed_usec = now > up ? now - up : 1;
}

static int on_inotify(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Context *c = userdata;
        char buf[sizeof(struct inotify_event) + NAME_MAX + 1] __attribute__((aligned(8)));
        _cleanup_strv_free_ char **paths = NULL;
        size_t n_paths = 0, cap = 0;
        bool deny_changed = false;

        for (;;) {
                ssize_t n = read(fd, buf, sizeof buf);

                if (n <= 0)
                        break;
                for (char *p = buf; p < buf + n;) {
                        struct inotify_event *ev = (struct inotify_event *) p;

                        p += sizeof(*ev) + ev->len;
                        if (lg_wdeny_owns(&c->deny, ev->wd)) {
                                deny_changed = true;
                                continue;
                        }
                        if (ev->len == 0 || (ev->mask & IN_ISDIR))
                                continue;
                        if (ev->wd == c->run_wd) {
                                if (streq(ev->name, "changed"))
                                        changed_marker(c);
                                continue;
                        }
                        for (size_t i = 0; i < c->n_wds; i++) {
                                _cleanup_free_ char *path = NULL;

                                if (c->wds[i] != ev->wd)
                                        continue;
                                if (asprintf(&path, "%s/%s", streq(c->watch_dirs[i], "/") ? "" : c->watch_dirs[i],
                                             ev->name) < 0)
                                        break;
                                /* A new file is judged once written (its
                                 * IN_CLOSE_WRITE), never half written. */
                                if ((ev->mask & (IN_CREATE | IN_CLOSE_WRITE | IN_MOVED_TO)) == IN_CREATE &&
                                    lg_watch_create_wait_close(c->root, path))
                                        break;
                                if (!lg_watch_content_agent(&c->agents, path))
                                        break;
                                /* Grown by doubling: a burst of N events
                                 * costs O(N), not O(N^2). */
                                if (n_paths + 2 > cap) {
                                        size_t ncap = cap ? cap * 2 : 16;
                                        char **t = realloc(paths, ncap * sizeof(char *));

                                        if (!t)
                                                break;
                                        paths = t;
                                        cap = ncap;
                                }
                                paths[n_paths++] = TAKE_PTR(path);
                                paths[n_paths] = NULL;
                                break;
                        }
                }
        }
        if (deny_changed)
                deny_reload(c);
        /* One judgement per file for a burst of events (sorted, each name
         * once: no quadratic look-up), each of that file alone, and the
         * burst's reads bounded together. */
        c->judge_budget = LG_CONTENT_TOTAL_MAX;
        lg_strv_sort_uniq(paths);
        for (char **p = paths; p && *p; p++)
                runtime_change(c, LG_ITEM_CONTENT, *p);
        return 0;
}

static int setup_inotify(Context *c) {
        int r;

        _cleanup_free_ char *run = NULL;

        c->watch_dirs = lg_watch_content_dirs(&c->agents);
        if (!c->watch_dirs)
                return -ENOMEM;
        c->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (c->inotify_fd < 0)
                return negative_errno();
        /* lastgoodctl arm's marker (the folder may not exist in steady
         * state: lastgood-early wrote nothing). */
        (void) lg_root_mkdir_p(c->root, LG_RUN_DIR, 0755);
        run = lg_root_path(c->root, LG_RUN_DIR);
        if (!run)
                return -ENOMEM;
        c->run_wd = inotify_add_watch(c->inotify_fd, run, IN_CLOSE_WRITE | IN_MOVED_TO | IN_ONLYDIR);
        if (c->run_wd < 0)
                lg_log(LOG_WARNING, "Not watching %s for lastgoodctl arm: %m", LG_RUN_DIR);
        c->wds = calloc(lg_strv_length(c->watch_dirs) + 1, sizeof(int));
        if (!c->wds)
                return -ENOMEM;
        for (char **d = c->watch_dirs; *d; d++) {
                _cleanup_free_ char *full = lg_root_path(c->root, *d);
                int wd;

                if (!full)
                        return -ENOMEM;
                /* The folder resolved from / with no symlink on the way
                 * (lib/basic/safepath.c), then watched through its fd: a content
                 * folder swapped for a symlink is not watched. Without /proc,
                 * by path, not following a last symlink at least. */
                _cleanup_close_ int dfd = lg_safe_open(c->root, *d, O_RDONLY | O_DIRECTORY);
                const uint32_t mask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_ONLYDIR;

                if (dfd < 0) {
                        errno = -dfd;
                        wd = -1;
                } else {
                        char fdpath[64];

                        snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", dfd);
                        wd = inotify_add_watch(c->inotify_fd, fdpath, mask);
                        if (wd < 0 && errno == ENOENT)
                                wd = inotify_add_watch(c->inotify_fd, full, mask | IN_DONT_FOLLOW);
                }
                c->wds[c->n_wds++] = wd; /* -1 for a missing folder: never matches */
                if (wd < 0)
                        lg_log(LOG_INFO, "Not watching %s: %m", *d);
        }
        /* The deny lists, and their folders watched: a changed list is
         * picked up without a restart. */
        deny_reload(c);
        r = sd_event_add_io(c->event, &c->inotify_source, c->inotify_fd, EPOLLIN, on_inotify, c);
        return r;
}

static int on_udev(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Context *c = userdata;
        struct udev_device *d;

        while ((d = udev_monitor_receive_device(c->monitor))) {
                const char *action = udev_device_get_action(d), *name = udev_device_get_sysname(d);

                if (action && name && streq(action, "add"))
                        runtime_change(c, LG_ITEM_MODULE, name);
                udev_device_unref(d);
        }
        return 0;
}

/* Test knob: the same path as a uevent, once the loop runs. */
static int on_test_module_add(sd_event_source *s, void *userdata) {
        for (char **m = arg_test_module_add; m && *m; m++)
                runtime_change(userdata, LG_ITEM_MODULE, *m);
        return 0;
}

static int setup_udev(Context *c) {
        int r;

        c->udev = udev_new();
        if (!c->udev)
                return -ENOMEM;
        /* Kernel uevents: a module "add" is sent by the kernel as the module
         * loads, whether or not udevd runs. */
        c->monitor = udev_monitor_new_from_netlink(c->udev, "kernel");
        if (!c->monitor)
                return -EOPNOTSUPP;
        r = udev_monitor_filter_add_match_subsystem_devtype(c->monitor, "module", NULL);
        if (r < 0)
                return r;
        r = udev_monitor_enable_receiving(c->monitor);
        if (r < 0)
                return r;
        return sd_event_add_io(c->event, &c->udev_source, udev_monitor_get_fd(c->monitor), EPOLLIN, on_udev, c);
}

/* ---- lifecycle -------------------------------------------------------------- */

static int on_ping(sd_event_source *s, uint64_t usec, void *userdata) {
        Context *c = userdata;

        (void) sd_notify(0, "WATCHDOG=1");
        return sd_event_source_set_time(s, usec + c->watchdog_usec / 2);
}

static int manager_shutting_down(Context *c);

static int on_stop(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Context *c = userdata;
        int r;

        (void) sd_notify(0, "STOPPING=1");
        /* Events lastgood-early spooled at run time (the initramfs hook's
         * arm-if-changed) after the last forward: /run does not survive
         * the reboot. */
        if (!c->off)
                forward_spool(c);
        if (c->off || c->proven)
                return sd_event_exit(c->event, 0);

        r = manager_shutting_down(c);
        if (r < 0)
                lg_log(LOG_WARNING, "Cannot tell a shutdown from a stop (%s): recording nothing.",
                       strerror(-r));
        else if (r == 0)
                lg_log(LOG_INFO, "Stopped without a shutdown: recording nothing.");
        else if (c->tainted_after_healthy)
                lg_log(LOG_WARNING,
                       "Orderly shutdown, but the kernel was tainted after healthy: not proven.");
        else if (this_boot_bad(c))
                lg_log(LOG_NOTICE,
                       "Orderly shutdown of a boot lastgoodctl bad declared failed: not proven, counted.");
        else
                (void) do_proven(c, LG_STEP_SHUTDOWN, "orderly-shutdown");
        return sd_event_exit(c->event, 0);
}

/* Whether the system is going down, asked over the connection of the
 * start or, when that fails (no connection at the start, or the D-Bus
 * daemon went away before us), over a new one: systemd's private socket
 * answers until PID 1 itself is done. */
static int manager_shutting_down(Context *c) {
        sd_bus *bus = NULL;
        lg_bus_via via;
        int r, k;

        r = c->bus ? lg_bus_shutting_down(c->bus) : -ENOTCONN;
        if (r >= 0)
                return r;
        k = lg_bus_connect_manager(c->root, arg_bus_address, &bus, &via, NULL);
        if (k < 0)
                return r;
        k = lg_bus_shutting_down(bus);
        sd_bus_flush_close_unref(bus);
        if (k >= 0)
                lg_log(LOG_INFO, "Asked the service manager again over its %s (%s before).",
                       lg_bus_via_to_string(via), strerror(-r));
        return k < 0 ? r : k;
}

static int on_bus_message(sd_bus_message *m, void *userdata, sd_bus_error *error);

static int setup_bus(Context *c) {
        lg_bus_via via = LG_BUS_VIA_SYSTEM;
        int r, system_error = 0;

        /* The system bus or, on a host without a D-Bus daemon, the
         * manager's private socket: lastgood needs no D-Bus daemon. */
        r = lg_bus_connect_manager(c->root, arg_bus_address, &c->bus, &via, &system_error);
        if (r < 0)
                return r;
        if (via == LG_BUS_VIA_PRIVATE)
                lg_log(LOG_INFO,
                       "No system bus (%s): talking to the service manager over its private socket %s.",
                       strerror(-system_error), LG_SYSTEMD_PRIVATE_SOCKET);
        r = sd_bus_attach_event(c->bus, c->event, 0);
        if (r < 0)
                return r;
        r = sd_bus_add_filter(c->bus, NULL, on_bus_message, c);
        if (r < 0)
                return r;
        r = lg_bus_watch_jobs(c->bus, on_job_removed, c);
        if (r < 0)
                return r;
        check_boot_complete(c);
        return 0;
}

/* Connecting again: at once after a lost connection, then after 5 s,
 * doubling up to 5 min (a host where nothing answers must not keep the
 * daemon awake). */
#define BUS_RETRY_FIRST_USEC (5ULL * 1000000ULL)
#define BUS_RETRY_MAX_USEC (300ULL * 1000000ULL)
static uint64_t bus_retry_usec = BUS_RETRY_FIRST_USEC;
static sd_event_source *bus_retry_source;

static int on_bus_retry(sd_event_source *s, uint64_t usec, void *userdata) {
        Context *c = userdata;
        int r;

        c->bus = sd_bus_flush_close_unref(c->bus);
        r = setup_bus(c);
        if (r >= 0) {
                lg_log(LOG_INFO, "Connected to the service manager again.");
                bus_retry_usec = BUS_RETRY_FIRST_USEC;
                return 0; /* a oneshot timer: off now */
        }
        c->bus = sd_bus_flush_close_unref(c->bus);
        r = sd_event_source_set_time(s, usec + bus_retry_usec);
        if (r >= 0)
                r = sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        if (r < 0)
                lg_log(LOG_WARNING, "Cannot schedule connecting to the service manager again: %s",
                       strerror(-r));
        bus_retry_usec = MIN(bus_retry_usec * 2, BUS_RETRY_MAX_USEC);
        return 0;
}

static void schedule_bus_retry(Context *c, uint64_t after_usec) {
        uint64_t now = 0;
        int r;

        if (!bus_retry_source)
                r = sd_event_add_time_relative(c->event, &bus_retry_source, CLOCK_MONOTONIC, after_usec, 0,
                                               on_bus_retry, c);
        else {
                r = sd_event_now(c->event, CLOCK_MONOTONIC, &now);
                if (r >= 0)
                        r = sd_event_source_set_time(bus_retry_source, now + after_usec);
                if (r >= 0)
                        r = sd_event_source_set_enabled(bus_retry_source, SD_EVENT_ONESHOT);
        }
        if (r < 0)
                lg_log(LOG_WARNING, "Cannot schedule connecting to the service manager again: %s",
                       strerror(-r));
}

/* The D-Bus daemon went away (stopped, restarted): the manager's signals
 * would be lost, and with them boot-complete.target. */
static int on_bus_message(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Context *c = userdata;

        if (!sd_bus_message_is_signal(m, "org.freedesktop.DBus.Local", "Disconnected"))
                return 0;
        lg_log(LOG_WARNING, "Lost the connection to the service manager; connecting again.");
        schedule_bus_retry(c, 0);
        return 0;
}

static void context_done(Context *c) {
        bus_retry_source = sd_event_source_unref(bus_retry_source);
        c->stable_timer = sd_event_source_unref(c->stable_timer);
        c->prove_timer = sd_event_source_unref(c->prove_timer);
        c->ping_timer = sd_event_source_unref(c->ping_timer);
        c->inotify_source = sd_event_source_unref(c->inotify_source);
        c->udev_source = sd_event_source_unref(c->udev_source);
        if (c->monitor)
                udev_monitor_unref(c->monitor);
        if (c->udev)
                udev_unref(c->udev);
        if (c->inotify_fd >= 0)
                close(c->inotify_fd);
        free(c->wds);
        lg_strv_free(c->watch_dirs);
        lg_inventory_done(&c->good);
        lg_wdeny_done(&c->deny);
        c->bus = sd_bus_flush_close_unref(c->bus);
        c->event = sd_event_unref(c->event);
        if (c->export)
                fclose(c->export);
        lg_store_free(c->store);
        if (c->have_rs)
                lg_runstate_done(&c->rs);
        lg_agents_done(&c->agents);
        lg_config_done(&c->config);
        lg_cmdline_done(&c->cmdline);
        free(c->kernel);
        lg_root_free(c->root);
}

static void help(void) {
        printf("lastgood-watchdog [OPTIONS]\n\n"
               "Decide when this boot is healthy and proven, keep the boot-state bookkeeping,\n"
               "watch for runtime changes of third-party modules and agent content.\n\n"
               "  -h --help                  Show this help\n"
               "     --version               Show the version\n"
               "     --root=DIR              Resolve every host path under DIR\n"
               "     --kernel-release=REL    Use REL instead of uname -r\n"
               "     --check                 Run the health checks once and exit 0/1\n"
               "                             (lastgood-check.service, before boot-complete.target)\n"
               "     --stable-sec=N          Override StableSec=\n"
               "     --prove-sec=N           Override ProveSec=\n"
               "     --check-timeout-sec=N   Override CheckTimeoutSec=\n"
               "Test and benchmark options:\n"
               "     --bus-address=ADDR      Talk to the service manager on this bus\n"
               "     --journal-export=FILE   Also write every event to FILE (journal export format)\n"
               "     --prove-now             Do the proven write now and exit\n"
               "     --no-module-watch       Do not listen to kernel module uevents\n");
#ifdef LG_TEST_HOOKS
        /* Only in the test build (watchdog/local.mk): never shipped. */
        printf("Test hooks (test build only):\n"
               "     --crash-after-step=N    Die by SIGKILL after step N of the proven write\n"
               "     --test-module-add=NAME  Handle NAME as if its module \"add\" uevent came\n"
               "     --test-exec-while-copying=CMD\n"
               "                             Run sh -c CMD sh PHASE PATH while the proof copies content\n");
#endif
}

static int parse_long(const char *s, long max, long *ret) {
        char *end;
        long v;

        errno = 0;
        v = strtol(s, &end, 10);
        if (errno || end == s || *end || v < 0 || v > max)
                return -EINVAL;
        *ret = v;
        return 0;
}

static int parse_argv(int argc, char *argv[]) {
        enum {
                ARG_ROOT = 0x100,
                ARG_KERNEL,
                ARG_CHECK,
                ARG_STABLE,
                ARG_PROVE,
                ARG_TIMEOUT,
                ARG_BUS,
                ARG_EXPORT,
                ARG_PROVE_NOW,
                ARG_CRASH,
                ARG_NO_MODULE_WATCH,
                ARG_TEST_MODULE_ADD,
                ARG_TEST_EXEC_COPYING,
        };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' }, /* long only: 'V' is not in the short options */
                { "root", required_argument, NULL, ARG_ROOT },
                { "kernel-release", required_argument, NULL, ARG_KERNEL },
                { "check", no_argument, NULL, ARG_CHECK },
                { "stable-sec", required_argument, NULL, ARG_STABLE },
                { "prove-sec", required_argument, NULL, ARG_PROVE },
                { "check-timeout-sec", required_argument, NULL, ARG_TIMEOUT },
                { "bus-address", required_argument, NULL, ARG_BUS },
                { "journal-export", required_argument, NULL, ARG_EXPORT },
                { "prove-now", no_argument, NULL, ARG_PROVE_NOW },
                { "no-module-watch", no_argument, NULL, ARG_NO_MODULE_WATCH },
#ifdef LG_TEST_HOOKS
                { "crash-after-step", required_argument, NULL, ARG_CRASH },
                { "test-module-add", required_argument, NULL, ARG_TEST_MODULE_ADD },
                { "test-exec-while-copying", required_argument, NULL, ARG_TEST_EXEC_COPYING },
#endif
                {},
        };
        long v;
        int o;

        while ((o = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (o) {
                case 'h':
                        help();
                        return 0;
                case 'V':
                        printf("lastgood-watchdog " PACKAGE_VERSION "\n");
                        return 0;
                case ARG_ROOT:
                        arg_root = optarg;
                        break;
                case ARG_KERNEL:
                        arg_kernel = optarg;
                        break;
                case ARG_CHECK:
                        arg_check = true;
                        break;
                case ARG_STABLE:
                case ARG_PROVE:
                case ARG_TIMEOUT:
                        if (parse_long(optarg, 365L * 24 * 3600, &v) < 0) {
                                lg_log(LOG_ERR, "Bad number: %s", optarg);
                                return -EINVAL;
                        }
                        *(o == ARG_STABLE ? &arg_stable_sec : o == ARG_PROVE ? &arg_prove_sec : &arg_check_timeout_sec) = v;
                        break;
                case ARG_BUS:
                        arg_bus_address = optarg;
                        break;
                case ARG_EXPORT:
                        arg_journal_export = optarg;
                        break;
                case ARG_PROVE_NOW:
                        arg_prove_now = true;
                        break;
                case ARG_NO_MODULE_WATCH:
                        arg_no_module_watch = true;
                        break;
#ifdef LG_TEST_HOOKS
                case ARG_CRASH:
                        if (parse_long(optarg, _LG_PROVEN_STEP_MAX, &v) < 0) {
                                lg_log(LOG_ERR, "Bad step: %s", optarg);
                                return -EINVAL;
                        }
                        arg_crash_after_step = (unsigned) v;
                        break;
                case ARG_TEST_MODULE_ADD:
                        if (lg_strv_push(&arg_test_module_add, optarg) < 0)
                                return -ENOMEM;
                        break;
                case ARG_TEST_EXEC_COPYING:
                        arg_test_exec_copying = optarg;
                        break;
#endif
                default:
                        return -EINVAL;
                }
        if (optind < argc) {
                lg_log(LOG_ERR, "No arguments expected.");
                return -EINVAL;
        }
        return 1;
}

static void load_inputs(Context *c) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        int r;

        r = lg_root_read_file(c->root, "/proc/cmdline", CMDLINE_MAX, &buf, &size);
        if (r < 0) {
                lg_log(LOG_WARNING, "Cannot read /proc/cmdline (%s); using defaults.", strerror(-r));
                size = 0;
        }
        if (lg_cmdline_parse(buf ?: "", size, &c->cmdline) < 0)
                c->cmdline = (lg_cmdline) { .mode = LG_MODE_AUTO };
        for (char **w = c->cmdline.warnings; w && *w; w++)
                lg_log(LOG_WARNING, "%s", *w);
        c->off = c->cmdline.mode == LG_MODE_OFF;
        if (c->off)
                return;

        /* lg_config_load() starts from the defaults itself. */
        lg_config_done(&c->config);
        (void) lg_config_load(c->root, &c->config);
        for (char **w = c->config.warnings; w && *w; w++)
                lg_log(LOG_WARNING, "%s", *w);
        if (arg_stable_sec >= 0)
                c->config.stable_sec = (unsigned) arg_stable_sec;
        if (arg_prove_sec >= 0)
                c->config.prove_sec = (unsigned) arg_prove_sec;
        if (arg_check_timeout_sec >= 0)
                c->config.check_timeout_sec = (unsigned) arg_check_timeout_sec;
        if (c->config.check_timeout_sec == 0)
                c->config.check_timeout_sec = LG_DEFAULT_CHECK_TIMEOUT_SEC;

        (void) lg_agents_load(c->root, &c->agents);
        for (char **w = c->agents.warnings; w && *w; w++)
                lg_log(LOG_WARNING, "%s", *w);
        r = lg_runstate_read(c->root, &c->rs);
        c->have_rs = r >= 0;
        if (r < 0 && r != -ENOENT)
                lg_log(LOG_WARNING, "Cannot read what lastgood-early decided (%s).", strerror(-r));
}

/* lastgood-check.service: the checks once, before boot-complete.target. */
static int run_check(Context *c) {
        lg_check_results res = {}, wanted = {};
        unsigned failed = 0;
        int r;

        for (char **u = c->config.require_units; u && *u; u++) {
                _cleanup_free_ char *state = NULL;

                r = c->bus ? lg_bus_unit_state(c->bus, *u, &state, NULL) : -ENOTCONN;
                if (r < 0 || !streq(state, "active")) {
                        lg_log(LOG_ERR, "Required unit %s is %s.", *u,
                               r < 0 ? "in an unknown state" : state);
                        failed++;
                }
        }
        r = lg_health_run_tiers(c->root, (uint64_t) c->config.check_timeout_sec * 1000000ULL, NULL, NULL, 0, &res,
                                &wanted);
        if (r < 0) {
                lg_log(LOG_ERR, "Health checks could not run: %s", strerror(-r));
                failed++;
        }
        for (size_t i = 0; r != -ENOMEM && i < wanted.n; i++)
                if (!wanted.items[i].passed)
                        lg_log(LOG_WARNING, "Wanted health check %s failed (not counted): %s",
                               wanted.items[i].name, strna(wanted.items[i].reason));
        lg_check_results_done(&wanted);
        for (size_t i = 0; r != -ENOMEM && i < res.n; i++)
                if (!res.items[i].passed) {
                        lg_log(LOG_ERR, "Health check %s %s; output (%zu bytes): %.512s", res.items[i].name,
                               strna(res.items[i].reason), res.items[i].output_total,
                               res.items[i].output ?: "");
                        failed++;
                }
        lg_check_results_done(&res);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

int main(int argc, char *argv[]) {
        Context c = { .inotify_fd = -1, .run_wd = -1, .deny = LG_WDENY_INIT };
        sigset_t ss;
        int r;

        /* stderr of a service is the journal; native when it can be. */
        lg_log_open(LG_LOG_JOURNAL, "lastgood-watchdog");
        lg_journal_install();
        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;

        r = lg_root_new(arg_root, &c.root);
        if (r < 0) {
                lg_log(LOG_ERR, "Cannot open the root %s: %s", strna(arg_root), strerror(-r));
                return EXIT_FAILURE;
        }
        r = lg_kernel_release(arg_kernel, &c.kernel);
        if (r < 0) {
                lg_log(LOG_ERR, "Cannot tell the kernel release: %s", strerror(-r));
                goto finish;
        }
        if (lg_config_init(&c.config) < 0)
                goto finish;
        load_inputs(&c);

        if (arg_journal_export && !c.off) {
                c.export = fopen(arg_journal_export, "ae");
                if (!c.export)
                        lg_log(LOG_WARNING, "Cannot open %s: %m", arg_journal_export);
        }

        r = sd_event_default(&c.event);
        if (r < 0) {
                lg_log(LOG_ERR, "Cannot create the event loop: %s", strerror(-r));
                goto finish;
        }
        if (!c.off && (arg_check || !arg_prove_now)) {
                r = setup_bus(&c);
                if (r < 0) {
                        lg_log(LOG_WARNING,
                               "No connection to the service manager (%s): this boot cannot become "
                               "healthy until there is one.",
                               strerror(-r));
                        c.bus = sd_bus_flush_close_unref(c.bus);
                        if (!arg_check)
                                schedule_bus_retry(&c, BUS_RETRY_FIRST_USEC);
                }
        }
        if (arg_check) {
                c.exit_code = c.off ? EXIT_SUCCESS : run_check(&c);
                goto finish;
        }

        if (!c.off) {
                r = lg_store_open(c.root, LG_STORE_AUTO, &c.store);
                if (r < 0)
                        lg_log(LOG_ERR, "Cannot open the boot-state store (%s): nothing will be recorded.",
                               strerror(-r));
                forward_spool(&c);
                narrowing_at_start(&c);
                if (!arg_prove_now)
                        restore_if_not_armed(&c);
                if (!arg_prove_now)
                        late_crash_report(&c);
        }

        if (arg_prove_now) {
                c.healthy = true;
                r = c.off ? 0 : do_proven(&c, LG_STEP_PROVEN, "prove-now");
                c.exit_code = r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
                goto finish;
        }

        sigemptyset(&ss);
        sigaddset(&ss, SIGTERM);
        sigaddset(&ss, SIGINT);
        sigprocmask(SIG_BLOCK, &ss, NULL);
        (void) sd_event_add_signal(c.event, NULL, SIGTERM, on_stop, &c);
        (void) sd_event_add_signal(c.event, NULL, SIGINT, on_stop, &c);

        if (sd_watchdog_enabled(false, &c.watchdog_usec) > 0 && c.watchdog_usec > 0) {
                r = sd_event_add_time_relative(c.event, &c.ping_timer, CLOCK_MONOTONIC, c.watchdog_usec / 2, 0,
                                               on_ping, &c);
                if (r >= 0)
                        r = sd_event_source_set_enabled(c.ping_timer, SD_EVENT_ON);
                if (r < 0)
                        lg_log(LOG_WARNING, "Cannot arm the watchdog ping: %s", strerror(-r));
        } else
                c.watchdog_usec = 0;

        if (!c.off) {
                if (lg_taint_read(c.root, &c.taint_base) < 0)
                        c.taint_base = 0;
                if (c.taint_base & c.config.taint_mask)
                        lg_log(LOG_WARNING,
                               "The kernel was already tainted (%lu) when the watchdog started.",
                               c.taint_base);
                r = setup_inotify(&c);
                if (r < 0)
                        lg_log(LOG_WARNING, "No content watch: %s", strerror(-r));
                if (!arg_no_module_watch) {
                        r = setup_udev(&c);
                        if (r < 0)
                                lg_log(LOG_WARNING, "No module watch: %s", strerror(-r));
                }
                if (arg_test_module_add)
                        (void) sd_event_add_defer(c.event, NULL, on_test_module_add, &c);
        } else
                lg_log(LOG_NOTICE, "lastgood.mode=off: doing nothing this boot.");

        (void) sd_notify(0, "READY=1");
        if (c.off)
                (void) sd_notify(0, "STATUS=lastgood.mode=off: idle");
        else
                refresh_notice(&c, "waiting for boot-complete.target");
        r = sd_event_loop(c.event);
        if (r < 0) {
                lg_log(LOG_ERR, "Event loop failed: %s", strerror(-r));
                c.exit_code = EXIT_FAILURE;
        }

finish:
        r = c.exit_code;
        context_done(&c);
        lg_strv_free(arg_test_module_add);
        return r;
}
