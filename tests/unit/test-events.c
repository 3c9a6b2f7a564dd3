/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Journal events: the ID table, the field list, the spool format with
 * hostile values, the early sink under a temporary root, exactly-once
 * forwarding, and the journal sink (sd_journal_sendv() and access() are
 * wrapped with -Wl,--wrap so no journal is needed). */
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cmocka.h>

#include "events.h"
#include "journal.h"
#include "log.h"
#include "macro.h"
#include "rootfs.h"
#include "strv.h"

/* --wrap: the journal socket check and the journal itself. */
int __real_access(const char *path, int mode);
int __wrap_access(const char *path, int mode);
int __wrap_sd_journal_sendv(const struct iovec *iov, int n);
ssize_t __real_write(int fd, const void *buf, size_t n);
ssize_t __wrap_write(int fd, const void *buf, size_t n);

/* > 0: the next write() to the spool writes only this many bytes (a /run
 * that fills up in the middle of a record). */
static size_t spool_short_write;

ssize_t __wrap_write(int fd, const void *buf, size_t n) {
        char link[64], target[PATH_MAX];
        ssize_t k;

        if (spool_short_write > 0 && spool_short_write < n) {
                snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
                k = readlink(link, target, sizeof(target) - 1);
                if (k > 0) {
                        target[k] = '\0';
                        if (k >= (ssize_t) strlen(LG_EVENTS_SPOOL) &&
                            strcmp(target + k - strlen(LG_EVENTS_SPOOL), LG_EVENTS_SPOOL) == 0) {
                                n = spool_short_write;
                                spool_short_write = 0;
                        }
                }
        }
        return __real_write(fd, buf, n);
}

static char **journal_got; /* fields of the last sd_journal_sendv() */
static bool journal_present;

int __wrap_access(const char *path, int mode) {
        if (strcmp(path, "/run/systemd/journal/socket") == 0) {
                if (journal_present)
                        return 0;
                errno = ENOENT;
                return -1;
        }
        return __real_access(path, mode);
}

int __wrap_sd_journal_sendv(const struct iovec *iov, int n) {
        journal_got = lg_strv_free(journal_got);
        for (int i = 0; i < n; i++) {
                char *s = strndup(iov[i].iov_base, iov[i].iov_len);

                assert_non_null(s);
                assert_int_equal(lg_strv_push(&journal_got, s), 0);
                free(s);
        }
        return 0;
}

static const char *field(char **fields, const char *key) {
        size_t n = strlen(key);

        for (char **f = fields; f && *f; f++)
                if (strncmp(*f, key, n) == 0 && (*f)[n] == '=')
                        return *f + n + 1;
        return NULL;
}

static void test_ids(void **state) {
        for (int i = 0; i < _LG_MSG_MAX; i++) {
                const char *id = lg_msg_id((lg_msg) i);

                assert_non_null(id);
                assert_int_equal(strlen(id), 32);
                assert_int_equal(strspn(id, "0123456789abcdef"), 32);
                assert_non_null(lg_msg_name((lg_msg) i));
                assert_int_equal(lg_msg_from_id(id), i);
                for (int j = 0; j < i; j++) {
                        assert_string_not_equal(id, lg_msg_id((lg_msg) j));
                        assert_string_not_equal(lg_msg_name((lg_msg) i), lg_msg_name((lg_msg) j));
                }
        }
        assert_string_equal(lg_msg_id(LG_MSG_BOOT_COUNTED), "f512fca8badc4407aed2807c102a59a3");
        assert_string_equal(lg_msg_id(LG_MSG_OVERRIDE), "d6040cbea783455b8c8f8248cd1f3cc8");
        assert_string_equal(lg_msg_id(LG_MSG_CULPRIT), "c3b3145aed6c4a7c8b1517766ebb932c");
        assert_string_equal(lg_msg_id(LG_MSG_NARROWING), "7dc2bf4fc2304e85b2bdb5dc504b4bde");
        assert_string_equal(lg_msg_id(LG_MSG_DENIED), "9e4cca18777541b5a0e7af80d37aeb7e");
        assert_string_equal(lg_msg_name(LG_MSG_DENIED), "denied");
        assert_null(lg_msg_id(_LG_MSG_MAX));
        assert_null(lg_msg_name((lg_msg) -1));
        assert_int_equal(lg_msg_from_id("00000000000000000000000000000000"), _LG_MSG_INVALID);
        assert_int_equal(lg_msg_from_id(NULL), _LG_MSG_INVALID);
}

static void test_fields(void **state) {
        _cleanup_strv_free_ char **f = NULL;
        lg_event e = LG_EVENT_INIT(LG_MSG_WITHHELD);

        e.message = "Withholding module nvidia.";
        e.item = "nvidia";
        e.item_kind = "module";
        e.reason = "changed";
        e.level = 1;
        e.tries = 0;
        assert_int_equal(lg_event_fields(&e, &f), 0);
        assert_string_equal(field(f, "MESSAGE_ID"), "202bb5539a0b41fb99c1ed313c3c5435");
        assert_string_equal(field(f, "SYSLOG_IDENTIFIER"), "lastgood");
        assert_string_equal(field(f, "PRIORITY"), "5");
        assert_string_equal(field(f, "MESSAGE"), "Withholding module nvidia.");
        assert_string_equal(field(f, "LASTGOOD_ITEM"), "nvidia");
        assert_string_equal(field(f, "LASTGOOD_ITEM_KIND"), "module");
        assert_string_equal(field(f, "LASTGOOD_REASON"), "changed");
        assert_string_equal(field(f, "LASTGOOD_LEVEL"), "1");
        assert_string_equal(field(f, "LASTGOOD_TRIES"), "0");
        /* Unset fields are left out. */
        assert_null(field(f, "LASTGOOD_THRESHOLD"));
        assert_null(field(f, "LASTGOOD_BOOT_SEQ"));
        assert_null(field(f, "LASTGOOD_KERNEL"));
        assert_null(field(f, "LASTGOOD_EVIDENCE"));

        /* A bad message number is refused, not sent. */
        e.msg = _LG_MSG_MAX;
        assert_int_equal(lg_event_emit(NULL, LG_SINK_JOURNAL, &e), -EINVAL);
}

static lg_event hostile_event(void) {
        lg_event e = LG_EVENT_INIT(LG_MSG_CULPRIT);

        e.message = "line1\nMESSAGE_ID=967cd6dae204458f9c1f906356f7aaf2\n\nPRIORITY=0\n";
        e.item = "evil\\x0a\n\nMESSAGE_ID=02a4660dc9834676abaff33688fb8024\nLASTGOOD_ITEM=innocent";
        e.evidence = "\x01\x1b[31m\x7f\\n\\\\";
        e.kernel = "6.1.0-18-amd64";
        e.boot_seq = 42;
        e.threshold = 2;
        return e;
}

static void test_spool_roundtrip_hostile(void **state) {
        _cleanup_strv_free_ char **fields = NULL, **fields2 = NULL;
        _cleanup_free_ char *rec = NULL;
        lg_event e = hostile_event();
        size_t size, pos = 0;

        assert_int_equal(lg_event_format_spool(&e, &rec, &size), 0);
        assert_int_equal(strlen(rec), size);
        /* Exactly one record: the only empty line is its end. */
        assert_non_null(strstr(rec, "\n\n"));
        assert_ptr_equal(strstr(rec, "\n\n"), rec + size - 2);
        for (size_t i = 0; i < size; i++)
                assert_true(rec[i] == '\n' || ((unsigned char) rec[i] >= 0x20 && rec[i] != 0x7f));

        assert_int_equal(lg_spool_parse_record(rec, size, &pos, &fields), 1);
        assert_int_equal(pos, size);
        assert_string_equal(field(fields, "MESSAGE_ID"), "c3b3145aed6c4a7c8b1517766ebb932c");
        assert_string_equal(field(fields, "MESSAGE"), e.message);
        assert_string_equal(field(fields, "LASTGOOD_ITEM"), e.item);
        assert_string_equal(field(fields, "LASTGOOD_EVIDENCE"), e.evidence);
        assert_string_equal(field(fields, "LASTGOOD_BOOT_SEQ"), "42");
        assert_string_equal(field(fields, "LASTGOOD_THRESHOLD"), "2");
        assert_int_equal(lg_spool_parse_record(rec, size, &pos, &fields2), 0);
        assert_null(fields2);
}

static void test_spool_corrupt(void **state) {
        static const char *const bad[] = {
                "MESSAGE_ID=f512fca8badc4407aed2807c102a59a3\nPRIORITY=5\nMESSAGE=x\\q\n\n", /* bad escape */
                "MESSAGE_ID=f512fca8badc4407aed2807c102a59a3\n_PID=1\n\n", /* trusted field */
                "MESSAGE_ID=f512fca8badc4407aed2807c102a59a3\nlower=1\n\n",
                "MESSAGE_ID=00000000000000000000000000000000\nMESSAGE=x\n\n", /* unknown id */
                "MESSAGE=no id\n\n",
                "garbage without equals\n\n",
                "MESSAGE_ID=f512fca8badc4407aed2807c102a59a3\nMESSAGE=\\x00\n\n", /* NUL */
                "MESSAGE_ID=f512fca8badc4407aed2807c102a59a3\nMESSAGE=\\x4\n\n",
                "MESSAGE_ID=f512fca8badc4407aed2807c102a59a3\nMESSAGE=a\\\n\n",
                "MESSAGE_ID=f512fca8badc4407aed2807c102a59a3\nMESSAGE=\x01\n\n",
        };
        const char good[] = "MESSAGE_ID=f512fca8badc4407aed2807c102a59a3\nMESSAGE=ok\n\n";

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_strv_free_ char **fields = NULL;
                _cleanup_free_ char *buf = NULL;
                size_t pos = 0, n;

                /* A corrupt record is skipped; the next one is still read. */
                assert_true(asprintf(&buf, "%s%s", bad[i], good) > 0);
                n = strlen(buf);
                assert_int_equal(lg_spool_parse_record(buf, n, &pos, &fields), -EBADMSG);
                assert_int_equal(pos, strlen(bad[i]));
                assert_int_equal(lg_spool_parse_record(buf, n, &pos, &fields), 1);
                assert_string_equal(field(fields, "MESSAGE"), "ok");
                assert_int_equal(pos, n);
        }

        /* Truncated: no complete record, nothing consumed. */
        {
                _cleanup_strv_free_ char **fields = NULL;
                size_t pos = 0;

                assert_int_equal(lg_spool_parse_record(good, 30, &pos, &fields), 0);
                assert_int_equal(pos, 0);
                assert_int_equal(lg_spool_parse_record(good, sizeof(good) - 2, &pos, &fields), 0);
                assert_int_equal(pos, 0);
                assert_int_equal(lg_spool_parse_record("", 0, &pos, &fields), 0);
                assert_int_equal(lg_spool_parse_record("\n\n\n", 3, &pos, &fields), 0);
        }
}

/* A temporary root. */
typedef struct fixture {
        char dir[64];
        lg_root *root;
} fixture;

static int setup(void **state) {
        fixture *f = calloc(1, sizeof(*f));

        strcpy(f->dir, "/tmp/test-events.XXXXXX");
        if (!mkdtemp(f->dir) || lg_root_new(f->dir, &f->root) < 0)
                return -1;
        *state = f;
        return 0;
}

static int teardown(void **state) {
        fixture *f = *state;
        char cmd[128];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
        lg_root_free(f->root);
        free(f);
        return system(cmd) == 0 ? 0 : -1;
}

static char *slurp(fixture *f, const char *path, size_t *size) {
        char *buf = NULL;

        if (lg_root_read_file(f->root, path, 1 << 22, &buf, size) < 0)
                return NULL;
        return buf;
}

typedef struct collected {
        char **ids;     /* MESSAGE_ID of each sent event */
        char **items;   /* LASTGOOD_ITEM or "-" */
        int fail_after; /* fail the send after this many, -1 never */
} collected;

static int collect(const struct iovec *iov, size_t n, void *userdata) {
        collected *c = userdata;
        const char *id = NULL, *item = "-";

        if (c->fail_after == 0)
                return -ECONNREFUSED;
        if (c->fail_after > 0)
                c->fail_after--;
        for (size_t i = 0; i < n; i++) {
                const char *s = iov[i].iov_base;

                assert_int_equal(strlen(s), iov[i].iov_len);
                if (strncmp(s, "MESSAGE_ID=", 11) == 0)
                        id = s + 11;
                if (strncmp(s, "LASTGOOD_ITEM=", 14) == 0)
                        item = s + 14;
        }
        assert_non_null(id);
        assert_int_equal(lg_strv_push(&c->ids, id), 0);
        assert_int_equal(lg_strv_push(&c->items, item), 0);
        return 0;
}

static void collected_done(collected *c) {
        c->ids = lg_strv_free(c->ids);
        c->items = lg_strv_free(c->items);
}

static void emit_item(fixture *f, lg_msg m, const char *item) {
        lg_event e = LG_EVENT_INIT(m);

        e.item = item;
        assert_int_equal(lg_event_emit(f->root, LG_SINK_EARLY, &e), 0);
}

static void test_early_sink(void **state) {
        fixture *f = *state;
        _cleanup_free_ char *kmsg = NULL, *spool = NULL;
        lg_event e = hostile_event();
        size_t size;

        /* No /dev/kmsg under the root: ignored, the spool still gets it. */
        assert_int_equal(lg_event_emit(f->root, LG_SINK_EARLY, &e), 0);
        spool = slurp(f, LG_EVENTS_SPOOL, &size);
        assert_non_null(spool);
        assert_non_null(strstr(spool, "MESSAGE_ID=c3b3145aed6c4a7c8b1517766ebb932c\n"));
        free(spool);

        /* With a /dev/kmsg: one line, priority prefix, no control bytes. */
        assert_int_equal(lg_root_mkdir_p(f->root, "/dev", 0755), 0);
        assert_int_equal(lg_root_write_atomic(f->root, "/dev/kmsg", "", 0, 0644), 0);
        e = (lg_event) LG_EVENT_INIT(LG_MSG_SAFE_MODE);
        e.message = "Safe mode level 1:\nwithholding 2 items.";
        e.priority = 4;
        assert_int_equal(lg_event_emit(f->root, LG_SINK_EARLY, &e), 0);
        kmsg = slurp(f, "/dev/kmsg", &size);
        assert_non_null(kmsg);
        assert_string_equal(kmsg, "<28>lastgood: Safe mode level 1: withholding 2 items.\n");

        spool = slurp(f, LG_EVENTS_SPOOL, &size);
        assert_non_null(spool);
        {
                _cleanup_strv_free_ char **a = NULL, **b = NULL;
                size_t pos = 0;

                assert_int_equal(lg_spool_parse_record(spool, size, &pos, &a), 1);
                assert_int_equal(lg_spool_parse_record(spool, size, &pos, &b), 1);
                assert_string_equal(field(b, "PRIORITY"), "4");
                assert_string_equal(field(b, "MESSAGE"), e.message);
                assert_int_equal(pos, size);
        }
}

static void test_forward_exactly_once(void **state) {
        fixture *f = *state;
        collected c = { .fail_after = -1 };
        _cleanup_free_ char *sent = NULL;
        size_t size;

        /* Nothing spooled: nothing sent, no error. */
        assert_int_equal(lg_events_forward_spool_with(f->root, collect, &c), 0);

        emit_item(f, LG_MSG_BOOT_COUNTED, "a");
        emit_item(f, LG_MSG_SAFE_MODE, "b");
        emit_item(f, LG_MSG_WITHHELD, "c\n\nMESSAGE_ID=02a4660dc9834676abaff33688fb8024");
        assert_int_equal(lg_events_forward_spool_with(f->root, collect, &c), 3);
        assert_int_equal(lg_strv_length(c.ids), 3);
        assert_string_equal(c.ids[0], "f512fca8badc4407aed2807c102a59a3");
        assert_string_equal(c.ids[2], "202bb5539a0b41fb99c1ed313c3c5435");
        assert_string_equal(c.items[2], "c\n\nMESSAGE_ID=02a4660dc9834676abaff33688fb8024");

        /* Second call: nothing again. */
        assert_int_equal(lg_events_forward_spool_with(f->root, collect, &c), 0);
        assert_int_equal(lg_strv_length(c.ids), 3);

        /* New events later in the boot: only those. */
        emit_item(f, LG_MSG_HEALTHY, "d");
        assert_int_equal(lg_events_forward_spool_with(f->root, collect, &c), 1);
        assert_int_equal(lg_events_forward_spool_with(f->root, collect, &c), 0);
        assert_int_equal(lg_strv_length(c.ids), 4);
        assert_string_equal(c.items[3], "d");

        sent = slurp(f, LG_EVENTS_SENT, &size);
        assert_non_null(sent);
        collected_done(&c);
}

static void test_forward_send_fails(void **state) {
        fixture *f = *state;
        collected c = { .fail_after = 1 };

        emit_item(f, LG_MSG_BOOT_COUNTED, "a");
        emit_item(f, LG_MSG_SAFE_MODE, "b");
        emit_item(f, LG_MSG_WITHHELD, "c");
        /* The journal goes away after one event: that one is sent, the rest
         * waits for the next call. */
        assert_int_equal(lg_events_forward_spool_with(f->root, collect, &c), 1);
        c.fail_after = 0;
        assert_int_equal(lg_events_forward_spool_with(f->root, collect, &c), -ECONNREFUSED);
        c.fail_after = -1;
        assert_int_equal(lg_events_forward_spool_with(f->root, collect, &c), 2);
        assert_int_equal(lg_strv_length(c.items), 3);
        assert_string_equal(c.items[0], "a");
        assert_string_equal(c.items[1], "b");
        assert_string_equal(c.items[2], "c");
        collected_done(&c);
}

static void append(fixture *f, const char *path, const char *s, size_t n) {
        int fd = lg_root_open(f->root, path, O_WRONLY | O_APPEND | O_CREAT, 0644);

        assert_true(fd >= 0);
        assert_int_equal(write(fd, s, n), (ssize_t) n);
        close(fd);
}

static void test_forward_corrupt_spool(void **state) {
        fixture *f = *state;
        collected c = { .fail_after = -1 };
        const char junk[] = "\x00\xff garbage\nMESSAGE_ID=nope\n\n";

        emit_item(f, LG_MSG_BOOT_COUNTED, "a");
        append(f, LG_EVENTS_SPOOL, junk, sizeof(junk) - 1);
        emit_item(f, LG_MSG_SAFE_MODE, "b");
        /* A record cut short at the end (a crash while writing). */
        append(f, LG_EVENTS_SPOOL, "MESSAGE_ID=605d133f879541c6af3eb804f5a8449e\nMESS", 48);
        assert_int_equal(lg_events_forward_spool_with(f->root, collect, &c), 2);
        assert_string_equal(c.items[0], "a");
        assert_string_equal(c.items[1], "b");
        assert_int_equal(lg_events_forward_spool_with(f->root, collect, &c), 0);
        collected_done(&c);
}

static void test_forward_bad_offset(void **state) {
        fixture *f = *state;
        collected c = { .fail_after = -1 };

        emit_item(f, LG_MSG_BOOT_COUNTED, "a");
        emit_item(f, LG_MSG_SAFE_MODE, "b");
        /* An offset in the middle of the first record: resume at the next. */
        assert_int_equal(lg_root_write_atomic(f->root, LG_EVENTS_SENT, "20\n", 3, 0644), 0);
        assert_int_equal(lg_events_forward_spool_with(f->root, collect, &c), 1);
        assert_string_equal(c.items[0], "b");
        /* An offset past the end (the spool shrank): nothing, no crash. */
        assert_int_equal(lg_root_write_atomic(f->root, LG_EVENTS_SENT, "999999\n", 7, 0644), 0);
        assert_int_equal(lg_events_forward_spool_with(f->root, collect, &c), 0);
        emit_item(f, LG_MSG_HEALTHY, "d");
        assert_int_equal(lg_events_forward_spool_with(f->root, collect, &c), 1);
        assert_string_equal(c.items[1], "d");
        /* Garbage in the offset file: start over rather than lose events. */
        assert_int_equal(lg_root_write_atomic(f->root, LG_EVENTS_SENT, "xyz", 3, 0644), 0);
        assert_int_equal(lg_events_forward_spool_with(f->root, collect, &c), 3);
        collected_done(&c);
}

static void test_spool_bounded(void **state) {
        fixture *f = *state;
        char *big = malloc(4000);
        lg_event e = LG_EVENT_INIT(LG_MSG_WITHHELD);
        struct stat st;
        char path[128];
        int r = 0, n;

        assert_non_null(big);
        memset(big, 'x', 3999);
        big[3999] = '\0';
        e.item = big;
        for (n = 0; n < 1000 && r == 0; n++)
                r = lg_event_emit(f->root, LG_SINK_EARLY, &e);
        assert_int_equal(r, -ENOSPC);
        snprintf(path, sizeof(path), "%s" LG_EVENTS_SPOOL, f->dir);
        assert_int_equal(stat(path, &st), 0);
        assert_true(st.st_size <= LG_EVENTS_SPOOL_MAX);
        free(big);
}

/* A record cut short by a full /run is taken back: the records after it
 * are forwarded intact, each exactly once. */
static void test_spool_short_write(void **state) {
        fixture *f = *state;
        lg_event e = LG_EVENT_INIT(LG_MSG_WITHHELD);
        collected c = { .fail_after = -1 };
        struct stat st;
        char path[128];
        off_t before;

        emit_item(f, LG_MSG_WITHHELD, "first");
        snprintf(path, sizeof(path), "%s" LG_EVENTS_SPOOL, f->dir);
        assert_int_equal(stat(path, &st), 0);
        before = st.st_size;

        e.item = "cut";
        spool_short_write = 20;
        assert_true(lg_event_emit(f->root, LG_SINK_EARLY, &e) < 0);
        assert_int_equal(spool_short_write, 0); /* the wrap did cut it */
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_size, before);

        emit_item(f, LG_MSG_RELEASED, "third");
        assert_int_equal(lg_events_forward_spool_with(f->root, collect, &c), 2);
        assert_int_equal(lg_strv_length(c.items), 2);
        assert_string_equal(c.items[0], "first");
        assert_string_equal(c.items[1], "third");
        assert_string_equal(c.ids[1], lg_msg_id(LG_MSG_RELEASED));
        collected_done(&c);
}

static void test_journal_sink(void **state) {
        lg_event e = LG_EVENT_INIT(LG_MSG_PROVEN);

        e.boot_seq = 7;
        e.kernel = "6.1.0";
        journal_present = true;
        /* Without lg_journal_install() (lastgood-early links no libsystemd):
         * no sender, stderr, nothing sent. */
        lg_event_set_journal_sender(NULL);
        assert_int_equal(lg_event_emit(NULL, LG_SINK_JOURNAL, &e), -ENOTCONN);
        assert_null(journal_got);

        lg_journal_install();
        assert_int_equal(lg_event_emit(NULL, LG_SINK_JOURNAL, &e), 0);
        assert_string_equal(field(journal_got, "MESSAGE_ID"), "7c3647799b584874825ece8b306b803b");
        assert_string_equal(field(journal_got, "SYSLOG_IDENTIFIER"), "lastgood");
        assert_string_equal(field(journal_got, "LASTGOOD_BOOT_SEQ"), "7");
        assert_string_equal(field(journal_got, "LASTGOOD_KERNEL"), "6.1.0");
        assert_non_null(field(journal_got, "MESSAGE"));
        journal_got = lg_strv_free(journal_got);

        /* No journal: stderr, an error for the caller to ignore, no send. */
        journal_present = false;
        assert_int_equal(lg_event_emit(NULL, LG_SINK_JOURNAL, &e), -ENOENT);
        assert_null(journal_got);
}

/* lg_log()'s journal target: native (fields) only when stderr is the
 * journal stream the service manager connected ($JOURNAL_STREAM). */
static void test_log_native(void **state) {
        struct stat st;
        char stream[64];

        assert_int_equal(fstat(STDERR_FILENO, &st), 0);
        snprintf(stream, sizeof(stream), "%llu:%llu", (unsigned long long) st.st_dev,
                 (unsigned long long) st.st_ino);
        journal_present = true;
        lg_log_set_journal(NULL);
        lg_log_open(LG_LOG_JOURNAL, "lastgood-test");

        /* Not the journal stream: stderr ("<N>" prefix), nothing sent. */
        assert_int_equal(unsetenv("JOURNAL_STREAM"), 0);
        lg_journal_install();
        log_warning("on stderr");
        assert_null(journal_got);

        assert_int_equal(setenv("JOURNAL_STREAM", stream, 1), 0);
        lg_journal_install();
        log_warning("native %s", "line\n<0>forged");
        assert_non_null(journal_got);
        assert_string_equal(field(journal_got, "MESSAGE"), "native line\\x0a<0>forged");
        assert_string_equal(field(journal_got, "PRIORITY"), "4");
        assert_string_equal(field(journal_got, "SYSLOG_IDENTIFIER"), "lastgood-test");
        journal_got = lg_strv_free(journal_got);

        /* journald gone: back to stderr, nothing lost silently. */
        journal_present = false;
        log_warning("journald gone");
        assert_null(journal_got);
        assert_int_equal(unsetenv("JOURNAL_STREAM"), 0);
        lg_log_set_journal(NULL);
        lg_log_open(LG_LOG_STDERR, NULL);
}

static void test_export_format(void **state) {
        lg_event e = hostile_event();
        lg_export_meta meta = {
                .realtime_usec = 1700000000000000ULL,
                .monotonic_usec = 5000000,
                .boot_id = "0123456789abcdef0123456789abcdef",
                .machine_id = "fedcba9876543210fedcba9876543210",
                .hostname = "host-1",
        };
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        const char *p;
        uint64_t len = 0;

        assert_non_null(f);
        assert_int_equal(lg_event_format_export(&e, &meta, f), 0);
        fclose(f);
        assert_non_null(memmem(buf, size, "__REALTIME_TIMESTAMP=1700000000000000\n",
                               strlen("__REALTIME_TIMESTAMP=1700000000000000\n")));
        assert_non_null(memmem(buf, size, "_HOSTNAME=host-1\n", strlen("_HOSTNAME=host-1\n")));
        assert_non_null(memmem(buf, size, "MESSAGE_ID=c3b3145aed6c4a7c8b1517766ebb932c\n",
                               strlen("MESSAGE_ID=c3b3145aed6c4a7c8b1517766ebb932c\n")));
        assert_non_null(memmem(buf, size, "LASTGOOD_KERNEL=6.1.0-18-amd64\n",
                               strlen("LASTGOOD_KERNEL=6.1.0-18-amd64\n")));
        /* The item has newlines: binary form, NAME\n + le64 length + data. */
        p = memmem(buf, size, "\nLASTGOOD_ITEM\n", 15);
        assert_non_null(p);
        p += 15;
        for (int i = 0; i < 8; i++)
                len |= (uint64_t) (unsigned char) p[i] << (8 * i);
        assert_int_equal(len, strlen(e.item));
        assert_memory_equal(p + 8, e.item, len);
        assert_int_equal(p[8 + len], '\n');
        /* Ends with the empty line. */
        assert_int_equal(buf[size - 1], '\n');
        assert_int_equal(buf[size - 2], '\n');
        free(buf);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_ids),
                cmocka_unit_test(test_fields),
                cmocka_unit_test(test_spool_roundtrip_hostile),
                cmocka_unit_test(test_spool_corrupt),
                cmocka_unit_test_setup_teardown(test_early_sink, setup, teardown),
                cmocka_unit_test_setup_teardown(test_forward_exactly_once, setup, teardown),
                cmocka_unit_test_setup_teardown(test_forward_send_fails, setup, teardown),
                cmocka_unit_test_setup_teardown(test_forward_corrupt_spool, setup, teardown),
                cmocka_unit_test_setup_teardown(test_forward_bad_offset, setup, teardown),
                cmocka_unit_test_setup_teardown(test_spool_bounded, setup, teardown),
                cmocka_unit_test_setup_teardown(test_spool_short_write, setup, teardown),
                cmocka_unit_test(test_journal_sink),
                cmocka_unit_test(test_log_native),
                cmocka_unit_test(test_export_format),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
