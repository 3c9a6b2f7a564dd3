/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What an agent's systemd units tell about it (DESIGN.md, "Agents"):
 * the task names of its processes when Processes= is not given (the
 * basenames of the ExecStart= binaries: the kernel names a task after the
 * file it executed, cut to 15 bytes), and whether its FallbackUnits= exist
 * and are its own. Unit files are read from the unit folders under the
 * root, bounded, with no symlink followed but a unit folder's own link to
 * a unit in another unit folder (an alias or a linked unit), as systemd
 * reads them. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "cmdline.h"
#include "config.h"
#include "macro.h"
#include "parse-util.h"
#include "strv.h"

#define UNIT_MAX_SIZE (64 * 1024)

static const char *const unit_dirs[] = {
        "/etc/systemd/system",     "/run/systemd/system", "/usr/local/lib/systemd/system",
        "/usr/lib/systemd/system", "/lib/systemd/system",
        /* the copies the initramfs hooks make, for lastgood-early */
        "/usr/lib/lastgood/units",
};

/* Kernel threads and the idle task: their names say nothing about the
 * process that crashed, and "swapper/0" is no agent's. */
static const char *const kernel_threads[] = {
        "swapper", "kthreadd", "kworker", "ksoftirqd", "migration", "rcu_", "kswapd", "khugepaged",
        "kcompactd", "watchdog", "cpuhp", "idle_inject", "irq/", "jbd2", "kauditd", "khungtaskd",
        "oom_reaper", "kblockd", "kintegrityd", "kdevtmpfs", "ksmd", "scsi_", "writeback", "init",
};

bool lg_process_name_valid(const char *s) {
        size_t n = s ? strlen(s) : 0;

        if (n == 0 || n > LG_COMM_MAX)
                return false;
        for (const char *p = s; *p; p++)
                if ((unsigned char) *p <= ' ' || (unsigned char) *p >= 0x7f || *p == '/')
                        return false;
        for (size_t i = 0; i < ELEMENTSOF(kernel_threads); i++) {
                size_t k = strlen(kernel_threads[i]);
                bool prefix = kernel_threads[i][k - 1] == '_' || kernel_threads[i][k - 1] == '/';

                if (prefix ? strncmp(s, kernel_threads[i], k) == 0 : streq(s, kernel_threads[i]))
                        return false;
        }
        return true;
}

bool lg_fallback_dropin_allowed(const char *path) {
        static const char *const roots[] = { "/etc/lastgood/", "/usr/lib/lastgood/" };
        size_t n = path ? strlen(path) : 0;
        bool under = false;

        if (n < 6 || n > 4096 || !streq(path + n - 5, ".conf"))
                return false;
        for (size_t i = 0; i < ELEMENTSOF(roots); i++)
                if (strncmp(path, roots[i], strlen(roots[i])) == 0)
                        under = true;
        if (!under)
                return false;
        for (const char *q = path; *q;) {
                size_t c;

                q += strspn(q, "/");
                c = strcspn(q, "/");
                if ((c == 1 && q[0] == '.') || (c == 2 && q[0] == '.' && q[1] == '.'))
                        return false;
                for (size_t i = 0; i < c; i++)
                        if ((unsigned char) q[i] <= ' ' || (unsigned char) q[i] >= 0x7f || q[i] == '\\')
                                return false;
                q += c;
        }
        return true;
}

bool lg_agent_has_fallback(const lg_agent *a) {
        return a && ((a->fallback_units && a->fallback_units[0]) || a->fallback_dropin);
}

bool lg_agent_uses_fallback(const lg_agent *a) {
        return lg_agent_has_fallback(a) && a->on_safe_mode != LG_POLICY_DISABLE && a->on_safe_mode != LG_POLICY_KEEP;
}

size_t lg_agents_find_process(const lg_agents *a, const char *comm, const lg_agent **ret) {
        const lg_agent *first = NULL;
        size_t n = 0;

        if (!a || !comm)
                return 0;
        for (size_t i = 0; i < a->n; i++)
                for (char **p = a->agents[i].processes; p && *p; p++)
                        if (strncmp(*p, comm, LG_COMM_MAX) == 0) {
                                if (!first)
                                        first = &a->agents[i];
                                n++;
                                break;
                        }
        if (ret)
                *ret = first;
        return n;
}

/* The unit file's text: the first unit folder holding name wins, as in
 * systemd. A symlink there is followed only to a unit in a unit folder
 * (never to /dev/null: a masked unit runs nothing). Returns 0, -ENOENT,
 * -errno. */
static int read_unit(const lg_root *root, const char *name, char **ret, size_t *ret_size) {
        for (size_t i = 0; i < ELEMENTSOF(unit_dirs); i++) {
                _cleanup_close_ int dfd = lg_root_open(root, unit_dirs[i], O_RDONLY | O_DIRECTORY, 0);
                _cleanup_close_ int fd = -EBADF;
                char target[512];
                ssize_t k;

                if (dfd < 0)
                        continue;
                fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
                if (fd < 0 && errno == ENOENT)
                        continue;
                if (fd >= 0)
                        return lg_read_full_fd(fd, UNIT_MAX_SIZE, ret, ret_size);
                if (errno != ELOOP)
                        return negative_errno();
                k = readlinkat(dfd, name, target, sizeof(target) - 1);
                if (k <= 0)
                        return -ELOOP;
                target[k] = '\0';
                for (size_t j = 0; j < ELEMENTSOF(unit_dirs); j++) {
                        size_t dl = strlen(unit_dirs[j]);
                        const char *base = target + dl + 1;
                        _cleanup_close_ int d2 = -EBADF;

                        if (strncmp(target, unit_dirs[j], dl) != 0 || target[dl] != '/' || strchr(base, '/') ||
                            !lg_unit_name_is_valid(base))
                                continue;
                        d2 = lg_root_open(root, unit_dirs[j], O_RDONLY | O_DIRECTORY, 0);
                        if (d2 < 0)
                                return d2;
                        fd = openat(d2, base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
                        if (fd < 0)
                                return negative_errno();
                        return lg_read_full_fd(fd, UNIT_MAX_SIZE, ret, ret_size);
                }
                return -ELOOP;
        }
        return -ENOENT;
}

/* The template "foo@.service" of an instance "foo@bar.service". */
static int read_unit_or_template(const lg_root *root, const char *name, char **ret, size_t *ret_size) {
        _cleanup_free_ char *t = NULL;
        const char *at = strchr(name, '@'), *dot = strrchr(name, '.');
        int r;

        r = read_unit(root, name, ret, ret_size);
        if (r != -ENOENT || !at || !dot || dot < at || at[1] == '.')
                return r;
        if (asprintf(&t, "%.*s@%s", (int) (at - name), name, dot) < 0)
                return -ENOMEM;
        return read_unit(root, t, ret, ret_size);
}

/* Interpreters name no agent: a crash in "sh" or "python3" is anyone's. */
static bool is_interpreter(const char *base) {
        static const char *const names[] = { "sh",   "bash", "dash", "env",  "perl", "ruby",
                                             "node", "java", "nice", "ionice", "busybox" };

        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (streq(base, names[i]))
                        return true;
        return strncmp(base, "python", 6) == 0;
}

/* Adds the basenames of the ExecStart= binaries of one unit text. */
static int add_exec_names(const char *text, size_t size, char ***list) {
        const char *end = text + size;

        for (const char *p = text; p < end;) {
                const char *nl = memchr(p, '\n', end - p), *e = nl ?: end, *v, *w;
                char name[LG_COMM_MAX + 1];
                size_t n;

                while (p < e && (*p == ' ' || *p == '\t'))
                        p++;
                if ((size_t) (e - p) <= strlen("ExecStart=") || strncmp(p, "ExecStart=", 10) != 0) {
                        p = e + 1;
                        continue;
                }
                v = p + 10;
                /* Prefixes: '@' (argv[0] given apart), '-', ':', '+', '!'. */
                while (v < e && strchr("@-:+!", *v))
                        v++;
                w = v;
                while (w < e && *w != ' ' && *w != '\t' && *w != ';')
                        w++;
                p = e + 1;
                if (w == v || *v != '/')
                        continue;
                for (const char *q = w; q > v; q--)
                        if (q[-1] == '/') {
                                v = q;
                                break;
                        }
                n = MIN((size_t) (w - v), (size_t) LG_COMM_MAX);
                memcpy(name, v, n);
                name[n] = '\0';
                if (!lg_process_name_valid(name) || is_interpreter(name) || lg_strv_contains(*list, name))
                        continue;
                if (lg_strv_length(*list) >= 64)
                        break;
                if (lg_strv_push(list, name) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* One of the agent's Units= has a unit file under the root. */
static bool installed(const lg_root *root, const lg_agent *a) {
        for (char **u = a->units; u && *u; u++) {
                _cleanup_free_ char *text = NULL;
                size_t size = 0;

                if (read_unit_or_template(root, *u, &text, &size) >= 0)
                        return true;
        }
        return false;
}

static const lg_agent *owner_of_unit(const lg_agents *a, const char *unit) {
        for (size_t i = 0; i < a->n; i++)
                if (lg_strv_contains(a->agents[i].units, unit))
                        return &a->agents[i];
        return NULL;
}

int lg_agents_resolve_units(const lg_root *root, lg_agents *a) {
        int r;

        for (size_t i = 0; i < a->n; i++) {
                lg_agent *ag = &a->agents[i];
                size_t k = 0;

                if (!ag->processes_set)
                        for (char **u = ag->units; u && *u; u++) {
                                _cleanup_free_ char *text = NULL;
                                size_t size = 0;

                                if (read_unit_or_template(root, *u, &text, &size) < 0)
                                        continue;
                                r = add_exec_names(text, size, &ag->processes);
                                if (r < 0)
                                        return r;
                        }

                for (char **u = ag->fallback_units; u && *u; u++) {
                        _cleanup_free_ char *text = NULL;
                        const lg_agent *o = owner_of_unit(a, *u);
                        const char *why = NULL;
                        size_t size = 0;

                        if (o)
                                why = o == ag ? "is one of the agent's own Units=" : "belongs to another agent";
                        else if (read_unit_or_template(root, *u, &text, &size) < 0)
                                why = "no such unit file";
                        if (why && !o && !installed(root, ag)) {
                                /* The agent is not installed here (a shipped
                                 * definition): nothing to say. */
                                free(*u);
                                continue;
                        }
                        if (!why) {
                                ag->fallback_units[k++] = *u;
                                continue;
                        }
                        r = lg_warn(&a->warnings, "agent %s: FallbackUnits=%s: %s%s%s, ignored.", ag->name, *u, why,
                                    o && o != ag ? " " : "", o && o != ag ? o->name : "");
                        free(*u);
                        if (r < 0)
                                return r;
                }
                if (ag->fallback_units)
                        ag->fallback_units[k] = NULL;

                if (ag->on_safe_mode == LG_POLICY_FALLBACK && !lg_agent_has_fallback(ag)) {
                        ag->on_safe_mode = LG_POLICY_DISABLE;
                        if (!installed(root, ag))
                                continue;
                        r = lg_warn(&a->warnings, "agent %s: OnSafeMode=fallback but no usable fallback, disable used.",
                                    ag->name);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}
