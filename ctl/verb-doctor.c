/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lastgoodctl doctor: is this host protected?
 *
 * One line per check: ok, info (a fact, nothing to do), warn (protected, but
 * something to look at) or fail (not protected), with what to do. --json
 * prints one object. Exit status (a monitoring check's): 0 protected (ok
 * and info lines only), LG_EXIT_DOCTOR_WARN protected with warnings,
 * LG_EXIT_NOT_PROTECTED not protected; 1 and 2 keep their meaning (doctor
 * itself failed, usage error). Every path is read under --root, so that
 * each check is tested against temporary roots; only two checks ask the
 * running system (lsinitramfs on the image under the root, and systemctl
 * when the root is the host's). */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <json-c/json.h>
#include <limits.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmdline.h"
#include "ctl.h"
#include "inventory.h"
#include "json-out.h"
#include "log.h"
#include "macro.h"
#include "store.h"
#include "summary.h"

#ifndef SYSTEMDSYSTEMUNITDIR
#define SYSTEMDSYSTEMUNITDIR "/usr/lib/systemd/system"
#endif
#ifndef SYSTEMDSYSTEMGENERATORDIR
#define SYSTEMDSYSTEMGENERATORDIR "/usr/lib/systemd/system-generators"
#endif

extern char **environ;

/* In order of weight; DOC_INFO weighs nothing (the verdict ignores it). */
typedef enum { DOC_OK, DOC_WARN, DOC_FAIL, DOC_INFO } doc_result;
static const char *const result_names[] = { "ok", "warn", "fail", "info" };

typedef struct doctor {
        lg_ctl *c;
        json_object *checks; /* --json */
        doc_result worst;
} doctor;

static void report(doctor *d, const char *check, doc_result res, const char *hint, const char *fmt, ...)
        _printf_(5, 6);
static void report(doctor *d, const char *check, doc_result res, const char *hint, const char *fmt, ...) {
        char msg[1024];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        /* Names from the configuration are printed: lastgoodctl's output
         * filter escapes them on the way out (ctl/output.c), text and JSON. */
        if (res != DOC_INFO && res > d->worst)
                d->worst = res;
        if (d->checks) {
                json_object *o = json_object_new_object();

                json_object_object_add(o, "check", json_object_new_string(check));
                json_object_object_add(o, "result", json_object_new_string(result_names[res]));
                json_object_object_add(o, "message", json_object_new_string(msg));
                json_object_object_add(o, "hint", hint ? json_object_new_string(hint) : NULL);
                json_object_array_add(d->checks, o);
                return;
        }
        printf("%-4s %-14s %s\n", result_names[res], check, msg);
        if (hint && res != DOC_OK && res != DOC_INFO)
                printf("     %-14s -> %s\n", "", hint);
}

static bool exists(doctor *d, const char *path) {
        return faccessat(d->c->root->fd, path[0] == '/' ? path + 1 : path, F_OK, AT_SYMLINK_NOFOLLOW) >= 0;
}

/* A unit file or link that is /dev/null (masked). */
static bool masked_at(doctor *d, const char *path) {
        char target[PATH_MAX];
        ssize_t n = readlinkat(d->c->root->fd, path + 1, target, sizeof(target) - 1);
        struct stat st;

        if (n > 0) {
                target[n] = '\0';
                if (streq(target, "/dev/null"))
                        return true;
        }
        /* systemd also takes an empty regular file as a mask. */
        return fstatat(d->c->root->fd, path + 1, &st, AT_SYMLINK_NOFOLLOW) >= 0 && S_ISREG(st.st_mode) &&
               st.st_size == 0;
}

static const char *const unit_dirs[] = { "/etc/systemd/system", "/run/systemd/system",
                                         "/usr/lib/systemd/system", "/lib/systemd/system",
                                         SYSTEMDSYSTEMUNITDIR };

static bool unit_masked(doctor *d, const char *unit) {
        char p[PATH_MAX];

        for (size_t i = 0; i < 2; i++) { /* masks live in /etc and /run */
                snprintf(p, sizeof(p), "%s/%s", unit_dirs[i], unit);
                if (masked_at(d, p))
                        return true;
        }
        return false;
}

static bool unit_exists(doctor *d, const char *unit) {
        char p[PATH_MAX];

        for (size_t i = 0; i < ELEMENTSOF(unit_dirs); i++) {
                snprintf(p, sizeof(p), "%s/%s", unit_dirs[i], unit);
                if (exists(d, p))
                        return true;
        }
        return false;
}

/* Runs argv with stdout to a pipe and stderr to /dev/null; returns the
 * exit status (or -errno) and, when ret_out, up to 4 MiB of its output. */
static int run_capture(char *const argv[], char **ret_out) {
        posix_spawn_file_actions_t fa;
        _cleanup_free_ char *out = NULL;
        size_t size = 0, cap = 0;
        int fds[2], status, r;
        pid_t pid;

        if (pipe2(fds, O_CLOEXEC) < 0)
                return negative_errno();
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
        posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
        r = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        close(fds[1]);
        if (r != 0) {
                close(fds[0]);
                return -r;
        }
        for (;;) {
                ssize_t n;

                if (size + 4096 + 1 > cap) {
                        char *p;

                        if (cap >= 4 << 20)
                                break; /* enough to decide; the rest is drained by the close */
                        cap = cap ? cap * 2 : 65536;
                        p = realloc(out, cap);
                        if (!p)
                                break;
                        out = p;
                }
                n = read(fds[0], out + size, cap - size - 1);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                size += (size_t) n;
        }
        close(fds[0]);
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return negative_errno();
        if (out)
                out[size] = '\0';
        if (ret_out)
                *ret_out = TAKE_PTR(out);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* An access refused to a user who is not root says nothing about the
 * host: doctor must run as root to tell. */
static bool not_root(int err) {
        return geteuid() != 0 && (err == EACCES || err == EPERM);
}

static void check_store(doctor *d) {
        _cleanup_store_ lg_store *s = NULL;
        _cleanup_free_ char *dir = NULL;
        lg_state st = {};
        int r;

        r = lg_store_open(d->c->root, d->c->force_file ? LG_STORE_FORCE_FILE : LG_STORE_AUTO, &s);
        if (r < 0) {
                report(d, "store", DOC_FAIL, "check /var/lib/lastgood and the efivarfs mount",
                       "no boot-state store: %s", strerror(-r));
                return;
        }
        if (lg_store_get_backend(s) == LG_STORE_EFI) {
                const char *env = getenv("EFIVARFS_PATH");

                dir = env ? strdup(env) : lg_root_path(d->c->root, "/sys/firmware/efi/efivars");
                if (dir && access(dir, W_OK) < 0 && not_root(errno))
                        report(d, "store", DOC_FAIL, "run as root: sudo lastgoodctl doctor",
                               "EFI variables at %s cannot be checked by uid %u: run as root", dir,
                               (unsigned) geteuid());
                else if (dir && access(dir, W_OK) < 0)
                        report(d, "store", DOC_FAIL, "mount efivarfs read-write",
                               "EFI variables not writable at %s: %s", dir, strerror(errno));
                else
                        report(d, "store", DOC_OK, NULL,
                               "EFI variables writable (counting from the initramfs)");
        } else {
                dir = lg_root_path(d->c->root, LG_STATE_DIR);
                if (dir && access(dir, W_OK) < 0 && errno != ENOENT && not_root(errno))
                        report(d, "store", DOC_FAIL, "run as root: sudo lastgoodctl doctor",
                               "file store %s cannot be checked by uid %u: run as root", dir,
                               (unsigned) geteuid());
                else if (dir && access(dir, W_OK) < 0 && errno != ENOENT)
                        report(d, "store", DOC_FAIL, "make " LG_STATE_DIR " writable by root",
                               "file store %s not writable: %s", dir, strerror(errno));
                else
                        /* A fact of the platform: the host is protected. */
                        report(d, "store", DOC_INFO, NULL,
                               "no EFI variables: the records are files, counting starts in the main system");
        }

        r = lg_store_read_state(s, &st);
        if (r < 0 && r != -ENOENT)
                report(d, "state", DOC_WARN, "lastgoodctl reset rewrites it",
                       "the hot record is unreadable (%s): treated as no state", lg_record_error(r));
        else if (r >= 0 && st.level >= LG_LEVEL_MAX)
                report(d, "state", DOC_FAIL, "fix the cause, then lastgoodctl reset (or lastgoodctl good)",
                       "recovery exhausted: lastgood withholds nothing more");
        else if (r >= 0 && st.level > 0)
                report(d, "state", DOC_WARN, "lastgoodctl status says what is withheld and why",
                       "safe mode: level %u, %u failed boot(s) in a row", st.level, st.tries);
        else
                report(d, "state", DOC_OK, NULL, "%s",
                       r == -ENOENT ? "no record yet (never armed)"
                       : st.armed   ? "armed, counting"
                                    : "steady state");
}

/* path (relative, no leading '/') is a line of lsinitramfs's listing
 * (cpio -t: with or without a leading "./" or "/"). */
static bool listed(const char *list, const char *path) {
        size_t n = strlen(path);

        for (const char *l = list; l && *l;) {
                const char *e = strchrnul(l, '\n');

                if (l[0] == '.' && l[1] == '/')
                        l += 2;
                else if (l[0] == '/')
                        l++;
                if ((size_t) (e - l) == n && strncmp(l, path, n) == 0)
                        return true;
                l = *e ? e + 1 : e;
        }
        return false;
}

/* lastgood.conf(5): early boot reads the copy of /etc/lastgood in the
 * initramfs. It is stale when a file there (config, agents.d, deny.d) is
 * missing from the image, was changed (ctime: dpkg keeps a package's
 * mtime) after the image was written, or is gone from /etc while the image
 * still has it. Bounded: the listing is lsinitramfs's (4 MiB at most), at
 * most 1000 files are compared, nothing is unpacked. */
static void check_initramfs_config(doctor *d, const char *rel, const char *kernel, const char *list) {
        static const char *const patterns[] = { "/etc/lastgood/lastgood.conf", "/etc/lastgood/agents.d/*.conf",
                                                "/etc/lastgood/deny.d/*.list" };
        _cleanup_free_ char *prefix = lg_root_path(d->c->root, "/");
        char first[PATH_MAX + 32] = "";
        struct stat img;
        size_t n_stale = 0, n_files = 0;

        if (!prefix || fstatat(d->c->root->fd, rel + 1, &img, 0) < 0)
                return;
        for (size_t k = 0; k < ELEMENTSOF(patterns); k++) {
                _cleanup_free_ char *pat = lg_root_path(d->c->root, patterns[k]);
                glob_t g = {};

                if (!pat || glob(pat, 0, NULL, &g) != 0) {
                        globfree(&g);
                        continue;
                }
                for (size_t i = 0; i < g.gl_pathc && n_files < 1000; i++, n_files++) {
                        const char *inside = g.gl_pathv[i] + strlen(prefix);
                        struct stat st;

                        while (*inside == '/')
                                inside++;
                        if (fstatat(d->c->root->fd, inside, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
                                continue;
                        if (listed(list, inside) &&
                            (st.st_ctim.tv_sec < img.st_mtim.tv_sec ||
                             (st.st_ctim.tv_sec == img.st_mtim.tv_sec && st.st_ctim.tv_nsec <= img.st_mtim.tv_nsec)))
                                continue;
                        if (n_stale++ == 0)
                                snprintf(first, sizeof(first), "/%s %s", inside,
                                         listed(list, inside) ? "changed since" : "missing from");
                }
                globfree(&g);
        }
        /* Files the image has that /etc no longer has. */
        for (const char *l = list; *l && n_files < 2000;) {
                const char *e = strchrnul(l, '\n'), *p = l;
                char path[PATH_MAX];
                size_t n;

                if (p[0] == '.' && p[1] == '/')
                        p += 2;
                else if (p[0] == '/')
                        p++;
                n = (size_t) (e - p);
                if (n < sizeof(path) && strncmp(p, "etc/lastgood/", strlen("etc/lastgood/")) == 0 &&
                    ((n > 5 && strncmp(e - 5, ".conf", 5) == 0) || (n > 5 && strncmp(e - 5, ".list", 5) == 0))) {
                        memcpy(path, p, n);
                        path[n] = '\0';
                        n_files++;
                        if (faccessat(d->c->root->fd, path, F_OK, AT_SYMLINK_NOFOLLOW) < 0 && n_stale++ == 0)
                                snprintf(first, sizeof(first), "/%s removed since", path);
                }
                l = *e ? e + 1 : e;
        }
        if (n_stale > 0) {
                _cleanup_free_ char *hint = NULL;

                if (asprintf(&hint, "update-initramfs -u -k %s (or dracut -f --kver %s)", kernel, kernel) < 0)
                        hint = NULL;
                report(d, "initramfs", DOC_WARN, hint ?: "update-initramfs -u",
                       "%s is stale: %s %s (%zu file%s): early boot uses the old /etc/lastgood", rel,
                       first, rel, n_stale, n_stale == 1 ? " differs" : "s differ");
        } else
                report(d, "initramfs", DOC_OK, NULL, "%s holds the current /etc/lastgood", rel);
}

static void check_initramfs(doctor *d, const char *kernel) {
        _cleanup_free_ char *image = NULL, *rel = NULL, *out = NULL;
        int r;

        if (asprintf(&rel, "/boot/initrd.img-%s", kernel) < 0 || !(image = lg_root_path(d->c->root, rel)))
                return;
        if (access(image, R_OK) < 0) {
                report(d, "initramfs", DOC_FAIL, "update-initramfs -u (or dracut -f)",
                       "no readable initramfs %s: %s", rel, strerror(errno));
                return;
        }
        r = run_capture((char *const[]){ (char *) "lsinitramfs", image, NULL }, &out);
        if (r < 0 || r == 127) {
                report(d, "initramfs", DOC_WARN, "install initramfs-tools-core to check",
                       "cannot list %s (%s)", rel, r < 0 ? strerror(-r) : "lsinitramfs not found");
                return;
        }
        if (out && (strstr(out, "usr/sbin/lastgood-early\n") || strstr(out, "/lastgood-pre-udev.sh\n"))) {
                report(d, "initramfs", DOC_OK, NULL, "lastgood-early is in %s", rel);
                check_initramfs_config(d, rel, kernel, out);
        } else
                report(d, "initramfs", DOC_FAIL, "update-initramfs -u -k all",
                       "lastgood-early is not in %s: boots are not counted", rel);
}

static void check_units(doctor *d) {
        static const char *const units[] = { "lastgood-watchdog.service", "lastgood-check.service",
                                             "lastgood-apply.service" };
        static const char gen[] = SYSTEMDSYSTEMGENERATORDIR "/lastgood-generator";
        bool bad = false;

        if (!exists(d, gen)) {
                report(d, "units", DOC_FAIL, "reinstall lastgood", "the generator %s is missing", gen);
                bad = true;
        }
        for (size_t i = 0; i < ELEMENTSOF(units); i++)
                if (unit_masked(d, units[i])) {
                        report(d, "units", DOC_FAIL, "systemctl unmask the unit", "%s is masked", units[i]);
                        bad = true;
                } else if (!unit_exists(d, units[i])) {
                        report(d, "units", DOC_FAIL, "reinstall lastgood", "%s is not installed", units[i]);
                        bad = true;
                }
        if (!bad)
                report(d, "units", DOC_OK, NULL, "generator and units installed, none masked");
}

static void check_boot_complete(doctor *d) {
        int r;

        if (exists(d, "/run/lastgood/healthy")) {
                report(d, "boot-complete", DOC_OK, NULL,
                       "this boot reached boot-complete.target and is healthy");
                return;
        }
        if (lg_root_is_host(d->c->root)) {
                r = run_capture((char *const[]){ (char *) "systemctl", (char *) "is-active",
                                                 (char *) "--quiet", (char *) "boot-complete.target", NULL },
                                NULL);
                if (r == 0) {
                        report(d, "boot-complete", DOC_WARN,
                               "wait for StableSec=, or see lastgoodctl status",
                               "boot-complete.target reached, the boot is not healthy yet");
                        return;
                }
        }
        report(d, "boot-complete", DOC_WARN, "systemctl list-jobs; journalctl -b -u lastgood-check.service",
               "boot-complete.target not reached in this boot (yet)");
}

static void check_pstore(doctor *d) {
        _cleanup_free_ char *b = NULL;
        size_t n = 0;

        if (lg_root_read_file(d->c->root, "/sys/module/pstore/parameters/backend", 256, &b, &n) >= 0) {
                while (n > 0 && (b[n - 1] == '\n' || b[n - 1] == ' '))
                        b[--n] = '\0';
                if (n > 0 && !streq(b, "(null)")) {
                        report(d, "pstore", DOC_OK, NULL, "crash logs kept by the %s pstore backend", b);
                        return;
                }
        }
        report(d, "pstore", DOC_WARN, "modprobe efi_pstore (or ramoops); without it no culprit is named",
               "no pstore backend: crashes are counted but not attributed");
}

static void check_reset(doctor *d, const char *kernel) {
        _cleanup_free_ char *dir = NULL;
        glob_t g = {};
        bool softdog;

        if (exists(d, "/dev/watchdog0") || exists(d, "/dev/watchdog")) {
                report(d, "reset", DOC_OK, NULL, "a watchdog device resets a hung boot");
                return;
        }
        dir = lg_root_path(d->c->root, "/lib/modules");
        if (!dir)
                return;
        {
                _cleanup_free_ char *pat = NULL;

                if (asprintf(&pat, "%s/%s/kernel/drivers/watchdog/softdog.ko*", dir, kernel) < 0)
                        return;
                softdog = glob(pat, GLOB_NOSORT, NULL, &g) == 0;
                globfree(&g);
        }
        if (softdog)
                report(d, "reset", DOC_OK, NULL,
                       "no watchdog device; softdog is available to reset a hung boot");
        else
                report(d, "reset", DOC_WARN, "install a kernel with softdog, or a hardware watchdog",
                       "no watchdog device and no softdog: a boot that hangs is never reset");
}

/* The lastgood.* words of the kernel's part of the command line (before
 * "--"), as written, blank-separated; at most 512 bytes. */
static char *lastgood_words(const char *buf, size_t n) {
        char out[512] = "";
        size_t len = 0;

        for (size_t i = 0; i < n;) {
                size_t j;

                while (i < n && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n'))
                        i++;
                for (j = i; j < n && buf[j] != ' ' && buf[j] != '\t' && buf[j] != '\n'; j++)
                        ;
                if (j - i == 2 && buf[i] == '-' && buf[i + 1] == '-')
                        break;
                if (j - i > strlen("lastgood.") && strncmp(buf + i, "lastgood.", strlen("lastgood.")) == 0 &&
                    len + (j - i) + 2 < sizeof(out)) {
                        if (len > 0)
                                out[len++] = ' ';
                        memcpy(out + len, buf + i, j - i);
                        len += j - i;
                        out[len] = '\0';
                }
                i = j;
        }
        return strdup(out);
}

static void check_cmdline(doctor *d) {
        _cleanup_free_ char *buf = NULL;
        lg_cmdline cl = {};
        size_t n = 0;

        if (lg_root_read_file(d->c->root, "/proc/cmdline", 64 * 1024, &buf, &n) < 0)
                n = 0;
        if (lg_cmdline_parse(buf ?: "", n, &cl) < 0)
                return;
        for (char **w = cl.warnings; w && *w; w++)
                report(d, "cmdline", DOC_WARN, "fix the boot loader's entry", "%s", *w);
        if (cl.mode == LG_MODE_OFF)
                report(d, "cmdline", DOC_FAIL, "remove lastgood.mode=off from the boot entry",
                       "lastgood.mode=off: lastgood does nothing this boot");
        else if (lg_cmdline_is_override(&cl)) {
                _cleanup_free_ char *words = lastgood_words(buf ?: "", n);

                report(d, "cmdline", DOC_WARN, "remove the lastgood.* words once done",
                       "lastgood.* words in force this boot (mode %s): %s", lg_mode_to_string(cl.mode),
                       words ?: "?");
        }
        else if (!cl.warnings || !cl.warnings[0])
                report(d, "cmdline", DOC_OK, NULL, "no lastgood.* override on the command line");
        lg_cmdline_done(&cl);
}

/* A Content= glob that matches nothing, or whose fixed folder is missing. */
static bool content_exists(doctor *d, const char *pattern) {
        _cleanup_free_ char *p = lg_root_path(d->c->root, pattern);
        glob_t g = {};
        bool ok;

        if (!p)
                return true;
        ok = glob(p, GLOB_NOSORT, NULL, &g) == 0 && g.gl_pathc > 0;
        globfree(&g);
        return ok;
}

/* A definition in /etc/lastgood/agents.d/ is the administrator's own;
 * the others are shipped (/usr/lib/lastgood/agents.d/). */
static bool agent_shipped(doctor *d, const char *name) {
        _cleanup_free_ char *p = NULL;

        if (asprintf(&p, "/etc/lastgood/agents.d/%s.conf", name) < 0)
                return false;
        return !exists(d, p);
}

static void check_agents(doctor *d) {
        lg_config cfg = {};
        lg_agents agents = {};
        bool warned = false;
        size_t n_shipped = 0, n_absent = 0;
        char absent[256] = "";

        if (lg_config_load(d->c->root, &cfg) < 0 || lg_agents_load(d->c->root, &agents) < 0) {
                report(d, "config", DOC_FAIL, NULL, "out of memory");
                goto finish;
        }
        for (char **w = cfg.warnings; w && *w; w++, warned = true)
                report(d, "config", DOC_WARN, "fix /etc/lastgood/lastgood.conf", "%s", *w);
        for (char **w = agents.warnings; w && *w; w++, warned = true)
                report(d, "config", DOC_WARN, "fix the agent definition", "%s", *w);
        if (!warned)
                report(d, "config", DOC_OK, NULL,
                       "configuration and %zu agent definition(s) read without warnings", agents.n);
        for (size_t i = 0; i < agents.n; i++) {
                const lg_agent *a = &agents.agents[i];
                bool bad = false, any = false;

                /* A shipped definition of an agent that is not installed
                 * (none of its units, no content) is neither a suspect nor
                 * recorded: one line for all of them, no warning. */
                for (char **u = a->units; *u && !any; u++)
                        any = unit_exists(d, *u);
                for (char **p = a->content; *p && !any; p++)
                        any = content_exists(d, *p);
                if (agent_shipped(d, a->name)) {
                        n_shipped++;
                        if (!any) {
                                size_t l = strlen(absent);

                                n_absent++;
                                if (l + strlen(a->name) + 3 < sizeof(absent))
                                        snprintf(absent + l, sizeof(absent) - l, "%s%s", l ? ", " : "", a->name);
                                continue;
                        }
                }

                for (char **u = a->units; *u; u++)
                        if (!unit_exists(d, *u)) {
                                report(d, "agents", DOC_WARN, "fix Units= or install the agent",
                                       "agent %s: unit %s does not exist", a->name, *u);
                                bad = true;
                        }
                for (char **p = a->content; *p; p++)
                        if (!content_exists(d, *p)) {
                                report(d, "agents", DOC_WARN, "fix Content= or install the agent",
                                       "agent %s: no file matches Content=%s", a->name, *p);
                                bad = true;
                        }
                if (!bad)
                        report(d, "agents", DOC_OK, NULL, "agent %s: units and content found", a->name);
        }
        if (n_absent == n_shipped && n_shipped > 0)
                report(d, "agents", DOC_INFO, NULL, "%zu shipped definition%s, none installed", n_shipped,
                       n_shipped == 1 ? "" : "s");
        else if (n_absent > 0)
                report(d, "agents", DOC_INFO, NULL, "%zu shipped definition%s, %zu installed; not installed: %s",
                       n_shipped, n_shipped == 1 ? "" : "s", n_shipped - n_absent, absent);
finish:
        lg_agents_done(&agents);
        lg_config_done(&cfg);
}

/* The deny lists (ctl/deny.c): a file not owned by root or writable by
 * others is ignored at boot, a bad line too: each is a warning. */
static void deny_report(bool ok, const char *what, const char *detail, void *ud) {
        report(ud, "deny-lists", ok ? DOC_OK : DOC_WARN,
               ok ? NULL : "fix or remove it (lastgood-deny.d(5)): root-owned, not writable by others",
               "%s: %s", what, detail);
}

static void check_deny(doctor *d) {
        (void) ctl_doctor_deny(d->c, deny_report, d);
}

int verb_doctor(lg_ctl *c, int argc, char **argv) {
        _cleanup_free_ char *kernel = NULL;
        doctor d = { .c = c };
        int r;

        if (argc > 1) {
                log_error("doctor takes no arguments.");
                return LG_EXIT_USAGE;
        }
        r = lg_kernel_release(c->kernel_release, &kernel);
        if (r < 0) {
                log_error("cannot tell the kernel release: %s", strerror(-r));
                return LG_EXIT_FAILURE;
        }
        if (c->json)
                d.checks = json_object_new_array();

        check_store(&d);
        check_initramfs(&d, kernel);
        check_units(&d);
        check_boot_complete(&d);
        check_pstore(&d);
        check_reset(&d, kernel);
        check_cmdline(&d);
        check_agents(&d);
        check_deny(&d);

        if (c->json) {
                /* The one JSON style of every verb (json-out.h). */
                json_object *o = lg_json_doc_new();

                if (o) {
                        json_object_object_add(o, "protected", json_object_new_boolean(d.worst != DOC_FAIL));
                        json_object_object_add(o, "result", json_object_new_string(result_names[d.worst]));
                        json_object_object_add(o, "checks", d.checks);
                } else
                        json_object_put(d.checks);
                if (lg_json_print(o) < 0) {
                        log_error("cannot print the result: out of memory or a write error");
                        return LG_EXIT_FAILURE;
                }
        } else
                printf("\n%s\n", d.worst == DOC_FAIL   ? "This host is NOT protected."
                                 : d.worst == DOC_WARN ? "This host is protected (with warnings)."
                                                       : "This host is protected.");
        return d.worst == DOC_FAIL   ? LG_EXIT_NOT_PROTECTED
               : d.worst == DOC_WARN ? LG_EXIT_DOCTOR_WARN
                                     : LG_EXIT_OK;
}
