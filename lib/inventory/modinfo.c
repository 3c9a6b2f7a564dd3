/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Is an uncompressed module in-tree? Its .modinfo section alone says so
 * (`intree=Y`, DESIGN.md "What is third-party"). libkmod answers by mapping
 * and checking the whole file; this reads the ELF header, the section
 * headers, the section-name table and .modinfo with pread(), a few KiB per
 * module. The scan without a cache (the first boot after installing, and
 * the first boot of every new kernel) classifies each of the kernel's
 * modules this way: 1,121 files for linux-image-cloud-amd64, where the
 * libkmod reads alone overran lastgood-early's 5 s bound on an emulated
 * guest, so that such a boot was not counted.
 *
 * Only a plain ELF64 relocatable object of the host's byte order with sane
 * bounds gets an answer; anything else (compressed, 32-bit, extended
 * section numbering, a bound out of the file) returns -EPROTONOSUPPORT and
 * the caller asks libkmod, as before: the answer never differs from
 * libkmod's for a file both can read. */
#include <elf.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inventory.h"
#include "macro.h"

/* Bounds of what is read: real modules have ~50 sections, a section-name
 * table of ~1 KiB and a .modinfo of ~1 KiB. */
#define SHNUM_MAX 4096u
#define SECTION_READ_MAX (1024u * 1024u)

static int pread_exact(int fd, void *buf, size_t size, uint64_t offset) {
        size_t done = 0;

        while (done < size) {
                ssize_t n = pread(fd, (char *) buf + done, size - done, (off_t) (offset + done));

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        return -EPROTONOSUPPORT; /* shorter than its headers say */
                done += (size_t) n;
        }
        return 0;
}

/* [offset, offset + size) inside a file of file_size bytes, without overflow. */
static bool in_file(uint64_t offset, uint64_t size, uint64_t file_size) {
        return offset <= file_size && size <= file_size - offset;
}

static bool host_little_endian(void) {
        const uint16_t one = 1;
        return *(const uint8_t *) &one == 1;
}

int lg_modinfo_intree_fd(int fd, uint64_t file_size) {
        _cleanup_free_ Elf64_Shdr *sh = NULL;
        _cleanup_free_ char *names = NULL, *info = NULL;
        const Elf64_Shdr *strsec, *mi = NULL;
        Elf64_Ehdr eh;
        int r;

        if (file_size < sizeof(eh))
                return -EPROTONOSUPPORT;
        r = pread_exact(fd, &eh, sizeof(eh), 0);
        if (r < 0)
                return r;
        if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
            eh.e_ident[EI_DATA] != (host_little_endian() ? ELFDATA2LSB : ELFDATA2MSB) ||
            eh.e_type != ET_REL || eh.e_shentsize != sizeof(Elf64_Shdr) || eh.e_shnum == 0 ||
            eh.e_shnum > SHNUM_MAX || eh.e_shstrndx == SHN_UNDEF || eh.e_shstrndx >= eh.e_shnum ||
            !in_file(eh.e_shoff, (uint64_t) eh.e_shnum * sizeof(Elf64_Shdr), file_size))
                return -EPROTONOSUPPORT;

        sh = malloc((size_t) eh.e_shnum * sizeof(Elf64_Shdr));
        if (!sh)
                return -ENOMEM;
        r = pread_exact(fd, sh, (size_t) eh.e_shnum * sizeof(Elf64_Shdr), eh.e_shoff);
        if (r < 0)
                return r;

        strsec = &sh[eh.e_shstrndx];
        if (strsec->sh_type != SHT_STRTAB || strsec->sh_size == 0 || strsec->sh_size > SECTION_READ_MAX ||
            !in_file(strsec->sh_offset, strsec->sh_size, file_size))
                return -EPROTONOSUPPORT;
        names = malloc(strsec->sh_size + 1);
        if (!names)
                return -ENOMEM;
        r = pread_exact(fd, names, strsec->sh_size, strsec->sh_offset);
        if (r < 0)
                return r;
        names[strsec->sh_size] = '\0';

        for (size_t i = 1; i < eh.e_shnum; i++) {
                if (sh[i].sh_name >= strsec->sh_size || !streq(names + sh[i].sh_name, ".modinfo"))
                        continue;
                if (mi)
                        return -EPROTONOSUPPORT; /* two of them: let libkmod judge */
                mi = &sh[i];
        }
        if (!mi || mi->sh_type == SHT_NOBITS || mi->sh_size > SECTION_READ_MAX ||
            !in_file(mi->sh_offset, mi->sh_size, file_size))
                return -EPROTONOSUPPORT;

        info = malloc(mi->sh_size + 1);
        if (!info)
                return -ENOMEM;
        r = pread_exact(fd, info, mi->sh_size, mi->sh_offset);
        if (r < 0)
                return r;
        info[mi->sh_size] = '\0';

        /* NUL-separated key=value strings; the last may lack its NUL. */
        for (size_t off = 0; off < mi->sh_size;) {
                const char *s = info + off;
                size_t len = strlen(s);

                if (streq(s, "intree=Y"))
                        return 1;
                off += len + 1;
        }
        return 0;
}
