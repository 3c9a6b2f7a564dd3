/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The in-tree test by the .modinfo section (lib/inventory/modinfo.c):
 * table-driven answers on built ELF objects, every truncation and every
 * byte flipped of the headers (never a read out of bounds: ASan), and the
 * same answer as libkmod on the modules of the installed Debian kernel. */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <libkmod.h>

#include "inventory.h"
#include "macro.h"

/* An ELF64 relocatable object: header, a .shstrtab, a .modinfo of the
 * given bytes (with or without its last NUL), optionally a second
 * .modinfo, then the section headers at the end. */
typedef struct elf_buf {
        unsigned char b[4096];
        size_t n;
        size_t shoff;
} elf_buf;

static const char shstr[] = "\0.shstrtab\0.modinfo\0";
#define NAME_SHSTRTAB 1
#define NAME_MODINFO 11

static void build(elf_buf *e, const char *info, size_t info_len, bool two_modinfo) {
        Elf64_Ehdr eh = {};
        Elf64_Shdr sh[4] = {};
        size_t off = sizeof(eh), nsec = two_modinfo ? 4 : 3;

        memset(e, 0, sizeof(*e));
        memcpy(e->b + off, shstr, sizeof(shstr));
        sh[1] = (Elf64_Shdr){ .sh_name = NAME_SHSTRTAB, .sh_type = SHT_STRTAB, .sh_offset = off, .sh_size = sizeof(shstr) };
        off += sizeof(shstr);
        memcpy(e->b + off, info, info_len);
        sh[2] = (Elf64_Shdr){ .sh_name = NAME_MODINFO, .sh_type = SHT_PROGBITS, .sh_offset = off, .sh_size = info_len };
        off += info_len;
        if (two_modinfo)
                sh[3] = sh[2];
        off = (off + 7) & ~(size_t) 7;
        memcpy(e->b + off, sh, nsec * sizeof(Elf64_Shdr));
        e->shoff = off;

        memcpy(eh.e_ident, ELFMAG, SELFMAG);
        eh.e_ident[EI_CLASS] = ELFCLASS64;
        eh.e_ident[EI_DATA] = ELFDATA2LSB;
        eh.e_ident[EI_VERSION] = EV_CURRENT;
        eh.e_type = ET_REL;
        eh.e_machine = EM_X86_64;
        eh.e_version = EV_CURRENT;
        eh.e_ehsize = sizeof(eh);
        eh.e_shoff = off;
        eh.e_shentsize = sizeof(Elf64_Shdr);
        eh.e_shnum = (uint16_t) nsec;
        eh.e_shstrndx = 1;
        memcpy(e->b, &eh, sizeof(eh));
        e->n = off + nsec * sizeof(Elf64_Shdr);
}

static Elf64_Ehdr *ehdr(elf_buf *e) {
        return (Elf64_Ehdr *) e->b;
}

static Elf64_Shdr *shdr(elf_buf *e, size_t i) {
        return (Elf64_Shdr *) (e->b + e->shoff) + i;
}

/* The answer for the first n bytes of e, through a memfd. */
static int answer(const elf_buf *e, size_t n) {
        _cleanup_close_ int fd = memfd_create("module", MFD_CLOEXEC);

        assert_true(fd >= 0);
        assert_int_equal(write(fd, e->b, n), (ssize_t) n);
        return lg_modinfo_intree_fd(fd, n);
}

#define INFO(s) s, sizeof(s) - 1

static void test_answers(void **state) {
        static const struct {
                const char *info;
                size_t len;
                int want;
        } rows[] = {
                { INFO("intree=Y\0"), 1 },
                { INFO("license=GPL\0name=virtio_net\0intree=Y\0vermagic=6.1\0"), 1 },
                { INFO("license=GPL\0intree=Y"), 1 }, /* the last string without its NUL */
                { INFO("intree=N\0"), 0 },
                { INFO("license=GPL\0name=nvidia\0"), 0 },
                { INFO("xintree=Y\0"), 0 },
                { INFO("intree=YY\0"), 0 },
                { INFO("intree=\0Y\0"), 0 },
                { INFO(""), 0 }, /* an empty .modinfo: no flag */
        };
        elf_buf e;

        (void) state;
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                build(&e, rows[i].info, rows[i].len, false);
                assert_int_equal(answer(&e, e.n), rows[i].want);
        }
}

/* Everything this reader does not vouch for goes to libkmod. */
static void test_refused(void **state) {
        enum { C_MAGIC, C_CLASS32, C_BIG_ENDIAN, C_EXEC, C_SHENTSIZE, C_SHNUM0, C_SHNUM_HUGE, C_SHSTRNDX, C_SHSTRNDX0, C_SHOFF_OVERFLOW,
               C_SHOFF_PAST, C_STRTAB_TYPE, C_STRTAB_OVERFLOW, C_STRTAB_HUGE, C_NAME_OOB, C_NOBITS, C_INFO_PAST, C_INFO_OVERFLOW,
               C_NO_MODINFO, C_N };
        elf_buf e;

        (void) state;
        for (int c = 0; c < C_N; c++) {
                build(&e, INFO("intree=Y\0"), false);
                switch (c) {
                case C_MAGIC: e.b[1] = 'X'; break;
                case C_CLASS32: e.b[EI_CLASS] = ELFCLASS32; break;
                case C_BIG_ENDIAN: e.b[EI_DATA] = ELFDATA2MSB; break;
                case C_EXEC: ehdr(&e)->e_type = ET_EXEC; break;
                case C_SHENTSIZE: ehdr(&e)->e_shentsize = 40; break;
                case C_SHNUM0: ehdr(&e)->e_shnum = 0; break;
                case C_SHNUM_HUGE: ehdr(&e)->e_shnum = 0xff00; break;
                case C_SHSTRNDX: ehdr(&e)->e_shstrndx = 3; break;
                case C_SHSTRNDX0: ehdr(&e)->e_shstrndx = SHN_UNDEF; break;
                case C_SHOFF_OVERFLOW: ehdr(&e)->e_shoff = UINT64_MAX - 8; break;
                case C_SHOFF_PAST: ehdr(&e)->e_shoff = e.n; break;
                case C_STRTAB_TYPE: shdr(&e, 1)->sh_type = SHT_PROGBITS; break;
                case C_STRTAB_OVERFLOW: shdr(&e, 1)->sh_offset = UINT64_MAX; break;
                case C_STRTAB_HUGE: shdr(&e, 1)->sh_size = 1ULL << 40; break;
                case C_NAME_OOB: shdr(&e, 2)->sh_name = 0x7fffffff; break;
                case C_NOBITS: shdr(&e, 2)->sh_type = SHT_NOBITS; break;
                case C_INFO_PAST: shdr(&e, 2)->sh_size = e.n; break;
                case C_INFO_OVERFLOW: shdr(&e, 2)->sh_offset = UINT64_MAX - 1; break;
                case C_NO_MODINFO: shdr(&e, 2)->sh_name = NAME_SHSTRTAB; break;
                }
                if (answer(&e, e.n) != -EPROTONOSUPPORT)
                        fail_msg("case %d: %d, want -EPROTONOSUPPORT", c, answer(&e, e.n));
        }
        build(&e, INFO("intree=Y\0"), true);
        assert_int_equal(answer(&e, e.n), -EPROTONOSUPPORT); /* two .modinfo */
}

/* Every truncation, and every byte of the header and the section headers
 * flipped: an answer within {1, 0, -EPROTONOSUPPORT}, nothing read out of
 * bounds (the ASan build of this test). */
static void test_truncated_and_flipped(void **state) {
        elf_buf e, f;

        (void) state;
        build(&e, INFO("license=GPL\0intree=Y\0"), false);
        for (size_t n = 0; n < e.n; n++) {
                int r = answer(&e, n);

                /* The section headers come last: any cut loses one. */
                if (r != -EPROTONOSUPPORT)
                        fail_msg("truncated to %zu of %zu bytes: %d", n, e.n, r);
        }
        for (size_t i = 0; i < e.n; i++) {
                if (i >= sizeof(Elf64_Ehdr) && i < e.shoff)
                        continue; /* section data: covered by test_answers */
                for (unsigned bit = 0; bit < 8; bit++) {
                        int r;

                        f = e;
                        f.b[i] ^= (unsigned char) (1u << bit);
                        r = answer(&f, f.n);
                        if (r != 1 && r != 0 && r != -EPROTONOSUPPORT)
                                fail_msg("byte %zu bit %u: %d", i, bit, r);
                }
        }
}

/* The bytes of compressed module P as an anonymous file: `xz -dc`, whose
 * output goes straight into a memfd. Returns the fd (its size in
 * *ret_size), or -1. */
static int xz_decompressed(const char *p, uint64_t *ret_size) {
        _cleanup_close_ int fd = memfd_create("module", MFD_CLOEXEC);
        struct stat st;
        pid_t pid;
        int status;

        if (fd < 0)
                return -1;
        pid = fork();
        if (pid < 0)
                return -1;
        if (pid == 0) {
                if (dup2(fd, STDOUT_FILENO) < 0)
                        _exit(127);
                execlp("xz", "xz", "-dc", "--", p, (char *) NULL);
                _exit(127);
        }
        if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return -1;
        if (fstat(fd, &st) < 0)
                return -1;
        *ret_size = (uint64_t) st.st_size;
        return TAKE_FD(fd);
}

/* The installed Debian kernel's modules (linux-image-cloud-amd64 is one of
 * the suite's packages): the same answer as libkmod's modinfo for every
 * plain .ko, in-tree and not. Debian 13's kernel ships every module as
 * .ko.xz: there the parser gets the decompressed bytes (lastgood's own
 * callers hand compressed modules to libkmod instead). */
static size_t compare_tree(struct kmod_ctx *ctx, const char *dir, size_t *n_intree, size_t budget) {
        DIR *d = opendir(dir);
        struct dirent *de;
        size_t n = 0;

        if (!d)
                return 0;
        while ((de = readdir(d)) && n < budget) {
                _cleanup_free_ char *p = NULL;
                struct stat st;

                if (de->d_name[0] == '.')
                        continue;
                assert_true(asprintf(&p, "%s/%s", dir, de->d_name) >= 0);
                if (lstat(p, &st) < 0)
                        continue;
                if (S_ISDIR(st.st_mode)) {
                        n += compare_tree(ctx, p, n_intree, budget - n);
                        continue;
                }
                bool xz = strlen(p) > 6 && streq(p + strlen(p) - 6, ".ko.xz");
                if (!S_ISREG(st.st_mode) || strlen(p) < 4 || (!xz && !streq(p + strlen(p) - 3, ".ko")))
                        continue;

                struct kmod_module *mod = NULL;
                struct kmod_list *info = NULL, *l;
                int want = 0, got;
                uint64_t size = (uint64_t) st.st_size;
                _cleanup_close_ int fd = xz ? xz_decompressed(p, &size) : open(p, O_RDONLY | O_CLOEXEC);

                if (fd < 0)
                        fail_msg("%s: cannot read%s", p, xz ? " (xz -dc)" : "");
                assert_int_equal(kmod_module_new_from_path(ctx, p, &mod), 0);
                assert_true(kmod_module_get_info(mod, &info) >= 0);
                kmod_list_foreach(l, info)
                        if (streq(kmod_module_info_get_key(l), "intree") &&
                            streq_ptr(kmod_module_info_get_value(l), "Y"))
                                want = 1;
                kmod_module_info_free_list(info);
                kmod_module_unref(mod);

                got = lg_modinfo_intree_fd(fd, size);
                if (got != want)
                        fail_msg("%s: %d, libkmod says %d", p, got, want);
                *n_intree += (size_t) want;
                n++;
        }
        closedir(d);
        return n;
}

static void test_same_as_libkmod(void **state) {
        const char *const no_config[] = { NULL };
        struct kmod_ctx *ctx;
        struct dirent *de;
        DIR *d = opendir("/lib/modules");
        size_t n = 0, n_intree = 0;

        (void) state;
        assert_non_null(d);
        while ((de = readdir(d)) && n == 0) {
                _cleanup_free_ char *dir = NULL;

                if (!strstr(de->d_name, "-amd64"))
                        continue;
                assert_true(asprintf(&dir, "/lib/modules/%s", de->d_name) >= 0);
                ctx = kmod_new(dir, no_config);
                assert_non_null(ctx);
                n = compare_tree(ctx, dir, &n_intree, 400);
                kmod_unref(ctx);
        }
        closedir(d);
        /* Not a skip: the suite installs linux-image-cloud-amd64. */
        if (n < 100 || n_intree < 100)
                fail_msg("only %zu modules (%zu in-tree) found under /lib/modules/*-amd64: "
                         "apt-get install linux-image-cloud-amd64", n, n_intree);
        printf("# %zu modules of the installed kernel, %zu in-tree: the same answer as libkmod\n", n, n_intree);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_answers),
                cmocka_unit_test(test_refused),
                cmocka_unit_test(test_truncated_and_flipped),
                cmocka_unit_test(test_same_as_libkmod),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
