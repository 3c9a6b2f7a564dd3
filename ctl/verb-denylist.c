/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lastgoodctl deny-list --from-prometheus=FILE|- [--min-hosts=N]: a deny
 * list (lastgood-deny.d(5)) from the JSON of a Prometheus instant-query
 * response (/api/v1/query), e.g. of
 *
 *   count by (sha256, kind, name, agent) (
 *     lastgood_withheld_info{reason=~"crash-log|narrowed|only-change"}) >= 3
 *
 * The response is untrusted input (any host can export any label): it is
 * read bounded, parsed with a depth limit, and a result without a valid
 * fingerprint and kind is skipped and counted; names are escaped by the
 * list writer. Results of one fingerprint and kind under several names
 * are one entry, their counts added. */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "deny-write.h"
#include "escape.h"
#include "log.h"
#include "macro.h"
#include "rootfs.h"
#include "strmap.h"

#define PROM_INPUT_MAX (64U * 1024 * 1024)
#define PROM_RESULTS_MAX 1000000
#define PROM_DEPTH 16

typedef struct prom_entry {
        ctl_deny_entry e;
        char key[8 + CTL_DENY_FP_LEN + 1]; /* "KIND sha256:HEX" */
        uint64_t best;                      /* the count of the name kept */
} prom_entry;

/* A label's string value, NULL when absent; one that is no string or
 * longer than max sets *bad. */
static const char *label(json_object *metric, const char *name, size_t max, bool *bad) {
        json_object *v;
        const char *s;

        if (!json_object_object_get_ex(metric, name, &v))
                return NULL;
        s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
        if (!s || strlen(s) > max) {
                *bad = true;
                return NULL;
        }
        return s;
}

/* The count and time of a sample [TIME, "VALUE"]: 0, or -EINVAL. */
static int sample(json_object *value, uint64_t *ret_n, uint64_t *ret_usec) {
        json_object *t, *v;
        const char *s;
        char *end;
        double d, ts;

        if (!json_object_is_type(value, json_type_array) || json_object_array_length(value) != 2)
                return -EINVAL;
        t = json_object_array_get_idx(value, 0);
        v = json_object_array_get_idx(value, 1);
        if (!json_object_is_type(v, json_type_string))
                return -EINVAL;
        s = json_object_get_string(v);
        errno = 0;
        d = strtod(s, &end);
        if (errno || end == s || *end || !isfinite(d) || d < 1 || d > 1e12)
                return -EINVAL;
        ts = json_object_is_type(t, json_type_double) || json_object_is_type(t, json_type_int)
                     ? json_object_get_double(t)
                     : 0;
        *ret_n = (uint64_t) d;
        *ret_usec = isfinite(ts) && ts > 0 && ts < 1e11 ? (uint64_t) (ts * 1e6) : 0;
        return 0;
}

static int read_input(const char *path, char **ret, size_t *ret_size) {
        _cleanup_close_ int fd = -EBADF;

        if (streq(path, "-"))
                return lg_read_full_fd(STDIN_FILENO, PROM_INPUT_MAX, ret, ret_size);
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        return lg_read_full_fd(fd, PROM_INPUT_MAX, ret, ret_size);
}

/* The result array of a successful instant query, or NULL (said). */
static json_object *result_of(json_object *o) {
        json_object *st, *data, *type, *res;

        if (!json_object_is_type(o, json_type_object)) {
                log_error("The input is no Prometheus query response (not a JSON object).");
                return NULL;
        }
        if (!json_object_object_get_ex(o, "status", &st) || !json_object_is_type(st, json_type_string) ||
            !streq(json_object_get_string(st), "success")) {
                json_object *err;
                _cleanup_free_ char *e = NULL;

                if (json_object_object_get_ex(o, "error", &err) && json_object_is_type(err, json_type_string))
                        e = lg_escape_string(LG_ESCAPE_LINE, json_object_get_string(err));
                log_error("The Prometheus query did not succeed%s%s.", e ? ": " : "", e ?: "");
                return NULL;
        }
        if (!json_object_object_get_ex(o, "data", &data) || !json_object_is_type(data, json_type_object) ||
            !json_object_object_get_ex(data, "resultType", &type) ||
            !json_object_is_type(type, json_type_string) || !streq(json_object_get_string(type), "vector") ||
            !json_object_object_get_ex(data, "result", &res) || !json_object_is_type(res, json_type_array)) {
                log_error("The Prometheus response holds no instant vector (data.resultType \"vector\", "
                          "data.result): give the result of an instant query (/api/v1/query).");
                return NULL;
        }
        return res;
}

static int build(json_object *res, prom_entry **ret, size_t *ret_n, size_t *ret_skipped) {
        _cleanup_(lg_strmap_done) lg_strmap by_key = {};
        _cleanup_free_ prom_entry *l = NULL;
        size_t n = 0, skipped = 0, len = json_object_array_length(res);

        if (len > PROM_RESULTS_MAX)
                return -E2BIG;
        l = calloc(len + 1, sizeof(*l));
        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < len; i++) {
                json_object *r = json_object_array_get_idx(res, i), *metric, *value;
                const char *sha, *kind, *name, *agent;
                char fp[CTL_DENY_FP_LEN + 1], bare[CTL_DENY_FP_LEN + 1], key[sizeof(l->key)];
                uint64_t hosts, usec;
                bool bad = false;
                prom_entry *p;
                size_t k;

                if (!json_object_is_type(r, json_type_object) || !json_object_object_get_ex(r, "metric", &metric) ||
                    !json_object_is_type(metric, json_type_object) || !json_object_object_get_ex(r, "value", &value) ||
                    sample(value, &hosts, &usec) < 0) {
                        skipped++;
                        continue;
                }
                sha = label(metric, "sha256", CTL_DENY_FP_LEN, &bad);
                kind = label(metric, "kind", 16, &bad);
                name = label(metric, "name", CTL_DENY_NAME_MAX, &bad);
                agent = label(metric, "agent", 256, &bad);
                /* The label holds "sha256:HEX" (lastgood_withheld_info) or the bare HEX. */
                if (sha && strncmp(sha, "sha256:", 7) != 0 && strlen(sha) == 64) {
                        snprintf(bare, sizeof(bare), "sha256:%s", sha);
                        sha = bare;
                }
                if (bad || !sha || ctl_deny_fingerprint(sha, fp) < 0 || !ctl_deny_kind_ok(kind)) {
                        skipped++;
                        continue;
                }
                snprintf(key, sizeof(key), "%s %s", kind, fp);
                if (lg_strmap_get(&by_key, key, &k)) {
                        /* One fingerprint under several names: the hosts add up. */
                        p = &l[k];
                        p->e.hosts += hosts;
                        if (usec > p->e.usec)
                                p->e.usec = usec;
                        if (hosts > p->best) {
                                p->best = hosts;
                                p->e.name = name;
                                p->e.agent = agent && *agent ? agent : NULL;
                        }
                        continue;
                }
                p = &l[n];
                memcpy(p->e.fp, fp, sizeof(fp));
                snprintf(p->key, sizeof(p->key), "%s %s", kind, fp);
                p->e.kind = streq(kind, "module") ? "module" : "content";
                p->e.name = name;
                p->e.agent = agent && *agent ? agent : NULL;
                p->e.hosts = hosts;
                p->e.usec = usec;
                p->e.time_word = "counted";
                p->best = hosts;
                if (lg_strmap_put(&by_key, p->key, n) < 0)
                        return -ENOMEM;
                n++;
        }
        *ret = TAKE_PTR(l);
        *ret_n = n;
        *ret_skipped = skipped;
        return 0;
}

int verb_deny_list(lg_ctl *c, int argc, char **argv) {
        _cleanup_free_ char *buf = NULL;
        _cleanup_free_ prom_entry *l = NULL;
        _cleanup_free_ ctl_deny_entry *e = NULL;
        json_tokener *tok = NULL;
        json_object *o = NULL, *res;
        const char *path = c->from_prometheus;
        size_t size = 0, n = 0, skipped = 0, shown = 0;
        unsigned min = c->min_hosts ?: 1;
        int r, ret = LG_EXIT_FAILURE;

        (void) argv;
        if (!path || argc > 1 || c->json || c->metrics || c->deny_list) {
                log_error("deny-list takes --from-prometheus=FILE|- (and --min-hosts=N), nothing else.");
                return LG_EXIT_USAGE;
        }
        r = read_input(path, &buf, &size);
        if (r < 0) {
                _cleanup_free_ char *e_path = lg_escape_string(LG_ESCAPE_LINE, path);

                log_error("Cannot read %s: %s%s", strna(e_path), strerror(-r),
                          r == -EFBIG ? " (a query response is at most 64 MiB)" : ".");
                return LG_EXIT_FAILURE;
        }
        tok = json_tokener_new_ex(PROM_DEPTH);
        if (!tok)
                return log_error("Out of memory."), LG_EXIT_FAILURE;
        o = json_tokener_parse_ex(tok, buf, (int) size);
        if (!o || json_tokener_get_error(tok) != json_tokener_success ||
            json_tokener_get_parse_end(tok) != size) {
                /* Trailing blanks are fine; anything else is not one JSON document. */
                size_t end = json_tokener_get_parse_end(tok);

                while (o && end < size && strchr(" \t\r\n", buf[end]))
                        end++;
                if (!o || end != size) {
                        log_error("The input is not one JSON document (%s).",
                                  o ? "trailing data" : json_tokener_error_desc(json_tokener_get_error(tok)));
                        goto done;
                }
        }
        res = result_of(o);
        if (!res)
                goto done;
        r = build(res, &l, &n, &skipped);
        if (r == -E2BIG) {
                log_error("The response holds more than %d results.", PROM_RESULTS_MAX);
                goto done;
        }
        if (r < 0) {
                log_error("Out of memory.");
                goto done;
        }
        if (skipped > 0)
                log_warning("Skipped %zu result%s without a valid sha256 and kind label, count or name.", skipped,
                            skipped == 1 ? "" : "s");
        e = calloc(n + 1, sizeof(*e));
        if (!e)
                goto done;
        for (size_t k = 0; k < n; k++)
                if (l[k].e.hosts >= min)
                        e[shown++] = l[k].e;
        ctl_deny_sort(e, shown);
        printf("# lastgood deny list (lastgood-deny.d(5)), made by lastgoodctl deny-list --from-prometheus\n"
               "# from a query result: %zu fingerprint%s counted on at least %u host%s.\n",
               shown, shown == 1 ? "" : "s", min, min == 1 ? "" : "s");
        for (size_t k = 0; k < shown; k++)
                if (ctl_deny_print(stdout, &e[k]) < 0)
                        goto done;
        if (fflush(stdout) != 0) {
                log_error("Cannot write the list: %m");
                goto done;
        }
        ret = LG_EXIT_OK;
done:
        json_object_put(o);
        json_tokener_free(tok);
        return ret;
}
