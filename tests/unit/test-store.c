/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The boot-state store (efi/store*.c) against a temporary efivarfs-like
 * directory and a temporary root, with failure injection.
 *
 * Environment: libefivar 37 picks its backend from LIBEFIVAR_OPS in a
 * constructor, before main(). So this binary re-executes itself once with
 * LIBEFIVAR_OPS=efivarfs and EFIVARFS_PATH=<fresh temporary dir>/efivars/
 * set (and LG_TEST_STORE_DIR naming that dir, which also stops the loop);
 * it works the same under "make check" and when run by hand, and needs no
 * wrapper script. A few tests run the binary again as a child with another
 * libefivar environment (no backend at all) to check the backend choice.
 *
 * Failure injection: -Wl,--wrap= (see efi/local.mk) on what libstore.a and
 * libbasic.a call directly: libefivar's entry points (its own syscalls are
 * inside a shared library, out of reach of --wrap), ioctl (immutable flag),
 * and write/fsync/openat/renameat of the file backend. A wrapper
 * passes through to __real_X unless its test armed it; armed wrappers take
 * their results from cmocka's will_return() queue, so a test also fails
 * when an expected call did not happen. */
#include <efivar/efivar.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <linux/fs.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "bootstate.h"
#include "macro.h"
#include "test-state.h"
#include "rootfs.h"
#include "store.h"

#define ATTRS 7U /* NON_VOLATILE | BOOTSERVICE_ACCESS | RUNTIME_ACCESS */
#define STATE_VAR "LastGoodState-" LG_VENDOR_GUID_STR
#define QUAR_VAR "LastGoodQuarantine-" LG_VENDOR_GUID_STR
#define WRITE_PASS INT_MAX

static char *tmpdir;     /* LG_TEST_STORE_DIR */
static char *efivars;    /* tmpdir/efivars/ */
static char *rootdir;    /* tmpdir/root */

/* --- wrappers --- */

static bool mock_efi_get, mock_efi_set, mock_efi_del, mock_ioctl, mock_write, mock_fsync, mock_openat_creat,
        mock_renameat;
static unsigned n_efi_get, n_efi_set, n_efi_del;
static unsigned fake_flags;          /* inode flags the mocked ioctl reports */
static int setflags_errno;           /* the mocked FS_IOC_SETFLAGS fails with this */
static bool set_saw_immutable;       /* efi_set_variable ran while the flag was set */
static unsigned n_setflags;

int __real_efi_get_variable(efi_guid_t guid, const char *name, uint8_t **data, size_t *size, uint32_t *attr);
int __wrap_efi_get_variable(efi_guid_t guid, const char *name, uint8_t **data, size_t *size, uint32_t *attr);
int __wrap_efi_get_variable(efi_guid_t guid, const char *name, uint8_t **data, size_t *size, uint32_t *attr) {
        n_efi_get++;
        if (mock_efi_get) {
                int e = mock_type(int);
                if (e) {
                        errno = e;
                        return -1;
                }
        }
        return __real_efi_get_variable(guid, name, data, size, attr);
}

int __real_efi_set_variable(efi_guid_t guid, const char *name, uint8_t *data, size_t size, uint32_t attr, mode_t mode);
int __wrap_efi_set_variable(efi_guid_t guid, const char *name, uint8_t *data, size_t size, uint32_t attr, mode_t mode);
int __wrap_efi_set_variable(efi_guid_t guid, const char *name, uint8_t *data, size_t size, uint32_t attr, mode_t mode) {
        n_efi_set++;
        if (fake_flags & FS_IMMUTABLE_FL)
                set_saw_immutable = true;
        if (mock_efi_set) {
                int e = mock_type(int);
                if (e) {
                        errno = e;
                        return -1;
                }
        }
        return __real_efi_set_variable(guid, name, data, size, attr, mode);
}

int __real_efi_del_variable(efi_guid_t guid, const char *name);
int __wrap_efi_del_variable(efi_guid_t guid, const char *name);
int __wrap_efi_del_variable(efi_guid_t guid, const char *name) {
        n_efi_del++;
        if (mock_efi_del) {
                int e = mock_type(int);
                if (e) {
                        errno = e;
                        return -1;
                }
        }
        return __real_efi_del_variable(guid, name);
}

int __real_ioctl(int fd, unsigned long req, ...);
int __wrap_ioctl(int fd, unsigned long req, ...);
int __wrap_ioctl(int fd, unsigned long req, ...) {
        va_list ap;
        void *arg;

        va_start(ap, req);
        arg = va_arg(ap, void *);
        va_end(ap);
        if (!mock_ioctl)
                return __real_ioctl(fd, req, arg);
        if (req == FS_IOC_GETFLAGS) {
                *(unsigned *) arg = fake_flags;
                return 0;
        }
        if (req == FS_IOC_SETFLAGS) {
                n_setflags++;
                if (setflags_errno) {
                        errno = setflags_errno;
                        return -1;
                }
                fake_flags = *(unsigned *) arg;
                return 0;
        }
        return __real_ioctl(fd, req, arg);
}

/* will_return(__wrap_write, X): X < 0 fails with -X, WRITE_PASS writes
 * everything, 0..n writes only that many bytes (a short write). */
ssize_t __real_write(int fd, const void *buf, size_t n);
ssize_t __wrap_write(int fd, const void *buf, size_t n);
ssize_t __wrap_write(int fd, const void *buf, size_t n) {
        if (mock_write) {
                long r = mock_type(long);
                if (r < 0) {
                        errno = (int) -r;
                        return -1;
                }
                if (r != WRITE_PASS)
                        return r == 0 ? 0 : __real_write(fd, buf, MIN(n, (size_t) r));
        }
        return __real_write(fd, buf, n);
}

int __real_fsync(int fd);
int __wrap_fsync(int fd);
int __wrap_fsync(int fd) {
        if (mock_fsync) {
                int e = mock_type(int);
                if (e) {
                        errno = e;
                        return -1;
                }
        }
        return __real_fsync(fd);
}

/* Only creations are intercepted: reads of the current record pass. */
int __real_openat(int dfd, const char *path, int flags, ...);
int __wrap_openat(int dfd, const char *path, int flags, ...);
int __wrap_openat(int dfd, const char *path, int flags, ...) {
        va_list ap;
        mode_t mode;

        va_start(ap, flags);
        mode = (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, mode_t) : 0;
        va_end(ap);
        if (mock_openat_creat && (flags & O_CREAT)) {
                int e = mock_type(int);
                if (e) {
                        errno = e;
                        return -1;
                }
        }
        return __real_openat(dfd, path, flags, mode);
}

int __real_renameat(int a, const char *b, int c, const char *d);
int __wrap_renameat(int a, const char *b, int c, const char *d);
int __wrap_renameat(int a, const char *b, int c, const char *d) {
        if (mock_renameat) {
                int e = mock_type(int);
                if (e) {
                        errno = e;
                        return -1;
                }
        }
        return __real_renameat(a, b, c, d);
}

/* --- helpers --- */

static int rm_one(const char *p, const struct stat *st, int type, struct FTW *ftw) {
        return remove(p);
}

static void rm_rf(const char *p) {
        (void) nftw(p, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static char *path_join(const char *a, const char *b) {
        char *p;

        assert_true(asprintf(&p, "%s%s", a, b) >= 0);
        return p;
}

static void put_file(const char *path, const void *data, size_t size) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

        assert_true(fd >= 0);
        assert_int_equal(__real_write(fd, data, size), (ssize_t) size);
        close(fd);
}

/* A variable file as efivarfs shows it: 4-byte attributes, then the data. */
static void put_var(const char *var, uint32_t attr, const void *data, size_t size) {
        _cleanup_free_ char *p = path_join(efivars, var);
        _cleanup_free_ uint8_t *buf = malloc(size + 4);

        memcpy(buf, &attr, 4);
        memcpy(buf + 4, data, size);
        put_file(p, buf, size + 4);
}

static size_t get_file(const char *path, uint8_t *buf, size_t max) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n;

        assert_true(fd >= 0);
        n = read(fd, buf, max);
        close(fd);
        assert_true(n >= 0);
        return (size_t) n;
}

static bool var_exists(const char *var) {
        _cleanup_free_ char *p = path_join(efivars, var);

        return access(p, F_OK) == 0;
}

static void stat_var(const char *var, struct stat *st) {
        _cleanup_free_ char *p = path_join(efivars, var);

        assert_int_equal(stat(p, st), 0);
}

/* Push a file's mtime into the past so that any rewrite shows, however
 * coarse the file system's clock. */
static void age_file(const char *path) {
        struct timespec ts[2] = { { .tv_sec = 1000 }, { .tv_sec = 1000 } };

        assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

static const lg_state st1 = { .armed = true, .tries = 1, .boot_seq = 5 };
static const lg_state st2 = { .armed = true, .tries = 2, .boot_seq = 6 };

typedef struct fixture {
        lg_root *root;
        lg_store *store;
} fixture;

static int setup_common(void **state, lg_store_flags flags) {
        fixture *f = calloc(1, sizeof(*f));

        rm_rf(efivars);
        rm_rf(rootdir);
        if (mkdir(efivars, 0755) < 0 || mkdir(rootdir, 0755) < 0)
                return -1;
        mock_efi_get = mock_efi_set = mock_efi_del = mock_ioctl = false;
        mock_write = mock_fsync = mock_openat_creat = mock_renameat = false;
        n_efi_get = n_efi_set = n_efi_del = n_setflags = 0;
        fake_flags = 0;
        setflags_errno = 0;
        set_saw_immutable = false;
        if (lg_root_new(rootdir, &f->root) < 0)
                return -1;
        if (lg_store_open(f->root, flags, &f->store) < 0)
                return -1;
        *state = f;
        return 0;
}

static int setup_efi(void **state) {
        return setup_common(state, LG_STORE_FORCE_EFI);
}

static int setup_file(void **state) {
        return setup_common(state, LG_STORE_FORCE_FILE);
}

static int teardown(void **state) {
        fixture *f = *state;

        mock_efi_get = mock_efi_set = mock_efi_del = mock_ioctl = false;
        mock_write = mock_fsync = mock_openat_creat = mock_renameat = false;
        lg_store_free(f->store);
        lg_root_free(f->root);
        free(f);
        return 0;
}

#define F ((fixture *) *state)

/* --- EFI backend --- */

static void test_efi_backend_chosen(void **state) {
        assert_int_equal(lg_store_get_backend(F->store), LG_STORE_EFI);
        assert_string_equal(lg_store_backend_to_string(LG_STORE_EFI), "efi");
        assert_string_equal(lg_store_backend_to_string(LG_STORE_FILE), "file");
}

static void test_efi_missing(void **state) {
        lg_state st = { .tries = 77 };
        lg_quarantine q = { .n = 99 };

        assert_int_equal(lg_store_read_state(F->store, &st), -ENOENT);
        assert_int_equal(st.tries, 77);
        assert_int_equal(lg_store_read_quarantine(F->store, &q), -ENOENT);
        assert_int_equal(q.n, 99);
        assert_int_equal(lg_store_write_count(F->store), 0);
}

static void test_efi_round_trip(void **state) {
        _cleanup_free_ char *p = path_join(efivars, STATE_VAR);
        uint8_t raw[64], enc[LG_STATE_SIZE];
        lg_state st;
        uint32_t attr;

        assert_int_equal(lg_store_write_state(F->store, &st1), 1);
        assert_int_equal(lg_store_write_count(F->store), 1);
        /* On disk: exactly the attribute header and the encoded record. */
        assert_int_equal(get_file(p, raw, sizeof(raw)), 4 + LG_STATE_SIZE);
        memcpy(&attr, raw, 4);
        assert_int_equal(attr, ATTRS);
        lg_state_encode(&st1, enc);
        assert_memory_equal(raw + 4, enc, LG_STATE_SIZE);

        assert_int_equal(lg_store_read_state(F->store, &st), 0);
        assert_state_equal(&st, &st1);
}

static void test_efi_unchanged_no_write(void **state) {
        _cleanup_free_ char *p = path_join(efivars, STATE_VAR);
        struct stat a, b;

        assert_int_equal(lg_store_write_state(F->store, &st1), 1);
        age_file(p);
        stat_var(STATE_VAR, &a);
        assert_int_equal(a.st_mtim.tv_sec, 1000);

        for (int i = 0; i < 3; i++)
                assert_int_equal(lg_store_write_state(F->store, &st1), 0);
        assert_int_equal(lg_store_write_count(F->store), 1);
        assert_int_equal(n_efi_set, 1);
        stat_var(STATE_VAR, &b);
        assert_int_equal(a.st_ino, b.st_ino);
        assert_int_equal(b.st_mtim.tv_sec, 1000);
        assert_int_equal(b.st_mtim.tv_nsec, a.st_mtim.tv_nsec);
}

static void test_efi_changed_writes(void **state) {
        _cleanup_free_ char *p = path_join(efivars, STATE_VAR);
        struct stat b;
        lg_state st;

        assert_int_equal(lg_store_write_state(F->store, &st1), 1);
        age_file(p);
        assert_int_equal(lg_store_write_state(F->store, &st2), 1);
        assert_int_equal(lg_store_write_count(F->store), 2);
        stat_var(STATE_VAR, &b);
        assert_int_not_equal(b.st_mtim.tv_sec, 1000);
        assert_int_equal(b.st_size, 4 + LG_STATE_SIZE);
        assert_int_equal(lg_store_read_state(F->store, &st), 0);
        assert_state_equal(&st, &st2);
}

static void test_efi_wrong_size_short(void **state) {
        uint8_t enc[LG_STATE_SIZE];
        lg_state st;
        struct stat b;

        lg_state_encode(&st1, enc);
        put_var(STATE_VAR, ATTRS, enc, 20);
        assert_int_equal(lg_store_read_state(F->store, &st), -EMSGSIZE);
        /* Rewritten whole. */
        assert_int_equal(lg_store_write_state(F->store, &st1), 1);
        stat_var(STATE_VAR, &b);
        assert_int_equal(b.st_size, 4 + LG_STATE_SIZE);
        assert_int_equal(lg_store_read_state(F->store, &st), 0);
        assert_state_equal(&st, &st1);
}

static void test_efi_wrong_size_long(void **state) {
        uint8_t big[100];
        lg_state st;
        struct stat b;

        /* The trap: libefivar 37 overwrites without O_TRUNC, so on a plain
         * directory a 36-byte write over a 104-byte file would leave 68
         * stale bytes behind and the record would never read back. */
        memset(big, 0x5a, sizeof(big));
        lg_state_encode(&st1, big);
        put_var(STATE_VAR, ATTRS, big, sizeof(big));
        assert_int_equal(lg_store_read_state(F->store, &st), -EMSGSIZE);
        assert_int_equal(lg_store_write_state(F->store, &st1), 1);
        stat_var(STATE_VAR, &b);
        assert_int_equal(b.st_size, 4 + LG_STATE_SIZE);
        assert_int_equal(lg_store_read_state(F->store, &st), 0);
        assert_state_equal(&st, &st1);
}

static void test_efi_wrong_attributes(void **state) {
        _cleanup_free_ char *p = path_join(efivars, STATE_VAR);
        uint8_t enc[LG_STATE_SIZE], raw[64];
        lg_state st;
        uint32_t attr;

        /* A valid record, but volatile (no NON_VOLATILE): it would vanish
         * at the next power cycle, and it is not what we wrote. */
        lg_state_encode(&st1, enc);
        put_var(STATE_VAR, 6, enc, sizeof(enc));
        assert_int_equal(lg_store_read_state(F->store, &st), -EBADMSG);
        /* Same bytes, other attributes: still rewritten (deleted first, as
         * firmware refuses to change the attributes of a variable). */
        assert_int_equal(lg_store_write_state(F->store, &st1), 1);
        assert_int_equal(n_efi_del, 1);
        assert_int_equal(get_file(p, raw, sizeof(raw)), 4 + LG_STATE_SIZE);
        memcpy(&attr, raw, 4);
        assert_int_equal(attr, ATTRS);
        assert_int_equal(lg_store_read_state(F->store, &st), 0);
}

static void test_efi_bad_crc(void **state) {
        uint8_t enc[LG_STATE_SIZE];
        lg_state st;

        lg_state_encode(&st1, enc);
        enc[9] ^= 0x10;
        put_var(STATE_VAR, ATTRS, enc, sizeof(enc));
        assert_int_equal(lg_store_read_state(F->store, &st), -EBADMSG);
        assert_int_equal(lg_store_write_state(F->store, &st1), 1);
        assert_int_equal(lg_store_read_state(F->store, &st), 0);
}

static void test_efi_tiny_file(void **state) {
        _cleanup_free_ char *p = path_join(efivars, STATE_VAR);
        lg_state st;

        /* Shorter than the attribute header itself. */
        put_file(p, "\x07\x00", 2);
        assert_true(lg_store_read_state(F->store, &st) < 0);
        assert_int_equal(lg_store_write_state(F->store, &st1), 1);
        assert_int_equal(lg_store_read_state(F->store, &st), 0);
}

static void test_efi_unknown_version(void **state) {
        uint8_t enc[LG_STATE_SIZE];
        uint32_t c;
        lg_state st;

        lg_state_encode(&st1, enc);
        enc[4] = 9;
        c = lg_crc32(0, enc, 28);
        memcpy(enc + 28, &c, 4); /* little-endian host */
        put_var(STATE_VAR, ATTRS, enc, sizeof(enc));
        assert_int_equal(lg_store_read_state(F->store, &st), -EPROTONOSUPPORT);
}

static void check_set_fails(void **state, int e) {
        uint8_t raw[64], before[64];
        _cleanup_free_ char *p = path_join(efivars, STATE_VAR);
        size_t n;

        assert_int_equal(lg_store_write_state(F->store, &st1), 1);
        n = get_file(p, before, sizeof(before));

        mock_efi_set = true;
        will_return(__wrap_efi_set_variable, e);
        assert_int_equal(lg_store_write_state(F->store, &st2), -e);
        assert_int_equal(lg_store_write_count(F->store), 1);
        /* The old record is untouched. */
        assert_int_equal(get_file(p, raw, sizeof(raw)), n);
        assert_memory_equal(raw, before, n);
}

static void test_efi_set_erofs(void **state) {
        check_set_fails(state, EROFS);
}

static void test_efi_set_eacces(void **state) {
        check_set_fails(state, EACCES);
}

static void test_efi_set_eio(void **state) {
        check_set_fails(state, EIO);
}

static void test_efi_set_enospc(void **state) {
        /* A full NVRAM. */
        check_set_fails(state, ENOSPC);
}

static void test_efi_set_eintr_retried(void **state) {
        lg_state st;

        mock_efi_set = true;
        will_return(__wrap_efi_set_variable, EINTR);
        will_return(__wrap_efi_set_variable, EAGAIN);
        will_return(__wrap_efi_set_variable, 0);
        assert_int_equal(lg_store_write_state(F->store, &st1), 1);
        assert_int_equal(n_efi_set, 3);
        assert_int_equal(lg_store_write_count(F->store), 1);
        assert_int_equal(lg_store_read_state(F->store, &st), 0);
        assert_state_equal(&st, &st1);
}

static void test_efi_set_eintr_bounded(void **state) {
        mock_efi_set = true;
        will_return_count(__wrap_efi_set_variable, EINTR, 5);
        assert_int_equal(lg_store_write_state(F->store, &st1), -EINTR);
        assert_int_equal(n_efi_set, 5);
        assert_int_equal(lg_store_write_count(F->store), 0);
}

static void test_efi_get_eagain_retried(void **state) {
        lg_state st;

        assert_int_equal(lg_store_write_state(F->store, &st1), 1);
        mock_efi_get = true;
        will_return(__wrap_efi_get_variable, EAGAIN);
        will_return(__wrap_efi_get_variable, EINTR);
        will_return(__wrap_efi_get_variable, 0);
        assert_int_equal(lg_store_read_state(F->store, &st), 0);
        assert_state_equal(&st, &st1);
}

static void test_efi_get_eio(void **state) {
        lg_state st = { .tries = 77 };

        assert_int_equal(lg_store_write_state(F->store, &st1), 1);
        mock_efi_get = true;
        will_return(__wrap_efi_get_variable, EIO);
        assert_int_equal(lg_store_read_state(F->store, &st), -EIO);
        assert_int_equal(st.tries, 77);
        /* An unreadable record is still rewritten (it cannot be compared). */
        will_return(__wrap_efi_get_variable, EIO);
        assert_int_equal(lg_store_write_state(F->store, &st2), 1);
        mock_efi_get = false;
        assert_int_equal(lg_store_read_state(F->store, &st), 0);
        assert_state_equal(&st, &st2);
}

static void test_efi_immutable_cleared_and_restored(void **state) {
        assert_int_equal(lg_store_write_state(F->store, &st1), 1);
        /* As efivarfs shows a variable the kernel does not know. */
        mock_ioctl = true;
        fake_flags = FS_IMMUTABLE_FL | 0x80000; /* another flag stays */
        assert_int_equal(lg_store_write_state(F->store, &st2), 1);
        assert_false(set_saw_immutable);
        assert_int_equal(n_setflags, 2); /* cleared, then put back */
        assert_int_equal(fake_flags, FS_IMMUTABLE_FL | 0x80000);
}

static void test_efi_immutable_unchanged_untouched(void **state) {
        assert_int_equal(lg_store_write_state(F->store, &st1), 1);
        mock_ioctl = true;
        fake_flags = FS_IMMUTABLE_FL;
        assert_int_equal(lg_store_write_state(F->store, &st1), 0);
        assert_int_equal(n_setflags, 0);
}

static void test_efi_immutable_clear_fails(void **state) {
        lg_state st;

        assert_int_equal(lg_store_write_state(F->store, &st1), 1);
        mock_ioctl = true;
        fake_flags = FS_IMMUTABLE_FL;
        setflags_errno = EPERM;
        assert_int_equal(lg_store_write_state(F->store, &st2), -EPERM);
        assert_int_equal(n_efi_set, 1); /* the second write never reached the variable */
        assert_int_equal(lg_store_read_state(F->store, &st), 0);
        assert_state_equal(&st, &st1);
}

static void test_efi_immutable_cleared_before_delete(void **state) {
        _cleanup_(lg_quarantine_done) lg_quarantine q = {};

        assert_int_equal(lg_quarantine_add(&q, LG_ITEM_MODULE, "m", 1), 1);
        assert_int_equal(lg_store_write_quarantine(F->store, &q), 1);
        lg_quarantine_remove(&q, NULL);
        mock_ioctl = true;
        fake_flags = FS_IMMUTABLE_FL;
        assert_int_equal(lg_store_write_quarantine(F->store, &q), 1);
        assert_int_equal(fake_flags, 0);
        assert_false(var_exists(QUAR_VAR));
}

static void test_efi_quarantine_round_trip(void **state) {
        _cleanup_(lg_quarantine_done) lg_quarantine q = {}, out = {};

        assert_int_equal(lg_quarantine_add(&q, LG_ITEM_MODULE, "bad-mod", 11), 1);
        assert_int_equal(lg_quarantine_add(&q, LG_ITEM_CONTENT, "/etc/agent/rules.yaml", 12), 1);
        assert_int_equal(lg_store_write_quarantine(F->store, &q), 1);
        assert_int_equal(lg_store_read_quarantine(F->store, &out), 0);
        assert_int_equal(out.n, 2);
        assert_non_null(lg_quarantine_find(&out, LG_ITEM_MODULE, "bad_mod"));
        /* Unchanged: no write. */
        assert_int_equal(lg_store_write_quarantine(F->store, &q), 0);
        assert_int_equal(lg_store_write_count(F->store), 1);
}

static void test_efi_quarantine_shrink(void **state) {
        _cleanup_(lg_quarantine_done) lg_quarantine q = {}, out = {};
        _cleanup_free_ uint8_t *enc = NULL;
        size_t size = 0;
        struct stat b;

        assert_int_equal(lg_quarantine_add(&q, LG_ITEM_MODULE, "aaaaaaaaaaaaaaaaaaaa", 1), 1);
        assert_int_equal(lg_quarantine_add(&q, LG_ITEM_MODULE, "bbbbbbbbbbbbbbbbbbbb", 2), 1);
        assert_int_equal(lg_quarantine_add(&q, LG_ITEM_MODULE, "c", 3), 1);
        assert_int_equal(lg_store_write_quarantine(F->store, &q), 1);
        assert_int_equal(lg_quarantine_remove(&q, "aaaaaaaaaaaaaaaaaaaa"), 1);
        assert_int_equal(lg_quarantine_remove(&q, "bbbbbbbbbbbbbbbbbbbb"), 1);
        /* Shorter value over a longer one on a plain directory. */
        assert_int_equal(lg_store_write_quarantine(F->store, &q), 1);
        assert_int_equal(lg_quarantine_encode(&q, &enc, &size), 0);
        stat_var(QUAR_VAR, &b);
        assert_int_equal(b.st_size, 4 + size);
        assert_int_equal(lg_store_read_quarantine(F->store, &out), 0);
        assert_int_equal(out.n, 1);
        assert_string_equal(out.items[0].name, "c");
}

static void test_efi_quarantine_empty_writes_nothing(void **state) {
        lg_quarantine q = {};

        assert_int_equal(lg_store_write_quarantine(F->store, &q), 0);
        assert_int_equal(lg_store_write_count(F->store), 0);
        assert_int_equal(n_efi_set, 0);
        assert_false(var_exists(QUAR_VAR));
}

static void test_efi_quarantine_empty_deletes(void **state) {
        _cleanup_(lg_quarantine_done) lg_quarantine q = {}, out = {};

        assert_int_equal(lg_quarantine_add(&q, LG_ITEM_UNIT, "agent.service", 1), 1);
        assert_int_equal(lg_store_write_quarantine(F->store, &q), 1);
        assert_true(var_exists(QUAR_VAR));
        assert_int_equal(lg_quarantine_remove(&q, NULL), 1);
        assert_int_equal(lg_store_write_quarantine(F->store, &q), 1);
        assert_false(var_exists(QUAR_VAR));
        assert_int_equal(lg_store_read_quarantine(F->store, &out), -ENOENT);
        assert_int_equal(lg_store_write_count(F->store), 2);
}

static void test_efi_quarantine_corrupt(void **state) {
        lg_quarantine out = {};
        uint8_t junk[40];

        memset(junk, 0xff, sizeof(junk));
        put_var(QUAR_VAR, ATTRS, junk, sizeof(junk));
        assert_int_equal(lg_store_read_quarantine(F->store, &out), -EBADMSG);
        put_var(QUAR_VAR, ATTRS, junk, 5);
        assert_int_equal(lg_store_read_quarantine(F->store, &out), -EMSGSIZE);
        assert_int_equal(out.n, 0);
}

static void test_efi_quarantine_enospc(void **state) {
        _cleanup_(lg_quarantine_done) lg_quarantine q = {};

        assert_int_equal(lg_quarantine_add(&q, LG_ITEM_MODULE, "m", 1), 1);
        mock_efi_set = true;
        will_return(__wrap_efi_set_variable, ENOSPC);
        assert_int_equal(lg_store_write_quarantine(F->store, &q), -ENOSPC);
        assert_int_equal(lg_store_write_count(F->store), 0);
}

static void test_efi_write_bad_level(void **state) {
        lg_state bad = { .level = LG_LEVEL_MAX + 1 };

        assert_int_equal(lg_store_write_state(F->store, &bad), -ERANGE);
        assert_int_equal(n_efi_set, 0);
}

/* --- file backend --- */

static char *root_file(const char *path) {
        return path_join(rootdir, path);
}

static void test_file_backend_chosen(void **state) {
        assert_int_equal(lg_store_get_backend(F->store), LG_STORE_FILE);
}

static void test_file_missing(void **state) {
        lg_state st;
        lg_quarantine q = {};

        assert_int_equal(lg_store_read_state(F->store, &st), -ENOENT);
        assert_int_equal(lg_store_read_quarantine(F->store, &q), -ENOENT);
}

static void test_file_round_trip_unchanged(void **state) {
        _cleanup_free_ char *p = root_file(LG_STATE_FILE);
        struct stat a, b;
        lg_state st;

        assert_int_equal(lg_store_write_state(F->store, &st1), 1);
        assert_int_equal(stat(p, &a), 0);
        assert_int_equal(a.st_size, LG_STATE_SIZE);
        assert_int_equal(lg_store_read_state(F->store, &st), 0);
        assert_state_equal(&st, &st1);
        age_file(p);
        assert_int_equal(stat(p, &a), 0);

        assert_int_equal(lg_store_write_state(F->store, &st1), 0);
        assert_int_equal(lg_store_write_count(F->store), 1);
        assert_int_equal(stat(p, &b), 0);
        /* An atomic rewrite would have a new inode. */
        assert_int_equal(a.st_ino, b.st_ino);
        assert_int_equal(b.st_mtim.tv_sec, 1000);

        assert_int_equal(lg_store_write_state(F->store, &st2), 1);
        assert_int_equal(stat(p, &b), 0);
        assert_int_not_equal(a.st_ino, b.st_ino);
        assert_int_equal(lg_store_write_count(F->store), 2);
}

static void check_file_untouched_after(void **state, int expect) {
        _cleanup_free_ char *p = root_file(LG_STATE_FILE);
        _cleanup_free_ char *dir = root_file("/var/lib/lastgood");
        lg_state st;
        int n = 0;

        assert_int_equal(lg_store_write_state(F->store, &st2), expect);
        mock_write = mock_fsync = mock_openat_creat = mock_renameat = false;
        assert_int_equal(lg_store_read_state(F->store, &st), 0);
        assert_state_equal(&st, &st1);
        assert_int_equal(lg_store_write_count(F->store), 1);
        /* No temporary file left behind. */
        {
                _cleanup_free_ char *cmd = NULL;
                FILE *f;
                char line[512];

                assert_true(asprintf(&cmd, "ls -A '%s'", dir) >= 0);
                f = popen(cmd, "r");
                assert_non_null(f);
                while (fgets(line, sizeof(line), f))
                        n++;
                pclose(f);
        }
        assert_int_equal(n, 1);
}

static void test_file_enospc(void **state) {
        assert_int_equal(lg_store_write_state(F->store, &st1), 1);
        mock_write = true;
        will_return(__wrap_write, (long) -ENOSPC);
        check_file_untouched_after(state, -ENOSPC);
}

static void test_file_eio_on_write(void **state) {
        assert_int_equal(lg_store_write_state(F->store, &st1), 1);
        mock_write = true;
        will_return(__wrap_write, (long) 10);
        will_return(__wrap_write, (long) -EIO);
        check_file_untouched_after(state, -EIO);
}

static void test_file_write_returns_zero(void **state) {
        assert_int_equal(lg_store_write_state(F->store, &st1), 1);
        mock_write = true;
        will_return(__wrap_write, (long) 0);
        check_file_untouched_after(state, -EIO);
}

static void test_file_short_writes(void **state) {
        lg_state st;

        mock_write = true;
        will_return(__wrap_write, (long) 1);
        will_return(__wrap_write, (long) -EINTR);
        will_return(__wrap_write, (long) 7);
        will_return(__wrap_write, (long) WRITE_PASS);
        assert_int_equal(lg_store_write_state(F->store, &st1), 1);
        mock_write = false;
        assert_int_equal(lg_store_read_state(F->store, &st), 0);
        assert_state_equal(&st, &st1);
}

static void test_file_fsync_eio(void **state) {
        assert_int_equal(lg_store_write_state(F->store, &st1), 1);
        mock_fsync = true;
        will_return(__wrap_fsync, EIO);
        check_file_untouched_after(state, -EIO);
}

static void test_file_rename_fails(void **state) {
        assert_int_equal(lg_store_write_state(F->store, &st1), 1);
        mock_renameat = true;
        will_return(__wrap_renameat, EIO);
        check_file_untouched_after(state, -EIO);
}

static void test_file_readonly_root(void **state) {
        assert_int_equal(lg_store_write_state(F->store, &st1), 1);
        /* A read-only /var: the temporary file cannot be created. (As root
         * a chmod would not stop us, so the error is injected.) */
        mock_openat_creat = true;
        will_return(__wrap_openat, EROFS);
        check_file_untouched_after(state, -EROFS);
}

static void test_file_eacces(void **state) {
        assert_int_equal(lg_store_write_state(F->store, &st1), 1);
        mock_openat_creat = true;
        will_return(__wrap_openat, EACCES);
        check_file_untouched_after(state, -EACCES);
}

static void test_file_corrupt(void **state) {
        _cleanup_free_ char *p = root_file(LG_STATE_FILE);
        _cleanup_free_ char *d = root_file("/var/lib/lastgood");
        static uint8_t big[LG_QUARANTINE_MAX_SIZE + 100];
        uint8_t enc[LG_STATE_SIZE];
        lg_state st;

        assert_int_equal(lg_root_mkdir_p(F->root, "/var/lib/lastgood", 0755), 0);
        lg_state_encode(&st1, enc);
        put_file(p, enc, 31);
        assert_int_equal(lg_store_read_state(F->store, &st), -EMSGSIZE);
        enc[10] ^= 1;
        put_file(p, enc, sizeof(enc));
        assert_int_equal(lg_store_read_state(F->store, &st), -EBADMSG);
        put_file(p, big, sizeof(big));
        assert_int_equal(lg_store_read_state(F->store, &st), -EMSGSIZE);
        /* Rewritten whole. */
        assert_int_equal(lg_store_write_state(F->store, &st1), 1);
        assert_int_equal(lg_store_read_state(F->store, &st), 0);
        assert_state_equal(&st, &st1);
}

static void test_file_quarantine(void **state) {
        _cleanup_free_ char *p = root_file(LG_QUARANTINE_FILE);
        _cleanup_(lg_quarantine_done) lg_quarantine q = {}, out = {};

        assert_int_equal(lg_store_write_quarantine(F->store, &q), 0);
        assert_int_equal(access(p, F_OK), -1);
        assert_int_equal(lg_quarantine_add(&q, LG_ITEM_CONTENT, "/etc/x.conf", 3), 1);
        assert_int_equal(lg_store_write_quarantine(F->store, &q), 1);
        assert_int_equal(lg_store_write_quarantine(F->store, &q), 0);
        assert_int_equal(lg_store_read_quarantine(F->store, &out), 0);
        assert_int_equal(out.n, 1);
        assert_int_equal(lg_quarantine_remove(&q, NULL), 1);
        assert_int_equal(lg_store_write_quarantine(F->store, &q), 1);
        assert_int_equal(access(p, F_OK), -1);
        assert_int_equal(lg_store_write_count(F->store), 2);
}

/* --- backend choice, in a child with another libefivar environment --- */

static int child_main(const char *mode) {
        _cleanup_root_ lg_root *root = NULL;
        _cleanup_store_ lg_store *s = NULL;
        _cleanup_free_ char *d = NULL;
        lg_state st;

        if (asprintf(&d, "%s/child-%s", tmpdir, mode) < 0 || mkdir(d, 0755) < 0)
                return 10;
        if (lg_root_new(d, &root) < 0)
                return 11;
        if (streq(mode, "no-backend")) {
                /* LIBEFIVAR_OPS names no backend: libefivar keeps its
                 * default ops, which crash on set. */
                if (efi_variables_supported())
                        return 12;
                if (lg_store_open(root, LG_STORE_FORCE_EFI, &s) != -EOPNOTSUPP)
                        return 13;
        }
        if (lg_store_open(root, LG_STORE_AUTO, &s) < 0)
                return 14;
        if (lg_store_get_backend(s) != LG_STORE_FILE)
                return 15;
        if (lg_store_write_state(s, &st1) != 1 || lg_store_read_state(s, &st) != 0 || st.tries != st1.tries)
                return 16;
        return 0;
}

static int run_child(const char *mode, const char *ops, const char *efivarfs_path) {
        pid_t pid = fork();
        int status;

        assert_true(pid >= 0);
        if (pid == 0) {
                char *args[] = { (char *) "test-store", (char *) "--child", (char *) mode, NULL };

                setenv("LIBEFIVAR_OPS", ops, 1);
                if (efivarfs_path)
                        setenv("EFIVARFS_PATH", efivarfs_path, 1);
                else
                        unsetenv("EFIVARFS_PATH");
                execv("/proc/self/exe", args);
                _exit(127);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        return WEXITSTATUS(status);
}

static void test_open_no_efi_backend(void **state) {
        assert_int_equal(run_child("no-backend", "none", NULL), 0);
}

static void test_open_root_without_efivarfs_path(void **state) {
        /* efivarfs ops but no EFIVARFS_PATH: under --root the host's
         * variables must not be touched; the root's files are used. */
        assert_int_equal(run_child("root-no-path", "efivarfs", NULL), 0);
}

static void test_open_auto_picks_efi(void **state) {
        _cleanup_root_ lg_root *root = NULL;
        _cleanup_store_ lg_store *s = NULL;

        assert_int_equal(lg_root_new(rootdir, &root), 0);
        assert_int_equal(lg_store_open(root, LG_STORE_AUTO, &s), 0);
        assert_int_equal(lg_store_get_backend(s), LG_STORE_EFI);
        lg_store_free(s);
        s = NULL;
        assert_int_equal(lg_store_open(root, LG_STORE_FORCE_FILE, &s), 0);
        assert_int_equal(lg_store_get_backend(s), LG_STORE_FILE);
}

static int reexec(char *argv[]) {
        char tmpl[] = "/tmp/lastgood-test-store.XXXXXX";
        const char *base = getenv("TMPDIR");
        _cleanup_free_ char *t = NULL, *e = NULL;

        if (base && base[0]) {
                if (asprintf(&t, "%s/lastgood-test-store.XXXXXX", base) < 0)
                        return 1;
        } else
                t = strdup(tmpl);
        if (!t || !mkdtemp(t))
                return 1;
        if (asprintf(&e, "%s/efivars/", t) < 0)
                return 1;
        setenv("LG_TEST_STORE_DIR", t, 1);
        setenv("EFIVARFS_PATH", e, 1);
        setenv("LIBEFIVAR_OPS", "efivarfs", 1);
        execv("/proc/self/exe", argv);
        fprintf(stderr, "test-store: cannot re-execute itself: %m\n");
        rmdir(t);
        return 1;
}

int main(int argc, char *argv[]) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_efi_backend_chosen, setup_efi, teardown),
                cmocka_unit_test_setup_teardown(test_efi_missing, setup_efi, teardown),
                cmocka_unit_test_setup_teardown(test_efi_round_trip, setup_efi, teardown),
                cmocka_unit_test_setup_teardown(test_efi_unchanged_no_write, setup_efi, teardown),
                cmocka_unit_test_setup_teardown(test_efi_changed_writes, setup_efi, teardown),
                cmocka_unit_test_setup_teardown(test_efi_wrong_size_short, setup_efi, teardown),
                cmocka_unit_test_setup_teardown(test_efi_wrong_size_long, setup_efi, teardown),
                cmocka_unit_test_setup_teardown(test_efi_wrong_attributes, setup_efi, teardown),
                cmocka_unit_test_setup_teardown(test_efi_bad_crc, setup_efi, teardown),
                cmocka_unit_test_setup_teardown(test_efi_tiny_file, setup_efi, teardown),
                cmocka_unit_test_setup_teardown(test_efi_unknown_version, setup_efi, teardown),
                cmocka_unit_test_setup_teardown(test_efi_set_erofs, setup_efi, teardown),
                cmocka_unit_test_setup_teardown(test_efi_set_eacces, setup_efi, teardown),
                cmocka_unit_test_setup_teardown(test_efi_set_eio, setup_efi, teardown),
                cmocka_unit_test_setup_teardown(test_efi_set_enospc, setup_efi, teardown),
                cmocka_unit_test_setup_teardown(test_efi_set_eintr_retried, setup_efi, teardown),
                cmocka_unit_test_setup_teardown(test_efi_set_eintr_bounded, setup_efi, teardown),
                cmocka_unit_test_setup_teardown(test_efi_get_eagain_retried, setup_efi, teardown),
                cmocka_unit_test_setup_teardown(test_efi_get_eio, setup_efi, teardown),
                cmocka_unit_test_setup_teardown(test_efi_immutable_cleared_and_restored, setup_efi, teardown),
                cmocka_unit_test_setup_teardown(test_efi_immutable_unchanged_untouched, setup_efi, teardown),
                cmocka_unit_test_setup_teardown(test_efi_immutable_clear_fails, setup_efi, teardown),
                cmocka_unit_test_setup_teardown(test_efi_immutable_cleared_before_delete, setup_efi, teardown),
                cmocka_unit_test_setup_teardown(test_efi_quarantine_round_trip, setup_efi, teardown),
                cmocka_unit_test_setup_teardown(test_efi_quarantine_shrink, setup_efi, teardown),
                cmocka_unit_test_setup_teardown(test_efi_quarantine_empty_writes_nothing, setup_efi, teardown),
                cmocka_unit_test_setup_teardown(test_efi_quarantine_empty_deletes, setup_efi, teardown),
                cmocka_unit_test_setup_teardown(test_efi_quarantine_corrupt, setup_efi, teardown),
                cmocka_unit_test_setup_teardown(test_efi_quarantine_enospc, setup_efi, teardown),
                cmocka_unit_test_setup_teardown(test_efi_write_bad_level, setup_efi, teardown),
                cmocka_unit_test_setup_teardown(test_file_backend_chosen, setup_file, teardown),
                cmocka_unit_test_setup_teardown(test_file_missing, setup_file, teardown),
                cmocka_unit_test_setup_teardown(test_file_round_trip_unchanged, setup_file, teardown),
                cmocka_unit_test_setup_teardown(test_file_enospc, setup_file, teardown),
                cmocka_unit_test_setup_teardown(test_file_eio_on_write, setup_file, teardown),
                cmocka_unit_test_setup_teardown(test_file_write_returns_zero, setup_file, teardown),
                cmocka_unit_test_setup_teardown(test_file_short_writes, setup_file, teardown),
                cmocka_unit_test_setup_teardown(test_file_fsync_eio, setup_file, teardown),
                cmocka_unit_test_setup_teardown(test_file_rename_fails, setup_file, teardown),
                cmocka_unit_test_setup_teardown(test_file_readonly_root, setup_file, teardown),
                cmocka_unit_test_setup_teardown(test_file_eacces, setup_file, teardown),
                cmocka_unit_test_setup_teardown(test_file_corrupt, setup_file, teardown),
                cmocka_unit_test_setup_teardown(test_file_quarantine, setup_file, teardown),
                cmocka_unit_test(test_open_no_efi_backend),
                cmocka_unit_test(test_open_root_without_efivarfs_path),
                cmocka_unit_test(test_open_auto_picks_efi),
        };
        const char *d = getenv("LG_TEST_STORE_DIR");
        int r;

        if (!d)
                return reexec(argv);
        tmpdir = strdup(d);
        efivars = path_join(tmpdir, "/efivars/");
        rootdir = path_join(tmpdir, "/root");

        if (argc == 3 && streq(argv[1], "--child"))
                return child_main(argv[2]);

        r = cmocka_run_group_tests(tests, NULL, NULL);
        rm_rf(tmpdir);
        free(tmpdir);
        free(efivars);
        free(rootdir);
        return r;
}
