/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Journal events of DESIGN.md: to the journal in the main system; to
 * /dev/kmsg and a spool under /run in early boot, forwarded to the journal
 * exactly once later. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "events.h"
#include "escape.h"
#include "macro.h"
#include "strv.h"

/* Longest value written to the spool or /dev/kmsg; longer ones are cut. */
#define VALUE_MAX 4096
/* A kmsg record holds about 1 KiB of text. */
#define KMSG_MAX 900

static const struct {
        const char *id;
        const char *name;
        const char *message;
} msg_table[_LG_MSG_MAX] = {
        [LG_MSG_BOOT_COUNTED] = { "f512fca8badc4407aed2807c102a59a3", "boot-counted", "Boot counted." },
        [LG_MSG_SAFE_MODE] = { "605d133f879541c6af3eb804f5a8449e", "safe-mode", "Safe mode entered." },
        [LG_MSG_WITHHELD] = { "202bb5539a0b41fb99c1ed313c3c5435", "withheld", "Item withheld." },
        [LG_MSG_HEALTHY] = { "c4e37499c9ef4c4eb05e8cc6773f08ce", "healthy", "Boot healthy." },
        [LG_MSG_PROVEN] = { "7c3647799b584874825ece8b306b803b", "proven",
                            "Boot proven, new last known good." },
        [LG_MSG_UNHEALTHY] = { "1ad7ae27e18e41ed99f2fa0b506c8ae5", "unhealthy", "Boot unhealthy." },
        [LG_MSG_CULPRIT] = { "c3b3145aed6c4a7c8b1517766ebb932c", "culprit",
                             "Culprit named from crash log." },
        [LG_MSG_EXHAUSTED] = { "967cd6dae204458f9c1f906356f7aaf2", "exhausted", "Recovery exhausted." },
        [LG_MSG_RELEASED] = { "02a4660dc9834676abaff33688fb8024", "released", "Item released." },
        [LG_MSG_STATE_CORRUPT] = { "b01d199650a743cda75439e341b24aa1", "state-corrupt",
                                   "Boot state corrupt or reset." },
        [LG_MSG_ARMED] = { "b83179c7853e45618ad897dcd4ce5248", "armed", "Change seen, counting armed." },
        [LG_MSG_OVERRIDE] = { "d6040cbea783455b8c8f8248cd1f3cc8", "override",
                              "Administrator override in force." },
        [LG_MSG_RESET] = { "c1777c1426114746bc56bdfbf1d02426", "reset-on-failure",
                           "Reset on failure set up for an armed boot." },
        [LG_MSG_NARROWING] = { "7dc2bf4fc2304e85b2bdb5dc504b4bde", "narrowing", "Narrowing step." },
        [LG_MSG_DENIED] = { "9e4cca18777541b5a0e7af80d37aeb7e", "denied", "Item denied by a fleet list." },
};

const char *lg_msg_id(lg_msg m) {
        if ((int) m < 0 || m >= _LG_MSG_MAX)
                return NULL;
        return msg_table[m].id;
}

const char *lg_msg_name(lg_msg m) {
        if ((int) m < 0 || m >= _LG_MSG_MAX)
                return NULL;
        return msg_table[m].name;
}

lg_msg lg_msg_from_id(const char *id) {
        for (int i = 0; id && i < _LG_MSG_MAX; i++)
                if (streq(msg_table[i].id, id))
                        return (lg_msg) i;
        return _LG_MSG_INVALID;
}

static int push_int(char ***l, const char *key, long long v) {
        if (v < 0)
                return 0;
        return lg_strv_pushf(l, "%s=%lld", key, v);
}

static int push_str(char ***l, const char *key, const char *v) {
        if (!v)
                return 0;
        return lg_strv_pushf(l, "%s=%s", key, v);
}

int lg_event_fields(const lg_event *e, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        const char *id = lg_msg_id(e->msg);
        int prio = e->priority >= 0 && e->priority <= LOG_DEBUG ? e->priority : LOG_NOTICE;
        int r;

        if (!id)
                return -EINVAL;
        r = lg_strv_pushf(&l, "MESSAGE_ID=%s", id);
        if (r >= 0)
                r = lg_strv_pushf(&l, "PRIORITY=%d", prio);
        if (r >= 0)
                r = lg_strv_push(&l, "SYSLOG_IDENTIFIER=lastgood");
        if (r >= 0)
                r = push_str(&l, "MESSAGE", e->message ?: msg_table[e->msg].message);
        if (r >= 0)
                r = push_str(&l, "LASTGOOD_EVENT", msg_table[e->msg].name);
        if (r >= 0)
                r = push_int(&l, "LASTGOOD_TRIES", e->tries);
        if (r >= 0)
                r = push_int(&l, "LASTGOOD_THRESHOLD", e->threshold);
        if (r >= 0)
                r = push_int(&l, "LASTGOOD_LEVEL", e->level);
        if (r >= 0)
                r = push_str(&l, "LASTGOOD_MODE", e->mode);
        if (r >= 0)
                r = push_str(&l, "LASTGOOD_ITEM", e->item);
        if (r >= 0)
                r = push_str(&l, "LASTGOOD_ITEM_KIND", e->item_kind);
        if (r >= 0)
                r = push_str(&l, "LASTGOOD_REASON", e->reason);
        if (r >= 0)
                r = push_str(&l, "LASTGOOD_KERNEL", e->kernel);
        if (r >= 0)
                r = push_int(&l, "LASTGOOD_BOOT_SEQ", e->boot_seq);
        if (r >= 0)
                r = push_str(&l, "LASTGOOD_EVIDENCE", e->evidence);
        if (r >= 0)
                r = push_str(&l, "LASTGOOD_ITEM_SHA256", e->item_sha256);
        if (r >= 0)
                r = push_str(&l, "LASTGOOD_VERDICT", e->verdict);
        if (r >= 0)
                r = push_str(&l, "LASTGOOD_DENY_LIST", e->deny_list);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(l);
        return 0;
}

static bool needs_binary(const char *v) {
        for (; *v; v++)
                if ((unsigned char) *v < 0x20 || *v == 0x7f)
                        return true;
        return false;
}

int lg_event_format_export(const lg_event *e, const lg_export_meta *meta, FILE *f) {
        _cleanup_strv_free_ char **fields = NULL;
        int r;

        r = lg_event_fields(e, &fields);
        if (r < 0)
                return r;

        /* systemd-journal-remote drops entries without a realtime stamp. */
        if (meta && meta->realtime_usec > 0)
                fprintf(f, "__REALTIME_TIMESTAMP=%" PRIu64 "\n", meta->realtime_usec);
        else {
                struct timespec ts;

                clock_gettime(CLOCK_REALTIME, &ts);
                fprintf(f, "__REALTIME_TIMESTAMP=%" PRIu64 "\n",
                        (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000);
        }
        if (meta) {
                if (meta->monotonic_usec > 0 && meta->boot_id)
                        fprintf(f, "__MONOTONIC_TIMESTAMP=%" PRIu64 "\n", meta->monotonic_usec);
                if (meta->boot_id)
                        fprintf(f, "_BOOT_ID=%s\n", meta->boot_id);
                if (meta->machine_id)
                        fprintf(f, "_MACHINE_ID=%s\n", meta->machine_id);
                if (meta->hostname)
                        fprintf(f, "_HOSTNAME=%s\n", meta->hostname);
        }
        for (char **s = fields; *s; s++) {
                const char *eq = strchr(*s, '=');
                const char *v = eq + 1;

                if (!needs_binary(v)) {
                        fprintf(f, "%s\n", *s);
                } else {
                        uint64_t len = strlen(v);
                        unsigned char le[8];

                        for (int i = 0; i < 8; i++)
                                le[i] = (unsigned char) (len >> (8 * i));
                        fprintf(f, "%.*s\n", (int) (eq - *s), *s);
                        fwrite(le, 1, sizeof(le), f);
                        fwrite(v, 1, len, f);
                        fputc('\n', f);
                }
        }
        fputc('\n', f);
        return ferror(f) ? -EIO : 0;
}

/* The spool's value escaping: the output never holds a control byte, so a
 * value can neither end its line nor its record. */
static int escape_value(const char *v, char **ret) {
        size_t n = MIN(strlen(v), (size_t) VALUE_MAX);
        char *buf = malloc(n * 4 + 1), *p = buf;

        if (!buf)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char) v[i];

                if (c == '\\') {
                        *p++ = '\\';
                        *p++ = '\\';
                } else if (c == '\n') {
                        *p++ = '\\';
                        *p++ = 'n';
                } else if (c < 0x20 || c == 0x7f) {
                        p += sprintf(p, "\\x%02x", c);
                } else
                        *p++ = (char) c;
        }
        *p = '\0';
        *ret = buf;
        return 0;
}

int lg_event_format_spool(const lg_event *e, char **ret, size_t *ret_size) {
        _cleanup_strv_free_ char **fields = NULL;
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        FILE *f;
        int r;

        r = lg_event_fields(e, &fields);
        if (r < 0)
                return r;
        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        for (char **s = fields; *s; s++) {
                const char *eq = strchr(*s, '=');
                _cleanup_free_ char *v = NULL;

                r = escape_value(eq + 1, &v);
                if (r < 0)
                        break;
                fprintf(f, "%.*s=%s\n", (int) (eq - *s), *s, v);
        }
        fputc('\n', f);
        if (fclose(f) != 0 && r >= 0)
                r = -ENOMEM;
        if (r < 0)
                return r;
        *ret = TAKE_PTR(buf);
        if (ret_size)
                *ret_size = size;
        return 0;
}

static bool spool_key_ok(const char *k, size_t n) {
        if (n == 0 || n > 64)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!((k[i] >= 'A' && k[i] <= 'Z') || (k[i] >= '0' && k[i] <= '9') || k[i] == '_'))
                        return false;
#define KEY_IS(s) (n == strlen(s) && memcmp(k, s, n) == 0)
        if (KEY_IS("MESSAGE_ID") || KEY_IS("PRIORITY") || KEY_IS("MESSAGE") || KEY_IS("SYSLOG_IDENTIFIER"))
                return true;
#undef KEY_IS
        return n > 9 && memcmp(k, "LASTGOOD_", 9) == 0;
}

static int hexval(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* One "KEY=escaped" line into "KEY=value". -EBADMSG when malformed. */
static int unescape_line(const char *p, size_t n, char **ret) {
        const char *eq = memchr(p, '=', n);
        _cleanup_free_ char *out = NULL;
        char *o;

        if (!eq || !spool_key_ok(p, (size_t) (eq - p)))
                return -EBADMSG;
        out = malloc(n + 1);
        if (!out)
                return -ENOMEM;
        memcpy(out, p, (size_t) (eq - p) + 1);
        o = out + (eq - p) + 1;
        for (const char *q = eq + 1; q < p + n; q++) {
                unsigned char c = (unsigned char) *q;

                if (c < 0x20 || c == 0x7f)
                        return -EBADMSG;
                if (c != '\\') {
                        *o++ = (char) c;
                        continue;
                }
                if (q + 1 >= p + n)
                        return -EBADMSG;
                q++;
                if (*q == '\\')
                        *o++ = '\\';
                else if (*q == 'n')
                        *o++ = '\n';
                else if (*q == 'x' && q + 2 < p + n && hexval(q[1]) >= 0 && hexval(q[2]) >= 0) {
                        int v = hexval(q[1]) * 16 + hexval(q[2]);

                        if (v == 0)
                                return -EBADMSG; /* never written: values are C strings */
                        *o++ = (char) v;
                        q += 2;
                } else
                        return -EBADMSG;
        }
        *o = '\0';
        *ret = TAKE_PTR(out);
        return 0;
}

int lg_spool_parse_record(const char *buf, size_t size, size_t *pos, char ***ret_fields) {
        _cleanup_strv_free_ char **fields = NULL;
        const char *start, *end, *p;
        bool has_id = false;
        size_t next, at = *pos;
        int r;

        /* Stray empty lines between records are harmless. */
        while (at < size && buf[at] == '\n')
                at++;
        if (at >= size)
                return 0;
        start = buf + at;
        end = memmem(start, size - at, "\n\n", 2);
        if (!end)
                return 0; /* incomplete: maybe still being written */
        next = (size_t) (end - buf) + 2;

        for (p = start; p <= end;) {
                const char *nl = memchr(p, '\n', (size_t) (end - p) + 1);
                size_t n = (size_t) (nl - p);
                char *line = NULL;

                r = unescape_line(p, n, &line);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        *pos = next;
                        return -EBADMSG;
                }
                if (strncmp(line, "MESSAGE_ID=", 11) == 0) {
                        if ((int) lg_msg_from_id(line + 11) < 0) {
                                free(line);
                                *pos = next;
                                return -EBADMSG;
                        }
                        has_id = true;
                }
                r = lg_strv_push(&fields, line);
                free(line);
                if (r < 0)
                        return r;
                p = nl + 1;
        }
        *pos = next;
        if (!has_id)
                return -EBADMSG;
        *ret_fields = TAKE_PTR(fields);
        return 1;
}

static void kmsg_write(const lg_root *root, const lg_event *e) {
        _cleanup_close_ int fd = -EBADF;
        const char *m = e->message ?: msg_table[e->msg].message;
        char line[KMSG_MAX + 32];
        int prio = e->priority >= 0 && e->priority <= LOG_DEBUG ? e->priority : LOG_NOTICE;
        size_t n;

        /* LOG_DAEMON: a facility of 0 would claim to be the kernel. */
        n = (size_t) snprintf(line, sizeof(line), "<%d>lastgood: ", LOG_DAEMON | prio);
        for (const char *p = m; *p && n < KMSG_MAX; p++) {
                unsigned char c = (unsigned char) *p;

                line[n++] = c < 0x20 || c == 0x7f ? ' ' : (char) c;
        }
        line[n++] = '\n';

        fd = lg_root_open(root, "/dev/kmsg", O_WRONLY | O_NOCTTY | O_APPEND, 0);
        if (fd < 0)
                return; /* no /dev/kmsg: the spool still has it */
        (void) !write(fd, line, n);
}

static int spool_append(const lg_root *root, const lg_event *e) {
        _cleanup_free_ char *rec = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        size_t size;
        ssize_t k;
        int r;

        r = lg_event_format_spool(e, &rec, &size);
        if (r < 0)
                return r;
        r = lg_root_mkdir_p(root, "/run/lastgood", 0755);
        if (r < 0)
                return r;
        fd = lg_root_open(root, LG_EVENTS_SPOOL, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NOCTTY,
                          0644);
        if (fd < 0)
                return fd;
        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        if ((size_t) st.st_size + size > LG_EVENTS_SPOOL_MAX)
                return -ENOSPC;
        /* One write() per record with O_APPEND: records of concurrent
         * writers never interleave. */
        do
                k = write(fd, rec, size);
        while (k < 0 && errno == EINTR);
        if (k >= 0 && (size_t) k == size)
                return 0;
        r = k < 0 ? negative_errno() : -ENOSPC;
        /* A short write (a full /run) leaves part of a record; cut it off,
         * or the next record appended would be read as its tail. The
         * stages of early boot are the only writers, one at a time. */
        if (k > 0 && ftruncate(fd, st.st_size) < 0) {
                /* nothing more to do: r already says the write failed */
        }
        return r;
}

static int fields_to_iovec(char **fields, struct iovec **ret, size_t *ret_n) {
        size_t n = lg_strv_length(fields);
        struct iovec *iov = calloc(n ? n : 1, sizeof(struct iovec));

        if (!iov)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                iov[i] = (struct iovec){ .iov_base = fields[i], .iov_len = strlen(fields[i]) };
        *ret = iov;
        *ret_n = n;
        return 0;
}

/* The main system's journal, installed by lg_journal_install()
 * (lib/journal/journal.c): this file links no libsystemd, so that lastgood-early,
 * which uses only LG_SINK_EARLY, maps none. */
static lg_event_sender journal_sender;

void lg_event_set_journal_sender(lg_event_sender send) {
        journal_sender = send;
}

static int journal_send(const struct iovec *iov, size_t n, void *userdata) {
        if (!journal_sender)
                return -ENOTCONN;
        return journal_sender(iov, n, userdata);
}

int lg_event_emit(const lg_root *root, lg_sink sink, const lg_event *e) {
        _cleanup_strv_free_ char **fields = NULL;
        _cleanup_free_ struct iovec *iov = NULL;
        size_t n;
        int r;

        if (!e || (int) e->msg < 0 || e->msg >= _LG_MSG_MAX)
                return -EINVAL;

        if (sink == LG_SINK_EARLY) {
                if (!root)
                        return -EINVAL;
                kmsg_write(root, e);
                return spool_append(root, e);
        }

        r = lg_event_fields(e, &fields);
        if (r >= 0)
                r = fields_to_iovec(fields, &iov, &n);
        if (r >= 0)
                r = journal_send(iov, n, NULL);
        if (r < 0) {
                /* Escaped: names are untrusted, one event stays one line. */
                _cleanup_free_ char *m =
                        lg_escape_string(LG_ESCAPE_LINE, e->message ?: msg_table[e->msg].message);
                _cleanup_free_ char *item = e->item ? lg_escape_string(LG_ESCAPE_LINE, e->item) : NULL;

                fprintf(stderr, "lastgood: %s [%s%s%s]\n", m ?: "(out of memory)", msg_table[e->msg].name,
                        e->item ? " " : "", item ?: "");
                return r;
        }
        return 0;
}

static int read_sent(const lg_root *root, size_t *ret) {
        _cleanup_free_ char *buf = NULL;
        unsigned long long v = 0;
        size_t size;
        int r;

        r = lg_root_read_file(root, LG_EVENTS_SENT, 64, &buf, &size);
        if (r == -ENOENT) {
                *ret = 0;
                return 0;
        }
        if (r < 0)
                return r;
        /* Unparsable: start over. Sending an event twice beats losing the
         * evidence of a failed boot. */
        for (char *p = buf; *p >= '0' && *p <= '9' && v < LG_EVENTS_SPOOL_MAX * 4ULL; p++)
                v = v * 10 + (unsigned) (*p - '0');
        *ret = (size_t) v;
        return 0;
}

static int write_sent(const lg_root *root, size_t off) {
        char s[32];
        int n = snprintf(s, sizeof(s), "%zu\n", off);

        return lg_root_write_atomic(root, LG_EVENTS_SENT, s, (size_t) n, 0644);
}

int lg_events_forward_spool_with(const lg_root *root, lg_event_sender send, void *userdata) {
        _cleanup_free_ char *buf = NULL;
        size_t size, pos, sent;
        int r, count = 0;

        r = lg_root_read_file(root, LG_EVENTS_SPOOL, LG_EVENTS_SPOOL_MAX + 65536, &buf, &size);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        r = read_sent(root, &sent);
        if (r < 0)
                return r;

        if (sent > size) {
                /* The spool shrank under us: what was there has been sent;
                 * start again at its end. */
                r = write_sent(root, size);
                return r < 0 ? r : 0;
        }
        pos = sent;
        if (pos > 0 && !(pos >= 2 && buf[pos - 1] == '\n' && buf[pos - 2] == '\n')) {
                /* Not at a record boundary: skip to the next one. */
                const char *b = memmem(buf + pos, size - pos, "\n\n", 2);

                pos = b ? (size_t) (b - buf) + 2 : size;
        }

        for (;;) {
                _cleanup_strv_free_ char **fields = NULL;
                _cleanup_free_ struct iovec *iov = NULL;
                size_t n;

                r = lg_spool_parse_record(buf, size, &pos, &fields);
                if (r == 0)
                        break;
                if (r == -ENOMEM)
                        return r;
                if (r > 0) {
                        r = fields_to_iovec(fields, &iov, &n);
                        if (r < 0)
                                return r;
                        r = send(iov, n, userdata);
                        if (r < 0)
                                return count > 0 ? count : r;
                        count++;
                }
                /* After each send (and after each skipped corrupt record):
                 * a crash between two sends repeats nothing. */
                r = write_sent(root, pos);
                if (r < 0)
                        return count > 0 ? count : r;
        }
        return count;
}

int lg_events_forward_spool(const lg_root *root) {
        return lg_events_forward_spool_with(root, journal_send, NULL);
}
