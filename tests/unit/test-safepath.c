/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Safe paths (lib/basic/safepath.c), Content= refusals (lib/parse/agents.c) and the
 * watchdog's runtime move (watchdog/watch.c) against a temporary root in
 * which folders are swapped for symlinks, as an agent's user would. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "copy.h"
#include "escape.h"
#include "inventory.h"
#include "qname.h"
#include "macro.h"
#include "safepath.h"
#include "watch.h"

/* openat2 refused (Linux < 5.6, a seccomp filter): the component walk
 * must give the same answers. Injected through the linker. */
static bool no_openat2;
long __real_syscall(long n, ...);
long __wrap_syscall(long n, ...);
long __wrap_syscall(long n, ...) {
        va_list ap;
        long a, b, c, d;

        va_start(ap, n);
        a = va_arg(ap, long);
        b = va_arg(ap, long);
        c = va_arg(ap, long);
        d = va_arg(ap, long);
        va_end(ap);
        if (n == SYS_openat2 && no_openat2) {
                errno = ENOSYS;
                return -1;
        }
        return __real_syscall(n, a, b, c, d);
}

typedef struct fixture {
        char dir[64];
        lg_root *root;
} fixture;

static void put(const char *dir, const char *rel, const char *data) {
        char p[512];
        FILE *f;

        snprintf(p, sizeof(p), "%s/%s", dir, rel);
        f = fopen(p, "we");
        assert_non_null(f);
        fputs(data, f);
        fclose(f);
}

static void mk(const char *dir, const char *rel) {
        char p[512];

        snprintf(p, sizeof(p), "%s/%s", dir, rel);
        assert_int_equal(mkdir(p, 0755), 0);
}

static void ln(const char *dir, const char *target, const char *rel) {
        char p[512];

        snprintf(p, sizeof(p), "%s/%s", dir, rel);
        assert_int_equal(symlink(target, p), 0);
}

static bool exists(const char *dir, const char *rel) {
        char p[512];
        struct stat st;

        snprintf(p, sizeof(p), "%s/%s", dir, rel);
        return lstat(p, &st) == 0;
}

/* /etc/passwd, /etc/agent/rules.d/a.yaml, /etc/agent/link -> /etc (a
 * symlinked content folder), /opt/up -> /etc (a symlinked folder above),
 * /etc/agent/rules.d/file-link -> ../../passwd (a symlink as the file). */
static int setup(void **state) {
        fixture *f = calloc(1, sizeof(*f));

        no_openat2 = false;

        assert_non_null(f);
        strcpy(f->dir, "/tmp/lg-safepath-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        mk(f->dir, "etc");
        mk(f->dir, "etc/agent");
        mk(f->dir, "etc/agent/rules.d");
        mk(f->dir, "opt");
        put(f->dir, "etc/passwd", "root:x:0:0\n");
        put(f->dir, "etc/agent/rules.d/a.yaml", "rules\n");
        put(f->dir, "etc/agent/rules.d/.hidden", "hidden\n");
        ln(f->dir, "..", "etc/agent/link");
        ln(f->dir, "../etc", "opt/up");
        ln(f->dir, "../../passwd", "etc/agent/rules.d/file-link");
        assert_int_equal(lg_root_new(f->dir, &f->root), 0);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        fixture *f = *state;
        char cmd[128];

        lg_root_free(f->root);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
        assert_int_equal(system(cmd), 0);
        free(f);
        return 0;
}

static void test_safe_open(void **state) {
        fixture *f = *state;
        static const struct {
                const char *path;
                int flags;
                int want; /* 0: an fd */
        } cases[] = {
                { "/etc/passwd", O_RDONLY, 0 },
                { "/etc/agent/rules.d", O_RDONLY | O_DIRECTORY, 0 },
                { "/etc/agent/rules.d/", O_RDONLY | O_DIRECTORY, 0 }, /* a folder named with its slash */
                { "/", O_RDONLY | O_DIRECTORY, 0 },
                { "/etc/agent/link/passwd", O_RDONLY, -ELOOP },        /* symlinked folder */
                { "/etc/agent/link", O_RDONLY | O_DIRECTORY, -ELOOP }, /* the symlink itself */
                { "/opt/up/agent/rules.d/a.yaml", O_RDONLY, -ELOOP },  /* a folder above */
                { "/etc/agent/rules.d/file-link", O_RDONLY, -ELOOP },  /* the last component */
                { "/etc/../etc/passwd", O_RDONLY, -EINVAL },
                { "/etc/./passwd", O_RDONLY, -EINVAL },
                { "etc/passwd", O_RDONLY, -EINVAL },
                { "/etc/missing", O_RDONLY, -ENOENT },
                { "/etc/passwd/x", O_RDONLY, -ENOTDIR },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                int fd = lg_safe_open(f->root, cases[i].path, cases[i].flags);

                if (cases[i].want == 0) {
                        assert_true(fd >= 0);
                        close(fd);
                } else {
                        if (fd != cases[i].want)
                                fail_msg("%s: %d, want %d", cases[i].path, fd, cases[i].want);
                }
        }
}

static void test_safe_open_no_openat2(void **state) {
        no_openat2 = true;
        test_safe_open(state);
}

/* Under the watchdog's seccomp filter openat2() is refused: the parent of a
 * content file was then not found ('DIR/' walked to an empty name) and the
 * proven write kept no last good copy of any content. */
static void test_safe_walk_and_parent_no_openat2(void **state);

static void test_safe_walk_and_parent(void **state) {
        fixture *f = *state;
        const char *base = NULL;
        int fd;

        fd = lg_safe_open_parent(f->root, "/etc/agent/rules.d/a.yaml", &base);
        assert_true(fd >= 0);
        assert_string_equal(base, "a.yaml");
        close(fd);
        assert_int_equal(lg_safe_open_parent(f->root, "/etc/agent/link/passwd", &base), -ELOOP);
        assert_int_equal(lg_safe_open_parent(f->root, "/", &base), -EINVAL);
        assert_int_equal(lg_safe_open_parent(f->root, "/etc/", &base), -EINVAL);

        /* create: never through a symlink. */
        assert_int_equal(lg_safe_mkdir_open(f->root, "/opt/up/new", 0700), -ELOOP);
        assert_false(exists(f->dir, "etc/new"));
        fd = lg_safe_mkdir_open(f->root, "/var/lib/x", 0700);
        assert_true(fd >= 0);
        close(fd);
        assert_true(exists(f->dir, "var/lib/x"));
        assert_int_equal(lg_safe_walk(f->root->fd, "etc/../etc", false, 0), -EINVAL);
}

static void test_safe_walk_and_parent_no_openat2(void **state) {
        no_openat2 = true;
        test_safe_walk_and_parent(state);
        no_openat2 = false;
}

typedef struct matches {
        char seen[16][128];
        size_t n;
} matches;

static int collect(int dirfd, const char *name, const char *path, const struct stat *st, void *userdata) {
        matches *m = userdata;
        struct stat st2;

        /* dirfd/name is the entry itself, never a followed symlink. */
        assert_int_equal(fstatat(dirfd, name, &st2, AT_SYMLINK_NOFOLLOW), 0);
        assert_int_equal(st2.st_ino, st->st_ino);
        assert_true(m->n < 16);
        snprintf(m->seen[m->n++], 128, "%s%s", path, S_ISLNK(st->st_mode) ? "@" : "");
        return 0;
}

static bool has(const matches *m, const char *s) {
        for (size_t i = 0; i < m->n; i++)
                if (streq(m->seen[i], s))
                        return true;
        return false;
}

static void test_safe_glob(void **state) {
        fixture *f = *state;
        static const struct {
                const char *pattern;
                size_t n;
                const char *want[3];
        } cases[] = {
                { "/etc/agent/rules.d/*",
                  2,
                  { "/etc/agent/rules.d/a.yaml", "/etc/agent/rules.d/file-link@" } },
                { "/etc/agent/rules.d/a.yaml", 1, { "/etc/agent/rules.d/a.yaml" } },
                { "/etc/agent/*/a.yaml", 1, { "/etc/agent/rules.d/a.yaml" } }, /* not through link/ */
                { "/etc/agent/link/*", 0, {} },
                { "/opt/up/agent/rules.d/*", 0, {} },
                { "/opt/*/agent/rules.d/*", 0, {} },
                { "/etc/agent/rules.d/.h*", 1, { "/etc/agent/rules.d/.hidden" } },
                { "/nowhere/*", 0, {} },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                matches m = {};

                assert_int_equal(lg_safe_glob(f->root, cases[i].pattern, 0, collect, &m, NULL), 0);
                if (m.n != cases[i].n)
                        fail_msg("%s: %zu matches, want %zu", cases[i].pattern, m.n, cases[i].n);
                for (size_t k = 0; k < cases[i].n; k++)
                        if (!has(&m, cases[i].want[k]))
                                fail_msg("%s: %s not matched", cases[i].pattern, cases[i].want[k]);
        }
        assert_int_equal(lg_safe_glob(f->root, "/etc/../*", 0, collect, &(matches){}, NULL), -EINVAL);
}

static void test_glob_cap(void **state) {
        fixture *f = *state;
        matches m = {};
        bool truncated = false;

        assert_int_equal(lg_safe_glob(f->root, "/etc/agent/rules.d/*", 1, collect, &m, &truncated), 0);
        assert_int_equal(m.n, 1);
        assert_true(truncated);
}

static void test_tmp_name(void **state) {
        _cleanup_free_ char *a = NULL, *b = NULL;

        (void) state;
        assert_int_equal(lg_tmp_name("x.yaml", &a), 0);
        assert_int_equal(lg_tmp_name("x.yaml", &b), 0);
        assert_true(strncmp(a, ".#lastgood.x.yaml.", 18) == 0);
        assert_int_equal(strlen(a), 18 + 16);
        assert_string_not_equal(a, b);
}

static void test_content_pattern_allowed(void **state) {
        static const struct {
                const char *pattern;
                bool allowed;
        } cases[] = {
                { "/etc/falco/rules.d/*", true },
                { "/etc/falco/falco_rules.yaml", true },
                { "/opt/scanner/sig/*", true },
                { "/etc/agent.conf", true }, /* one plain file */
                { "/*", false },
                { "/etc/*", false },
                { "/etc/*/rules", false },
                { "/etc//*", false },
                { "/usr/*", false },
                { "/usr/lib/*.so", false },
                { "/boot/*", false },
                { "/run/*", false },
                { "/var/*", false },
                { "/proc/1/*", false },
                { "/sys/module/x", false },
                { "/var/lib/lastgood/*", false },
                { "/var/lib/lastgood/manifest", false },
                { "/var/lib/lastgood/content/x/*", false },
                { "/etc/lastgood/agents.d/*", false },
                { "/run/lastgood/withheld", false },
                { "/passwd", false },
                { "/var/lib/lastgood-other/*", true },
        };

        (void) state;
        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                if (lg_content_pattern_allowed(cases[i].pattern) != cases[i].allowed)
                        fail_msg("%s: want %s", cases[i].pattern, cases[i].allowed ? "allowed" : "refused");
}

static void test_content_covers(void **state) {
        char *content[] = { "/etc/falco/rules.d/*", "/etc/*", NULL };
        lg_agent a = { .name = "falco", .content = content };
        lg_agents all = { .agents = &a, .n = 1 };

        (void) state;
        assert_true(lg_content_covers(&a, "/etc/falco/rules.d/x.yaml"));
        assert_false(lg_content_covers(&a, "/etc/falco/rules.d/sub/x.yaml"));
        assert_false(lg_content_covers(&a, "/etc/shadow")); /* only by the refused /etc/ * */
        assert_false(lg_content_covers(&a, "/etc/falco/rules.d/.hidden"));
        assert_false(lg_content_covers(NULL, "/etc/falco/rules.d/x.yaml"));
        assert_ptr_equal(lg_agents_find_content(&all, "/etc/falco/rules.d/x.yaml"), &a);
        assert_null(lg_agents_find_content(&all, "/etc/passwd"));
}

/* The watchdog's runtime move: never through a symlinked folder. */
static void test_content_withhold(void **state) {
        fixture *f = *state;
        _cleanup_free_ char *dest = NULL;

        assert_int_equal(lg_content_withhold(f->root, "/etc/agent/link/passwd", 3, &dest), -ELOOP);
        assert_int_equal(lg_content_withhold(f->root, "/opt/up/passwd", 3, &dest), -ELOOP);
        assert_int_equal(lg_content_withhold(f->root, "/etc/agent/rules.d/file-link", 3, &dest), -ELOOP);
        assert_true(exists(f->dir, "etc/passwd"));
        assert_false(exists(f->dir, "var/lib/lastgood/quarantine/3/etc/agent/link/passwd"));

        assert_int_equal(lg_content_withhold(f->root, "/etc/agent/rules.d/a.yaml", 3, &dest), 0);
        assert_string_equal(dest, "/var/lib/lastgood/quarantine/3/etc/agent/rules.d/a.yaml");
        assert_false(exists(f->dir, "etc/agent/rules.d/a.yaml"));
        assert_true(exists(f->dir, "var/lib/lastgood/quarantine/3/etc/agent/rules.d/a.yaml"));
        /* The same path again: a new name, nothing replaced. */
        put(f->dir, "etc/agent/rules.d/a.yaml", "rules again\n");
        free(dest);
        dest = NULL;
        assert_int_equal(lg_content_withhold(f->root, "/etc/agent/rules.d/a.yaml", 3, &dest), 0);
        assert_string_equal(dest, "/var/lib/lastgood/quarantine/3/etc/agent/rules.d/a.yaml.1");
        /* A symlinked quarantine folder is refused too. */
        put(f->dir, "etc/agent/rules.d/b.yaml", "b\n");
        mk(f->dir, "var/lib/lastgood/quarantine/4");
        ln(f->dir, "../../../../opt", "var/lib/lastgood/quarantine/4/etc");
        free(dest);
        dest = NULL;
        assert_int_equal(lg_content_withhold(f->root, "/etc/agent/rules.d/b.yaml", 4, &dest), -ELOOP);
        assert_true(exists(f->dir, "etc/agent/rules.d/b.yaml"));
}

/* The manifest keeps ctime; one written before it (a field less) is still
 * read, with ctime 0 (unknown: the file is read again once). */
static void test_manifest_ctime(void **state) {
        static const char old[] =
                "lastgood-manifest 1\nkernel 6.1.0\n"
                "content /etc/a/x - 00000000000000aa 5 1700000000000000000 42\n"
                "module foo extra/foo.ko - 00000000000000bb 9 1700000000000000000 43\nend 2\n";
        lg_inventory inv = {}, again = {};
        _cleanup_free_ char *buf = NULL;
        size_t size;

        (void) state;
        assert_int_equal(lg_manifest_parse(old, sizeof(old) - 1, &inv), 0);
        assert_int_equal(inv.n, 2);
        for (size_t i = 0; i < inv.n; i++)
                assert_int_equal(inv.items[i].ctime_ns, 0);
        ((lg_inv_item *) lg_inventory_find(&inv, LG_ITEM_CONTENT, "/etc/a/x"))->ctime_ns =
                1700000001000000001ULL;
        assert_int_equal(lg_manifest_format(&inv, &buf, &size), 0);
        /* then "-": no SHA-256 known (an older manifest's item) */
        assert_non_null(strstr(buf, " 42 1700000001000000001 -\n"));
        assert_int_equal(lg_manifest_parse(buf, size, &again), 0);
        assert_int_equal(lg_inventory_find(&again, LG_ITEM_CONTENT, "/etc/a/x")->ctime_ns,
                         1700000001000000001ULL);
        assert_int_equal(lg_inventory_find(&again, LG_ITEM_MODULE, "foo")->ctime_ns, 0);
        lg_inventory_done(&inv);
        lg_inventory_done(&again);
}

static void test_qname(void **state) {
        char h[LG_QNAME_HASHED_LEN + 1], h2[LG_QNAME_HASHED_LEN + 1];
        char long_name[400];

        (void) state;
        memset(long_name, 'a', sizeof(long_name) - 1);
        long_name[0] = '/';
        long_name[sizeof(long_name) - 1] = '\0';
        assert_true(lg_qname_storable("/etc/falco/rules.d/x.yaml"));
        assert_false(lg_qname_storable("/etc/falco/\033[2J"));
        assert_false(lg_qname_storable(long_name));
        assert_false(lg_qname_storable(""));
        lg_qname_hash(long_name, h);
        lg_qname_hash("/etc/falco/\033[2J", h2);
        assert_int_equal(strlen(h), LG_QNAME_HASHED_LEN);
        assert_true(lg_qname_is_hashed(h));
        assert_false(lg_qname_is_hashed("/etc/x"));
        assert_false(lg_qname_is_hashed("#0123"));
        assert_string_not_equal(h, h2);
        assert_true(lg_qname_matches(h, long_name));
        assert_true(lg_qname_matches("/etc/x", "/etc/x"));
        assert_false(lg_qname_matches(h, "/etc/x"));
        assert_false(lg_qname_matches("/etc/x", long_name));
        assert_int_equal(lg_qname_budget(), LG_QUARANTINE_MAX_SIZE - 12);

        /* The cold record finds and removes an item by its full name. */
        lg_quarantine q = {};
        assert_int_equal(lg_quarantine_add(&q, LG_ITEM_CONTENT, h, 7), 1);
        assert_non_null(lg_quarantine_find(&q, LG_ITEM_CONTENT, long_name));
        assert_null(lg_quarantine_find(&q, LG_ITEM_CONTENT, "/etc/x"));
        assert_int_equal(lg_quarantine_remove(&q, long_name), 1);
        assert_int_equal(q.n, 0);
        lg_quarantine_done(&q);
}

/* Sparse copies: holes stay holes, the data bytes are bounded. */
static void test_copy_sparse(void **state) {
        fixture *f = *state;
        char src[128], dst[128], buf[8];
        _cleanup_close_ int in = -EBADF, out = -EBADF, out2 = -EBADF;
        uint64_t data = 0;
        struct stat st;

        snprintf(src, sizeof(src), "%s/sparse", f->dir);
        snprintf(dst, sizeof(dst), "%s/copy", f->dir);
        in = open(src, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        assert_true(in >= 0);
        /* 64 MiB hole, "payload", 64 MiB hole. */
        assert_int_equal(pwrite(in, "payload", 7, 64 << 20), 7);
        assert_int_equal(ftruncate(in, 128 << 20), 0);
        out = open(dst, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        assert_true(out >= 0);
        assert_int_equal(lg_copy_sparse(in, out, 128 << 20, 0, &data), 0);
        assert_int_equal(fstat(out, &st), 0);
        assert_int_equal(st.st_size, 128 << 20);
        assert_true(st.st_blocks * 512 < (1 << 20)); /* still sparse */
        assert_true(data < (1 << 20));
        assert_int_equal(pread(out, buf, 7, 64 << 20), 7);
        assert_memory_equal(buf, "payload", 7);
        assert_int_equal(pread(out, buf, 4, 0), 4);
        assert_memory_equal(buf, "\0\0\0\0", 4);

        /* A data budget smaller than the data: -EFBIG. */
        assert_int_equal(pwrite(in, "x", 1, 0), 1);
        snprintf(dst, sizeof(dst), "%s/copy2", f->dir);
        out2 = open(dst, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        assert_true(out2 >= 0);
        assert_int_equal(lg_copy_sparse(in, out2, 128 << 20, 1, NULL), -EFBIG);
}

static void test_escape(void **state) {
        static const struct {
                const char *in;
                const char *terminal;
                const char *utf8;
        } cases[] = {
                { "plain /etc/x.yaml", "plain /etc/x.yaml", "plain /etc/x.yaml" },
                { "tab\tand\nnewline", "tab\tand\nnewline", "tab\tand\nnewline" },
                { "esc\033[2J", "esc\\x1b[2J", "esc\033[2J" },
                { "cr\rbell\adel\177", "cr\\x0dbell\\x07del\\x7f", "cr\rbell\adel\177" },
                { "caf\xc3\xa9", "caf\xc3\xa9", "caf\xc3\xa9" },                   /* valid UTF-8 kept */
                { "bad\xff\xfe", "bad\\xff\\xfe", "bad\xef\xbf\xbd\xef\xbf\xbd" }, /* invalid bytes */
                { "c1\xc2\x9b", "c1\\xc2\\x9b", "c1\xc2\x9b" },                    /* U+009B, CSI */
                { "bidi\xe2\x80\xae", "bidi\\xe2\\x80\\xae", "bidi\xe2\x80\xae" }, /* U+202E */
                { "cut\xc3", "cut\\xc3", "cut\xef\xbf\xbd" },                      /* truncated at the end */
                { "over\xc0\xaf\"", "over\\xc0\\xaf\"",
                  "over\xef\xbf\xbd\xef\xbf\xbd\"" }, /* overlong '/' */
                { "sur\xed\xa0\x80", "sur\\xed\\xa0\\x80", "sur\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
                { "lead\xe2\"q", "lead\\xe2\"q", "lead\xef\xbf\xbd\"q" }, /* the quote is never swallowed */
        };

        (void) state;
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *t = lg_escape_string(LG_ESCAPE_TERMINAL, cases[i].in);
                _cleanup_free_ char *u = lg_escape_string(LG_ESCAPE_UTF8, cases[i].in);

                assert_non_null(t);
                assert_non_null(u);
                if (!streq(t, cases[i].terminal))
                        fail_msg("case %zu terminal: %s", i, t);
                if (!streq(u, cases[i].utf8))
                        fail_msg("case %zu utf8: %s", i, u);
        }

        /* LINE: a newline or tab in a name cannot start a new log line. */
        _cleanup_free_ char *l = lg_escape_string(LG_ESCAPE_LINE, "x\n<0>forged\tline\033");
        assert_string_equal(l, "x\\x0a<0>forged\\x09line\\x1b");

        /* LABEL: a Prometheus label value: backslash, quote and newline escaped,
         * U+FFFD for invalid or unsafe bytes (never \x, which parsers reject). */
        static const struct {
                const char *in, *label;
        } labels[] = {
                { "/etc/x.yaml", "/etc/x.yaml" },
                { "a\"b\\c\nd", "a\\\"b\\\\c\\nd" },
                { "esc\033[2J\r", "esc\xef\xbf\xbd[2J\xef\xbf\xbd" },
                { "bad\xff", "bad\xef\xbf\xbd" },
                { "caf\xc3\xa9\ttab", "caf\xc3\xa9\ttab" },
                { "bidi\xe2\x80\xae", "bidi\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
                { "\\x41", "\\\\x41" },
        };
        for (size_t i = 0; i < ELEMENTSOF(labels); i++) {
                _cleanup_free_ char *b = lg_escape_string(LG_ESCAPE_LABEL, labels[i].in);

                assert_non_null(b);
                if (!streq(b, labels[i].label))
                        fail_msg("case %zu label: %s", i, b);
        }

        /* A sequence split across two writes is held back, not escaped. */
        char *out;
        size_t len, used;
        assert_int_equal(lg_escape(LG_ESCAPE_TERMINAL, "ab\xc3", 3, false, &out, &len, &used), 0);
        assert_string_equal(out, "ab");
        assert_int_equal(used, 2);
        free(out);
        assert_int_equal(lg_escape(LG_ESCAPE_TERMINAL, "\xc3\xa9", 2, false, &out, &len, &used), 0);
        assert_string_equal(out, "\xc3\xa9");
        assert_int_equal(used, 2);
        free(out);
}

/* A name in a command the tool suggests is one shell word: pasted, it is
 * the name and runs nothing; what it prints is printable ASCII. */
static void test_shell_quote(void **state) {
        static const struct {
                const char *in, *out;
        } cases[] = {
                { "nvidia", "nvidia" },
                { "/etc/falco/rules.d/a-b_c.yaml", "/etc/falco/rules.d/a-b_c.yaml" },
                { "", "''" },
                { "a b", "'a b'" },
                { "x$(id>pwned)", "'x$(id>pwned)'" },
                { "`id`;rm", "'`id`;rm'" },
                { "it's", "'it'\\''s'" },
                { "tab\there", "$'tab\\x09here'" },
                { "esc\033[2J", "$'esc\\x1b[2J'" },
                { "c1\xc2\x9b", "$'c1\\xc2\\x9b'" },
                { "raw\x9b", "$'raw\\x9b'" },
                { "bidi\xe2\x80\xae'\\", "$'bidi\\xe2\\x80\\xae\\'\\\\'" },
                { "nl\n$(id)", "$'nl\\x0a$(id)'" },
        };

        (void) state;
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *q = lg_shell_quote(cases[i].in);

                assert_non_null(q);
                if (!streq(q, cases[i].out))
                        fail_msg("case %zu: %s, not %s", i, q, cases[i].out);
                for (const char *p = q; *p; p++)
                        assert_true(*p >= 0x20 && *p < 0x7f);
        }
        assert_null(lg_shell_quote(NULL));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_safe_open, setup, teardown),
                cmocka_unit_test_setup_teardown(test_safe_open_no_openat2, setup, teardown),
                cmocka_unit_test_setup_teardown(test_safe_walk_and_parent, setup, teardown),
                cmocka_unit_test_setup_teardown(test_safe_walk_and_parent_no_openat2, setup, teardown),
                cmocka_unit_test_setup_teardown(test_safe_glob, setup, teardown),
                cmocka_unit_test_setup_teardown(test_glob_cap, setup, teardown),
                cmocka_unit_test(test_tmp_name),
                cmocka_unit_test(test_content_pattern_allowed),
                cmocka_unit_test(test_content_covers),
                cmocka_unit_test(test_manifest_ctime),
                cmocka_unit_test(test_qname),
                cmocka_unit_test(test_escape),
                cmocka_unit_test(test_shell_quote),
                cmocka_unit_test_setup_teardown(test_copy_sparse, setup, teardown),
                cmocka_unit_test_setup_teardown(test_content_withhold, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
