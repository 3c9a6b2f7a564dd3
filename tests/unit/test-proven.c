/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The proven write (ops/proven.c) against temporary roots, with both
 * stores: the file store under ROOT/var/lib/lastgood/ and the EFI store,
 * libefivar pointed at ROOT/sys/firmware/efi/efivars/ (a plain folder).
 * Every case runs once per store.
 *
 * A root holds an agent (falco, its Content= all of /etc/falco/rules.d),
 * the content files, and real module objects made by
 * tests/fixtures/modules/mkmod.sh: a third-party module in extra/ and an
 * in-tree one. The scenario of most cases: an old last known good
 * (generation 1: a.yaml, b.yaml, vendor v1), then a boot that changed
 * a.yaml, added c.yaml and d.yaml and brought vendor v2, of which d.yaml
 * and vendor were withheld, now proven.
 *
 * Environment: libefivar 37 reads LIBEFIVAR_OPS and EFIVARFS_PATH in a
 * constructor, before main(). So this binary re-executes itself once with
 * both set (and LG_TEST_PROVEN_DIR naming a fresh temporary folder, which
 * also stops the loop), as test-store does.
 *
 * Interruptions: a child process does the proven write and dies (_exit)
 * in the after_step hook, as the daemon dies by SIGKILL in
 * watchdog-crash-steps.sh; the parent then looks at what is on disk and
 * does the proven write again, as the next boot would.
 *
 * A full /var: -Wl,--wrap= (ops/local.mk) of write, copy_file_range,
 * ioctl (FICLONE: a reflink on a full btrfs/xfs fails too) and
 * efi_set_variable (a full NVRAM) fail with ENOSPC once armed, from the
 * start or from a step of the proven write on. The wrappers pass through
 * to __real_X otherwise; they reach only what the test and the project's
 * static libraries call (libefivar's own writes are in a shared library). */
#include <dirent.h>
#include <efivar/efivar.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "bootstate.h"
#include "castore.h"
#include "enospc-wrap.h"
#include "macro.h"
#include "test-state.h"
#include "machine.h"
#include "proven.h"
#include "store.h"

#ifndef LG_TEST_FIXTURES
#define LG_TEST_FIXTURES "tests/fixtures"
#endif

#define KVER "6.1.0-lgtest"
#define NOW_USEC (UINT64_C(1700000000) * 1000000)
#define T_OLD 1600000000
#define T_NEW 1650000000
#define RULES "/etc/falco/rules.d"
#define LIB "var/lib/lastgood"
#define STATE_VAR "LastGoodState-" LG_VENDOR_GUID_STR
#define QUAR_VAR "LastGoodQuarantine-" LG_VENDOR_GUID_STR

static char *basedir; /* LG_TEST_PROVEN_DIR */
static char *rootdir; /* basedir/root, made anew for every case */
static char *efivars; /* rootdir/sys/firmware/efi/efivars/ = $EFIVARFS_PATH */
static const char *fixtures;

/* ---- failure injection ---- */

static lg_proven_step enospc_after; /* arm lg_test_enospc in the hook after this step (0: not) */

int __real_efi_set_variable(efi_guid_t guid, const char *name, uint8_t *data, size_t size, uint32_t attr,
                            mode_t mode);
int __wrap_efi_set_variable(efi_guid_t guid, const char *name, uint8_t *data, size_t size, uint32_t attr,
                            mode_t mode);
int __wrap_efi_set_variable(efi_guid_t guid, const char *name, uint8_t *data, size_t size, uint32_t attr,
                            mode_t mode) {
        if (lg_test_enospc) {
                lg_test_n_enospc++;
                errno = ENOSPC;
                return -1;
        }
        return __real_efi_set_variable(guid, name, data, size, attr, mode);
}

/* ---- fixture ---- */

typedef struct fixture {
        lg_store_backend backend;
        lg_root *root;
        lg_store *store;
        lg_config config;
        lg_agents agents;
        lg_cmdline cmdline;
        char *old_manifest;    /* text of generation 1's manifest */
        uint64_t fp_vendor_v1; /* fingerprints of the two vendor module versions */
        uint64_t fp_vendor_v2;
        lg_withheld withheld; /* this boot's */
} fixture;

#define F ((fixture *) *state)

static int rm_one(const char *p, const struct stat *st, int type, struct FTW *ftw) {
        return remove(p);
}

static void rm_rf(const char *p) {
        (void) nftw(p, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static char *host_path(const char *rel) {
        char *p;

        assert_true(asprintf(&p, "%s/%s", rootdir, rel) >= 0);
        return p;
}

static void put(const fixture *f, const char *rel, const char *text, mode_t mode, time_t mtime) {
        _cleanup_free_ char *p = host_path(rel), *dir = NULL;
        FILE *o;

        assert_true(asprintf(&dir, "/%s", rel) >= 0);
        *strrchr(dir, '/') = '\0';
        assert_int_equal(lg_root_mkdir_p(f->root, dir, 0755), 0);
        o = fopen(p, "we");
        assert_non_null(o);
        assert_true(fputs(text, o) >= 0);
        assert_int_equal(fclose(o), 0);
        assert_int_equal(chmod(p, mode), 0);
        if (mtime) {
                struct timespec ts[2] = { { mtime, 0 }, { mtime, 0 } };
                assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
        }
}

/* The file under the root (symlinks followed), or NULL when missing. */
static char *slurp(const fixture *f, const char *rel) {
        _cleanup_free_ char *abs = NULL;
        char *buf = NULL;

        assert_true(asprintf(&abs, "/%s", rel) >= 0);
        if (lg_root_read_file(f->root, abs, 1 << 20, &buf, NULL) < 0)
                return NULL;
        return buf;
}

static bool exists(const char *rel) {
        _cleanup_free_ char *p = host_path(rel);
        struct stat st;

        return lstat(p, &st) == 0;
}

static void assert_text(const fixture *f, const char *rel, const char *want) {
        _cleanup_free_ char *s = slurp(f, rel);

        if (!want) {
                if (s)
                        fail_msg("%s exists: %s", rel, s);
                return;
        }
        if (!s)
                fail_msg("%s is missing", rel);
        assert_string_equal(s, want);
}

static char *readlink_rel(const char *rel) {
        _cleanup_free_ char *p = host_path(rel);
        char buf[256];
        ssize_t n = readlink(p, buf, sizeof buf - 1);

        if (n < 0)
                return NULL;
        buf[n] = '\0';
        return strdup(buf);
}

/* The store file (relative to the root) that generation gen (0: current)
 * names as falco's last good copy of path; a path that does not exist
 * when it names none. */
static char *copy_rel(const fixture *f, unsigned gen, const char *path) {
        _cleanup_free_ char *idx = NULL;
        lg_copies c = {};
        const lg_copy_entry *e;
        char *ret;

        if (gen)
                assert_true(asprintf(&idx, "/" LIB "/generations/%u/copies", gen) >= 0);
        else
                assert_non_null(idx = strdup(LG_COPIES_PATH));
        if (lg_copies_load(f->root, idx, &c) < 0 || !(e = lg_copies_find(&c, path)) || !streq(e->agent, "falco"))
                assert_non_null(ret = strdup(LIB "/store/none"));
        else
                assert_true(asprintf(&ret, LIB "/store/%.2s/%s", e->key, e->key) >= 0);
        lg_copies_done(&c);
        return ret;
}

static void assert_copy(const fixture *f, unsigned gen, const char *path, const char *want) {
        _cleanup_free_ char *rel = copy_rel(f, gen, path);

        assert_text(f, rel, want);
}

/* The store lacks no copy that a generation's index names, and every such
 * copy is sound (its key matches). */
static void assert_store_complete(const fixture *f) {
        _cleanup_free_ char *gdir = host_path(LIB "/generations");
        _cleanup_close_ int storefd = lg_castore_open(f->root, false);
        DIR *d = opendir(gdir);
        struct dirent *de;

        if (!d)
                return;
        while ((de = readdir(d))) {
                _cleanup_free_ char *idx = NULL;
                lg_copies c = {};
                int r;

                if (de->d_name[0] == '.' || strstr(de->d_name, ".tmp"))
                        continue;
                assert_true(asprintf(&idx, "/" LIB "/generations/%s/copies", de->d_name) >= 0);
                r = lg_copies_load(f->root, idx, &c);
                if (r == -ENOENT)
                        continue;
                assert_int_equal(r, 0);
                assert_true(storefd >= 0);
                for (size_t i = 0; i < c.n; i++) {
                        int fd = lg_castore_open_entry(storefd, c.e[i].key);

                        if (fd < 0)
                                fail_msg("generation %s: %s: %s", de->d_name, c.e[i].path, strerror(-fd));
                        close(fd);
                }
                lg_copies_done(&c);
        }
        closedir(d);
}

/* Files in the store. */
static unsigned count_store(void) {
        _cleanup_free_ char *p = host_path(LIB "/store");
        unsigned n = 0;
        DIR *d = opendir(p);
        struct dirent *de;

        if (!d)
                return 0;
        while ((de = readdir(d))) {
                _cleanup_free_ char *b = NULL;
                DIR *bd;
                struct dirent *be;

                if (de->d_name[0] == '.')
                        continue;
                assert_true(asprintf(&b, "%s/%s", p, de->d_name) >= 0);
                bd = opendir(b);
                if (!bd)
                        continue;
                while ((be = readdir(bd)))
                        n += be->d_name[0] != '.';
                closedir(bd);
        }
        closedir(d);
        return n;
}

/* Entries of generations/ whose name ends in ".tmp" (interrupted runs). */
static unsigned count_tmp_generations(void) {
        _cleanup_free_ char *p = host_path(LIB "/generations");
        struct dirent *de;
        unsigned n = 0;
        DIR *d;

        d = opendir(p);
        if (!d)
                return 0;
        while ((de = readdir(d))) {
                size_t len = strlen(de->d_name);
                if (len >= 4 && streq(de->d_name + len - 4, ".tmp"))
                        n++;
        }
        closedir(d);
        return n;
}

/* A module object under /lib/modules/KVER/ with one more modinfo field. */
static void mkmod(const char *rel, const char *info) {
        _cleanup_free_ char *cmd = NULL;

        assert_true(asprintf(&cmd, "'%s/modules/mkmod.sh' '%s/lib/modules/" KVER "/%s' license=GPL %s",
                             fixtures, rootdir, rel, info) >= 0);
        assert_int_equal(system(cmd), 0);
}

static uint64_t module_fp(const fixture *f, const char *rel) {
        _cleanup_free_ char *p = NULL;
        uint64_t fp = 0;

        assert_true(asprintf(&p, "/lib/modules/" KVER "/%s", rel) >= 0);
        assert_int_equal(lg_module_fingerprint(f->root, p, &fp), 0);
        assert_true(fp != 0);
        return fp;
}

/* The fingerprint a scan of the root gives a content file now. */
static uint64_t content_fp(const fixture *f, const char *path) {
        lg_inventory inv = {};
        const lg_inv_item *it;
        uint64_t fp;

        assert_int_equal(lg_inventory_scan(f->root, KVER, &f->config, &f->agents, &inv, NULL), 0);
        it = lg_inventory_find(&inv, LG_ITEM_CONTENT, path);
        assert_non_null(it);
        fp = it->fingerprint;
        lg_inventory_done(&inv);
        return fp;
}

static void store_reopen(fixture *f) {
        lg_store_free(f->store);
        f->store = NULL;
        assert_int_equal(lg_store_open(f->root,
                                       f->backend == LG_STORE_EFI ? LG_STORE_FORCE_EFI : LG_STORE_FORCE_FILE,
                                       &f->store),
                         0);
        assert_int_equal(lg_store_get_backend(f->store), f->backend);
}

static void load_context(fixture *f, const char *cmdline) {
        lg_config_done(&f->config);
        lg_agents_done(&f->agents);
        lg_cmdline_done(&f->cmdline);
        assert_int_equal(lg_config_load(f->root, &f->config), 0);
        assert_int_equal(lg_agents_load(f->root, &f->agents), 0);
        assert_int_equal(f->agents.n, 1);
        assert_int_equal(lg_cmdline_parse(cmdline, strlen(cmdline), &f->cmdline), 0);
}

static int setup_common(void **state, lg_store_backend backend) {
        fixture *f = calloc(1, sizeof(*f));

        if (!f)
                return -1;
        rm_rf(rootdir);
        if (mkdir(rootdir, 0755) < 0)
                return -1;
        lg_test_enospc = false;
        enospc_after = 0;
        lg_test_n_enospc = 0;
        f->backend = backend;
        if (lg_root_new(rootdir, &f->root) < 0 ||
            lg_root_mkdir_p(f->root, "/sys/firmware/efi/efivars", 0755) < 0)
                return -1;
        *state = f;

        /* The agent and its content; an in-tree and a third-party module. */
        put(f, "etc/lastgood/agents.d/falco.conf",
            "[Agent]\nUnits=falco.service\nContent=/etc/falco/rules.d/*\nOnSafeMode=rollback\n", 0644, 0);
        put(f, "etc/falco/rules.d/a.yaml", "rule: one\n", 0640, T_OLD);
        put(f, "etc/falco/rules.d/b.yaml", "rule: two\n", 0644, T_OLD);
        mkmod("kernel/drivers/net/e1000e.ko", "intree=Y");
        mkmod("extra/vendor.ko", "srcversion=VENDOR00001");
        load_context(f, "BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro quiet");
        store_reopen(f);
        return 0;
}

static int setup_file(void **state) {
        return setup_common(state, LG_STORE_FILE);
}

static int setup_efi(void **state) {
        return setup_common(state, LG_STORE_EFI);
}

static int teardown(void **state) {
        fixture *f = *state;

        lg_test_enospc = false;
        enospc_after = 0;
        lg_store_free(f->store);
        lg_config_done(&f->config);
        lg_agents_done(&f->agents);
        lg_cmdline_done(&f->cmdline);
        lg_withheld_done(&f->withheld);
        free(f->old_manifest);
        lg_root_free(f->root);
        free(f);
        return 0;
}

/* ---- the hot record ---- */

static void hot_set(const fixture *f, const lg_state *st) {
        assert_true(lg_store_write_state(f->store, st) >= 0);
}

static lg_state hot_get(const fixture *f) {
        lg_state st = {};

        assert_int_equal(lg_store_read_state(f->store, &st), 0);
        return st;
}

/* Bytes that are no hot record, where the store keeps it. */
static void hot_corrupt(const fixture *f) {
        static const char junk[] = "this is no lastgood state record";
        lg_state st;

        if (f->backend == LG_STORE_FILE)
                put(f, LIB "/state", junk, 0644, 0);
        else {
                _cleanup_free_ char *p = NULL;
                uint32_t attr = EFI_VARIABLE_NON_VOLATILE | EFI_VARIABLE_BOOTSERVICE_ACCESS |
                                EFI_VARIABLE_RUNTIME_ACCESS;
                FILE *o;

                assert_true(asprintf(&p, "%s%s", efivars, STATE_VAR) >= 0);
                o = fopen(p, "we");
                assert_non_null(o);
                assert_int_equal(fwrite(&attr, 4, 1, o), 1);
                assert_int_equal(fwrite(junk, LG_STATE_SIZE, 1, o), 1);
                assert_int_equal(fclose(o), 0);
        }
        assert_int_equal(lg_store_read_state(f->store, &st), -EBADMSG);
}

static bool cold_exists(const fixture *f) {
        lg_quarantine q = {};
        int r = lg_store_read_quarantine(f->store, &q);

        lg_quarantine_done(&q);
        assert_true(r == 0 || r == -ENOENT);
        return r == 0;
}

/* ---- the proven write ---- */

static void hook(lg_proven_step step, void *userdata) {
        lg_proven_step *die_after = userdata;

        if (enospc_after == step)
                lg_test_enospc = true;
        if (die_after && *die_after == step)
                _exit(40 + (int) step); /* a power cut right here */
}

static int prove_full(fixture *f, lg_step step, bool healthy, const lg_withheld *w,
                      lg_proven_step *die_after, lg_proven_result *ret) {
        lg_proven_input in = {
                .root = f->root,
                .store = f->store,
                .kernel = KVER,
                .config = &f->config,
                .agents = &f->agents,
                .cmdline = &f->cmdline,
                .withheld = w,
                .step = step,
                .healthy = healthy,
                .now_usec = NOW_USEC,
                .after_step = hook,
                .userdata = die_after,
        };

        *ret = (lg_proven_result){};
        return lg_proven_write(&in, ret);
}

static int prove(fixture *f, const lg_withheld *w, lg_proven_result *ret) {
        return prove_full(f, LG_STEP_PROVEN, true, w, NULL, ret);
}

/* The old last known good: generation 1 with a.yaml, b.yaml, vendor v1. */
static void make_old_lkg(fixture *f) {
        lg_proven_result res;

        f->fp_vendor_v1 = module_fp(f, "extra/vendor.ko");
        hot_set(f, &(lg_state){ .armed = true, .unproven = true, .boot_seq = 4 });
        assert_int_equal(prove(f, NULL, &res), 0);
        assert_true(res.decision.proven);
        assert_int_equal(res.generation, 1);
        f->old_manifest = slurp(f, LIB "/manifest");
        assert_non_null(f->old_manifest);
}

static const lg_state hot_this_boot = { .armed = true, .unproven = true, .level = 1, .boot_seq = 5 };
static const lg_state hot_proven = { .boot_seq = 5, .last_proven_usec = NOW_USEC };

/* This boot: a.yaml changed, c.yaml and d.yaml new, vendor v2; d.yaml and
 * vendor withheld (as lastgood-early hands them over: no fingerprint). */
static void make_this_boot(fixture *f) {
        put(f, "etc/falco/rules.d/a.yaml", "rule: one, version 2\n", 0600, T_NEW);
        put(f, "etc/falco/rules.d/c.yaml", "rule: three\n", 0644, T_NEW);
        put(f, "etc/falco/rules.d/d.yaml", "rule: bad\n", 0644, T_NEW);
        mkmod("extra/vendor.ko", "srcversion=VENDOR00002");
        f->fp_vendor_v2 = module_fp(f, "extra/vendor.ko");
        assert_true(f->fp_vendor_v1 != f->fp_vendor_v2);
        lg_withheld_done(&f->withheld);
        assert_int_equal(lg_withheld_add(&f->withheld, LG_ITEM_CONTENT, RULES "/d.yaml", LG_REASON_CHANGED,
                                         "falco", 0),
                         1);
        assert_int_equal(lg_withheld_add(&f->withheld, LG_ITEM_MODULE, "vendor", LG_REASON_CHANGED, NULL, 0),
                         1);
        hot_set(f, &hot_this_boot);
}

/* The old last known good, untouched. */
static void assert_old_files(fixture *f) {
        _cleanup_free_ char *cur = readlink_rel(LIB "/current");

        assert_text(f, LIB "/manifest", f->old_manifest);
        assert_string_equal(cur, "generations/1");
        assert_copy(f, 0, RULES "/a.yaml", "rule: one\n");
        assert_copy(f, 0, RULES "/b.yaml", "rule: two\n");
        assert_copy(f, 0, RULES "/c.yaml", NULL);
        assert_store_complete(f);
}

static void assert_live_intact(fixture *f) {
        assert_text(f, "etc/falco/rules.d/a.yaml", "rule: one, version 2\n");
        assert_text(f, "etc/falco/rules.d/b.yaml", "rule: two\n");
        assert_text(f, "etc/falco/rules.d/c.yaml", "rule: three\n");
        assert_text(f, "etc/falco/rules.d/d.yaml", "rule: bad\n");
}

/* The new last known good of this boot, as the scan of the root says it
 * must be: everything but what was withheld, which keeps its old entry. */
static void assert_new_files(fixture *f) {
        lg_inventory m = {};
        const lg_inv_item *it;
        struct stat st;
        _cleanup_free_ char *rel = copy_rel(f, 0, RULES "/a.yaml");
        _cleanup_free_ char *p = host_path(rel);

        assert_int_equal(lg_manifest_load(f->root, LG_MANIFEST_PATH, &m), 0);
        assert_string_equal(m.kernel, KVER);
        assert_int_equal(m.n, 4);
        for (size_t i = 0; i < 3; i++) {
                static const char *const names[] = { RULES "/a.yaml", RULES "/b.yaml", RULES "/c.yaml" };
                it = lg_inventory_find(&m, LG_ITEM_CONTENT, names[i]);
                assert_non_null(it);
                assert_string_equal(it->agent, "falco");
                assert_true(it->fingerprint == content_fp(f, names[i]));
        }
        assert_null(lg_inventory_find(&m, LG_ITEM_CONTENT, RULES "/d.yaml"));
        it = lg_inventory_find(&m, LG_ITEM_MODULE, "vendor");
        assert_non_null(it);
        assert_string_equal(it->path, "extra/vendor.ko");
        assert_true(it->fingerprint == f->fp_vendor_v1); /* withheld: still "changed" next boot */
        assert_null(lg_inventory_find(&m, LG_ITEM_MODULE, "e1000e"));
        lg_inventory_done(&m);

        /* Last good copies: through the stable name, owner, mode, times. */
        assert_copy(f, 0, RULES "/a.yaml", "rule: one, version 2\n");
        assert_copy(f, 0, RULES "/b.yaml", "rule: two\n");
        assert_copy(f, 0, RULES "/c.yaml", "rule: three\n");
        assert_copy(f, 0, RULES "/d.yaml", NULL);
        assert_int_equal(stat(p, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0600);
        assert_int_equal(st.st_mtim.tv_sec, T_NEW);
        assert_int_equal(st.st_uid, geteuid());
        assert_int_equal(count_tmp_generations(), 0);
        assert_store_complete(f);
}

static void assert_new_cold(fixture *f) {
        lg_quarantine q = {};
        const lg_qitem *qi;

        assert_int_equal(lg_store_read_quarantine(f->store, &q), 0);
        assert_int_equal(q.n, 2);
        qi = lg_quarantine_find(&q, LG_ITEM_MODULE, "vendor");
        assert_non_null(qi);
        assert_true(qi->fingerprint == f->fp_vendor_v2);
        qi = lg_quarantine_find(&q, LG_ITEM_CONTENT, RULES "/d.yaml");
        assert_non_null(qi);
        assert_true(qi->fingerprint == content_fp(f, RULES "/d.yaml"));
        lg_quarantine_done(&q);
}

/* ---- cases ---- */

/* An orderly shutdown before healthy: the boot does not count. The try
 * it spent at its start is given back, so tries is what it was before this
 * boot; only the hot record is written; the last known good stays. */
static void test_shutdown_before_healthy(void **state) {
        const lg_state before = { .armed = true, .tries = 1, .boot_seq = 5 };
        lg_state at_boot, st;
        lg_decision d;
        lg_proven_result res;
        unsigned w0;

        make_old_lkg(F);
        make_this_boot(F);
        lg_machine_step(&before, LG_STEP_BOOT, &F->cmdline, &F->config, &(lg_facts){}, &at_boot, &d);
        assert_true(d.counted);
        assert_int_equal(at_boot.tries, 2);
        hot_set(F, &at_boot);
        w0 = lg_store_write_count(F->store);

        assert_int_equal(prove_full(F, LG_STEP_SHUTDOWN, false, &F->withheld, NULL, &res), 0);
        assert_true(res.decision.neutral);
        assert_false(res.decision.proven);
        assert_false(res.files_written);
        assert_false(res.quarantine_written);
        assert_true(res.state_written);
        assert_int_equal(lg_store_write_count(F->store) - w0, 1);
        st = hot_get(F);
        assert_int_equal(st.tries, before.tries);
        assert_true(st.armed);
        assert_int_equal(st.boot_seq, at_boot.boot_seq);
        assert_int_equal(st.last_proven_usec, at_boot.last_proven_usec);
        assert_old_files(F);
        assert_false(cold_exists(F));
        assert_false(exists(LIB "/generations/2"));
        assert_int_equal(count_tmp_generations(), 0);

        /* Nothing armed, nothing counted: nothing written at all. */
        hot_set(F, &(lg_state){ .boot_seq = 5 });
        w0 = lg_store_write_count(F->store);
        assert_int_equal(prove_full(F, LG_STEP_SHUTDOWN, false, NULL, NULL, &res), 0);
        assert_true(res.decision.neutral);
        assert_false(res.state_written);
        assert_int_equal(lg_store_write_count(F->store), w0);
        assert_old_files(F);
}

/* healthy → proven: the manifest, the last good copies, the hot record
 * cleared; then changed and unchanged files, and the steady state. */
static void test_proven_write(void **state) {
        lg_proven_result res;
        lg_inventory m = {};
        struct stat s1, s2;
        unsigned w0;

        hot_set(F, &(lg_state){ .armed = true, .unproven = true, .level = 1, .tries = 0, .boot_seq = 4 });
        assert_int_equal(prove(F, NULL, &res), 0);
        assert_true(res.decision.proven);
        assert_true(res.files_written);
        assert_true(res.state_written);
        assert_false(res.steady);
        assert_false(res.state_was_corrupt);
        assert_false(res.manifest_was_corrupt);
        assert_int_equal(res.generation, 1);
        assert_int_equal(res.n_items, 3); /* a.yaml, b.yaml, vendor; not the in-tree e1000e */
        assert_int_equal(res.n_copied, 2);
        assert_int_equal(res.n_linked, 0);
        assert_int_equal(res.skipped, 0);
        assert_state_equal(&res.state, &(lg_state){ .boot_seq = 4, .last_proven_usec = NOW_USEC });
        {
                lg_state st = hot_get(F);
                assert_state_equal(&st, &res.state);
        }
        assert_false(cold_exists(F));
        /* The records are where the store keeps them. */
        {
                _cleanup_free_ char *var = NULL;
                assert_true(asprintf(&var, "%s%s", efivars, STATE_VAR) >= 0);
                assert_int_equal(access(var, F_OK) == 0, F->backend == LG_STORE_EFI);
                assert_int_equal(exists(LIB "/state"), F->backend == LG_STORE_FILE);
        }

        /* The layout of proven.h. */
        {
                _cleanup_free_ char *cur = readlink_rel(LIB "/current");
                _cleanup_free_ char *man = readlink_rel(LIB "/manifest");
                _cleanup_free_ char *con = readlink_rel(LIB "/content");
                _cleanup_free_ char *store = host_path(LIB "/store");
                char key[LG_CASTORE_KEY_LEN + 1];
                _cleanup_close_ int dfd = -EBADF, fd = -EBADF;
                char text[64] = "";
                struct stat st;

                assert_string_equal(cur, "generations/1");
                assert_string_equal(man, "current/manifest");
                assert_null(con); /* the old layout's stable name is gone */
                assert_true(exists(LIB "/generations/1/copies"));
                assert_false(exists(LIB "/generations/1/content"));
                /* The store is root's and 0700; the copy is found through
                 * the current index, checked, and named by its key. */
                assert_int_equal(stat(store, &st), 0);
                assert_int_equal(st.st_mode & 07777, 0700);
                dfd = lg_lastgood_copy_open(F->root, "falco", RULES "/a.yaml", key);
                assert_true(dfd >= 0);
                assert_true(lg_castore_key_valid(key));
                fd = openat(dfd, key, O_RDONLY);
                assert_true(fd >= 0);
                assert_true(read(fd, text, sizeof text - 1) > 0);
                assert_string_equal(text, "rule: one\n");
                assert_int_equal(lg_lastgood_copy_open(F->root, "other", RULES "/a.yaml", key), -ENOENT);
                assert_int_equal(lg_lastgood_copy_open(F->root, "falco", RULES "/none.yaml", key), -ENOENT);
                assert_int_equal(count_store(), 2);
        }
        assert_int_equal(lg_manifest_load(F->root, LG_MANIFEST_PATH, &m), 0);
        assert_int_equal(m.n, 3);
        assert_true(lg_inventory_find(&m, LG_ITEM_MODULE, "vendor")->fingerprint ==
                    module_fp(F, "extra/vendor.ko"));
        assert_true(lg_inventory_find(&m, LG_ITEM_CONTENT, RULES "/b.yaml")->fingerprint ==
                    content_fp(F, RULES "/b.yaml"));
        lg_inventory_done(&m);
        {
                _cleanup_free_ char *rel = copy_rel(F, 1, RULES "/a.yaml");
                _cleanup_free_ char *p = host_path(rel);
                assert_int_equal(stat(p, &s1), 0);
                assert_int_equal(s1.st_mode & 07777, 0640);
                assert_int_equal(s1.st_mtim.tv_sec, T_OLD);
        }

        /* The next proven boot: a.yaml changed, b.yaml not (generation 1's
         * store copy, decided from the manifest entry alone). */
        put(F, "etc/falco/rules.d/a.yaml", "rule: one, version 2\n", 0640, T_NEW);
        hot_set(F, &(lg_state){ .armed = true, .unproven = true, .boot_seq = 5 });
        assert_int_equal(prove(F, NULL, &res), 0);
        assert_int_equal(res.generation, 2);
        assert_int_equal(res.n_copied, 1);
        assert_int_equal(res.n_linked, 1);
        assert_copy(F, 0, RULES "/a.yaml", "rule: one, version 2\n");
        assert_copy(F, 1, RULES "/a.yaml", "rule: one\n");
        {
                _cleanup_free_ char *r1 = copy_rel(F, 1, RULES "/b.yaml");
                _cleanup_free_ char *r2 = copy_rel(F, 2, RULES "/b.yaml");
                _cleanup_free_ char *p1 = host_path(r1);
                _cleanup_free_ char *p2 = host_path(r2);
                assert_string_equal(r1, r2); /* one copy for both generations */
                assert_int_equal(stat(p1, &s1), 0);
                assert_int_equal(stat(p2, &s2), 0);
                assert_true(s1.st_ino == s2.st_ino);
                assert_int_equal(count_store(), 3);
        }

        /* Steady state: proven again with nothing changed and nothing
         * pending writes nothing at all, neither files nor records. */
        w0 = lg_store_write_count(F->store);
        assert_int_equal(prove(F, NULL, &res), 0);
        assert_true(res.decision.proven);
        assert_true(res.steady);
        assert_false(res.files_written);
        assert_false(res.state_written);
        assert_int_equal(lg_store_write_count(F->store), w0);
        assert_false(exists(LIB "/generations/3"));

        /* Old generations go; the one before the current stays. */
        for (int i = 3; i <= 4; i++) {
                char text[32];
                snprintf(text, sizeof text, "rule: one, version %d\n", i);
                put(F, "etc/falco/rules.d/a.yaml", text, 0640, T_NEW + i);
                hot_set(F, &(lg_state){ .armed = true, .unproven = true, .boot_seq = 5 });
                assert_int_equal(prove(F, NULL, &res), 0);
                assert_int_equal(res.generation, (unsigned) i);
        }
        assert_false(exists(LIB "/generations/1"));
        assert_true(exists(LIB "/generations/3"));
        assert_copy(F, 0, RULES "/a.yaml", "rule: one, version 4\n");
        assert_copy(F, 3, RULES "/a.yaml", "rule: one, version 3\n");
        /* Pruned after the switch: a.yaml 4 and 3, b.yaml; versions 1 and
         * 2 named by no kept generation are gone. */
        assert_int_equal(res.n_pruned, 1);
        assert_int_equal(count_store(), 3);
}

/* A hot record that does not decode is "no state", and rewritten: at an
 * orderly shutdown, at a steady proven boot, at a proven write. */
/* The agent's user races the copy (issue 18, row 3): a.yaml rewritten in
 * place once the proof has opened it, b.yaml replaced by a socket just
 * before it is opened. The proof succeeds; both keep their previous entry
 * (manifest and store copy) and are reported. */
typedef struct race {
        const fixture *f;
        unsigned n_changed;
} race;

static void race_copying(lg_proven_copy_phase phase, const char *path, void *userdata) {
        race *r = userdata;

        if (phase == LG_PROVEN_COPY_READ && streq(path, RULES "/a.yaml")) {
                _cleanup_free_ char *p = host_path("etc/falco/rules.d/a.yaml");
                FILE *o = fopen(p, "re+");

                assert_non_null(o);
                assert_int_equal(fputs("rule: EVIL, version 2\n", o) >= 0, 1); /* same size */
                assert_int_equal(fclose(o), 0);
        }
        if (phase == LG_PROVEN_COPY_OPEN && streq(path, RULES "/b.yaml")) {
                _cleanup_free_ char *p = host_path("etc/falco/rules.d/b.yaml");
                struct sockaddr_un sa = { .sun_family = AF_UNIX };
                _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

                assert_true(fd >= 0);
                assert_true(strlen(p) < sizeof(sa.sun_path));
                strcpy(sa.sun_path, p);
                assert_int_equal(unlink(p), 0);
                assert_int_equal(bind(fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
        }
        (void) r;
}

static void race_changed(const char *agent, const char *path, const char *why, void *userdata) {
        race *r = userdata;

        assert_string_equal(agent, "falco");
        assert_true(streq(path, RULES "/a.yaml") || streq(path, RULES "/b.yaml"));
        assert_non_null(why);
        r->n_changed++;
}

static void test_copy_race(void **state) {
        lg_proven_result res;
        lg_inventory old = {}, m = {};
        race rc = { .f = F };
        lg_proven_input in = {
                .root = F->root,
                .store = F->store,
                .kernel = KVER,
                .config = &F->config,
                .agents = &F->agents,
                .cmdline = &F->cmdline,
                .step = LG_STEP_PROVEN,
                .healthy = true,
                .now_usec = NOW_USEC,
                .copy_changed = race_changed,
                .copying = race_copying,
                .userdata = &rc,
        };

        make_old_lkg(F);
        assert_int_equal(lg_manifest_load(F->root, LG_MANIFEST_PATH, &old), 0);
        put(F, "etc/falco/rules.d/a.yaml", "rule: one, version 2\n", 0600, T_NEW);
        put(F, "etc/falco/rules.d/b.yaml", "rule: two, version 2\n", 0644, T_NEW);
        put(F, "etc/falco/rules.d/c.yaml", "rule: three\n", 0644, T_NEW);
        hot_set(F, &hot_this_boot);

        res = (lg_proven_result) {};
        assert_int_equal(lg_proven_write(&in, &res), 0);
        assert_true(res.decision.proven);
        assert_true(res.files_written);
        assert_int_equal(res.n_changed_under, 2);
        assert_int_equal(rc.n_changed, 2);
        /* The previous copies stay; the honest new file is proven. */
        assert_copy(F, 0, RULES "/a.yaml", "rule: one\n");
        assert_copy(F, 0, RULES "/b.yaml", "rule: two\n");
        assert_copy(F, 0, RULES "/c.yaml", "rule: three\n");
        assert_store_complete(F);
        assert_int_equal(lg_manifest_load(F->root, LG_MANIFEST_PATH, &m), 0);
        for (unsigned i = 0; i < 2; i++) {
                const char *n = i ? RULES "/b.yaml" : RULES "/a.yaml";
                const lg_inv_item *o = lg_inventory_find(&old, LG_ITEM_CONTENT, n),
                                  *now = lg_inventory_find(&m, LG_ITEM_CONTENT, n);

                assert_non_null(o);
                assert_non_null(now);
                assert_true(o->fingerprint == now->fingerprint);
                assert_true(o->ino == now->ino && o->ctime_ns == now->ctime_ns);
        }
        assert_non_null(lg_inventory_find(&m, LG_ITEM_CONTENT, RULES "/c.yaml"));
        lg_inventory_done(&m);
        lg_inventory_done(&old);
        lg_proven_result_done(&res);
}

static void test_corrupt_hot_record(void **state) {
        lg_proven_result res;
        lg_state st;

        hot_corrupt(F);
        assert_int_equal(prove_full(F, LG_STEP_SHUTDOWN, false, NULL, NULL, &res), 0);
        assert_true(res.state_was_corrupt);
        assert_true(res.state_written);
        st = hot_get(F);
        assert_state_equal(&st, &(lg_state){});

        make_old_lkg(F);
        hot_corrupt(F);
        assert_int_equal(prove(F, NULL, &res), 0);
        assert_true(res.state_was_corrupt);
        assert_true(res.steady); /* nothing differs from the last known good */
        assert_false(res.files_written);
        assert_true(res.state_written);
        st = hot_get(F);
        assert_state_equal(&st, &(lg_state){});

        make_this_boot(F);
        hot_corrupt(F);
        assert_int_equal(prove(F, &F->withheld, &res), 0);
        assert_true(res.state_was_corrupt);
        assert_true(res.files_written);
        assert_true(res.state_written);
        assert_new_files(F);
        assert_new_cold(F);
        {
                _cleanup_free_ char *var = NULL;
                assert_true(asprintf(&var, "%s%s", efivars, QUAR_VAR) >= 0);
                assert_int_equal(access(var, F_OK) == 0, F->backend == LG_STORE_EFI);
                assert_int_equal(exists(LIB "/quarantine.rec"), F->backend == LG_STORE_FILE);
        }
        st = hot_get(F);
        assert_false(st.armed);
        assert_false(st.unproven);
}

/* A manifest that does not parse: everything is new, it is replaced, and
 * the broken file is moved aside, not deleted. */
static void test_corrupt_manifest(void **state) {
        lg_proven_result res;
        _cleanup_free_ char *legacy = NULL;

        put(F, LIB "/manifest", "lastgood-manifest 1\nkernel " KVER "\ncontent /x - zz\n", 0644, 0);
        hot_set(F, &(lg_state){ .armed = true, .unproven = true, .boot_seq = 2 });
        assert_int_equal(prove(F, NULL, &res), 0);
        assert_true(res.manifest_was_corrupt);
        assert_true(res.files_written);
        assert_int_equal(res.n_copied, 2);
        {
                lg_inventory m = {};
                assert_int_equal(lg_manifest_load(F->root, LG_MANIFEST_PATH, &m), 0);
                assert_int_equal(m.n, 3);
                lg_inventory_done(&m);
        }
        assert_true(asprintf(&legacy, LIB "/generations/legacy-%" PRIu64 "/manifest", NOW_USEC) >= 0);
        assert_text(F, legacy, "lastgood-manifest 1\nkernel " KVER "\ncontent /x - zz\n");
}

/* Items withheld in a proven boot become cold-record entries, each with
 * the fingerprint of the item as it is on disk; block= is not a verdict;
 * a fingerprint that came with the item is kept; the record is written
 * only when the set changes. */
static void test_withheld_cold_record(void **state) {
        lg_proven_result res;
        lg_quarantine q = {};
        const lg_qitem *qi;
        unsigned w0;

        make_old_lkg(F);
        make_this_boot(F);
        mkmod("extra/blocked.ko", "srcversion=BLOCKED0001");
        assert_int_equal(lg_withheld_add(&F->withheld, LG_ITEM_MODULE, "blocked", LG_REASON_BLOCK, NULL, 0),
                         1);
        /* Withheld at boot because the cold record held it, then released
         * (lastgoodctl release) while the boot ran: it must not come back. */
        mkmod("extra/released.ko", "srcversion=RELEASED001");
        assert_int_equal(lg_withheld_add(&F->withheld, LG_ITEM_MODULE, "released", LG_REASON_QUARANTINE, NULL, 0),
                         1);
        /* Moved away already (quarantine policy), with its fingerprint. */
        assert_int_equal(lg_withheld_add(&F->withheld, LG_ITEM_CONTENT, RULES "/e.yaml", LG_REASON_CHANGED,
                                         "falco", 0x1234),
                         1);

        assert_int_equal(prove(F, &F->withheld, &res), 0);
        assert_true(res.decision.proven);
        assert_true(res.quarantine_written);
        assert_int_equal(res.n_quarantined, 3);
        assert_int_equal(lg_store_read_quarantine(F->store, &q), 0);
        assert_int_equal(q.n, 3);
        qi = lg_quarantine_find(&q, LG_ITEM_MODULE, "vendor");
        assert_non_null(qi);
        assert_true(qi->fingerprint == F->fp_vendor_v2);
        qi = lg_quarantine_find(&q, LG_ITEM_CONTENT, RULES "/d.yaml");
        assert_non_null(qi);
        assert_true(qi->fingerprint == content_fp(F, RULES "/d.yaml"));
        assert_true(qi->fingerprint != 0);
        qi = lg_quarantine_find(&q, LG_ITEM_CONTENT, RULES "/e.yaml");
        assert_non_null(qi);
        assert_true(qi->fingerprint == 0x1234);
        assert_null(lg_quarantine_find(&q, LG_ITEM_MODULE, "blocked"));
        assert_null(lg_quarantine_find(&q, LG_ITEM_MODULE, "released"));
        lg_quarantine_done(&q);
        {
                /* Nor is the blocked module a part of the last known good. */
                lg_inventory m = {};
                assert_int_equal(lg_manifest_load(F->root, LG_MANIFEST_PATH, &m), 0);
                assert_null(lg_inventory_find(&m, LG_ITEM_MODULE, "blocked"));
                /* The released one did not run in this boot either. */
                assert_null(lg_inventory_find(&m, LG_ITEM_MODULE, "released"));
                lg_inventory_done(&m);
        }
        assert_live_intact(F);

        /* The same set again: the cold record is not rewritten. */
        hot_set(F, &hot_this_boot);
        w0 = lg_store_write_count(F->store);
        assert_int_equal(prove(F, &F->withheld, &res), 0);
        assert_false(res.quarantine_written);
        assert_int_equal(res.n_quarantined, 0);
        assert_true(res.state_written);
        assert_int_equal(lg_store_write_count(F->store) - w0, 1);
}

/* A proven level-2 boot: its suspects (all-third-party, and changed at
 * level 2) start a narrowing instead of entering the cold record; the
 * crash-log culprit is a verdict and does. The order: the agent first,
 * a module after the one it depends on (libkmod's depends=). The next
 * proven boot clears the probe it ran (the agent alone). */
static void test_level2_narrowing(void **state) {
        lg_proven_result res;
        lg_quarantine q = {};
        lg_narrow nw = {};

        make_old_lkg(F);
        make_this_boot(F);
        mkmod("extra/aaa_zpl.ko", "srcversion=ZPL0000001 depends=spl");
        mkmod("extra/spl.ko", "srcversion=SPL0000001");
        mkmod("extra/oopser.ko", "srcversion=OOPSER0001");
        assert_int_equal(lg_withheld_add(&F->withheld, LG_ITEM_MODULE, "aaa_zpl", LG_REASON_ALL_THIRD_PARTY,
                                         NULL, 0),
                         1);
        assert_int_equal(lg_withheld_add(&F->withheld, LG_ITEM_MODULE, "spl", LG_REASON_ALL_THIRD_PARTY, NULL, 0),
                         1);
        assert_int_equal(lg_withheld_add(&F->withheld, LG_ITEM_MODULE, "oopser", LG_REASON_CRASH_LOG, NULL, 0), 1);
        hot_set(F, &(lg_state){ .armed = true, .unproven = true, .level = 2, .boot_seq = 9 });

        assert_int_equal(prove(F, &F->withheld, &res), 0);
        assert_true(res.decision.proven);
        assert_int_equal(res.narrow_error, 0);
        if (F->backend == LG_STORE_FILE) {
                /* No EFI: the generator counts, no search; verdicts as before. */
                assert_false(res.narrow_started);
                assert_int_equal(lg_narrow_load(F->root, &nw), -ENOENT);
                assert_int_equal(lg_store_read_quarantine(F->store, &q), 0);
                assert_int_equal(q.n, 5); /* d.yaml, vendor, aaa_zpl, spl, oopser */
                assert_non_null(lg_quarantine_find(&q, LG_ITEM_MODULE, "spl"));
                lg_quarantine_done(&q);
                return;
        }
        assert_true(res.narrow_started);
        lg_proven_result_done(&res);
        assert_int_equal(lg_store_read_quarantine(F->store, &q), 0);
        assert_int_equal(q.n, 1);
        assert_non_null(lg_quarantine_find(&q, LG_ITEM_MODULE, "oopser"));
        lg_quarantine_done(&q);

        assert_int_equal(lg_narrow_load(F->root, &nw), 0);
        assert_int_equal(nw.n, 4);
        assert_int_equal(nw.base_seq, 9);
        assert_int_equal(nw.items[0].kind, LG_SUSPECT_AGENT);
        assert_string_equal(nw.items[0].name, "falco");
        assert_string_equal(nw.items[1].name, "spl");
        assert_string_equal(nw.items[2].name, "aaa_zpl");
        assert_string_equal(nw.items[3].name, "vendor");
        assert_true(nw.items[3].fingerprint == F->fp_vendor_v2);
        assert_int_equal(nw.probe, 1);
        lg_narrow_done(&nw);

        /* The next boot (counted: boot_seq 10) ran the agent and is proven. */
        lg_withheld_done(&F->withheld);
        assert_int_equal(lg_withheld_add(&F->withheld, LG_ITEM_MODULE, "spl", LG_REASON_ALL_THIRD_PARTY, NULL, 0),
                         1);
        hot_set(F, &(lg_state){ .armed = true, .unproven = true, .boot_seq = 10 });
        assert_int_equal(prove(F, &F->withheld, &res), 0);
        assert_true(res.narrow_passed);
        assert_int_equal(res.narrow_report.n_cleared, 1);
        assert_string_equal(res.narrow.items[res.narrow_report.cleared[0]].name, "falco");
        lg_proven_result_done(&res);
        assert_int_equal(lg_store_read_quarantine(F->store, &q), 0);
        assert_int_equal(q.n, 1); /* spl is still a suspect, no verdict */
        lg_quarantine_done(&q);
        assert_int_equal(lg_narrow_load(F->root, &nw), 0);
        assert_int_equal(lg_narrow_held(&nw), 3);
        assert_int_equal(nw.base_seq, 10);
        lg_narrow_done(&nw);
        /* A second proof of the same boot (a change undid the first) ran
         * no other probe: it passes nothing more. */
        hot_set(F, &(lg_state){ .armed = true, .boot_seq = 10 });
        assert_int_equal(prove(F, &F->withheld, &res), 0);
        assert_false(res.narrow_passed);
        lg_proven_result_done(&res);
        assert_int_equal(lg_narrow_load(F->root, &nw), 0);
        assert_int_equal(lg_narrow_held(&nw), 3);
        lg_narrow_done(&nw);

        /* A corrupt state is reported and is no narrowing. */
        put(F, "var/lib/lastgood/narrowing", "VERSION=7\n", 0644, 0);
        lg_withheld_done(&F->withheld);
        hot_set(F, &(lg_state){ .armed = true, .unproven = true, .boot_seq = 11 });
        assert_int_equal(prove(F, NULL, &res), 0);
        assert_true(res.narrow_was_corrupt);
        assert_false(res.narrow_passed);
        lg_proven_result_done(&res);
}

/* Agents whose definition is there but nothing else (lastgood ships
 * several): level 2 masks their units, but they ran nothing and crashed
 * nothing. They are no suspects (the search would only cost boots) and no
 * verdicts; an agent with a unit file (a template's for an instance) is
 * installed, as is falco, whose content is on disk. */
static void add_agent_unit(fixture *f, const char *unit, const char *agent) {
        assert_int_equal(lg_withheld_add(&f->withheld, LG_ITEM_UNIT, unit, LG_REASON_ALL_THIRD_PARTY, agent, 0), 1);
}

static void test_level2_agents_not_installed(void **state) {
        lg_proven_result res;
        lg_quarantine q = {};
        lg_narrow nw = {};
        int r;

        make_old_lkg(F);
        make_this_boot(F);
        put(F, "etc/lastgood/agents.d/ghost.conf", "[Agent]\nUnits=ghost.service\nModules=ghostmod\nOnSafeMode=disable\n",
            0644, 0);
        put(F, "etc/lastgood/agents.d/unitonly.conf", "[Agent]\nUnits=unitonly.service\nOnSafeMode=disable\n", 0644, 0);
        put(F, "etc/lastgood/agents.d/templ.conf", "[Agent]\nUnits=templ@main.service\nOnSafeMode=disable\n", 0644, 0);
        put(F, "usr/lib/systemd/system/unitonly.service", "[Service]\nExecStart=/bin/true\n", 0644, 0);
        put(F, "etc/systemd/system/templ@.service", "[Service]\nExecStart=/bin/true\n", 0644, 0);
        lg_agents_done(&F->agents);
        assert_int_equal(lg_agents_load(F->root, &F->agents), 0);
        assert_int_equal(F->agents.n, 4);
        add_agent_unit(F, "falco.service", "falco");
        add_agent_unit(F, "ghost.service", "ghost");
        assert_int_equal(
                lg_withheld_add(&F->withheld, LG_ITEM_MODULE, "ghostmod", LG_REASON_ALL_THIRD_PARTY, "ghost", 0), 1);
        add_agent_unit(F, "unitonly.service", "unitonly");
        add_agent_unit(F, "templ@main.service", "templ");
        hot_set(F, &(lg_state){ .armed = true, .unproven = true, .level = 2, .boot_seq = 9 });

        assert_int_equal(prove(F, &F->withheld, &res), 0);
        assert_true(res.decision.proven);
        if (F->backend == LG_STORE_FILE) {
                /* No EFI, no search: every level-2 item a verdict, as before. */
                assert_false(res.narrow_started);
                assert_int_equal(res.narrow_not_installed, 0);
                assert_int_equal(lg_store_read_quarantine(F->store, &q), 0);
                assert_non_null(lg_quarantine_find(&q, LG_ITEM_UNIT, "ghost.service"));
                lg_quarantine_done(&q);
                return;
        }
        assert_true(res.narrow_started);
        assert_int_equal(res.narrow_not_installed, 2); /* ghost.service, ghostmod */
        lg_proven_result_done(&res);
        assert_int_equal(lg_narrow_load(F->root, &nw), 0);
        assert_int_equal(nw.n, 4);
        assert_string_equal(nw.items[0].name, "falco");
        assert_string_equal(nw.items[1].name, "templ");
        assert_string_equal(nw.items[2].name, "unitonly");
        assert_string_equal(nw.items[3].name, "vendor");
        lg_narrow_done(&nw);
        r = lg_store_read_quarantine(F->store, &q);
        assert_true(r == 0 || r == -ENOENT);
        if (r == 0) {
                assert_null(lg_quarantine_find(&q, LG_ITEM_UNIT, "ghost.service"));
                assert_null(lg_quarantine_find(&q, LG_ITEM_MODULE, "ghostmod"));
                lg_quarantine_done(&q);
        }

        /* A level-2 boot where only such an agent was withheld: no search,
         * and still no verdict on it. */
        assert_int_equal(lg_narrow_remove(F->root), 0);
        lg_withheld_done(&F->withheld);
        add_agent_unit(F, "ghost.service", "ghost");
        hot_set(F, &(lg_state){ .armed = true, .unproven = true, .level = 2, .boot_seq = 12 });
        assert_int_equal(prove(F, &F->withheld, &res), 0);
        assert_true(res.decision.proven);
        assert_false(res.narrow_started);
        assert_int_equal(res.narrow_not_installed, 1);
        lg_proven_result_done(&res);
        assert_int_equal(lg_narrow_load(F->root, &nw), -ENOENT);
        r = lg_store_read_quarantine(F->store, &q);
        assert_true(r == 0 || r == -ENOENT);
        if (r == 0) {
                assert_null(lg_quarantine_find(&q, LG_ITEM_UNIT, "ghost.service"));
                lg_quarantine_done(&q);
        }
}

/* Killed after every step: on disk the old or the new last known good,
 * never a mix, the cold record before the switch, the hot record last;
 * the next proven write completes it, and once more changes nothing. */
static void test_interrupted(void **state) {
        lg_store_backend backend = F->backend;

        for (lg_proven_step step = LG_PROVEN_SCANNED; step < _LG_PROVEN_STEP_MAX; step++) {
                lg_proven_result res;
                _cleanup_free_ char *manifest = NULL, *again = NULL;
                lg_state st;
                int status;
                pid_t pid;
                unsigned w0;

                if (step > LG_PROVEN_SCANNED) {
                        assert_int_equal(teardown(state), 0);
                        assert_int_equal(setup_common(state, backend), 0);
                }
                make_old_lkg(F);
                make_this_boot(F);

                fflush(NULL);
                pid = fork();
                assert_true(pid >= 0);
                if (pid == 0) {
                        int r = prove_full(F, LG_STEP_PROVEN, true, &F->withheld, &step, &res);
                        _exit(r < 0 ? 2 : 3); /* the step was never reached */
                }
                assert_int_equal(waitpid(pid, &status, 0), pid);
                assert_true(WIFEXITED(status));
                assert_int_equal(WEXITSTATUS(status), 40 + (int) step);

                if (step < LG_PROVEN_SWITCHED)
                        assert_old_files(F);
                else
                        assert_new_files(F);
                if (step < LG_PROVEN_QUARANTINE)
                        assert_false(cold_exists(F));
                else
                        assert_new_cold(F);
                st = hot_get(F);
                assert_state_equal(&st, step < LG_PROVEN_STATE ? &hot_this_boot : &hot_proven);
                assert_live_intact(F);

                /* The next boot: a new store object, the same proven write. */
                store_reopen(F);
                assert_int_equal(prove(F, &F->withheld, &res), 0);
                assert_true(res.decision.proven);
                assert_new_files(F);
                assert_new_cold(F);
                st = hot_get(F);
                assert_state_equal(&st, &hot_proven);
                assert_live_intact(F);
                manifest = slurp(F, LIB "/manifest");

                /* Once more: the same last known good, no record rewritten. */
                w0 = lg_store_write_count(F->store);
                assert_int_equal(prove(F, &F->withheld, &res), 0);
                assert_false(res.state_written);
                assert_false(res.quarantine_written);
                assert_int_equal(lg_store_write_count(F->store), w0);
                again = slurp(F, LIB "/manifest");
                assert_string_equal(manifest, again);
                assert_new_files(F);
        }
}

/* A full /var (and a full NVRAM), from the start and from a step on: the
 * proven write fails with -ENOSPC, the old last known good and the hot
 * record stay as they were, and the next proven write, with room again,
 * completes it. Only a failing hot record write leaves the new files: the
 * boot is then still unproven, which is what makes the retry happen. */
static void test_enospc(void **state) {
        static const lg_proven_step from[] = { 0, LG_PROVEN_COPIED, LG_PROVEN_SEALED, LG_PROVEN_SWITCHED };
        lg_store_backend backend = F->backend;

        for (size_t i = 0; i < ELEMENTSOF(from); i++) {
                lg_proven_result res;
                lg_state st;

                if (i > 0) {
                        assert_int_equal(teardown(state), 0);
                        assert_int_equal(setup_common(state, backend), 0);
                }
                make_old_lkg(F);
                make_this_boot(F);

                lg_test_n_enospc = 0;
                lg_test_enospc = from[i] == 0;
                enospc_after = from[i];
                assert_int_equal(prove(F, &F->withheld, &res), -ENOSPC);
                lg_test_enospc = false;
                enospc_after = 0;
                assert_true(lg_test_n_enospc > 0);

                if (from[i] < LG_PROVEN_SWITCHED) {
                        assert_old_files(F);
                        assert_false(cold_exists(F));
                } else {
                        assert_new_files(F);
                        assert_new_cold(F);
                }
                st = hot_get(F);
                assert_state_equal(&st, &hot_this_boot);
                assert_live_intact(F);

                store_reopen(F);
                assert_int_equal(prove(F, &F->withheld, &res), 0);
                assert_new_files(F);
                assert_new_cold(F);
                st = hot_get(F);
                assert_state_equal(&st, &hot_proven);
        }
}

/* lastgood.mode=off: nothing at all, not even a corrupt record rewritten. */
static void test_mode_off(void **state) {
        lg_proven_result res;

        load_context(F, "quiet lastgood.mode=off");
        hot_corrupt(F);
        assert_int_equal(prove(F, NULL, &res), 0);
        assert_true(res.decision.noop);
        assert_false(res.decision.proven);
        assert_false(res.state_written);
        assert_false(res.files_written);
        assert_int_equal(lg_store_write_count(F->store), 0);
        assert_false(exists(LIB "/generations"));
        assert_false(exists(LIB "/manifest"));
}

static int reexec(char *argv[]) {
        const char *base = getenv("TMPDIR");
        _cleanup_free_ char *t = NULL, *e = NULL;

        if (asprintf(&t, "%s/lastgood-test-proven.XXXXXX", base && base[0] ? base : "/tmp") < 0 ||
            !mkdtemp(t))
                return 1;
        if (asprintf(&e, "%s/root/sys/firmware/efi/efivars/", t) < 0)
                return 1;
        setenv("LG_TEST_PROVEN_DIR", t, 1);
        setenv("EFIVARFS_PATH", e, 1);
        setenv("LIBEFIVAR_OPS", "efivarfs", 1);
        execv("/proc/self/exe", argv);
        fprintf(stderr, "test-proven: cannot re-execute itself: %m\n");
        rmdir(t);
        return 1;
}

/* Every case with each store. */
#define BOTH(t)                                                                                          \
        { .name = #t " (file)", .test_func = t, .setup_func = setup_file, .teardown_func = teardown }, { \
                .name = #t " (efi)", .test_func = t, .setup_func = setup_efi, .teardown_func = teardown  \
        }

int main(int argc, char *argv[]) {
        const struct CMUnitTest tests[] = {
                BOTH(test_shutdown_before_healthy),
                BOTH(test_proven_write),
                BOTH(test_copy_race),
                BOTH(test_corrupt_hot_record),
                BOTH(test_corrupt_manifest),
                BOTH(test_withheld_cold_record),
                BOTH(test_level2_narrowing),
                BOTH(test_level2_agents_not_installed),
                BOTH(test_interrupted),
                BOTH(test_enospc),
                BOTH(test_mode_off),
        };
        const char *d = getenv("LG_TEST_PROVEN_DIR");
        _cleanup_free_ char *cache = NULL;
        int r;

        if (!d)
                return reexec(argv);
        fixtures = getenv("LASTGOOD_FIXTURES") ?: LG_TEST_FIXTURES;
        basedir = strdup(d);
        if (!basedir || asprintf(&rootdir, "%s/root", basedir) < 0 ||
            asprintf(&efivars, "%s/sys/firmware/efi/efivars/", rootdir) < 0 ||
            asprintf(&cache, "%s/mkmod-cache", basedir) < 0)
                return 1;
        setenv("MKMOD_CACHE", cache, 1);

        r = cmocka_run_group_tests(tests, NULL, NULL);
        rm_rf(basedir);
        free(basedir);
        free(rootdir);
        free(efivars);
        return r;
}
