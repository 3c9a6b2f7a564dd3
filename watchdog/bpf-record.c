/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The watchdog's record of the eBPF programs loaded on a healthy boot
 * (DESIGN.md, "Agents"): a crash whose trace runs through an eBPF program
 * ("bpf_prog_TAG_NAME") names the agent whose units held that program. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpf-record.h"
#include "macro.h"

static bool all_digits(const char *s) {
        if (!*s)
                return false;
        for (; *s; s++)
                if (!isdigit((unsigned char) *s))
                        return false;
        return true;
}

/* The unit of a cgroup v2 path ("0::/system.slice/netdata.service/x"). */
static int unit_of_cgroup(int pidfd, char unit[static 256]) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        int fd, r;

        fd = openat(pidfd, "cgroup", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        r = lg_read_full_fd(fd, 16 * 1024, &buf, &size);
        close(fd);
        if (r < 0)
                return r;
        unit[0] = '\0';
        for (char *line = buf, *nl; line && *line; line = nl ? nl + 1 : NULL) {
                nl = strchr(line, '\n');
                if (nl)
                        *nl = '\0';
                if (strncmp(line, "0::/", 4) != 0)
                        continue;
                for (char *c = line + 4, *e; *c; c = e ? e + 1 : c + strlen(c)) {
                        size_t n;

                        e = strchr(c, '/');
                        n = e ? (size_t) (e - c) : strlen(c);
                        if (n >= 256 || n < 7)
                                continue;
                        if ((n > 8 && strncmp(c + n - 8, ".service", 8) == 0) ||
                            (n > 6 && strncmp(c + n - 6, ".scope", 6) == 0) ||
                            (n > 7 && strncmp(c + n - 7, ".socket", 7) == 0)) {
                                bool ok = true;
                                for (size_t i = 0; i < n; i++)
                                        if ((unsigned char) c[i] <= ' ' || (unsigned char) c[i] >= 0x7f)
                                                ok = false;
                                if (ok) {
                                        memcpy(unit, c, n);
                                        unit[n] = '\0';
                                }
                        }
                        if (!e)
                                break;
                }
        }
        return unit[0] ? 0 : -ENOENT;
}

/* "prog_tag:\t896bb3a8c2cab17b" and "prog_id:\t42" of one fdinfo. */
static int prog_of_fdinfo(int fdinfo_dfd, const char *name, char tag[static 17], uint32_t *ret_id) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        bool have_tag = false, have_id = false;
        int fd, r;

        fd = openat(fdinfo_dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        r = lg_read_full_fd(fd, 8 * 1024, &buf, &size);
        close(fd);
        if (r < 0)
                return r;
        for (char *line = buf, *nl; line && *line; line = nl ? nl + 1 : NULL) {
                nl = strchr(line, '\n');
                if (nl)
                        *nl = '\0';
                if (strncmp(line, "prog_tag:", 9) == 0) {
                        const char *v = line + 9 + strspn(line + 9, " \t");
                        if (strlen(v) == 16) {
                                memcpy(tag, v, 16);
                                tag[16] = '\0';
                                have_tag = true;
                        }
                } else if (strncmp(line, "prog_id:", 8) == 0) {
                        char *end;
                        unsigned long id = strtoul(line + 8, &end, 10);
                        if (end != line + 8 && *end == '\0' && id <= UINT32_MAX) {
                                *ret_id = (uint32_t) id;
                                have_id = true;
                        }
                }
        }
        return have_tag && have_id ? 0 : -EBADMSG;
}

static int scan_pid(int procfd, const char *pid, lg_bpf_record *rec) {
        _cleanup_close_ int pidfd = -EBADF, fdinfo = -EBADF;
        char unit[256] = "";
        DIR *d;
        struct dirent *de;
        unsigned n = 0;
        int r = 0, dfd;

        pidfd = openat(procfd, pid, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (pidfd < 0)
                return 0;
        dfd = openat(pidfd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (dfd < 0)
                return 0;
        d = fdopendir(dfd);
        if (!d) {
                close(dfd);
                return 0;
        }
        while ((de = readdir(d)) && n++ < BPF_SCAN_MAX_FDS) {
                char target[64], tag[17];
                uint32_t id = 0;
                ssize_t k;

                if (!all_digits(de->d_name))
                        continue;
                k = readlinkat(dirfd(d), de->d_name, target, sizeof(target) - 1);
                if (k <= 0)
                        continue;
                target[k] = '\0';
                if (!streq(target, "anon_inode:bpf-prog"))
                        continue;
                if (fdinfo < 0)
                        fdinfo = openat(pidfd, "fdinfo", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
                if (fdinfo < 0 || prog_of_fdinfo(fdinfo, de->d_name, tag, &id) < 0)
                        continue;
                if (!unit[0] && unit_of_cgroup(pidfd, unit) < 0)
                        break; /* no unit: nothing to name */
                r = lg_bpf_record_add(rec, tag, NULL, id, unit);
                if (r == -ENOMEM)
                        break;
                r = 0;
        }
        closedir(d);
        return r;
}

int bpf_record_scan(const lg_root *root, const char *kernel, lg_bpf_record *ret) {
        _cleanup_close_ int procfd = -EBADF;
        lg_bpf_record rec = {};
        DIR *d;
        struct dirent *de;
        unsigned n = 0;
        int r = 0;

        procfd = lg_root_open(root, "/proc", O_RDONLY | O_DIRECTORY, 0);
        if (procfd < 0)
                return procfd;
        d = fdopendir(dup(procfd));
        if (!d)
                return -errno;
        rec.kernel = strdup(kernel ?: "unknown");
        if (!rec.kernel)
                r = -ENOMEM;
        while (r >= 0 && (de = readdir(d)) && n < BPF_SCAN_MAX_PIDS)
                if (all_digits(de->d_name)) {
                        n++;
                        r = scan_pid(procfd, de->d_name, &rec);
                }
        closedir(d);
        if (r < 0) {
                lg_bpf_record_done(&rec);
                return r;
        }
        *ret = rec;
        return 0;
}

int bpf_record_update(const lg_root *root, const char *kernel) {
        _cleanup_free_ char *text = NULL, *old = NULL;
        lg_bpf_record rec = {};
        size_t size = 0, old_size = 0;
        int r, n;

        r = bpf_record_scan(root, kernel, &rec);
        if (r < 0)
                return r;
        n = (int) rec.n;
        r = lg_bpf_record_format(&rec, &text, &size);
        lg_bpf_record_done(&rec);
        if (r < 0)
                return r;
        if (lg_root_read_file(root, LG_BPF_RECORD_PATH, LG_BPF_RECORD_MAX_SIZE, &old, &old_size) >= 0 &&
            old_size == size && memcmp(old, text, size) == 0)
                return n;
        r = lg_root_write_atomic(root, LG_BPF_RECORD_PATH, text, size, 0644);
        return r < 0 ? r : n;
}
