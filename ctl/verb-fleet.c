/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lastgoodctl fleet --directory DIR [--json|--metrics|--deny-list] [--state=]
 * [--since=] [--host=] [--min-hosts=]: summarise the lastgood events of many
 * hosts, as collected by systemd-journal-upload/-remote into one journal
 * directory, or make a deny list (lastgood-deny.d(5)) of the fingerprints
 * that were a verdict on at least --min-hosts of them. A summary
 * first (hosts per state, the items withheld on the most hosts, the hosts
 * silent since a time), then one line per host, the worst states first,
 * so that a fleet-wide bad update and the hosts it took down stand out at
 * once. Hosts and items are kept in hash tables: reading is linear in the
 * number of entries (bench/fleet.sh: 10,000 hosts, 40,000 entries).
 *
 * An uploaded journal speaks only for the host that sent it (DESIGN.md,
 * "Trust boundaries"). journal-remote keeps one file per sender
 * (remote-SENDER.journal, rotated as remote-SENDER@....journal): the files
 * of one sender are one host, bound to the first machine its trusted
 * entries name; entries of that sender naming another machine are dropped,
 * counted and said. Files that are no sender's (remote.journal of
 * --split-mode=none, a copied system journal) are read entry by entry. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <systemd/sd-journal.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "deny-write.h"
#include "escape.h"
#include "events.h"
#include "json-out.h"
#include "log.h"
#include "macro.h"
#include "strmap.h"
#include "strv.h"

#define FLEET_HOSTS_MAX 1000000
#define HOST_ITEMS_MAX 256
#define FIELD_MAX 512
#define TOP_ITEMS 10
#define SILENT_NAMES 10
/* Without --since: silent = no event in the 24 h before the newest one. */
#define SILENT_DEFAULT_USEC (24ULL * 3600 * 1000000)
/* Journal files read from one directory (and its subfolders, one level). */
#define JOURNAL_FILES_MAX 1000000

/* Host states, worst first (the order of the listing and the summary). */
typedef enum fleet_state {
        FS_EXHAUSTED,
        FS_SAFE_MODE,
        FS_ARMED,
        FS_STEADY,
        _FS_MAX,
} fleet_state;

static const char *const fleet_state_names[_FS_MAX] = {
        [FS_EXHAUSTED] = "exhausted",
        [FS_SAFE_MODE] = "safe-mode",
        [FS_ARMED] = "armed",
        [FS_STEADY] = "steady",
};

typedef struct fitem {
        char *name;
        char *kind;        /* LASTGOOD_ITEM_KIND, NULL when not said */
        char *reason;      /* LASTGOOD_REASON, NULL when not said */
        char *sha256;      /* LASTGOOD_ITEM_SHA256 (sha256:HEX, lowercase), NULL when not said */
} fitem;

typedef struct host {
        char *key;          /* "/SENDER", else _MACHINE_ID, else _HOSTNAME */
        char *sender;       /* from its file name, NULL when not known */
        char *hostname;
        char *machine_id;
        char *boot_id;      /* of the last entry seen */
        int level;          /* in the last boot; -1 when no event said */
        int tries;
        bool armed;
        fitem *withheld;    /* in the last boot, minus released */
        size_t n_withheld;
        char **culprits;
        lg_msg last_event;
        uint64_t last_usec;
        size_t *verdicts;   /* indices in fleet.verdicts, each once */
        size_t n_verdicts;
} host;

/* One fingerprint that was a verdict (--deny-list). */
typedef struct verdict {
        char *key;          /* "KIND sha256:HEX": the map key */
        char fp[CTL_DENY_FP_LEN + 1];
        const char *kind;   /* "module" or "content" (static) */
        char *name;         /* of the earliest entry */
        char *agent;
        uint64_t first_usec;
        size_t hosts;       /* selected hosts, counted after the selection */
} verdict;

typedef struct fleet {
        host *hosts;
        size_t n, allocated;
        lg_strmap by_key;   /* host key -> index in hosts */
        uint64_t newest_usec;
        bool want_verdicts; /* --deny-list */
        uint64_t verdict_since;
        verdict *verdicts;
        size_t n_verdicts, allocated_verdicts;
        lg_strmap by_fp;    /* verdict key -> index in verdicts */
        uint64_t foreign;   /* entries dropped: they spoke for another host */
        size_t foreign_senders;
} fleet;

/* One group of journal files read together: one sender's, or the files
 * that are no sender's (sender NULL). */
typedef struct reader {
        const char *sender;
        char *bound;        /* the machine (or host name) the sender speaks for */
        char *key;          /* "/SENDER" */
        uint64_t foreign;
        char *foreign_id;   /* one of the machines it named besides */
} reader;

static void fitem_done(fitem *i) {
        free(i->name);
        free(i->kind);
        free(i->reason);
        free(i->sha256);
}

static void host_withheld_clear(host *h) {
        for (size_t i = 0; i < h->n_withheld; i++)
                fitem_done(&h->withheld[i]);
        free(h->withheld);
        h->withheld = NULL;
        h->n_withheld = 0;
}

static void host_done(host *h) {
        free(h->key);
        free(h->sender);
        free(h->verdicts);
        free(h->hostname);
        free(h->machine_id);
        free(h->boot_id);
        host_withheld_clear(h);
        lg_strv_free(h->culprits);
}

static void fleet_done(fleet *f) {
        for (size_t i = 0; i < f->n; i++)
                host_done(&f->hosts[i]);
        free(f->hosts);
        lg_strmap_done(&f->by_key);
        for (size_t i = 0; i < f->n_verdicts; i++) {
                free(f->verdicts[i].key);
                free(f->verdicts[i].name);
                free(f->verdicts[i].agent);
        }
        free(f->verdicts);
        lg_strmap_done(&f->by_fp);
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

static host *fleet_get(fleet *f, const char *key, const char *sender) {
        size_t idx;
        host *t;

        if (lg_strmap_get(&f->by_key, key, &idx))
                return &f->hosts[idx];
        if (f->n >= FLEET_HOSTS_MAX)
                return NULL;
        if (f->n == f->allocated) {
                size_t a = f->allocated ? f->allocated * 2 : 64;

                t = realloc(f->hosts, sizeof(*t) * a);
                if (!t)
                        return NULL;
                f->hosts = t;
                f->allocated = a;
        }
        t = &f->hosts[f->n];
        *t = (host) { .level = -1, .tries = -1, .last_event = _LG_MSG_INVALID };
        t->key = strdup(key);
        t->sender = sender ? strdup(sender) : NULL;
        /* The key string stays where it is when the array moves. */
        if (!t->key || (sender && !t->sender) || lg_strmap_put(&f->by_key, t->key, f->n) < 0) {
                free(t->key);
                free(t->sender);
                return NULL;
        }
        f->n++;
        return t;
}

static int host_withhold(host *h, const char *name, const char *kind, const char *reason, const char *sha) {
        char fp[CTL_DENY_FP_LEN + 1];
        fitem *t;

        for (size_t i = 0; i < h->n_withheld; i++)
                if (streq(h->withheld[i].name, name))
                        return 0;
        if (h->n_withheld >= HOST_ITEMS_MAX)
                return 0;
        t = realloc(h->withheld, sizeof(*t) * (h->n_withheld + 1));
        if (!t)
                return -ENOMEM;
        h->withheld = t;
        t = &h->withheld[h->n_withheld];
        *t = (fitem) { .name = strdup(name), .kind = kind ? strdup(kind) : NULL,
                       .reason = reason ? strdup(reason) : NULL };
        if (sha && ctl_deny_fingerprint(sha, fp) >= 0 && !(t->sha256 = strdup(fp))) {
                fitem_done(t);
                return -ENOMEM;
        }
        if (!t->name || (kind && !t->kind) || (reason && !t->reason)) {
                fitem_done(t);
                return -ENOMEM;
        }
        h->n_withheld++;
        return 0;
}

static void host_release(host *h, const char *name) {
        size_t w = 0;

        for (size_t i = 0; i < h->n_withheld; i++) {
                if (streq(h->withheld[i].name, name))
                        fitem_done(&h->withheld[i]);
                else
                        h->withheld[w++] = h->withheld[i];
        }
        h->n_withheld = w;
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

static bool is_verdict(const char *v) {
        return v && (streq(v, "crash-log") || streq(v, "narrowed") || streq(v, "only-change"));
}

/* --deny-list: the entry's item, when the entry is a verdict with a
 * fingerprint and a kind a list can hold, counts once for host h. */
static int fleet_add_verdict(fleet *f, size_t h_idx, sd_journal *j, const char *item, uint64_t usec) {
        _cleanup_free_ char *v = field(j, "LASTGOOD_VERDICT"), *sha = NULL, *kind = NULL, *key = NULL;
        char fp[CTL_DENY_FP_LEN + 1];
        host *h = &f->hosts[h_idx];
        verdict *vd;
        size_t k;

        if (!is_verdict(v) || usec < f->verdict_since)
                return 0;
        sha = field(j, "LASTGOOD_ITEM_SHA256");
        kind = field(j, "LASTGOOD_ITEM_KIND");
        if (!sha || ctl_deny_fingerprint(sha, fp) < 0 || !ctl_deny_kind_ok(kind))
                return 0; /* a list holds nothing else (lastgood-deny.d(5)) */
        if (asprintf(&key, "%s %s", kind, fp) < 0)
                return -ENOMEM;
        if (!lg_strmap_get(&f->by_fp, key, &k)) {
                if (f->n_verdicts == f->allocated_verdicts) {
                        size_t a = f->allocated_verdicts ? f->allocated_verdicts * 2 : 64;
                        verdict *t = realloc(f->verdicts, sizeof(*t) * a);

                        if (!t)
                                return -ENOMEM;
                        f->verdicts = t;
                        f->allocated_verdicts = a;
                }
                k = f->n_verdicts;
                vd = &f->verdicts[k];
                *vd = (verdict) { .kind = streq(kind, "module") ? "module" : "content", .first_usec = usec,
                                  .name = item ? strdup(item) : NULL, .agent = field(j, "LASTGOOD_AGENT") };
                memcpy(vd->fp, fp, sizeof(fp));
                vd->key = TAKE_PTR(key);
                if (lg_strmap_put(&f->by_fp, vd->key, k) < 0) {
                        free(vd->key);
                        free(vd->name);
                        free(vd->agent);
                        return -ENOMEM;
                }
                f->n_verdicts++;
        } else if (usec < f->verdicts[k].first_usec) {
                /* The name of the earliest verdict, whatever the order of files. */
                vd = &f->verdicts[k];
                vd->first_usec = usec;
                if (item) {
                        char *n = strdup(item);

                        if (!n)
                                return -ENOMEM;
                        free(vd->name);
                        vd->name = n;
                }
        }
        for (size_t i = 0; i < h->n_verdicts; i++)
                if (h->verdicts[i] == k)
                        return 0;
        if (h->n_verdicts >= HOST_ITEMS_MAX)
                return 0;
        size_t *t = realloc(h->verdicts, sizeof(*t) * (h->n_verdicts + 1));
        if (!t)
                return -ENOMEM;
        h->verdicts = t;
        h->verdicts[h->n_verdicts++] = k;
        return 0;
}

static int fleet_add_entry(fleet *f, reader *rd, sd_journal *j) {
        _cleanup_free_ char *mid = NULL, *hn = NULL, *boot = NULL, *msgid = NULL, *item = NULL, *kind = NULL,
                            *reason = NULL, *sha = NULL;
        const char *id;
        uint64_t usec = 0;
        lg_msg m;
        host *h;
        int level, tries, r;

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
        id = mid ?: hn;
        if (rd->sender) {
                /* One sender, one host: the first machine it names. */
                if (!rd->bound) {
                        rd->bound = strdup(id);
                        if (!rd->bound)
                                return -ENOMEM;
                } else if (!streq(rd->bound, id)) {
                        rd->foreign++;
                        if (!rd->foreign_id)
                                rd->foreign_id = strdup(id);
                        return 0;
                }
                h = fleet_get(f, rd->key, rd->sender);
        } else
                h = fleet_get(f, id, NULL);
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
                host_withheld_clear(h);
                h->culprits = lg_strv_free(h->culprits);
                h->level = -1;
        }

        (void) sd_journal_get_realtime_usec(j, &usec);
        h->last_event = m;
        h->last_usec = MAX(h->last_usec, usec);
        f->newest_usec = MAX(f->newest_usec, usec);
        level = field_int(j, "LASTGOOD_LEVEL");
        tries = field_int(j, "LASTGOOD_TRIES");
        if (tries >= 0)
                h->tries = tries;
        item = field(j, "LASTGOOD_ITEM");
        if (f->want_verdicts) {
                r = fleet_add_verdict(f, (size_t) (h - f->hosts), j, item, usec);
                if (r < 0)
                        return r;
        }

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
                kind = field(j, "LASTGOOD_ITEM_KIND");
                reason = field(j, "LASTGOOD_REASON");
                sha = field(j, "LASTGOOD_ITEM_SHA256");
                if (item && host_withhold(h, item, kind, reason, sha) < 0)
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
                        host_release(h, item);
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

/* ---- the journal files, grouped by sender ---------------------------------- */

typedef struct jfile {
        char *path;     /* relative to the directory */
        char *sender;   /* from remote-SENDER[@...].journal[~], else NULL */
} jfile;

static void jfiles_free(jfile *l, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(l[i].path);
                free(l[i].sender);
        }
        free(l);
}

static bool journal_name(const char *name) {
        size_t n = strlen(name);

        return (n > 8 && streq(name + n - 8, ".journal")) || (n > 9 && streq(name + n - 9, ".journal~"));
}

/* journal-remote --split-mode=host writes remote-SENDER.journal and
 * rotates it to remote-SENDER@SEQNUM-HEAD-TIME.journal (or .journal~ when
 * it was not closed cleanly). NULL for other names (or on ENOMEM). */
static char *sender_of(const char *name) {
        const char *p, *end;

        if (strncmp(name, "remote-", 7) != 0)
                return NULL;
        p = name + 7;
        end = strrchr(p, '@');
        if (!end)
                end = strstr(p, ".journal");
        if (!end || end == p)
                return NULL;
        return strndup(p, (size_t) (end - p));
}

static int jfile_cmp(const void *a, const void *b) {
        const jfile *x = a, *y = b;
        int r;

        /* The files of no sender first, then sender by sender. */
        if (!x->sender != !y->sender)
                return x->sender ? 1 : -1;
        r = x->sender ? strcmp(x->sender, y->sender) : 0;
        return r ? r : strcmp(x->path, y->path);
}

/* The journal files of dfd: regular files only (no link is followed), in
 * the folder and in its subfolders one level down, as journalctl -D reads
 * machine-id folders. Only top-level files carry a sender. */
static int list_dir_entries(DIR *d, int dfd, const char *prefix, jfile **l, size_t *n, size_t *allocated);

static int list_dir(int dfd, const char *prefix, jfile **l, size_t *n, size_t *allocated) {
        int fd = dup(dfd), r;
        DIR *d;

        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d) {
                r = -errno;
                close(fd);
                return r;
        }
        rewinddir(d);
        r = list_dir_entries(d, dfd, prefix, l, n, allocated);
        closedir(d);
        return r;
}

static int list_dir_entries(DIR *d, int dfd, const char *prefix, jfile **l, size_t *n, size_t *allocated) {
        struct dirent *de;

        while ((errno = 0, de = readdir(d))) {
                struct stat st;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                if (S_ISDIR(st.st_mode) && !prefix) {
                        _cleanup_close_ int sub = openat(dfd, de->d_name,
                                                         O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        int r;

                        if (sub < 0)
                                continue;
                        r = list_dir(sub, de->d_name, l, n, allocated);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (!S_ISREG(st.st_mode) || !journal_name(de->d_name))
                        continue;
                if (*n >= JOURNAL_FILES_MAX)
                        return -E2BIG;
                if (*n == *allocated) {
                        size_t a = *allocated ? *allocated * 2 : 64;
                        jfile *t = realloc(*l, sizeof(*t) * a);

                        if (!t)
                                return -ENOMEM;
                        *l = t;
                        *allocated = a;
                }
                jfile *jf = &(*l)[*n];
                *jf = (jfile) {};
                if (prefix) {
                        if (asprintf(&jf->path, "%s/%s", prefix, de->d_name) < 0)
                                return -ENOMEM;
                } else {
                        jf->path = strdup(de->d_name);
                        if (!jf->path)
                                return -ENOMEM;
                        jf->sender = sender_of(de->d_name);
                }
                (*n)++;
        }
        return errno ? -errno : 0;
}

/* Read l[0..n) (one group) into f. */
static int read_group(fleet *f, int dfd, const jfile *l, size_t n) {
        _cleanup_free_ int *fds = calloc(n, sizeof(int));
        sd_journal *j = NULL;
        reader rd = { .sender = l[0].sender };
        size_t n_fds = 0;
        int r;

        if (!fds)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                int fd = openat(dfd, l[i].path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);

                if (fd >= 0)
                        fds[n_fds++] = fd;
        }
        r = 0;
        if (n_fds == 0)
                goto done;
        if (rd.sender && asprintf(&rd.key, "/%s", rd.sender) < 0) {
                r = -ENOMEM;
                goto done;
        }
        r = sd_journal_open_files_fd(&j, fds, (unsigned) n_fds, 0);
        if (r < 0)
                goto done;
        r = sd_journal_add_match(j, "SYSLOG_IDENTIFIER=lastgood", 0);
        if (r < 0)
                goto done;
        SD_JOURNAL_FOREACH(j) {
                r = fleet_add_entry(f, &rd, j);
                if (r < 0)
                        goto done;
        }
        if (rd.foreign > 0) {
                _cleanup_free_ char *e = lg_escape_string(LG_ESCAPE_LINE, rd.foreign_id);

                log_warning("Dropped %" PRIu64 " entr%s of sender %s that speak for another host (%s): "
                            "an uploaded journal speaks only for its own host.",
                            rd.foreign, rd.foreign == 1 ? "y" : "ies", rd.sender, strna(e));
                f->foreign += rd.foreign;
                f->foreign_senders++;
        }
done:
        sd_journal_close(j);
        for (size_t i = 0; i < n_fds; i++)
                close(fds[i]);
        free(rd.bound);
        free(rd.key);
        free(rd.foreign_id);
        return r;
}

/* Two senders that name the same machine: at most one of them is that
 * machine. Both stay apart (neither speaks for the other); it is said. */
static int warn_shared_machines(const fleet *f) {
        _cleanup_(lg_strmap_done) lg_strmap by_mid = {};
        size_t k, said = 0;

        for (size_t i = 0; i < f->n; i++) {
                const host *h = &f->hosts[i];

                if (!h->sender || !h->machine_id)
                        continue;
                if (!lg_strmap_get(&by_mid, h->machine_id, &k)) {
                        if (lg_strmap_put(&by_mid, h->machine_id, i) < 0)
                                return -ENOMEM;
                        continue;
                }
                if (said++ < 10) {
                        _cleanup_free_ char *a = lg_escape_string(LG_ESCAPE_LINE, f->hosts[k].sender),
                                            *b = lg_escape_string(LG_ESCAPE_LINE, h->sender),
                                            *m = lg_escape_string(LG_ESCAPE_LINE, h->machine_id);

                        log_warning("Senders %s and %s both name machine %s: each is shown as its own host.",
                                    strna(a), strna(b), strna(m));
                }
        }
        return 0;
}

/* Every journal file of dir, sender by sender. -ENOENT when there is
 * none (journalctl -D: "No journal files were found."). */
static int fleet_read(fleet *f, const char *dir) {
        _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        jfile *l = NULL;
        size_t n = 0, allocated = 0;
        int r;

        if (dfd < 0)
                return -errno;
        r = list_dir(dfd, NULL, &l, &n, &allocated);
        if (r >= 0 && n == 0)
                r = -ENOMEDIUM;
        if (r < 0)
                goto done;
        qsort(l, n, sizeof(*l), jfile_cmp);
        for (size_t i = 0, k; i < n; i = k) {
                for (k = i + 1; k < n && streq_ptr(l[k].sender, l[i].sender); k++)
                        ;
                r = read_group(f, dfd, l + i, k - i);
                if (r < 0)
                        goto done;
        }
        r = warn_shared_machines(f);
done:
        jfiles_free(l, n);
        return r;
}

static fleet_state host_state(const host *h) {
        if (h->level >= 3)
                return FS_EXHAUSTED;
        if (h->level >= 1)
                return FS_SAFE_MODE;
        if (h->armed)
                return FS_ARMED;
        return FS_STEADY;
}

static int host_cmp(const void *a, const void *b) {
        const host *x = *(const host *const *) a, *y = *(const host *const *) b;
        fleet_state sx = host_state(x), sy = host_state(y);
        int r;

        if (sx != sy)
                return sx < sy ? -1 : 1;
        r = strcmp(x->hostname ?: "", y->hostname ?: "");
        return r ? r : strcmp(x->key, y->key);
}

/* ---- the selection: --state=, --since=, --host= ---------------------------- */

typedef struct selection {
        const host **hosts;    /* selected, sorted worst first */
        size_t n;
        size_t per_state[_FS_MAX];
        uint64_t silent_usec;  /* silent: no event since this time */
        size_t n_silent;
} selection;

static bool host_silent(const selection *s, const host *h) {
        return h->last_usec < s->silent_usec;
}

/* TIME: ISO 8601 (2025-11-29T07:06:40Z, "2025-11-29 07:06:40", 2025-11-29),
 * all UTC, or @SECONDS since the epoch. Returns 0 or -EINVAL. */
static int parse_time(const char *s, uint64_t *ret) {
        static const char *const formats[] = { "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S",
                                                "%Y-%m-%d" };
        struct tm tm;

        if (s[0] == '@') {
                char *end;
                unsigned long long v;

                errno = 0;
                v = strtoull(s + 1, &end, 10);
                if (errno || end == s + 1 || *end || v > UINT64_MAX / 1000000)
                        return -EINVAL;
                *ret = v * 1000000ULL;
                return 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(formats); i++) {
                const char *end;

                tm = (struct tm) {};
                end = strptime(s, formats[i], &tm);
                if (end && !*end) {
                        time_t t = timegm(&tm);

                        if (t < 0)
                                return -EINVAL;
                        *ret = (uint64_t) t * 1000000ULL;
                        return 0;
                }
        }
        return -EINVAL;
}

static bool host_matches(const lg_ctl *c, const host *h) {
        if (!c->host_filter)
                return true;
        return (h->hostname && fnmatch(c->host_filter, h->hostname, 0) == 0) ||
               streq_ptr(h->machine_id, c->host_filter);
}

static int select_hosts(const lg_ctl *c, const fleet *f, selection *s) {
        bool want_silent = streq_ptr(c->state_filter, "silent");
        int want_state = -1;

        if (c->state_filter && !want_silent) {
                for (int k = 0; k < _FS_MAX; k++)
                        if (streq(c->state_filter, fleet_state_names[k]))
                                want_state = k;
        }
        s->hosts = calloc(f->n + 1, sizeof(*s->hosts));
        if (!s->hosts)
                return -ENOMEM;
        for (size_t i = 0; i < f->n; i++) {
                const host *h = &f->hosts[i];

                if (!host_matches(c, h))
                        continue;
                if (want_state >= 0 && (int) host_state(h) != want_state)
                        continue;
                if (want_silent && !host_silent(s, h))
                        continue;
                s->hosts[s->n++] = h;
                s->per_state[host_state(h)]++;
                if (host_silent(s, h))
                        s->n_silent++;
        }
        if (s->n > 1)
                qsort(s->hosts, s->n, sizeof(*s->hosts), host_cmp);
        return 0;
}

/* ---- items: how many selected hosts withhold each ------------------------- */

typedef struct item_count {
        const char *name;
        const char *kind;
        const host **hosts;
        size_t n, allocated;
} item_count;

static int item_cmp(const void *a, const void *b) {
        const item_count *x = a, *y = b;

        if (x->n != y->n)
                return x->n > y->n ? -1 : 1;
        return strcmp(x->name, y->name);
}

static void items_free(item_count *c, size_t n) {
        for (size_t k = 0; k < n; k++)
                free(c[k].hosts);
        free(c);
}

static int count_items(const selection *s, item_count **ret, size_t *ret_n) {
        _cleanup_(lg_strmap_done) lg_strmap by_name = {};
        item_count *c = NULL;
        size_t n = 0, allocated = 0;

        for (size_t i = 0; i < s->n; i++) {
                const host *h = s->hosts[i];

                for (size_t w = 0; w < h->n_withheld; w++) {
                        const fitem *it = &h->withheld[w];
                        item_count *ic;
                        size_t k;

                        if (!lg_strmap_get(&by_name, it->name, &k)) {
                                if (n == allocated) {
                                        size_t a = allocated ? allocated * 2 : 64;
                                        item_count *t = realloc(c, sizeof(*c) * a);

                                        if (!t)
                                                goto oom;
                                        c = t;
                                        allocated = a;
                                }
                                k = n;
                                c[n++] = (item_count) { .name = it->name, .kind = it->kind };
                                if (lg_strmap_put(&by_name, it->name, k) < 0)
                                        goto oom;
                        }
                        ic = &c[k];
                        if (ic->n == ic->allocated) {
                                size_t a = ic->allocated ? ic->allocated * 2 : 8;
                                const host **t = realloc(ic->hosts, sizeof(*t) * a);

                                if (!t)
                                        goto oom;
                                ic->hosts = t;
                                ic->allocated = a;
                        }
                        ic->hosts[ic->n++] = h;
                }
        }
        if (n > 1)
                qsort(c, n, sizeof(*c), item_cmp);
        *ret = c;
        *ret_n = n;
        return 0;
oom:
        items_free(c, n);
        return -ENOMEM;
}

static void format_time(uint64_t usec, char buf[static 32]) {
        time_t t = (time_t) (usec / 1000000);
        struct tm tm;

        if (usec == 0 || !gmtime_r(&t, &tm) || strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
                strcpy(buf, "-");
}

static const char *host_name(const host *h) {
        return h->hostname ?: h->key;
}

/* ---- JSON ------------------------------------------------------------------ */

static json_object *strv_json(char **l) {
        json_object *a = json_object_new_array();

        for (char **x = l; a && x && *x; x++)
                json_object_array_add(a, json_object_new_string(*x));
        return a;
}

static json_object *summary_json(const selection *s, const item_count *items, size_t n_items) {
        json_object *o = json_object_new_object(), *st = json_object_new_object(), *top = json_object_new_array();
        char t[32];

        for (int k = 0; k < _FS_MAX; k++)
                json_object_object_add(st, fleet_state_names[k], json_object_new_int64((int64_t) s->per_state[k]));
        for (size_t k = 0; k < n_items && k < TOP_ITEMS; k++) {
                json_object *e = json_object_new_object();

                json_object_object_add(e, "name", json_object_new_string(items[k].name));
                json_object_object_add(e, "kind", lg_json_str(items[k].kind));
                json_object_object_add(e, "hosts", json_object_new_int64((int64_t) items[k].n));
                json_object_array_add(top, e);
        }
        format_time(s->silent_usec, t);
        json_object_object_add(o, "hosts", json_object_new_int64((int64_t) s->n));
        json_object_object_add(o, "states", st);
        json_object_object_add(o, "silent_since", s->silent_usec ? json_object_new_string(t) : NULL);
        json_object_object_add(o, "silent", json_object_new_int64((int64_t) s->n_silent));
        json_object_object_add(o, "top_items", top);
        return o;
}

static int print_json(const selection *s, const item_count *items, size_t n_items) {
        json_object *o = lg_json_doc_new(), *hosts = json_object_new_array(), *its = json_object_new_array();

        if (!o || !hosts || !its) {
                json_object_put(o);
                json_object_put(hosts);
                json_object_put(its);
                return -ENOMEM;
        }
        json_object_object_add(o, "summary", summary_json(s, items, n_items));
        for (size_t i = 0; i < s->n; i++) {
                const host *h = s->hosts[i];
                json_object *e = json_object_new_object(), *w = json_object_new_array();
                char t[32];

                format_time(h->last_usec, t);
                for (size_t k = 0; k < h->n_withheld; k++) {
                        json_object *it = json_object_new_object();

                        json_object_object_add(it, "name", json_object_new_string(h->withheld[k].name));
                        json_object_object_add(it, "kind", lg_json_str(h->withheld[k].kind));
                        json_object_object_add(it, "reason", lg_json_str(h->withheld[k].reason));
                        json_object_object_add(it, "agent", NULL);
                        json_object_object_add(it, "sha256", lg_json_str(h->withheld[k].sha256));
                        json_object_array_add(w, it);
                }
                json_object_object_add(e, "host", lg_json_str(h->hostname));
                json_object_object_add(e, "machine_id", lg_json_str(h->machine_id));
                json_object_object_add(e, "state", json_object_new_string(fleet_state_names[host_state(h)]));
                json_object_object_add(e, "level", json_object_new_int(MAX(h->level, 0)));
                json_object_object_add(e, "armed", json_object_new_boolean(h->armed));
                json_object_object_add(e, "tries", h->tries >= 0 ? json_object_new_int(h->tries) : NULL);
                json_object_object_add(e, "withheld", w);
                json_object_object_add(e, "culprits", strv_json(h->culprits));
                json_object_object_add(e, "last_event", lg_json_str(lg_msg_name(h->last_event)));
                json_object_object_add(e, "last_event_time", h->last_usec ? json_object_new_string(t) : NULL);
                json_object_object_add(e, "silent", json_object_new_boolean(host_silent(s, h)));
                json_object_array_add(hosts, e);
        }
        for (size_t k = 0; k < n_items; k++) {
                json_object *e = json_object_new_object(), *names = json_object_new_array();

                for (size_t i = 0; i < items[k].n; i++)
                        json_object_array_add(names, json_object_new_string(host_name(items[k].hosts[i])));
                json_object_object_add(e, "name", json_object_new_string(items[k].name));
                json_object_object_add(e, "kind", lg_json_str(items[k].kind));
                json_object_object_add(e, "hosts", json_object_new_int64((int64_t) items[k].n));
                json_object_object_add(e, "host_names", names);
                json_object_array_add(its, e);
        }
        json_object_object_add(o, "hosts", hosts);
        json_object_object_add(o, "items", its);
        return lg_json_print(o);
}

/* ---- OpenMetrics ------------------------------------------------------------ */

/* A label value as the text format has it (OpenMetrics, "ABNF":
 * escaped-char): '\\', '"' and newlines escaped, invalid UTF-8 and
 * controls as U+FFFD (never \x: the parsers reject it and drop the whole
 * file). Host and item names come from other hosts' journals. */
static int label(FILE *out, const char *s) {
        _cleanup_free_ char *e = lg_escape_string(LG_ESCAPE_LABEL, s ?: "");

        if (!e)
                return -ENOMEM;
        fprintf(out, "\"%s\"", e);
        return 0;
}

static int print_metrics(const selection *s, const item_count *items, size_t n_items) {
        int r = 0;

        printf("# TYPE lastgood_fleet_hosts gauge\n"
               "# HELP lastgood_fleet_hosts Hosts per lastgood state, from their journals.\n");
        for (int k = 0; k < _FS_MAX; k++)
                printf("lastgood_fleet_hosts{state=\"%s\"} %zu\n", fleet_state_names[k], s->per_state[k]);
        printf("# TYPE lastgood_fleet_silent_hosts gauge\n"
               "# HELP lastgood_fleet_silent_hosts Hosts without any lastgood event since the silence time.\n"
               "lastgood_fleet_silent_hosts %zu\n",
               s->n_silent);
        printf("# TYPE lastgood_fleet_silent_since_seconds gauge\n"
               "# HELP lastgood_fleet_silent_since_seconds The silence time, seconds since the epoch.\n"
               "lastgood_fleet_silent_since_seconds %" PRIu64 "\n",
               s->silent_usec / 1000000);
        printf("# TYPE lastgood_fleet_item_hosts gauge\n"
               "# HELP lastgood_fleet_item_hosts Hosts withholding the item in their last boot.\n");
        for (size_t k = 0; k < n_items; k++) {
                printf("lastgood_fleet_item_hosts{item=");
                r |= label(stdout, items[k].name);
                printf(",kind=");
                r |= label(stdout, items[k].kind ?: "");
                printf("} %zu\n", items[k].n);
        }
        printf("# TYPE lastgood_fleet_host_level gauge\n"
               "# HELP lastgood_fleet_host_level Safe-mode level of the host's last boot (3: exhausted).\n");
        for (size_t i = 0; i < s->n; i++) {
                printf("lastgood_fleet_host_level{host=");
                r |= label(stdout, host_name(s->hosts[i]));
                printf(",machine_id=");
                r |= label(stdout, s->hosts[i]->machine_id ?: "");
                printf("} %d\n", MAX(s->hosts[i]->level, 0));
        }
        printf("# TYPE lastgood_fleet_host_last_event_seconds gauge\n"
               "# HELP lastgood_fleet_host_last_event_seconds Time of the host's last lastgood event.\n");
        for (size_t i = 0; i < s->n; i++) {
                printf("lastgood_fleet_host_last_event_seconds{host=");
                r |= label(stdout, host_name(s->hosts[i]));
                printf(",machine_id=");
                r |= label(stdout, s->hosts[i]->machine_id ?: "");
                printf("} %" PRIu64 "\n", s->hosts[i]->last_usec / 1000000);
        }
        printf("# EOF\n");
        if (r < 0)
                return -ENOMEM;
        return fflush(stdout) == 0 ? 0 : -EIO;
}

/* ---- text ------------------------------------------------------------------ */

/* The terminal's width, COLUMNS when set, else 0 (not a terminal: lines
 * are not cut, a pipe gets everything). */
static size_t output_width(void) {
        const char *e = getenv("COLUMNS");
        struct winsize ws;

        if (e && atoi(e) > 0)
                return (size_t) atoi(e);
        if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
                return ws.ws_col;
        return 0;
}

/* Print s in at most width columns (0: no limit), "..." when cut. */
static void print_cut(const char *s, size_t width) {
        size_t len = strlen(s);

        if (width == 0 || len <= width)
                fputs(s, stdout);
        else if (width <= 3)
                printf("%.*s", (int) width, "...");
        else
                printf("%.*s...", (int) (width - 3), s);
}

static char *join_withheld(const host *h) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        if (!f)
                return NULL;
        for (size_t i = 0; i < h->n_withheld; i++)
                fprintf(f, "%s%s", i ? "," : "", h->withheld[i].name);
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
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

static void print_summary(const selection *s, const item_count *items, size_t n_items, size_t width) {
        char t[32];
        size_t shown = 0;

        printf("%zu host%s:", s->n, s->n == 1 ? "" : "s");
        for (int k = 0; k < _FS_MAX; k++)
                printf(" %zu %s%s", s->per_state[k], fleet_state_names[k], k + 1 < _FS_MAX ? "," : ".\n");
        format_time(s->silent_usec, t);
        printf("Silent since %s: %zu host%s", t, s->n_silent, s->n_silent == 1 ? "" : "s");
        for (size_t i = 0; i < s->n && shown < SILENT_NAMES; i++)
                if (host_silent(s, s->hosts[i]))
                        printf("%s%s", shown++ ? ", " : " (", host_name(s->hosts[i]));
        printf("%s.\n", shown == 0 ? "" : s->n_silent > shown ? ", ...)" : ")");
        if (n_items == 0) {
                printf("No host withholds anything.\n");
                return;
        }
        printf("Withheld on the most hosts:\n");
        for (size_t k = 0; k < n_items && k < TOP_ITEMS; k++) {
                printf("%7zu  ", items[k].n);
                print_cut(items[k].name, width > 9 ? width - 9 : 0);
                printf("\n");
        }
        if (n_items > TOP_ITEMS)
                printf("    ... %zu more items (--json lists them all)\n", n_items - TOP_ITEMS);
}

static int print_text(const selection *s, const item_count *items, size_t n_items) {
        size_t width = output_width(), hw = 4, used;

        print_summary(s, items, n_items, width);
        if (s->n == 0)
                return 0;
        for (size_t i = 0; i < s->n; i++)
                hw = MAX(hw, strlen(host_name(s->hosts[i])));
        hw = MIN(hw, (size_t) 32);
        printf("\n%-*s %-9s %5s %5s %-16s %-20s %-16s %s\n", (int) hw, "HOST", "STATE", "LEVEL", "ARMED",
               "LAST-EVENT", "TIME", "CULPRITS", "WITHHELD");
        used = hw + 1 + 10 + 6 + 6 + 17 + 21 + 17;
        for (size_t i = 0; i < s->n; i++) {
                const host *h = s->hosts[i];
                _cleanup_free_ char *w = join_withheld(h), *c = join(h->culprits);
                char t[32];

                if (!w || !c)
                        return -ENOMEM;
                format_time(h->last_usec, t);
                printf("%-*.*s %-9s %5d %5s %-16s %-20s %-16.16s ", (int) hw, (int) hw, host_name(h),
                       fleet_state_names[host_state(h)], MAX(h->level, 0), h->armed ? "yes" : "no",
                       strna(lg_msg_name(h->last_event)), t, *c ? c : "-");
                /* "  (silent)" is 10 columns. */
                size_t room = used + (host_silent(s, h) ? 10 : 0);

                print_cut(*w ? w : "-", width > room + 3 ? width - room : width ? 3 : 0);
                printf("%s\n", host_silent(s, h) ? "  (silent)" : "");
        }
        return 0;
}

/* ---- the deny list ------------------------------------------------------------ */

static int print_deny_list(const lg_ctl *c, fleet *f, const selection *s, uint64_t since) {
        _cleanup_free_ ctl_deny_entry *e = NULL;
        unsigned min = c->min_hosts ?: 1;
        size_t n = 0;
        char t[32];

        for (size_t i = 0; i < s->n; i++)
                for (size_t k = 0; k < s->hosts[i]->n_verdicts; k++)
                        f->verdicts[s->hosts[i]->verdicts[k]].hosts++;
        e = calloc(f->n_verdicts + 1, sizeof(*e));
        if (!e)
                return -ENOMEM;
        for (size_t k = 0; k < f->n_verdicts; k++) {
                const verdict *v = &f->verdicts[k];

                if (v->hosts < min)
                        continue;
                e[n] = (ctl_deny_entry) { .kind = v->kind, .name = v->name, .agent = v->agent,
                                          .hosts = v->hosts, .usec = v->first_usec, .time_word = "first seen" };
                memcpy(e[n].fp, v->fp, sizeof(v->fp));
                n++;
        }
        ctl_deny_sort(e, n);
        printf("# lastgood deny list (lastgood-deny.d(5)), made by lastgoodctl fleet --deny-list\n"
               "# from the journals of %zu host%s: %zu fingerprint%s that %s a verdict\n"
               "# (crash-log, narrowed, only-change) on at least %u host%s",
               s->n, s->n == 1 ? "" : "s", n, n == 1 ? "" : "s", n == 1 ? "was" : "were", min,
               min == 1 ? "" : "s");
        if (since) {
                ctl_deny_time(since, t);
                printf(" since %s", t);
        }
        printf(".\n");
        for (size_t k = 0; k < n; k++)
                if (ctl_deny_print(stdout, &e[k]) < 0)
                        return -EIO;
        return fflush(stdout) == 0 ? 0 : -EIO;
}

int verb_fleet(lg_ctl *c, int argc, char **argv) {
        fleet f = {};
        selection s = {};
        item_count *items = NULL;
        size_t n_items = 0;
        const char *dir = c->directory;
        uint64_t since = 0;
        int r;

        if (!dir && argc == 2)
                dir = argv[1];
        if (!dir || argc > 2) {
                log_error(
                        "fleet needs --directory=DIR (a journal directory, as written by systemd-journal-remote).");
                return LG_EXIT_USAGE;
        }
        if (c->json + c->metrics + c->deny_list > 1) {
                log_error("--json, --metrics and --deny-list exclude each other.");
                return LG_EXIT_USAGE;
        }
        if (c->min_hosts && !c->deny_list) {
                log_error("--min-hosts= goes with --deny-list.");
                return LG_EXIT_USAGE;
        }
        if (c->state_filter) {
                bool known = streq(c->state_filter, "silent");

                for (int k = 0; k < _FS_MAX; k++)
                        known = known || streq(c->state_filter, fleet_state_names[k]);
                if (!known) {
                        log_error("--state= takes steady, armed, safe-mode, exhausted or silent, "
                                  "not \"%s\".",
                                  c->state_filter);
                        return LG_EXIT_USAGE;
                }
        }
        if (c->since && parse_time(c->since, &since) < 0) {
                log_error("--since= takes a UTC time (2025-11-29T07:06:40Z, 2025-11-29) or "
                          "@SECONDS, not \"%s\".",
                          c->since);
                return LG_EXIT_USAGE;
        }

        f.want_verdicts = c->deny_list;
        f.verdict_since = since;
        r = fleet_read(&f, dir);
        if (r == -ENOMEDIUM) {
                log_error("No journal files were found in %s.", dir);
                fleet_done(&f);
                return LG_EXIT_FAILURE;
        }
        if (r == -ENOENT || r == -ENOTDIR || r == -EACCES) {
                log_error("cannot open journal directory %s: %s", dir, strerror(-r));
                fleet_done(&f);
                return LG_EXIT_FAILURE;
        }
        if (r < 0)
                goto fail;
        if (f.foreign_senders > 1)
                log_warning("%" PRIu64 " entr%s of %zu sender%s dropped: they spoke for another host.", f.foreign,
                            f.foreign == 1 ? "y" : "ies", f.foreign_senders, f.foreign_senders == 1 ? "" : "s");

        s.silent_usec = c->since                                ? since
                        : f.newest_usec > SILENT_DEFAULT_USEC ? f.newest_usec - SILENT_DEFAULT_USEC
                                                                : 0;
        r = select_hosts(c, &f, &s);
        if (r < 0)
                goto fail;
        r = count_items(&s, &items, &n_items);
        if (r < 0)
                goto fail;
        r = c->deny_list ? print_deny_list(c, &f, &s, since)
            : c->metrics ? print_metrics(&s, items, n_items)
            : c->json    ? print_json(&s, items, n_items)
                         : print_text(&s, items, n_items);
        items_free(items, n_items);
        if (r < 0)
                goto fail;
        free(s.hosts);
        fleet_done(&f);
        return LG_EXIT_OK;

fail:
        log_error("reading the journals of %s failed: %s", dir, strerror(-r));
        free(s.hosts);
        fleet_done(&f);
        return LG_EXIT_FAILURE;
}
