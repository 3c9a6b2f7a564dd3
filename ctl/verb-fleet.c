/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lastgoodctl fleet --directory DIR [--json]: summarise the lastgood events
 * of many hosts, as collected by systemd-journal-upload/-remote into one
 * journal directory. One line per host, then how many hosts withhold each
 * item, so that a fleet-wide bad update stands out at once. */
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-journal.h>
#include <time.h>

#include "ctl.h"
#include "events.h"
#include "macro.h"
#include "strv.h"

#define FLEET_HOSTS_MAX 100000
#define HOST_ITEMS_MAX 256
#define FIELD_MAX 512

typedef struct host {
        char *key;          /* _MACHINE_ID, else _HOSTNAME */
        char *hostname;
        char *machine_id;
        char *boot_id;      /* of the last entry seen */
        int level;          /* in the last boot; -1 when no event said */
        int tries;
        bool armed;
        char **withheld;    /* in the last boot, minus released */
        char **culprits;
        lg_msg last_event;
        uint64_t last_usec;
} host;

typedef struct fleet {
        host *hosts;
        size_t n;
} fleet;

static void host_done(host *h) {
        free(h->key);
        free(h->hostname);
        free(h->machine_id);
        free(h->boot_id);
        lg_strv_free(h->withheld);
        lg_strv_free(h->culprits);
}

static void fleet_done(fleet *f) {
        for (size_t i = 0; i < f->n; i++)
                host_done(&f->hosts[i]);
        free(f->hosts);
}

/* The value of FIELD of the current entry, copied (bounded), or NULL. */
static char *field(sd_journal *j, const char *name) {
        const void *data;
        size_t len, nlen = strlen(name);

        if (sd_journal_get_data(j, name, &data, &len) < 0)
                return NULL;
        if (len <= nlen + 1 || memcmp(data, name, nlen) != 0 || ((const char *) data)[nlen] != '=')
                return NULL;
        len -= nlen + 1;
        return strndup((const char *) data + nlen + 1, MIN(len, (size_t) FIELD_MAX));
}

static int field_int(sd_journal *j, const char *name) {
        _cleanup_free_ char *v = field(j, name);
        char *end;
        long n;

        if (!v)
                return -1;
        n = strtol(v, &end, 10);
        if (end == v || *end || n < 0 || n > 1000000)
                return -1;
        return (int) n;
}

static host *fleet_get(fleet *f, const char *key) {
        host *t;

        for (size_t i = 0; i < f->n; i++)
                if (streq(f->hosts[i].key, key))
                        return &f->hosts[i];
        if (f->n >= FLEET_HOSTS_MAX)
                return NULL;
        t = realloc(f->hosts, sizeof(*t) * (f->n + 1));
        if (!t)
                return NULL;
        f->hosts = t;
        t = &f->hosts[f->n];
        *t = (host) { .level = -1, .tries = -1, .last_event = _LG_MSG_INVALID };
        t->key = strdup(key);
        if (!t->key)
                return NULL;
        f->n++;
        return t;
}

static void strv_remove(char **l, const char *s) {
        char **w = l;

        for (char **p = l; p && *p; p++) {
                if (streq(*p, s))
                        free(*p);
                else
                        *w++ = *p;
        }
        if (w)
                *w = NULL;
}

static int add_unique(char ***l, const char *s) {
        if (lg_strv_contains(*l, s) || lg_strv_length(*l) >= HOST_ITEMS_MAX)
                return 0;
        return lg_strv_push(l, s);
}

/* DESIGN.md, "Trust boundaries": an entry is lastgood's only when the
 * journal's trusted fields (journald's, which no client can set) say a
 * lastgood program wrote it as root. SYSLOG_IDENTIFIER=lastgood and
 * MESSAGE_ID are the writer's own words: `logger --journald` by any user
 * sets them. The kernel keeps 15 bytes of a command name. */
static bool entry_trusted(sd_journal *j) {
        _cleanup_free_ char *uid = field(j, "_UID"), *comm = field(j, "_COMM"),
                            *unit = field(j, "_SYSTEMD_UNIT");

        if (!streq_ptr(uid, "0"))
                return false;
        if (comm && (strncmp(comm, "lastgood-", 9) == 0 || streq(comm, "lastgoodctl")))
                return true;
        return unit && (streq(unit, "lastgood-watchdog.service") || streq(unit, "lastgood-apply.service") ||
                        streq(unit, "lastgood-check.service"));
}

static int fleet_add_entry(fleet *f, sd_journal *j) {
        _cleanup_free_ char *mid = NULL, *hn = NULL, *boot = NULL, *msgid = NULL, *item = NULL;
        uint64_t usec = 0;
        lg_msg m;
        host *h;
        int level, tries;

        msgid = field(j, "MESSAGE_ID");
        m = msgid ? lg_msg_from_id(msgid) : _LG_MSG_INVALID;
        if (m == _LG_MSG_INVALID)
                return 0; /* lastgood's plain log lines carry no decision */
        if (!entry_trusted(j))
                return 0; /* forged: not written by lastgood as root */

        mid = field(j, "_MACHINE_ID");
        hn = field(j, "_HOSTNAME");
        if (!mid && !hn)
                return 0;
        h = fleet_get(f, mid ?: hn);
        if (!h)
                return -ENOMEM;
        if (hn && !streq_ptr(h->hostname, hn)) {
                free(h->hostname);
                h->hostname = TAKE_PTR(hn);
        }
        if (mid && !h->machine_id)
                h->machine_id = TAKE_PTR(mid);

        /* A new boot: what was withheld before is superseded by what this
         * boot withholds (persistently withheld items are logged again). */
        boot = field(j, "_BOOT_ID");
        if (boot && !streq_ptr(boot, h->boot_id)) {
                free(h->boot_id);
                h->boot_id = TAKE_PTR(boot);
                h->withheld = lg_strv_free(h->withheld);
                h->culprits = lg_strv_free(h->culprits);
                h->level = -1;
        }

        (void) sd_journal_get_realtime_usec(j, &usec);
        h->last_event = m;
        h->last_usec = usec;
        level = field_int(j, "LASTGOOD_LEVEL");
        tries = field_int(j, "LASTGOOD_TRIES");
        if (tries >= 0)
                h->tries = tries;
        item = field(j, "LASTGOOD_ITEM");

        switch (m) {
        case LG_MSG_BOOT_COUNTED:
        case LG_MSG_ARMED:
        case LG_MSG_UNHEALTHY:
                h->armed = true;
                if (level >= 0)
                        h->level = level;
                break;
        case LG_MSG_SAFE_MODE:
                h->armed = true;
                h->level = level >= 0 ? level : MAX(h->level, 1);
                break;
        case LG_MSG_EXHAUSTED:
                h->armed = true;
                h->level = 3;
                break;
        case LG_MSG_WITHHELD:
                if (item && add_unique(&h->withheld, item) < 0)
                        return -ENOMEM;
                if (level >= 0)
                        h->level = level;
                break;
        case LG_MSG_CULPRIT:
                if (item && add_unique(&h->culprits, item) < 0)
                        return -ENOMEM;
                break;
        case LG_MSG_RELEASED:
                if (item)
                        strv_remove(h->withheld, item);
                break;
        case LG_MSG_PROVEN:
                h->armed = false;
                h->level = 0;
                h->tries = 0;
                break;
        case LG_MSG_HEALTHY:
                h->tries = 0;
                break;
        default:
                if (level >= 0)
                        h->level = level;
                break;
        }
        return 0;
}

static const char *host_state(const host *h) {
        if (h->level >= 3)
                return "exhausted";
        if (h->level >= 1)
                return "safe-mode";
        if (h->armed)
                return "armed";
        return "ok";
}

static int host_cmp(const void *a, const void *b) {
        const host *x = a, *y = b;
        int r = strcmp(x->hostname ?: "", y->hostname ?: "");

        return r ? r : strcmp(x->key, y->key);
}

typedef struct item_count {
        const char *name;
        char **hosts;
} item_count;

static int item_cmp(const void *a, const void *b) {
        const item_count *x = a, *y = b;
        size_t nx = lg_strv_length(x->hosts), ny = lg_strv_length(y->hosts);

        if (nx != ny)
                return nx > ny ? -1 : 1;
        return strcmp(x->name, y->name);
}

static int count_items(const fleet *f, item_count **ret, size_t *ret_n) {
        item_count *c = NULL;
        size_t n = 0;

        for (size_t i = 0; i < f->n; i++)
                for (char **w = f->hosts[i].withheld; w && *w; w++) {
                        size_t k;

                        for (k = 0; k < n && !streq(c[k].name, *w); k++)
                                ;
                        if (k == n) {
                                item_count *t = realloc(c, sizeof(*c) * (n + 1));

                                if (!t)
                                        goto oom;
                                c = t;
                                c[n++] = (item_count) { .name = *w };
                        }
                        if (lg_strv_push(&c[k].hosts, f->hosts[i].hostname ?: f->hosts[i].key) < 0)
                                goto oom;
                }
        if (n > 1)
                qsort(c, n, sizeof(*c), item_cmp);
        *ret = c;
        *ret_n = n;
        return 0;
oom:
        for (size_t k = 0; k < n; k++)
                lg_strv_free(c[k].hosts);
        free(c);
        return -ENOMEM;
}

static void format_time(uint64_t usec, char buf[static 32]) {
        time_t t = (time_t) (usec / 1000000);
        struct tm tm;

        if (usec == 0 || !gmtime_r(&t, &tm) || strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
                strcpy(buf, "-");
}

static char *join(char **l) {
        size_t len = 1;
        char *s, *p;

        for (char **x = l; x && *x; x++)
                len += strlen(*x) + 1;
        s = p = malloc(len);
        if (!s)
                return NULL;
        *p = '\0';
        for (char **x = l; x && *x; x++)
                p += sprintf(p, "%s%s", x == l ? "" : ",", *x);
        return s;
}

static json_object *strv_json(char **l) {
        json_object *a = json_object_new_array();

        for (char **x = l; a && x && *x; x++)
                json_object_array_add(a, json_object_new_string(*x));
        return a;
}

static int print_json(const fleet *f, const item_count *items, size_t n_items) {
        json_object *o = json_object_new_object(), *hosts = json_object_new_array(), *its = json_object_new_array();

        if (!o || !hosts || !its) {
                json_object_put(o);
                json_object_put(hosts);
                json_object_put(its);
                return -ENOMEM;
        }
        for (size_t i = 0; i < f->n; i++) {
                const host *h = &f->hosts[i];
                json_object *e = json_object_new_object();
                char t[32];

                format_time(h->last_usec, t);
                json_object_object_add(e, "host", h->hostname ? json_object_new_string(h->hostname) : NULL);
                json_object_object_add(e, "machine_id", h->machine_id ? json_object_new_string(h->machine_id) : NULL);
                json_object_object_add(e, "state", json_object_new_string(host_state(h)));
                json_object_object_add(e, "level", json_object_new_int(MAX(h->level, 0)));
                json_object_object_add(e, "armed", json_object_new_boolean(h->armed));
                json_object_object_add(e, "tries", h->tries >= 0 ? json_object_new_int(h->tries) : NULL);
                json_object_object_add(e, "withheld", strv_json(h->withheld));
                json_object_object_add(e, "culprits", strv_json(h->culprits));
                json_object_object_add(e, "last_event",
                                       h->last_event != _LG_MSG_INVALID ? json_object_new_string(lg_msg_name(h->last_event)) : NULL);
                json_object_object_add(e, "last_event_time", h->last_usec ? json_object_new_string(t) : NULL);
                json_object_array_add(hosts, e);
        }
        for (size_t k = 0; k < n_items; k++) {
                json_object *e = json_object_new_object();

                json_object_object_add(e, "name", json_object_new_string(items[k].name));
                json_object_object_add(e, "hosts", json_object_new_int((int) lg_strv_length(items[k].hosts)));
                json_object_object_add(e, "host_names", strv_json(items[k].hosts));
                json_object_array_add(its, e);
        }
        json_object_object_add(o, "hosts", hosts);
        json_object_object_add(o, "items", its);
        puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(o);
        return 0;
}

static int print_text(const fleet *f, const item_count *items, size_t n_items) {
        printf("%-20s %-32s %-9s %5s %5s %-24s %-16s %-16s %s\n", "HOST", "MACHINE-ID", "STATE", "LEVEL", "ARMED",
               "WITHHELD", "CULPRITS", "LAST-EVENT", "TIME");
        for (size_t i = 0; i < f->n; i++) {
                const host *h = &f->hosts[i];
                _cleanup_free_ char *w = join(h->withheld), *c = join(h->culprits);
                char t[32];

                if (!w || !c)
                        return -ENOMEM;
                format_time(h->last_usec, t);
                printf("%-20s %-32s %-9s %5d %5s %-24s %-16s %-16s %s\n", h->hostname ?: "-", h->machine_id ?: "-",
                       host_state(h), MAX(h->level, 0), h->armed ? "yes" : "no", *w ? w : "-", *c ? c : "-",
                       h->last_event != _LG_MSG_INVALID ? lg_msg_name(h->last_event) : "-", t);
        }
        printf("\n%zu host%s.\n", f->n, f->n == 1 ? "" : "s");
        if (n_items == 0) {
                printf("No host withholds anything.\n");
                return 0;
        }
        printf("\n%-40s %s\n", "WITHHELD ITEM", "HOSTS");
        for (size_t k = 0; k < n_items; k++)
                printf("%-40s %zu\n", items[k].name, lg_strv_length(items[k].hosts));
        return 0;
}

int verb_fleet(lg_ctl *c, int argc, char **argv) {
        sd_journal *j = NULL;
        fleet f = {};
        item_count *items = NULL;
        size_t n_items = 0;
        const char *dir = c->directory;
        int r;

        if (!dir && argc == 2)
                dir = argv[1];
        if (!dir || argc > 2) {
                fprintf(stderr, "lastgoodctl: fleet needs --directory=DIR (a journal directory, as written by systemd-journal-remote).\n");
                return LG_EXIT_USAGE;
        }

        r = sd_journal_open_directory(&j, dir, 0);
        if (r < 0) {
                fprintf(stderr, "lastgoodctl: cannot open journal directory %s: %s\n", dir, strerror(-r));
                return LG_EXIT_FAILURE;
        }
        r = sd_journal_add_match(j, "SYSLOG_IDENTIFIER=lastgood", 0);
        if (r < 0)
                goto fail;

        SD_JOURNAL_FOREACH(j) {
                r = fleet_add_entry(&f, j);
                if (r < 0)
                        goto fail;
        }

        if (f.n > 1)
                qsort(f.hosts, f.n, sizeof(*f.hosts), host_cmp);
        r = count_items(&f, &items, &n_items);
        if (r < 0)
                goto fail;
        r = c->json ? print_json(&f, items, n_items) : print_text(&f, items, n_items);
        for (size_t k = 0; k < n_items; k++)
                lg_strv_free(items[k].hosts);
        free(items);
        if (r < 0)
                goto fail;
        sd_journal_close(j);
        fleet_done(&f);
        return LG_EXIT_OK;

fail:
        fprintf(stderr, "lastgoodctl: reading the journals of %s failed: %s\n", dir, strerror(-r));
        sd_journal_close(j);
        fleet_done(&f);
        return LG_EXIT_FAILURE;
}
