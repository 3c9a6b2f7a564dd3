/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lastgoodctl crash [--json] FILE...: name the culprit of a crash log.
 * Several files are the parts of one record, joined in the order given;
 * "-" reads standard input. A log in pstore's parts ("Panic#2 Part1"
 * headers: files of /sys/fs/pstore or systemd-pstore's archive, a dump read
 * from NVRAM) is put back in order first, as lastgood-early does with
 * /sys/fs/pstore (lg_pstore_reassemble()), whatever order the parts came in. */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "crash.h"
#include "ctl.h"
#include "json-out.h"
#include "log.h"
#include "macro.h"

#define CRASH_INPUT_MAX (64 * 1024 * 1024)

static int read_all(int fd, char **buf, size_t *size) {
        for (;;) {
                if (*size >= CRASH_INPUT_MAX)
                        return -EFBIG;
                char *n = realloc(*buf, *size + 65536 + 1);
                if (!n)
                        return -ENOMEM;
                *buf = n;
                ssize_t k = read(fd, *buf + *size, 65536);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;
                *size += k;
        }
        (*buf)[*size] = 0;
        return 0;
}

static int read_input(const char *path, char **buf, size_t *size) {
        _cleanup_close_ int fd = -EBADF;

        if (streq(path, "-"))
                return read_all(STDIN_FILENO, buf, size);
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        return read_all(fd, buf, size);
}

static void json_add_string(json_object *o, const char *key, const char *value) {
        json_object_object_add(o, key, value ? json_object_new_string(value) : NULL);
}

static void json_add_record(json_object *o, const lg_pstore_info *info) {
        json_object *rec;

        if (!info) {
                json_object_object_add(o, "record", NULL);
                return;
        }
        rec = json_object_new_object();
        if (!rec)
                return;
        json_add_string(rec, "reason", info->reason);
        json_object_object_add(rec, "count", json_object_new_int64(info->count));
        json_object_object_add(rec, "parts", json_object_new_int64((int64_t) info->parts));
        json_object_object_add(rec, "dumps", json_object_new_int64((int64_t) info->dumps));
        json_object_object_add(o, "record", rec);
}

static int print_json(lg_ctl *c, const lg_crash_report *r, const lg_pstore_info *info) {
        json_object *o = lg_json_doc_new(), *ev = json_object_new_array();
        char id[16], sha[72];

        if (!o || !ev) {
                json_object_put(o);
                json_object_put(ev);
                return -ENOMEM;
        }
        json_add_string(o, "culprit", r->culprit);
        /* The culprit is a module (its agent, if any, in "agent") or an
         * agent named by its process or eBPF programs. */
        json_add_string(o, "culprit_kind", r->culprit_kind);
        json_add_string(o, "comm", r->comm);
        /* The culprit module's fingerprint, when its file is on this host
         * (for a deny list: lastgood-deny.d(5)). */
        json_add_string(o, "sha256", r->culprit ? ctl_module_sha256(c, r->culprit, r->kernel, sha) : NULL);
        json_add_string(o, "confidence", lg_confidence_to_string(r->confidence));
        json_add_string(o, "family", r->family);
        json_add_string(o, "agent", r->agent);
        for (char **e = r->evidence; e && *e; e++)
                json_object_array_add(ev, json_object_new_string(*e));
        json_object_object_add(o, "evidence", ev);
        json_add_string(o, "reason", r->reason);
        json_add_string(o, "kernel", r->kernel);
        json_add_string(o, "taint", r->taint);
        json_add_string(o, "headline", r->headline);
        json_add_string(o, "rip", r->rip);
        json_object_object_add(o, "reports", json_object_new_int64(r->reports));
        /* Hex, as the text says it (and status's crash_seen). */
        snprintf(id, sizeof(id), "%08x", r->id);
        json_object_object_add(o, "id", json_object_new_string(id));
        json_add_record(o, info);
        return lg_json_print(o);
}

static void print_human(const lg_crash_report *r) {
        printf("Culprit: %s%s%s\n", r->culprit ? r->culprit : "none", r->culprit_kind ? " " : "",
               r->culprit_kind ? r->culprit_kind : "");
        printf("Confidence: %s\n", lg_confidence_to_string(r->confidence));
        if (r->family && !streq_ptr(r->family, r->culprit))
                printf("Family: %s\n", r->family);
        if (r->agent)
                printf("Agent: %s\n", r->agent);
        if (r->reason)
                printf("Why: %s\n", r->reason);
        printf("Kernel: %s\n", strna(r->kernel));
        printf("Taint: %s\n", strna(r->taint));
        printf("Id: %08x\n", r->id);
        if (r->evidence && *r->evidence) {
                printf("Evidence:\n");
                for (char **e = r->evidence; *e; e++)
                        printf("  %s\n", *e);
        }
}

int verb_crash(lg_ctl *c, int argc, char **argv) {
        _cleanup_free_ char *buf = NULL, *joined = NULL;
        lg_pstore_info info = {};
        lg_agents agents = {};
        lg_crash_report rep = {};
        lg_bpf_record bpf = {};
        bool have_agents = false, have_bpf = false;
        size_t size = 0, joined_size = 0;
        int r, parts;

        if (argc < 2) {
                log_error("crash needs a crash log FILE (or - for standard input).");
                return LG_EXIT_USAGE;
        }
        for (int i = 1; i < argc; i++) {
                r = read_input(argv[i], &buf, &size);
                if (r < 0) {
                        log_error("cannot read %s: %s", argv[i], strerror(-r));
                        return LG_EXIT_FAILURE;
                }
        }

        parts = lg_pstore_reassemble(buf ? buf : "", size, &joined, &joined_size, &info);
        if (parts < 0) {
                log_error("cannot reassemble the crash log's parts: %s", strerror(-parts));
                return LG_EXIT_FAILURE;
        }
        if (parts > 0 && !c->json)
                printf("Record: %s#%d, %zu part(s) put in order%s\n", info.reason, info.count, info.parts,
                       info.dumps > 1 ? " (the largest of several dumps)" : "");

        /* Agents widen what counts as third-party; without them (missing or
         * broken definitions) the built-in knowledge still answers. */
        r = lg_agents_load(c->root, &agents);
        if (r >= 0) {
                have_agents = true;
                for (char **w = agents.warnings; w && *w; w++)
                        log_error("%s", *w);
        } else
                log_error("cannot load agent definitions, going on without them: %s", strerror(-r));

        /* The eBPF programs the watchdog recorded (the crash log's kernel
         * is compared with the record's by the attribution). */
        r = lg_bpf_record_load(c->root, NULL, &bpf);
        if (r >= 0)
                have_bpf = true;
        else if (r != -ENOENT)
                log_error("ignoring the eBPF record %s: %s", LG_BPF_RECORD_PATH,
                          r == -EBADMSG ? "corrupt" : r == -EFBIG ? "too large" : strerror(-r));

        lg_crash_context cc = { .agents = have_agents ? &agents : NULL, .bpf = have_bpf ? &bpf : NULL };
        if (parts > 0)
                r = lg_crash_attribute_ctx(joined, joined_size, &cc, &rep);
        else
                r = lg_crash_attribute_ctx(buf ? buf : "", size, &cc, &rep);
        if (have_agents)
                lg_agents_done(&agents);
        lg_bpf_record_done(&bpf);
        if (r < 0) {
                log_error("cannot attribute the crash log: %s", strerror(-r));
                return LG_EXIT_FAILURE;
        }
        if (c->json)
                r = print_json(c, &rep, parts > 0 ? &info : NULL);
        else
                print_human(&rep);
        bool named = rep.culprit != NULL;
        lg_crash_report_done(&rep);
        if (r < 0) {
                log_error("out of memory");
                return LG_EXIT_FAILURE;
        }
        /* A probe or a script must tell "nobody named" from a culprit. */
        return named ? LG_EXIT_OK : LG_EXIT_NO_CULPRIT;
}
