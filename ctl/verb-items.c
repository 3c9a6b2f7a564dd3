/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lastgoodctl list, release, restore: the withheld items.
 *
 *  list     what is withheld this boot (/run/lastgood/withheld) and why,
 *           what is persistently withheld (the cold record), and the agent
 *           content files kept in the quarantine;
 *  release  removes records from the cold record, so that the items load
 *           again: from the next boot on, and at once for modules (they are
 *           taken out of /run/modprobe.d/lastgood.conf and out of this boot's
 *           withheld list); every release is an "item released" journal
 *           event;
 *  restore  puts quarantined content back where it came from, and releases
 *           its record (else the watchdog would withhold it again at once).
 *           Nothing is ever overwritten: when a file is in the way (the last
 *           good copy a rollback put back), both stay and it is said. */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "apply.h"
#include "config.h"
#include "ctl.h"
#include "escape.h"
#include "json-out.h"
#include "events.h"
#include "log.h"
#include "macro.h"
#include "runstate.h"
#include "store.h"
#include "strv.h"

/* The cold record; a missing one is empty. */
static int read_cold(lg_store *s, lg_quarantine *ret) {
        int r = lg_store_read_quarantine(s, ret);

        if (r == -ENOENT) {
                *ret = (lg_quarantine){};
                return 0;
        }
        if (r < 0)
                log_error("cannot read the persistently withheld record: %s", strerror(-r));
        return r;
}

static json_object *json_str(const char *s) {
        return s ? json_object_new_string(s) : NULL;
}

static json_object *sha_json(char (*sha)[72], size_t k) {
        return sha && sha[k][0] ? json_object_new_string(sha[k]) : NULL;
}

static int list_json(const lg_runstate *rs, bool have_rs, const lg_quarantine *q, const lg_qfile *files,
                     size_t n_files, char (*w_sha)[72], char (*q_sha)[72]) {
        json_object *o = lg_json_doc_new(), *a;
        char fp[17];

        if (!o)
                return -ENOMEM;
        a = json_object_new_array();
        for (size_t i = 0; have_rs && i < rs->withheld.n; i++) {
                const lg_withheld_item *it = &rs->withheld.items[i];
                json_object *e = json_object_new_object();

                json_object_object_add(e, "name", json_str(it->name));
                json_object_object_add(e, "kind", json_str(lg_item_kind_to_string(it->kind)));
                json_object_object_add(e, "reason", json_str(lg_reason_to_string(it->reason)));
                json_object_object_add(e, "agent", json_str(it->agent));
                json_object_object_add(e, "sha256", sha_json(w_sha, i));
                json_object_object_add(e, "denied_by", json_str(it->denied_by));
                json_object_array_add(a, e);
        }
        json_object_object_add(o, "withheld", a);

        a = json_object_new_array();
        for (size_t i = 0; i < q->n; i++) {
                json_object *e = json_object_new_object();

                snprintf(fp, sizeof(fp), "%016" PRIx64, q->items[i].fingerprint);
                json_object_object_add(e, "name", json_str(q->items[i].name));
                json_object_object_add(e, "kind", json_str(lg_item_kind_to_string(q->items[i].kind)));
                json_object_object_add(e, "fingerprint", json_str(fp));
                json_object_object_add(e, "sha256", sha_json(q_sha, i));
                json_object_array_add(a, e);
        }
        json_object_object_add(o, "persistently_withheld", a);

        /* As in status: "quarantine" (the name the contract gives it) the
         * names, "persistently_withheld" the records with kind and
         * fingerprint; "quarantined_files" the agent content moved away. */
        a = json_object_new_array();
        for (size_t i = 0; i < q->n; i++)
                json_object_array_add(a, json_str(q->items[i].name));
        json_object_object_add(o, "quarantine", a);

        a = json_object_new_array();
        for (size_t i = 0; i < n_files; i++) {
                json_object *e = json_object_new_object();

                json_object_object_add(e, "original", json_str(files[i].original));
                json_object_object_add(e, "path", json_str(files[i].path));
                json_object_object_add(e, "agent", json_str(files[i].agent));
                json_object_object_add(e, "batch", json_str(files[i].batch));
                json_object_array_add(a, e);
        }
        json_object_object_add(o, "quarantined_files", a);

        return lg_json_print(o);
}

static void list_human(const lg_runstate *rs, bool have_rs, const lg_quarantine *q, const lg_qfile *files,
                       size_t n_files) {
        printf("Withheld this boot:%s\n", have_rs && rs->withheld.n ? "" : " nothing");
        for (size_t i = 0; have_rs && i < rs->withheld.n; i++) {
                const lg_withheld_item *it = &rs->withheld.items[i];

                printf("  %-7s %s (%s%s%s%s%s)\n", strna(lg_item_kind_to_string(it->kind)), it->name,
                       ctl_reason_word(it->reason), it->agent ? ", agent " : "", it->agent ?: "",
                       it->denied_by ? ", by " : "", it->denied_by ?: "");
        }
        printf("Persistently withheld:%s\n", q->n ? "" : " nothing");
        for (size_t i = 0; i < q->n; i++)
                printf("  %-7s %s (fingerprint %016" PRIx64 ")\n",
                       strna(lg_item_kind_to_string(q->items[i].kind)), q->items[i].name,
                       q->items[i].fingerprint);
        printf("Quarantined content files:%s\n", n_files ? "" : " none");
        for (size_t i = 0; i < n_files; i++)
                printf("  %s (agent %s, boot %s)\n    kept at %s\n", files[i].original, files[i].agent,
                       files[i].batch, files[i].path);
        if (q->n)
                printf("\n`lastgoodctl release NAME` lets an item load again; `lastgoodctl restore` puts\n"
                       "quarantined content back.\n");
}

/* --names: what release takes, one a line, for scripts and shell
 * completion; a byte that would break the line is written as \xHH. */
static int list_names(const lg_quarantine *q) {
        for (size_t i = 0; i < q->n; i++) {
                _cleanup_free_ char *e = lg_escape_string(LG_ESCAPE_LINE, q->items[i].name);

                if (!e) {
                        log_error("out of memory");
                        return LG_EXIT_FAILURE;
                }
                printf("%s\n", e);
        }
        return fflush(stdout) == 0 ? LG_EXIT_OK : LG_EXIT_FAILURE;
}

int verb_list(lg_ctl *c, int argc, char **argv) {
        _cleanup_store_ lg_store *s = NULL;
        _cleanup_(lg_runstate_done) lg_runstate rs = {};
        _cleanup_(lg_quarantine_done) lg_quarantine q = {};
        lg_qfile *files = NULL;
        size_t n_files = 0;
        bool have_rs;
        int r;

        if (argc > 1) {
                log_error("%s takes no arguments.", argv[0]);
                return LG_EXIT_USAGE;
        }
        if (ctl_open_store(c, &s) < 0 || read_cold(s, &q) < 0)
                return LG_EXIT_FAILURE;
        if (c->names)
                return list_names(&q);
        r = lg_runstate_read(c->root, &rs);
        have_rs = r >= 0;
        if (r < 0 && r != -ENOENT)
                log_error("%s unreadable (%s).", LG_RUN_WITHHELD, strerror(-r));
        r = lg_qfiles_list(c->root, &files, &n_files);
        if (r < 0)
                log_error("cannot list %s: %s", LG_QUARANTINE_DIR, strerror(-r));

        if (c->json) {
                char(*w_sha)[72] = NULL, (*q_sha)[72] = NULL, **q_agent = NULL;

                r = ctl_fingerprints(c, have_rs ? &rs.withheld : NULL, &q, &w_sha, &q_sha, &q_agent);
                if (r >= 0)
                        r = list_json(&rs, have_rs, &q, files, n_files, w_sha, q_sha);
                for (size_t k = 0; q_agent && k < q.n; k++)
                        free(q_agent[k]);
                free(q_agent);
                free(w_sha);
                free(q_sha);
        }
        else {
                list_human(&rs, have_rs, &q, files, n_files);
                r = 0;
        }
        lg_qfiles_free(files, n_files);
        if (r < 0) {
                log_error("out of memory");
                return LG_EXIT_FAILURE;
        }
        return LG_EXIT_OK;
}

static void emit_released(lg_ctl *c, const lg_qitem *it, const char *why) {
        _cleanup_free_ char *msg = NULL;
        lg_event e = LG_EVENT_INIT(LG_MSG_RELEASED);

        /* Only on the host itself: a --root run is not this host's news. */
        if (!lg_root_is_host(c->root))
                return;
        if (asprintf(&msg, "%s %s released by lastgoodctl %s: it is no longer withheld.",
                     strna(lg_item_kind_to_string(it->kind)), it->name, why) < 0)
                msg = NULL;
        e.priority = LOG_NOTICE;
        e.message = msg ?: "Item released.";
        e.item = it->name;
        e.item_kind = lg_item_kind_to_string(it->kind);
        e.reason = why;
        (void) lg_event_emit(c->root, LG_SINK_JOURNAL, &e);
}

/* This boot: the released items out of /run/lastgood/withheld (what
 * status and list say is withheld now) and the modules out of the
 * modprobe.d file (so that they can be loaded now). The watchdog's proven
 * write never puts a released item back: it records only items withheld
 * for another reason than the record itself. */
static int release_this_boot(lg_ctl *c, const lg_quarantine *released) {
        _cleanup_(lg_runstate_done) lg_runstate rs = {};
        lg_withheld keep = {};
        bool changed = false;
        int r;

        r = lg_runstate_read(c->root, &rs);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        for (size_t i = 0; i < rs.withheld.n; i++) {
                const lg_withheld_item *it = &rs.withheld.items[i];

                /* A block= of this boot is the administrator's word for this
                 * boot, not a record: it stays. */
                if (it->reason != LG_REASON_BLOCK && lg_quarantine_find(released, it->kind, it->name)) {
                        changed = true;
                        continue;
                }
                r = lg_withheld_add(&keep, it->kind, it->name, it->reason, it->agent, it->fingerprint);
                if (r < 0) {
                        lg_withheld_done(&keep);
                        return r;
                }
        }
        if (!changed) {
                lg_withheld_done(&keep);
                return 0;
        }
        lg_withheld_done(&rs.withheld);
        rs.withheld = keep;
        r = lg_runstate_write(c->root, &rs);
        if (r >= 0)
                r = lg_modprobe_conf_write(c->root, &rs.withheld, "lastgoodctl release", NULL, NULL);
        return r;
}

/* An item named by the administrator: a content path as it is, a module
 * or unit name with '-' and '_' alike (names are normalized: see
 * normalize_names()). */
static bool item_named(const lg_qitem *it, char *const *names) {
        for (char *const *p = names; p && *p; p++)
                if (streq(*p, it->name))
                        return true;
        return it->kind != LG_ITEM_CONTENT && lg_name_in_list(names, it->name);
}

/* A copy of the command line's names, '-' as '_' except in paths. NULL on
 * OOM. */
static char **normalize_names(char *const *names, int n) {
        char **l = calloc((size_t) n + 1, sizeof(char *));

        for (int i = 0; l && i < n; i++) {
                l[i] = strdup(names[i]);
                if (!l[i])
                        return lg_strv_free(l);
                if (l[i][0] != '/')
                        for (char *c = l[i]; *c; c++)
                                if (*c == '-')
                                        *c = '_';
        }
        return l;
}

/* Removes from *q what matches names (NULL: everything), collecting it in
 * *ret_released. Returns the number removed or -ENOMEM. */
static int take_out(lg_quarantine *q, char *const *names, lg_quarantine *ret_released) {
        lg_quarantine keep = {};
        int n = 0;

        for (size_t i = 0; i < q->n; i++) {
                const lg_qitem *it = &q->items[i];
                bool match = !names || item_named(it, names);

                if (lg_quarantine_add(match ? ret_released : &keep, it->kind, it->name, it->fingerprint) <
                    0) {
                        lg_quarantine_done(&keep);
                        return -ENOMEM;
                }
                n += match;
        }
        lg_quarantine_done(q);
        *q = keep;
        return n;
}

static int release_records(lg_ctl *c, lg_store *s, lg_quarantine *q, char *const *names, const char *why,
                           lg_quarantine *ret_released) {
        int n, r;

        n = take_out(q, names, ret_released);
        if (n < 0)
                return n;
        if (n == 0)
                return 0;
        r = lg_store_write_quarantine(s, q);
        if (r < 0) {
                log_error("cannot write the persistently withheld record (%s store): %s",
                          lg_store_backend_to_string(lg_store_get_backend(s)), strerror(-r));
                return r;
        }
        for (size_t i = 0; i < ret_released->n; i++)
                emit_released(c, &ret_released->items[i], why);
        r = release_this_boot(c, ret_released);
        if (r < 0)
                log_error("released for the next boot; cannot update this boot's %s: %s", LG_RUN_DIR,
                          strerror(-r));
        return n;
}

int verb_release(lg_ctl *c, int argc, char **argv) {
        _cleanup_store_ lg_store *s = NULL;
        _cleanup_(lg_quarantine_done) lg_quarantine q = {}, released = {};
        _cleanup_strv_free_ char **names = NULL;
        int n, missing = 0;

        if ((argc > 1) == c->all) {
                log_error("release takes item names or --all (see lastgoodctl list).");
                return LG_EXIT_USAGE;
        }
        names = normalize_names(argv + 1, argc - 1);
        if (!names) {
                log_error("out of memory");
                return LG_EXIT_FAILURE;
        }
        if (ctl_open_store(c, &s) < 0 || read_cold(s, &q) < 0)
                return LG_EXIT_FAILURE;
        /* A denied item is the deny list's: only removing its line lets it
         * load again (lastgood-deny.d(5)). */
        for (int i = 1; i < argc; i++) {
                char where[512];

                if (ctl_denied_by(c, argv[i], where, sizeof(where))) {
                        log_error("%s is denied by %s: remove that line from the list to let it load "
                                  "(release cannot).",
                                  argv[i], where);
                        return LG_EXIT_FAILURE;
                }
        }
        for (int i = 0; names[i]; i++) {
                char *one[] = { names[i], NULL };
                bool known = false;

                for (size_t j = 0; j < q.n && !known; j++)
                        known = item_named(&q.items[j], one);
                if (!known) {
                        log_error("%s is not persistently withheld (see lastgoodctl list).", argv[i + 1]);
                        missing++;
                }
        }
        if (q.n == 0) {
                printf("Nothing to release: nothing is persistently withheld.\n");
                return missing ? LG_EXIT_FAILURE : LG_EXIT_OK;
        }

        n = release_records(c, s, &q, c->all ? NULL : names, "release", &released);
        if (n < 0)
                return LG_EXIT_FAILURE;
        for (size_t i = 0; i < released.n; i++)
                printf("Released %s %s: %s\n", strna(lg_item_kind_to_string(released.items[i].kind)),
                       released.items[i].name,
                       released.items[i].kind == LG_ITEM_MODULE
                               ? "it may load again, now and from the next boot on."
                       : released.items[i].kind == LG_ITEM_CONTENT
                               ? "no longer withheld from the next boot on; `lastgoodctl restore` puts a quarantined copy back."
                               : "no longer masked from the next boot on.");
        return missing ? LG_EXIT_FAILURE : LG_EXIT_OK;
}

int verb_restore(lg_ctl *c, int argc, char **argv) {
        _cleanup_store_ lg_store *s = NULL;
        _cleanup_(lg_quarantine_done) lg_quarantine q = {};
        _cleanup_(lg_agents_done) lg_agents agents = {};
        lg_qfile *files = NULL;
        size_t n_files = 0;
        unsigned done = 0, failed = 0;
        int r;

        if (ctl_open_store(c, &s) < 0 || read_cold(s, &q) < 0)
                return LG_EXIT_FAILURE;
        if (lg_agents_load(c->root, &agents) < 0) {
                log_error("out of memory");
                return LG_EXIT_FAILURE;
        }
        r = lg_qfiles_list(c->root, &files, &n_files);
        if (r < 0) {
                log_error("cannot list %s: %s", LG_QUARANTINE_DIR, strerror(-r));
                return LG_EXIT_FAILURE;
        }

        /* Newest batch first: of two quarantined versions of one file the
         * later one is put back, the older stays (and is said to). */
        for (size_t k = n_files; k > 0; k--) {
                const lg_qfile *f = &files[k - 1];
                const lg_agent *a = lg_agents_find(&agents, f->agent);
                _cleanup_free_ char *anchor = NULL;
                bool wanted = argc <= 1;

                for (int i = 1; i < argc && !wanted; i++)
                        wanted = streq(argv[i], f->original);
                if (!wanted)
                        continue;
                /* Only where an agent's Content= still points (DESIGN.md,
                 * "Trust boundaries"): the quarantine's folder names are
                 * no authority on where a file may be written. */
                if (!lg_content_covers(a, f->original))
                        a = lg_agents_find_content(&agents, f->original);
                if (!a) {
                        log_error("%s is covered by no agent's Content=; the quarantined file stays at %s.",
                                  f->original, f->path);
                        failed++;
                        continue;
                }
                anchor = lg_content_anchor(a, f->original);
                if (!anchor) {
                        log_error("out of memory");
                        failed++;
                        continue;
                }
                r = lg_apply_restore(c->root, f, anchor);
                if (r == -EEXIST) {
                        log_error("%s is in place (the last good copy?); the quarantined file stays at %s. "
                                  "Move the file in place away first to restore it.",
                                  f->original, f->path);
                        failed++;
                        continue;
                }
                if (r < 0) {
                        log_error("cannot restore %s from %s: %s", f->original, f->path, strerror(-r));
                        failed++;
                        continue;
                }
                printf("Restored %s (agent %s, quarantined at boot %s).\n", f->original, f->agent, f->batch);
                done++;

                /* Its record goes, or the watchdog withholds it again. */
                if (lg_quarantine_find(&q, LG_ITEM_CONTENT, f->original)) {
                        _cleanup_(lg_quarantine_done) lg_quarantine released = {};
                        char *names[] = { (char *) f->original, NULL };

                        if (release_records(c, s, &q, names, "restore", &released) < 0)
                                failed++;
                }
        }
        for (int i = 1; i < argc; i++) {
                bool known = false;

                for (size_t k = 0; k < n_files && !known; k++)
                        known = streq(argv[i], files[k].original);
                if (!known) {
                        log_error("%s is not in the quarantine (see lastgoodctl list).", argv[i]);
                        failed++;
                }
        }
        lg_qfiles_free(files, n_files);
        if (done == 0 && failed == 0)
                printf("Nothing to restore: the quarantine is empty.\n");
        return failed ? LG_EXIT_FAILURE : LG_EXIT_OK;
}
