/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lastgood-apply: run by lastgood-apply.service after the local file systems
 * and before sysinit.target and every agent unit.
 *
 *  1. Compare third-party modules and agent content with the last-known-good
 *     manifest; arm the counter when they differ. This closes the race where
 *     an agent loads new content and crashes the host before anything else
 *     of lastgood runs.
 *  2. At level >= 1, apply each agent's OnSafeMode= policy to its changed
 *     content (rollback: last good copy back, new file to the quarantine;
 *     quarantine: move only; keep: nothing; disable: the generator masked
 *     the units). At every level, content persistently withheld in the cold
 *     record whose fingerprint still matches is moved away again, and so is
 *     content a deny list names (lastgood-deny.d(5)): its last good copy
 *     goes back, whatever the agent's OnSafeMode=, and the agent runs.
 *
 * Never fails the boot: every error is logged and the program exits 0. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <systemd/sd-id128.h>

#include "apply.h"
#include "copy.h"
#include "deny.h"
#include "events.h"
#include "journal.h"
#include "log.h"
#include "machine.h"
#include "escape.h"
#include "macro.h"
#include "runstate.h"
#include "store.h"

#define LG_STATE_PENDING "/run/lastgood/state.pending"

static const char *arg_root = NULL;
static const char *arg_kernel = NULL;
static const char *arg_export = NULL;
static FILE *export_file = NULL;

static int parse_argv(int argc, char *argv[]) {
        enum { ARG_ROOT = 0x100, ARG_KERNEL, ARG_VERSION, ARG_EXPORT };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "root", required_argument, NULL, ARG_ROOT },
                { "kernel-release", required_argument, NULL, ARG_KERNEL },
                { "journal-export", required_argument, NULL, ARG_EXPORT },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("Usage: %s [--root=DIR] [--kernel-release=R] [--journal-export=FILE]\n\n"
                               "Arm lastgood when agent content or third-party modules changed since the\n"
                               "last known good boot, and apply the agents' OnSafeMode= policy in safe mode.\n",
                               program_invocation_short_name);
                        return 0;
                case ARG_VERSION:
                        printf("lastgood-apply " PACKAGE_VERSION "\n");
                        return 0;
                case ARG_ROOT:
                        arg_root = optarg;
                        break;
                case ARG_KERNEL:
                        arg_kernel = optarg;
                        break;
                case ARG_EXPORT:
                        arg_export = optarg;
                        break;
                default:
                        return -EINVAL;
                }
        if (optind < argc) {
                lg_log(LOG_ERR, "takes no positional arguments.");
                return -EINVAL;
        }
        return 1;
}

static void emit(const lg_root *root, const lg_event *e) {
        struct timespec ts;

        (void) lg_event_emit(root, LG_SINK_JOURNAL, e);
        /* --journal-export=FILE: the same events in Journal Export Format
         * (for systemd-journal-remote, and for tests on hosts without a
         * journal). */
        if (export_file && clock_gettime(CLOCK_REALTIME, &ts) >= 0) {
                /* systemd-journal-remote (v257, Debian 13) refuses an entry
                 * without _BOOT_ID. */
                char boot[SD_ID128_STRING_MAX] = "";
                sd_id128_t id;
                lg_export_meta meta = {
                        .realtime_usec = (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000,
                };

                if (sd_id128_get_boot(&id) >= 0)
                        meta.boot_id = sd_id128_to_string(id, boot);
                (void) lg_event_format_export(e, &meta, export_file);
                (void) fflush(export_file);
        }
}

/* On hosts without EFI variables the generator counts the boot, but the
 * root file system is usually still read-only then; it leaves the new hot
 * record here and we store it once the file systems are writable. */
static void commit_pending_state(const lg_root *root, lg_store *store) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        lg_state st;
        int r;

        r = lg_root_read_file(root, LG_STATE_PENDING, 4096, &buf, &size);
        if (r == -ENOENT)
                return;
        if (r >= 0)
                r = lg_state_decode((const uint8_t *) buf, size, &st);
        if (r >= 0)
                r = lg_store_write_state(store, &st);
        if (r < 0) {
                lg_log(LOG_ERR, "Cannot store the boot state the generator left in %s: %s", LG_STATE_PENDING,
                       strerror(-r));
                return;
        }
        (void) unlinkat(root->fd, &LG_STATE_PENDING[1], 0);
}

static int read_cmdline(const lg_root *root, lg_cmdline *ret) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        int r;

        r = lg_root_read_file(root, "/proc/cmdline", 64 * 1024, &buf, &size);
        if (r < 0)
                size = 0;
        return lg_cmdline_parse(buf ?: "", size, ret);
}

/* Arm when the set differs from the last known good; arms at most once per
 * change (ARM is a no-op while armed), so a corrupt manifest cannot cause
 * a write at every boot. */
static void arm_if_changed(const lg_root *root, lg_store *store, lg_state *state, const lg_cmdline *cmdline,
                           const lg_config *config, const lg_changes *changes, int manifest_r, bool differs) {
        lg_state next;
        lg_decision d;
        const char *what = NULL, *reason = "changed";
        _cleanup_free_ char *msg = NULL;
        int r;

        if (!differs)
                return;
        if (manifest_r == -EBADMSG)
                reason = "manifest-corrupt";
        else if (manifest_r < 0)
                reason = "no-manifest";
        if (changes && changes->n > 0)
                what = changes->items[0]->name;

        lg_machine_step(state, LG_STEP_ARM, cmdline, config, &(lg_facts) {}, &next, &d);
        if (!d.write)
                return;
        r = lg_store_write_state(store, &next);
        if (r < 0) {
                lg_log(LOG_ERR, "Cannot arm the boot counter: %s", strerror(-r));
                return;
        }
        *state = next;
        if (asprintf(&msg, "Change seen (%s%s%s), counting armed before any agent starts.", reason,
                     what ? ": " : "", what ?: "") < 0)
                msg = NULL;
        lg_event e = LG_EVENT_INIT(LG_MSG_ARMED);
        e.priority = LOG_WARNING;
        e.message = msg ?: "Change seen, counting armed.";
        e.tries = next.tries;
        e.level = next.level;
        e.boot_seq = next.boot_seq;
        e.item = what;
        e.item_kind = what ? lg_item_kind_to_string(changes->items[0]->kind) : NULL;
        e.reason = reason;
        emit(root, &e);
}

static unsigned effective_level(const lg_runstate *rs, bool have_rs, const lg_state *state, const lg_cmdline *c) {
        if (have_rs)
                return rs->level;
        switch (c->mode) {
        case LG_MODE_SAFE:
                return 1;
        case LG_MODE_STRICT:
                return 2;
        case LG_MODE_NORMAL:
                return 0;
        default:
                return MIN(state->level, (unsigned) LG_LEVEL_MAX);
        }
}

/* What one run may hash, compare and copy to put last good copies back
 * (apparent size: sparse files cost their st_size). */
static uint64_t rollback_budget = LG_CONTENT_TOTAL_MAX;

static int withhold_content(const lg_root *root, const lg_agents *agents, const lg_withheld_item *it,
                            unsigned level, uint32_t boot_seq, const lg_inventory *now) {
        const lg_agent *a = it->agent ? lg_agents_find(agents, it->agent) : NULL;
        lg_policy p;
        _cleanup_free_ char *anchor = NULL, *msg = NULL;
        _cleanup_(lg_withhold_result_done) lg_withhold_result res = {};
        const char *agent;
        int r;

        /* Only what an agent's Content= covers, whatever the hand-over or
         * the cold record say (DESIGN.md, "Trust boundaries"); by the agent
         * that covers it, not the one named. */
        if (!lg_content_covers(a, it->name))
                a = lg_agents_find_content(agents, it->name);
        if (!a) {
                lg_log(LOG_ERR, "Refusing to withhold %s: no agent's Content= covers it.", it->name);
                return -EPERM;
        }
        p = a->on_safe_mode;
        agent = a->name;
        /* Denied: the list is the administrator's word on these very
         * bytes; the last good copy goes back whatever the policy says. */
        if (it->reason == LG_REASON_DENIED)
                p = LG_POLICY_ROLLBACK;
        if (p == LG_POLICY_KEEP)
                return 0;
        anchor = lg_content_anchor(a, it->name);
        if (!anchor)
                return -ENOMEM;

        r = lg_apply_withhold_budget(root, agent, anchor, it->name, boot_seq, p == LG_POLICY_ROLLBACK || p == LG_POLICY_FALLBACK,
                                     &rollback_budget, &res);
        if (r < 0) {
                lg_log(LOG_ERR, "Cannot withhold content %s of agent %s: %s%s", it->name, agent,
                       strerror(-r),
                       r == -ELOOP        ? " (a folder on its path is a symlink; left in place)"
                       : r == -EOPNOTSUPP ? " (not a regular file; left in place)"
                                          : "");
                return r;
        }
        if (res.same_as_good)
                return 0;
        if (res.vanished && !res.restored)
                return 0; /* gone already: nothing was withheld */

        if (it->reason == LG_REASON_DENIED) {
                if (asprintf(&msg, "Agent %s: content %s denied by %s%s%s%s%s.", agent, it->name,
                             strna(it->denied_by), res.quarantined ? "; moved to " : "", res.quarantined ?: "",
                             res.restored ? "; last good copy restored" : "",
                             res.no_good_copy ? "; no usable last good copy, quarantined only" : "") < 0)
                        msg = NULL;
        } else if (asprintf(&msg, "Agent %s: content %s withheld (%s, level %u)%s%s%s%s.", agent, it->name,
                     lg_policy_to_string(p), level, res.quarantined ? "; moved to " : "",
                     res.quarantined ?: "", res.restored ? "; last good copy restored" : "",
                     !res.no_good_copy      ? ""
                     : res.damaged_copy ? "; the last good copy is damaged (store), quarantined only"
                     : res.over_budget  ? "; the last good copy is over the byte budget, quarantined only"
                                        : "; no last good copy was kept, quarantined only") < 0)
                msg = NULL;
        char sha[LG_SHA256_STRING_MAX];
        lg_event e = LG_EVENT_INIT(it->reason == LG_REASON_DENIED ? LG_MSG_DENIED : LG_MSG_WITHHELD);
        /* Loud: an attacker who can crash a host must not silently switch
         * its agent's content off. */
        e.priority = LOG_WARNING;
        e.message = msg ?: "Agent content withheld.";
        e.level = (int) level;
        e.boot_seq = boot_seq;
        e.item = it->name;
        e.item_kind = "content";
        e.reason = lg_reason_to_string(it->reason);
        e.item_sha256 = lg_inventory_sha256(now, LG_ITEM_CONTENT, it->name, sha);
        e.deny_list = it->denied_by;
        emit(root, &e);
        return 1;
}

static int run(int argc, char *argv[]) {
        _cleanup_root_ lg_root *root = NULL;
        _cleanup_store_ lg_store *store = NULL;
        _cleanup_free_ char *kernel = NULL;
        lg_cmdline cmdline = {};
        lg_config config = {};
        lg_agents agents = {};
        lg_runstate rs = {};
        lg_inventory good = {}, now = {};
        lg_changes changes = {};
        lg_quarantine q = {};
        lg_deny deny = {};
        lg_withheld w = {};
        lg_state state = {};
        bool have_rs, differs, have_q;
        unsigned level, skipped = 0, n_withheld = 0;
        uint32_t boot_seq;
        int r, manifest_r;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? 2 : 0;

        if (arg_export) {
                export_file = fopen(arg_export, "ae");
                if (!export_file)
                        lg_log(LOG_WARNING, "Cannot open %s: %m", arg_export);
        }

        r = lg_root_new(arg_root, &root);
        if (r < 0) {
                lg_log(LOG_ERR, "Cannot open root %s: %s", arg_root ?: "/", strerror(-r));
                return 0;
        }

        if (read_cmdline(root, &cmdline) < 0) {
                lg_log(LOG_ERR, "Out of memory.");
                return 0;
        }
        r = lg_runstate_read(root, &rs);
        have_rs = r >= 0;
        if (r < 0 && r != -ENOENT)
                lg_log(LOG_WARNING, "Unreadable %s (%s); deciding from the stored state.", LG_RUN_DECISION,
                       strerror(-r));
        if (cmdline.mode == LG_MODE_OFF || (have_rs && rs.noop)) {
                lg_log(LOG_INFO, "lastgood.mode=off: nothing done this boot.");
                goto finish;
        }

        (void) lg_config_load(root, &config);
        (void) lg_agents_load(root, &agents);
        for (char **s = agents.warnings; s && *s; s++)
                lg_log(LOG_WARNING, "%s", *s);

        r = lg_store_open(root, LG_STORE_AUTO, &store);
        if (r < 0) {
                lg_log(LOG_ERR, "Cannot open the boot-state store: %s; nothing done.", strerror(-r));
                goto finish;
        }
        commit_pending_state(root, store);
        r = lg_store_read_state(store, &state);
        if (r < 0 && r != -ENOENT)
                lg_log(LOG_WARNING, "Boot state unreadable (%s); treated as no state.", strerror(-r));
        if (r < 0)
                state = (lg_state) {};

        r = lg_kernel_release(arg_kernel ?: (have_rs ? rs.kernel : NULL), &kernel);
        if (r < 0) {
                lg_log(LOG_ERR, "Cannot tell the kernel release: %s", strerror(-r));
                goto finish;
        }

        manifest_r = lg_manifest_load(root, LG_MANIFEST_PATH, &good);
        if (manifest_r == -EBADMSG)
                lg_log(LOG_WARNING,
                       "The last-known-good manifest %s is corrupt; everything counts as changed "
                       "until the next proven boot rewrites it.",
                       LG_MANIFEST_PATH);
        else if (manifest_r < 0 && manifest_r != -ENOENT)
                lg_log(LOG_WARNING, "Cannot read %s: %s", LG_MANIFEST_PATH, strerror(-manifest_r));

        r = lg_inventory_scan_cached(root, kernel, &config, &agents, manifest_r >= 0 ? &good : NULL, LG_STAT_STRICT,
                                     &now, &skipped);
        if (r < 0) {
                lg_log(LOG_ERR, "Cannot scan modules and agent content: %s", strerror(-r));
                goto finish;
        }
        if (skipped > 0)
                lg_log(LOG_WARNING, "%u unreadable module files skipped.", skipped);

        r = lg_store_read_quarantine(store, &q);
        have_q = r >= 0;
        if (r < 0 && r != -ENOENT)
                lg_log(LOG_WARNING,
                       "Cold record unreadable (%s); no persistently withheld content this boot.",
                       strerror(-r));

        /* Deny lists: what they name is withheld and is no change. */
        {
                /* Only the entries the host's items can match (deny.h). */
                lg_deny_filter f = {};

                r = lg_deny_filter_build(&f, &now);
                if (r >= 0)
                        r = lg_deny_load_filtered(root, &f, &deny);
                lg_deny_filter_done(&f);
        }
        if (r < 0) {
                lg_log(LOG_WARNING, "Cannot read the deny lists (%s); nothing denied this boot.", strerror(-r));
                deny = (lg_deny) {};
        }
        for (size_t i = 0; i < deny.n_problems; i++) {
                const lg_deny_problem *pb = &deny.problems[i];

                if (pb->line)
                        lg_log(LOG_WARNING, "Deny list %s, line %u: %s; the line is ignored.",
                               deny.files[pb->file], pb->line, pb->what);
                else
                        lg_log(LOG_WARNING, "Deny list %s %s; it is ignored.", deny.files[pb->file], pb->what);
        }
        differs = lg_manifest_differs_deny(manifest_r >= 0 ? &good : NULL, &now, have_q ? &q : NULL, &deny);
        r = lg_manifest_diff(manifest_r >= 0 ? &good : &(lg_inventory) {}, &now, &changes);
        if (r < 0) {
                lg_log(LOG_ERR, "Out of memory.");
                goto finish;
        }
        arm_if_changed(root, store, &state, &cmdline, &config, &changes, manifest_r, differs);

        level = effective_level(&rs, have_rs, &state, &cmdline);
        boot_seq = have_rs ? rs.boot_seq : state.boot_seq;
        if (level >= LG_LEVEL_MAX)
                level = 0; /* exhausted: withhold nothing more, only the cold record */

        lg_policy_input in = {
                .level = level,
                .now = &now,
                .changes = &changes,
                .quarantine = have_q ? &q : NULL,
                .cmdline = &cmdline,
                .config = &config,
                .agents = &agents,
                .culprit = have_rs ? rs.culprit : NULL,
                .deny = &deny,
        };
        r = lg_policy_compute(&in, &w);
        if (r < 0) {
                lg_log(LOG_ERR, "Out of memory.");
                goto finish;
        }
        /* What lastgood-early decided counts too (it saw the crash log). */
        for (size_t i = 0; have_rs && i < rs.withheld.n; i++) {
                const lg_withheld_item *it = &rs.withheld.items[i];

                if (it->kind == LG_ITEM_CONTENT &&
                    (it->reason == LG_REASON_DENIED
                             ? lg_withheld_set_denied(&w, it->kind, it->name, it->agent, it->fingerprint, it->denied_by)
                             : lg_withheld_add(&w, it->kind, it->name, it->reason, it->agent, it->fingerprint)) < 0) {
                        lg_log(LOG_ERR, "Out of memory.");
                        goto finish;
                }
        }

        if (!have_rs) {
                /* No hand-over from early boot: describe this boot ourselves. */
                rs.level = level;
                rs.mode = cmdline.mode;
                rs.tries = state.tries;
                rs.boot_seq = boot_seq;
                rs.override = lg_cmdline_is_override(&cmdline);
                rs.stage = strdup("apply");
                rs.kernel = strdup(kernel);
        }
        for (size_t i = 0; i < w.n; i++) {
                const lg_withheld_item *it = &w.items[i];

                if (it->kind != LG_ITEM_CONTENT)
                        continue;
                if (withhold_content(root, &agents, it, level, boot_seq, &now) > 0) {
                        n_withheld++;
                        if (it->reason == LG_REASON_DENIED)
                                (void) lg_withheld_set_denied(&rs.withheld, it->kind, it->name, it->agent,
                                                              it->fingerprint, it->denied_by);
                        else
                                (void) lg_withheld_add(&rs.withheld, it->kind, it->name, it->reason, it->agent,
                                                       it->fingerprint);
                }
        }

        /* Keep /run/lastgood/withheld complete for lastgoodctl and the
         * watchdog (persistently withheld content appears here first). */
        if (n_withheld > 0) {
                r = lg_runstate_write(root, &rs);
                if (r < 0)
                        lg_log(LOG_WARNING, "Cannot update %s: %s", LG_RUN_WITHHELD, strerror(-r));
        }
        if (n_withheld > 0)
                lg_log(LOG_NOTICE, "%u content file%s withheld at level %u; see lastgoodctl list.",
                       n_withheld, n_withheld == 1 ? "" : "s", level);

finish:
        lg_withheld_done(&w);
        lg_deny_done(&deny);
        lg_quarantine_done(&q);
        lg_changes_done(&changes);
        lg_inventory_done(&now);
        lg_inventory_done(&good);
        lg_runstate_done(&rs);
        lg_agents_done(&agents);
        lg_config_done(&config);
        lg_cmdline_done(&cmdline);
        if (export_file)
                fclose(export_file);
        return 0;
}

int main(int argc, char *argv[]) {
        /* A unit's stderr is the journal. */
        lg_log_open(LG_LOG_JOURNAL, "lastgood-apply");
        lg_journal_install();
        return run(argc, argv);
}
