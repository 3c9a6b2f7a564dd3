/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lastgoodctl status, good, bad, reset, arm: the boot state in the store.
 *
 * status reads both records, this boot's hand-over in /run/lastgood/ and
 * the configuration; it never fails for a missing or corrupt record (it
 * says so and shows the defaults). good/bad/reset/arm run one step of the
 * state machine and write the hot record only when it changed; a corrupt
 * record is rewritten. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "ctl.h"
#include "json-out.h"
#include "machine.h"
#include "log.h"
#include "macro.h"
#include "fingerprints.h"
#include "metrics.h"
#include "proven.h"
#include "runstate.h"
#include "store.h"
#include "summary.h"


static bool record_corrupt(int r) {
        return r == -EBADMSG || r == -EMSGSIZE || r == -EPROTONOSUPPORT || r == -ERANGE;
}

/* A sentence for a record that could not be used. */
static const char *record_error(int r) {
        return lg_record_error(r);
}

int ctl_open_store(lg_ctl *c, lg_store **ret) {
        int r = lg_store_open(c->root, c->force_file ? LG_STORE_FORCE_FILE : LG_STORE_AUTO, ret);

        if (r < 0)
                log_error("cannot open the boot-state store: %s", strerror(-r));
        return r;
}

static unsigned load_threshold(lg_ctl *c) {
        _cleanup_(lg_config_done) lg_config cfg = {};
        unsigned t = LG_DEFAULT_THRESHOLD;

        if (lg_config_load(c->root, &cfg) >= 0) {
                for (char **w = cfg.warnings; w && *w; w++)
                        log_warning("%s", *w);
                if (cfg.threshold > 0)
                        t = cfg.threshold;
        }
        return t;
}

static bool format_time(uint64_t usec, char *buf, size_t size, bool iso) {
        time_t t = (time_t) (usec / 1000000);
        struct tm tm;

        if (usec == 0 || !gmtime_r(&t, &tm))
                return false;
        return strftime(buf, size, iso ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%d %H:%M:%S UTC", &tm) > 0;
}

static const char *level_text(unsigned level) {
        switch (level) {
        case 0:
                return "normal, nothing withheld";
        case 1:
                return "safe, changed third-party items withheld";
        case 2:
                return "strict, all third-party modules withheld";
        default:
                return "exhausted, lastgood stands aside for the boot loader's fallback";
        }
}

typedef struct status_info {
        lg_store_backend backend;
        lg_state state;
        int state_r;
        lg_quarantine quarantine;
        int quarantine_r;
        lg_runstate run;
        int run_r;
        unsigned threshold;
        const lg_root *root;
        bool healthy;
        lg_summary summary;
        /* --json and --metrics: the SHA-256 of each withheld item and of
         * each cold-record item found on this host ("" when none), and the
         * agent of each cold-record item. */
        char (*w_sha)[LG_SHA256_STRING_MAX];
        char (*q_sha)[LG_SHA256_STRING_MAX];
        char **q_agent;
} status_info;

static void status_info_done(status_info *i) {
        for (size_t k = 0; i->q_agent && k < i->quarantine.n; k++)
                free(i->q_agent[k]);
        free(i->q_agent);
        free(i->w_sha);
        free(i->q_sha);
        lg_quarantine_done(&i->quarantine);
        if (i->run_r >= 0)
                lg_runstate_done(&i->run);
        lg_summary_done(&i->summary);
}

static bool run_marker(lg_ctl *c, const char *path);
static bool this_boot_healthy(lg_ctl *c);

int ctl_load_policy_inputs(lg_ctl *c, char **ret_kernel, lg_config *cfg, lg_agents *agents, lg_cmdline *cmdline) {
        int r = lg_kernel_release(c->kernel_release, ret_kernel);

        if (r < 0) {
                log_error("cannot tell the kernel release: %s", strerror(-r));
                return LG_EXIT_FAILURE;
        }
        if (lg_config_load(c->root, cfg) < 0 || lg_agents_load(c->root, agents) < 0 ||
            lg_cmdline_parse("", 0, cmdline) < 0) {
                log_error("out of memory");
                return LG_EXIT_FAILURE;
        }
        for (char **w = cfg->warnings; w && *w; w++)
                log_warning("%s", *w);
        for (char **w = agents->warnings; w && *w; w++)
                log_warning("%s", *w);
        return LG_EXIT_OK;
}

static int status_gather(lg_ctl *c, status_info *i) {
        _cleanup_store_ lg_store *s = NULL;
        int r;

        r = ctl_open_store(c, &s);
        if (r < 0)
                return r;
        i->backend = lg_store_get_backend(s);
        i->state_r = lg_store_read_state(s, &i->state);
        if (i->state_r < 0)
                i->state = (lg_state) {};
        /* unproven: this armed boot is healthy (the watchdog's marker) and
         * not proven yet; the hot record is not written at healthy. */
        if (i->state.armed && this_boot_healthy(c))
                i->state.unproven = true;
        i->quarantine_r = lg_store_read_quarantine(s, &i->quarantine);
        if (i->quarantine_r < 0)
                i->quarantine = (lg_quarantine) {};
        i->run_r = lg_runstate_read(c->root, &i->run);
        if (i->run_r < 0)
                i->run = (lg_runstate) {};
        i->threshold = load_threshold(c);
        i->root = c->root;
        i->healthy = this_boot_healthy(c);

        lg_summary_input in = {
                .state = &i->state,
                .state_r = i->state_r,
                .run = i->run_r >= 0 ? &i->run : NULL,
                .quarantine = &i->quarantine,
                .threshold = i->threshold,
                .healthy_marker = i->healthy,
                .proven_marker = run_marker(c, LG_RUN_PROVEN),
        };
        return lg_summary_compute(&in, &i->summary);
}

/* The exit status of status: one code per host state (documented in
 * ctl.h and lastgoodctl --help), so that a probe needs no parsing. */
static int status_exit(const status_info *i) {
        switch (i->summary.host) {
        case LG_HOST_STEADY:
                return LG_EXIT_OK;
        case LG_HOST_ARMED:
                return LG_EXIT_ARMED;
        case LG_HOST_SAFE_MODE:
                return LG_EXIT_SAFE_MODE;
        case LG_HOST_EXHAUSTED:
                return LG_EXIT_EXHAUSTED;
        default:
                return LG_EXIT_CORRUPT;
        }
}

static char *state_error_text(const status_info *i) {
        char *s = NULL;

        if (i->state_r >= 0 || i->state_r == -ENOENT)
                return NULL;
        if (asprintf(&s, "state %s: %s", record_corrupt(i->state_r) ? "corrupt" : "unreadable",
                     record_error(i->state_r)) < 0)
                return NULL;
        return s;
}

static char *quarantine_error_text(const status_info *i) {
        char *s = NULL;

        if (i->quarantine_r >= 0 || i->quarantine_r == -ENOENT)
                return NULL;
        if (asprintf(&s, "persistently withheld record %s: %s",
                     record_corrupt(i->quarantine_r) ? "corrupt" : "unreadable",
                     record_error(i->quarantine_r)) < 0)
                return NULL;
        return s;
}

static json_object *json_string_or_null(const char *s) {
        return s ? json_object_new_string(s) : NULL;
}

static int status_fingerprints(lg_ctl *c, status_info *i) {
        return ctl_fingerprints(c, &i->run.withheld, &i->quarantine, &i->w_sha, &i->q_sha, &i->q_agent);
}

static json_object *sha_or_null(const char *s) {
        return s && s[0] ? json_object_new_string(s) : NULL;
}

static int status_json(lg_ctl *c, const status_info *i) {
        _cleanup_free_ char *state_err = state_error_text(i), *q_err = quarantine_error_text(i);
        json_object *o = lg_json_doc_new(), *a;
        char buf[64];

        if (!o)
                return -ENOMEM;
        json_object_object_add(o, "state", json_object_new_string(lg_host_state_to_string(i->summary.host)));
        json_object_object_add(o, "boot_health", json_object_new_string(lg_boot_health_to_string(i->summary.health)));
        json_object_object_add(o, "reason", lg_json_str(i->summary.reason));
        json_object_object_add(o, "next_step", lg_json_str(i->summary.next_step));
        json_object_object_add(o, "armed", json_object_new_boolean(i->state.armed));
        json_object_object_add(o, "tries", json_object_new_int(i->state.tries));
        /* "level": in force this boot (an override or a recovery boot),
         * which the hand-over of early boot knows; "stored_level": the
         * hot record's, what the next boot starts from. */
        json_object_object_add(o, "level", json_object_new_int(i->run_r >= 0 ? (int) i->run.level : i->state.level));
        json_object_object_add(o, "stored_level", json_object_new_int(i->state.level));
        json_object_object_add(o, "boot_seq", json_object_new_int64(i->state.boot_seq));
        json_object_object_add(o, "unproven", json_object_new_boolean(i->state.unproven));
        json_object_object_add(o, "threshold", json_object_new_int((int) i->threshold));
        json_object_object_add(o, "last_proven",
                               format_time(i->state.last_proven_usec, buf, sizeof(buf), true)
                                       ? json_object_new_string(buf)
                                       : NULL);
        /* Crash ids are hex strings, as crash --json and the text say them. */
        snprintf(buf, sizeof(buf), "%08" PRIx32, i->state.crash_seen);
        json_object_object_add(o, "crash_seen", i->state.crash_seen ? json_object_new_string(buf) : NULL);

        a = json_object_new_array();
        for (size_t k = 0; k < i->run.withheld.n; k++) {
                const lg_withheld_item *w = &i->run.withheld.items[k];
                json_object *it = json_object_new_object();

                json_object_object_add(it, "name", json_object_new_string(w->name));
                json_object_object_add(it, "kind", json_string_or_null(lg_item_kind_to_string(w->kind)));
                json_object_object_add(it, "reason", json_string_or_null(lg_reason_to_string(w->reason)));
                json_object_object_add(it, "agent", lg_json_str(w->agent));
                json_object_object_add(it, "sha256", sha_or_null(i->w_sha ? i->w_sha[k] : NULL));
                json_object_object_add(it, "denied_by", lg_json_str(w->denied_by));
                json_object_array_add(a, it);
        }
        json_object_object_add(o, "withheld", a);

        a = json_object_new_array();
        for (size_t k = 0; k < i->quarantine.n; k++)
                json_object_array_add(a, json_object_new_string(i->quarantine.items[k].name));
        json_object_object_add(o, "quarantine", a);

        a = json_object_new_array();
        for (size_t k = 0; k < i->quarantine.n; k++) {
                const lg_qitem *q = &i->quarantine.items[k];
                json_object *it = json_object_new_object();

                /* A string: JSON numbers lose precision above 2^53. */
                snprintf(buf, sizeof(buf), "%016" PRIx64, q->fingerprint);
                json_object_object_add(it, "name", json_object_new_string(q->name));
                json_object_object_add(it, "kind", json_string_or_null(lg_item_kind_to_string(q->kind)));
                json_object_object_add(it, "fingerprint", json_object_new_string(buf));
                json_object_object_add(it, "sha256", sha_or_null(i->q_sha ? i->q_sha[k] : NULL));
                json_object_array_add(a, it);
        }
        json_object_object_add(o, "persistently_withheld", a);

        if (i->run.culprit) {
                json_object *lc = json_object_new_object(), *ev = json_object_new_array();

                /* evidence: an array of log lines, as in crash --json. */
                json_object_object_add(lc, "culprit", json_object_new_string(i->run.culprit));
                if (i->run.culprit_evidence)
                        json_object_array_add(ev, json_object_new_string(i->run.culprit_evidence));
                json_object_object_add(lc, "evidence", ev);
                json_object_object_add(o, "last_crash", lc);
        } else
                json_object_object_add(o, "last_crash", NULL);

        if (i->run_r >= 0) {
                json_object *b = json_object_new_object();

                json_object_object_add(b, "stage", json_string_or_null(i->run.stage));
                json_object_object_add(b, "mode", json_string_or_null(lg_mode_to_string(i->run.mode)));
                json_object_object_add(b, "level", json_object_new_int((int) i->run.level));
                json_object_object_add(b, "counted", json_object_new_boolean(i->run.counted));
                json_object_object_add(b, "exhausted", json_object_new_boolean(i->run.exhausted));
                json_object_object_add(b, "override", json_object_new_boolean(i->run.override));
                json_object_object_add(b, "kernel", json_string_or_null(i->run.kernel));
                json_object_object_add(o, "this_boot", b);
        } else
                json_object_object_add(o, "this_boot", NULL);

        json_object_object_add(o, "fallback", status_fallback_json(i->root, i->run_r >= 0 ? &i->run.withheld : NULL));
        json_object_object_add(o, "reset_on_failure", status_reset_json(i->root));
        json_object_object_add(o, "store", json_object_new_string(lg_store_backend_to_string(i->backend)));
        json_object_object_add(o, "record", json_object_new_boolean(i->state_r >= 0));
        json_object_object_add(o, "state_error", json_string_or_null(state_err));
        json_object_object_add(o, "persistently_withheld_error", json_string_or_null(q_err));
        ctl_narrow_status_json(c, i->state.boot_seq, o);

        return lg_json_print(o);
}

static void status_human(const status_info *i) {
        _cleanup_free_ char *state_err = state_error_text(i), *q_err = quarantine_error_text(i);
        char buf[64];

        printf("lastgood boot state (%s store)\n",
               i->backend == LG_STORE_EFI ? "EFI variable" : "file");
        if (state_err)
                printf("      Warning: %s; showing defaults (good, bad, reset or arm rewrites it)\n", state_err);
        else if (i->state_r == -ENOENT)
                printf("       Record: none yet (never armed)\n");

        {
                _cleanup_free_ char *line = NULL;

                if (lg_summary_line(&i->summary, &line) >= 0)
                        printf("       Status: %s\n", line);
        }
        printf("    This boot: %s\n", i->summary.health == LG_BOOT_WAITING   ? "waiting (not yet healthy)"
                                       : i->summary.health == LG_BOOT_HEALTHY ? "healthy, not yet proven"
                                       : i->summary.health == LG_BOOT_PROVEN  ? "healthy and proven"
                                                                              : "lastgood off (lastgood.mode=off)");
        printf("       Reason: %s\n", i->summary.reason);
        printf("    Next step: %s\n", i->summary.next_step);
        if (i->state.armed)
                printf("        State: armed, %u of %u failed boots toward level %u%s\n", i->state.tries, i->threshold,
                       MIN((unsigned) i->state.level + 1, 3u), i->state.level + 1 >= 3 ? " (exhausted)" : "");
        else
                printf("        State: not armed (steady state, nothing counted; threshold %u)\n", i->threshold);
        if (i->run_r >= 0 && i->run.level != i->state.level)
                printf("        Level: %u in force this boot (%s); %u recorded\n", i->run.level,
                       level_text(i->run.level), i->state.level);
        else
                printf("        Level: %u (%s)\n", i->state.level, level_text(i->state.level));
        printf("     Boot seq: %" PRIu32 "\n", i->state.boot_seq);
        printf("  Last proven: %s\n",
               format_time(i->state.last_proven_usec, buf, sizeof(buf), false) ? buf : "never");

        if (i->run_r >= 0) {
                printf("     Decision: level %u, mode %s%s%s%s\n", i->run.level,
                       strna(lg_mode_to_string(i->run.mode)), i->run.counted ? ", counted" : "",
                       i->run.exhausted ? ", exhausted" : "", i->run.override ? ", command-line override" : "");
                if (i->run.withheld.n == 0)
                        printf("     Withheld: nothing\n");
                for (size_t k = 0; k < i->run.withheld.n; k++) {
                        const lg_withheld_item *w = &i->run.withheld.items[k];

                        printf("%s %s %s (%s%s%s%s%s)\n", k == 0 ? "     Withheld:" : "              ",
                               strna(lg_item_kind_to_string(w->kind)), w->name,
                               ctl_reason_word(w->reason), w->agent ? ", agent " : "",
                               w->agent ? w->agent : "", w->denied_by ? ", by " : "", w->denied_by ?: "");
                }
        } else
                printf("     Decision: none from lastgood-early (%s)\n",
                       i->run_r == -ENOENT ? "nothing in /run/lastgood" : "unreadable");

        if (q_err)
                printf("      Warning: %s\n", q_err);
        if (i->quarantine.n == 0)
                printf("   Persistent: nothing\n");
        for (size_t k = 0; k < i->quarantine.n; k++) {
                const lg_qitem *q = &i->quarantine.items[k];

                printf("%s %s %s (fingerprint %016" PRIx64 ")\n", k == 0 ? "   Persistent:" : "              ",
                       strna(lg_item_kind_to_string(q->kind)), q->name, q->fingerprint);
        }
        if (i->run.culprit)
                printf("   Last crash: %s%s%s\n", i->run.culprit, i->run.culprit_evidence ? ": " : "",
                       i->run.culprit_evidence ? i->run.culprit_evidence : "");
        status_agents_print(i->root, i->run_r >= 0 ? &i->run.withheld : NULL);
        status_reset_print(i->root, i->state.armed, i->run_r >= 0);
}

/* The host's gauges, then lastgood_withheld_info for every persistently
 * withheld item (the cold record, reason "quarantine") and every item a
 * deny list withholds this boot (reason "denied"). */
static int status_metrics(const status_info *i) {
        _cleanup_free_ char *text = NULL, *info = NULL;
        _cleanup_free_ lg_withheld_info *items = NULL;
        size_t n = 0;

        if (lg_metrics_host(&i->summary, &i->state, &text) < 0)
                return -ENOMEM;
        items = calloc(i->quarantine.n + i->run.withheld.n + 1, sizeof(*items));
        if (!items)
                return -ENOMEM;
        for (size_t k = 0; k < i->quarantine.n; k++)
                items[n++] = (lg_withheld_info) {
                        .kind = lg_item_kind_to_string(i->quarantine.items[k].kind),
                        .name = i->quarantine.items[k].name,
                        .agent = i->q_agent ? i->q_agent[k] : NULL,
                        .sha256 = i->q_sha ? i->q_sha[k] : NULL,
                        .reason = "quarantine",
                };
        for (size_t k = 0; k < i->run.withheld.n; k++)
                if (i->run.withheld.items[k].reason == LG_REASON_DENIED)
                        items[n++] = (lg_withheld_info) {
                                .kind = lg_item_kind_to_string(i->run.withheld.items[k].kind),
                                .name = i->run.withheld.items[k].name,
                                .agent = i->run.withheld.items[k].agent,
                                .sha256 = i->w_sha ? i->w_sha[k] : NULL,
                                .reason = "denied",
                        };
        if (lg_metrics_withheld_info(items, n, &info) < 0)
                return -ENOMEM;
        if (fputs(text, stdout) < 0 || fputs(info, stdout) < 0 || fflush(stdout) != 0)
                return -EIO;
        return 0;
}

int verb_status(lg_ctl *c, int argc, char **argv) {
        _cleanup_(status_info_done) status_info i = { .run_r = -ENOENT };
        int r;

        if (argc > 1) {
                log_error("status takes no arguments.");
                return LG_EXIT_USAGE;
        }
        if (c->json && c->metrics) {
                log_error("--json and --metrics exclude each other.");
                return LG_EXIT_USAGE;
        }
        r = status_gather(c, &i);
        if (r == -ENOMEM) {
                log_error("out of memory");
                return LG_EXIT_FAILURE;
        }
        if (r < 0)
                return LG_EXIT_FAILURE;
        if (i.state_r < 0 && i.state_r != -ENOENT)
                log_error("%s state record: %s", record_corrupt(i.state_r) ? "corrupt" : "unreadable",
                          record_error(i.state_r));
        if ((c->metrics || c->json) && status_fingerprints(c, &i) < 0) {
                log_error("out of memory");
                return LG_EXIT_FAILURE;
        }
        if (c->metrics)
                r = status_metrics(&i);
        else if (c->json)
                r = status_json(c, &i);
        else {
                status_human(&i);
                ctl_narrow_status_text(c, i.state.boot_seq);
                r = 0;
        }
        if (r < 0) {
                log_error("cannot print the status: %s", strerror(-r));
                return LG_EXIT_FAILURE;
        }
        /* A dump for a machine succeeded: the state is in it. */
        if (c->json || c->metrics)
                return LG_EXIT_OK;
        return status_exit(&i);
}

static uint64_t now_usec(void) {
        struct timespec ts;

        if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
                return 0;
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
}

static bool run_marker(lg_ctl *c, const char *path) {
        int fd = lg_root_open(c->root, path, O_PATH, 0);

        if (fd < 0)
                return false;
        close(fd);
        return true;
}

static bool this_boot_healthy(lg_ctl *c) {
        return run_marker(c, LG_RUN_HEALTHY);
}

/* The marker of this boot that tells the watchdog: bad (no healthy, no
 * proof), changed (lastgoodctl arm: the health window starts again). */
static int write_marker(lg_ctl *c, const char *path) {
        int r = lg_root_mkdir_p(c->root, LG_RUN_DIR, 0755);

        if (r >= 0)
                r = lg_root_write_atomic(c->root, path, "1\n", 2, 0644);
        if (r < 0)
                log_warning("cannot write %s (%s): the watchdog will not know.", path, strerror(-r));
        return r;
}

static int run_step(lg_ctl *c, int argc, char **argv, lg_step step) {
        _cleanup_store_ lg_store *s = NULL;
        _cleanup_(lg_config_done) lg_config cfg = {};
        lg_state old = {}, new;
        lg_decision d;
        lg_facts facts = {};
        bool corrupt = false;
        int r;

        if (argc > 1) {
                log_error("%s takes no arguments.", argv[0]);
                return LG_EXIT_USAGE;
        }
        if (ctl_open_store(c, &s) < 0)
                return LG_EXIT_FAILURE;

        r = lg_store_read_state(s, &old);
        if (record_corrupt(r)) {
                log_warning("state corrupt (%s); starting from defaults and rewriting it.", record_error(r));
                old = (lg_state) {};
                corrupt = true;
        } else if (r == -ENOENT)
                old = (lg_state) {};
        else if (r < 0) {
                /* An I/O error is not a corrupt record: writing defaults
                 * over a counter we merely failed to read would lose it. */
                log_error("cannot read the state record: %s", strerror(-r));
                return LG_EXIT_FAILURE;
        }

        if (lg_config_load(c->root, &cfg) < 0)
                cfg = (lg_config) {}; /* out of memory: the machine's defaults */
        for (char **w = cfg.warnings; w && *w; w++)
                log_warning("%s", *w);

        facts.now_usec = now_usec();
        facts.healthy = this_boot_healthy(c);
        /* arm --if-changed is the package hooks' word: modules installed
         * on disk for the next boot, which this boot does not run. */
        facts.next_boot_only = step == LG_STEP_ARM && c->if_changed;
        lg_machine_step(&old, step, NULL, &cfg, &facts, &new, &d);

        /* Whatever the record says, this boot is now failed for good (bad)
         * or ran a change (arm): the watchdog must know. */
        if (step == LG_STEP_BAD)
                (void) write_marker(c, LG_RUN_BAD);
        else if (step == LG_STEP_ARM)
                (void) write_marker(c, LG_RUN_CHANGED);

        if (!d.write && !corrupt) {
                if (step == LG_STEP_BAD)
                        printf("This boot is failed for good: already counted (%u of %u); it will not be proven.\n",
                               old.tries, d.threshold);
                else if (step == LG_STEP_ARM)
                        printf("Already armed: this boot is counted; its health window starts again.\n");
                else
                        printf("Nothing to change: counter and level are already clear.\n");
                return LG_EXIT_OK;
        }

        r = lg_store_write_state(s, &new);
        if (r < 0) {
                log_error("cannot write the state record (%s store): %s",
                          lg_store_backend_to_string(lg_store_get_backend(s)), strerror(-r));
                return LG_EXIT_FAILURE;
        }

        switch (step) {
        case LG_STEP_BAD:
                printf("This boot is counted as failed: %u of %u (level %u); it will not be proven.\n", new.tries,
                       d.threshold, new.level);
                break;
        case LG_STEP_RESET:
                printf("Counter and level cleared%s.\n", new.armed ? " (still armed)" : "");
                break;
        case LG_STEP_ARM:
                if (d.counted)
                        printf("Armed: this boot is counted (%u of %u), and every boot until one is proven.\n",
                               new.tries, d.threshold);
                else
                        printf("Armed: the next boot is counted, and every boot until one is proven.\n");
                break;
        default:
                break;
        }
        return LG_EXIT_OK;
}

/* good: the proven write itself, as the watchdog does it (manifest, last
 * good copies of agent content, the items withheld this boot into the cold
 * record, the hot record last), so that the next boot sees this set as the
 * last known good -- not only a cleared counter. */
int verb_good(lg_ctl *c, int argc, char **argv) {
        _cleanup_store_ lg_store *s = NULL;
        _cleanup_(lg_config_done) lg_config cfg = {};
        _cleanup_(lg_agents_done) lg_agents agents = {};
        _cleanup_(lg_cmdline_done) lg_cmdline cmdline = {};
        _cleanup_(lg_runstate_done) lg_runstate rs = {};
        _cleanup_free_ char *kernel = NULL;
        lg_proven_result res = {};
        bool have_rs;
        int r;

        if (argc > 1) {
                log_error("%s takes no arguments.", argv[0]);
                return LG_EXIT_USAGE;
        }
        if (ctl_open_store(c, &s) < 0)
                return LG_EXIT_FAILURE;
        r = ctl_load_policy_inputs(c, &kernel, &cfg, &agents, &cmdline);
        if (r != LG_EXIT_OK)
                return r;
        r = lg_runstate_read(c->root, &rs);
        have_rs = r >= 0;
        if (r < 0 && r != -ENOENT)
                log_warning("%s unreadable (%s); no withheld items recorded.", LG_RUN_WITHHELD, strerror(-r));

        lg_proven_input in = {
                .root = c->root,
                .store = s,
                .kernel = kernel,
                .config = &cfg,
                .agents = &agents,
                .cmdline = &cmdline,
                .withheld = have_rs ? &rs.withheld : NULL,
                .handover_boot_seq = have_rs ? rs.boot_seq : 0,
                .step = LG_STEP_PROVEN,
                .healthy = this_boot_healthy(c),
                .now_usec = now_usec(),
        };
        r = lg_proven_write(&in, &res);
        if (r < 0) {
                log_error("the proven write failed (%s); the last known good is unchanged.", strerror(-r));
                return LG_EXIT_FAILURE;
        }
        if (res.state_was_corrupt)
                log_warning("the state record was corrupt; it was rewritten.");
        if (res.manifest_was_corrupt)
                log_warning("the last-known-good manifest was corrupt; it was replaced.");
        ctl_reset_release(c->root);
        /* status says so from now on (this boot: healthy and proven). */
        (void) write_marker(c, LG_RUN_PROVEN);
        if (res.steady && !res.state_written)
                printf("Nothing to change: not armed, nothing unproven, the current set is the last known good "
                       "(steady state).\n");
        else
                printf("This boot is proven: new last known good (%zu item%s%s); counter and level cleared.\n",
                       res.n_items, res.n_items == 1 ? "" : "s",
                       res.n_quarantined ? ", withheld items recorded as persistently withheld" : "");
        if (res.narrow_started || res.narrow_passed)
                ctl_narrow_status_text(c, res.state.boot_seq);
        lg_proven_result_done(&res);
        return LG_EXIT_OK;
}

int verb_bad(lg_ctl *c, int argc, char **argv) {
        return run_step(c, argc, argv, LG_STEP_BAD);
}

int verb_reset(lg_ctl *c, int argc, char **argv) {
        int r = run_step(c, argc, argv, LG_STEP_RESET);

        if (r == LG_EXIT_OK)
                ctl_narrow_end(c, "reset");
        return r;
}

int verb_arm(lg_ctl *c, int argc, char **argv) {
        if (c->if_changed) {
                _cleanup_free_ char *kernel = NULL;
                int r = ctl_third_party_changed(c, &kernel);

                if (r == 0) {
                        printf("Nothing to change: the third-party set of %s is the last known good.\n", kernel);
                        return LG_EXIT_OK;
                }
                /* When the set cannot be told, arming is the safe side. */
                if (r < 0)
                        log_warning("cannot compare with the last known good (%s); arming.", strerror(-r));
        }
        return run_step(c, argc, argv, LG_STEP_ARM);
}
