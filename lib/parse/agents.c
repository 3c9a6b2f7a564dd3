/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Agent definitions (DESIGN.md, "Agents"): /etc/lastgood/agents.d/NAME.conf
 * overrides /usr/lib/lastgood/agents.d/NAME.conf of the same file name, as
 * systemd's drop-in folders do; an empty /etc file or a symlink to
 * /dev/null masks the shipped one. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "cmdline.h"
#include "config.h"
#include "macro.h"
#include "parse-util.h"
#include "strv.h"

#define AGENT_MAX_SIZE (64 * 1024)
#define AGENTS_MAX 256
#define LIST_MAX 256
#define QUOTE_MAX 64

static const char *const agent_dirs[] = {
        "/etc/lastgood/agents.d", /* first: overrides the shipped ones */
        "/usr/lib/lastgood/agents.d",
};

typedef struct agent_parse {
        lg_agent *a;
        const char *source;
        unsigned line;
        char ***warnings;
        bool has_section;
} agent_parse;

typedef struct agent_list {
        agent_parse *p;
        const char *key;
        char ***list;
        int kind; /* 0 units, 1 modules, 2 content, 3 processes, 4 fallback units */
} agent_list;

static int agent_warn(agent_parse *p, const char *key, const char *value, const char *why) {
        _cleanup_free_ char *v = lg_escape_quote(value, strlen(value), QUOTE_MAX);

        if (!v)
                return -ENOMEM;
        return lg_warn(p->warnings, "%s:%u: %s=%s: %s", p->source, p->line, key, v, why);
}

/* Folders lastgood never treats as content as a whole (DESIGN.md, "Trust
 * boundaries"): a glob whose glob-free folder is one of them ("/etc/ *",
 * "/usr/lib/ *.so", "/ *") is refused; one plain file there is not. */
static const char *const whole_refused[] = {
        "/",     "/etc",  "/usr",  "/usr/lib", "/usr/bin", "/usr/sbin", "/boot",  "/proc",
        "/sys",  "/run",  "/dev",  "/var",     "/var/lib", "/lib",      "/lib64", "/bin",
        "/sbin", "/root", "/home", "/opt",     "/srv",     "/tmp",
};
/* Folders nothing at or below of which is content: lastgood's own state,
 * configuration and hand-over, and the kernel's pseudo file systems. */
static const char *const below_refused[] = {
        "/var/lib/lastgood", "/etc/lastgood", "/usr/lib/lastgood", "/run/lastgood", "/proc", "/sys", "/dev",
};

/* dir is a clean absolute folder ("/a/b", no trailing '/'). */
static bool path_at_or_below(const char *path, const char *dir) {
        size_t n = strlen(dir);

        if (streq(dir, "/"))
                return true;
        return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

bool lg_content_pattern_allowed(const char *pattern) {
        _cleanup_free_ char *folder = NULL;
        size_t g, len;
        char *w;

        if (!pattern || pattern[0] != '/')
                return false;
        /* The pattern with repeated slashes squeezed, as the kernel reads it. */
        folder = strdup(pattern);
        if (!folder)
                return false;
        w = folder;
        for (const char *r = pattern; *r; r++)
                if (!(*r == '/' && w > folder && w[-1] == '/'))
                        *w++ = *r;
        *w = '\0';
        for (size_t i = 0; i < ELEMENTSOF(below_refused); i++)
                if (path_at_or_below(folder, below_refused[i]))
                        return false;
        /* The glob-free folder: up to the last '/' before the first glob
         * character. A plain path names one file, which may live in /etc
         * (only not in /: no folder there is content). */
        g = strcspn(folder, "*?[\\");
        if (folder[g] == '\0')
                return strchr(folder + 1, '/') != NULL;
        while (g > 0 && folder[g] != '/')
                g--;
        len = g == 0 ? 1 : g;
        folder[len] = '\0';
        for (size_t i = 0; i < ELEMENTSOF(whole_refused); i++)
                if (streq(folder, whole_refused[i]))
                        return false;
        return true;
}

bool lg_content_covers(const lg_agent *agent, const char *path) {
        if (!agent || !path || path[0] != '/')
                return false;
        for (char **p = agent->content; p && *p; p++)
                if (lg_content_pattern_allowed(*p) && fnmatch(*p, path, FNM_PATHNAME | FNM_PERIOD) == 0)
                        return true;
        return false;
}

const lg_agent *lg_agents_find_content(const lg_agents *a, const char *path) {
        for (size_t i = 0; a && i < a->n; i++)
                if (lg_content_covers(&a->agents[i], path))
                        return &a->agents[i];
        return NULL;
}

/* NULL when s is usable as a Content= pattern, else why not (the
 * administrator's terms). */
static const char *content_invalid(const char *s) {
        size_t n = strlen(s);

        if (*s != '/')
                return "not an absolute path, ignored.";
        if (n > 4096)
                return "longer than 4096 bytes, ignored.";
        if (s[strspn(s, "/")] == '\0')
                return "/ itself is never content, refused.";
        /* No ".." component: a content glob must not climb out of where the
         * administrator pointed it. */
        for (const char *q = s; *q;) {
                size_t c;

                q += strspn(q, "/");
                c = strcspn(q, "/");
                if (c == 2 && q[0] == '.' && q[1] == '.')
                        return "a '..' component climbs out of the folder, ignored.";
                q += c;
        }
        return NULL;
}

static int agent_list_add(void *userdata, const char *word) {
        agent_list *l = userdata;
        _cleanup_free_ char *w = strdup(word);
        const char *why = NULL;

        if (!w)
                return -ENOMEM;
        switch (l->kind) {
        case 0:
                if (!lg_unit_name_is_valid(w))
                        why = "not a valid unit name, ignored.";
                break;
        case 1:
                if (!lg_name_is_valid(w))
                        why = "not a valid module name, ignored.";
                for (char *q = w; *q; q++)
                        if (*q == '-')
                                *q = '_';
                break;
        case 3:
                if (!lg_process_name_valid(w))
                        why = strlen(w) > LG_COMM_MAX ?
                                      "longer than the 15 characters the kernel keeps of a task name, ignored." :
                                      "not a task name an agent may claim (kernel threads are no agent's), ignored.";
                break;
        case 4:
                if (!lg_unit_name_is_valid(w))
                        why = "not a valid unit name, ignored.";
                break;
        default:
                why = content_invalid(w);
                if (why)
                        ;
                else if (!lg_content_pattern_allowed(w))
                        why = "covers a system folder or lastgood's own as a whole, refused.";
                break;
        }
        if (why)
                return agent_warn(l->p, l->key, word, why);
        if (lg_strv_contains(*l->list, w))
                return 0;
        if (lg_strv_length(*l->list) >= LIST_MAX)
                return agent_warn(l->p, l->key, word, "too many entries, ignored.");
        return lg_strv_push(l->list, w);
}

static int agent_set_list(agent_parse *p, const char *key, const char *value, char ***list, int kind) {
        agent_list l = { .p = p, .key = key, .list = list, .kind = kind };

        if (!*value) {
                lg_strv_free(*list);
                *list = calloc(1, sizeof(char *));
                return *list ? 0 : -ENOMEM;
        }
        return lg_split_words(value, agent_list_add, &l);
}

static int agent_handler(void *userdata, unsigned line, const char *section, const char *key,
                         const char *value) {
        agent_parse *p = userdata;
        lg_agent *a = p->a;

        p->line = line;
        if (!*section)
                return lg_warn(p->warnings, "%s:%u: %s= before any section (it belongs in [Agent]), ignored.",
                               p->source, line, key);
        if (!streq(section, "Agent"))
                return lg_warn(p->warnings, "%s:%u: Unknown section [%s], %s= ignored.", p->source, line,
                               section, key);
        p->has_section = true;

        if (streq(key, "Units"))
                return agent_set_list(p, key, value, &a->units, 0);
        if (streq(key, "Modules"))
                return agent_set_list(p, key, value, &a->modules, 1);
        if (streq(key, "Content"))
                return agent_set_list(p, key, value, &a->content, 2);
        if (streq(key, "Processes")) {
                a->processes_set = true;
                return agent_set_list(p, key, value, &a->processes, 3);
        }
        if (streq(key, "FallbackUnits"))
                return agent_set_list(p, key, value, &a->fallback_units, 4);
        if (streq(key, "FallbackDropIn")) {
                char *d;

                if (!*value) {
                        free(a->fallback_dropin);
                        a->fallback_dropin = NULL;
                        return 0;
                }
                if (!lg_fallback_dropin_allowed(value))
                        return agent_warn(p, key, value,
                                          "not a .conf file under /etc/lastgood/ or /usr/lib/lastgood/, refused.");
                d = strdup(value);
                if (!d)
                        return -ENOMEM;
                free(a->fallback_dropin);
                a->fallback_dropin = d;
                return 0;
        }
        if (streq(key, "OnSafeMode")) {
                lg_policy pol;

                if (!*value) {
                        a->on_safe_mode = LG_POLICY_ROLLBACK;
                        return 0;
                }
                pol = lg_policy_from_string(value);
                if (pol < 0)
                        return agent_warn(p, key, value,
                                          "rollback, quarantine, fallback, disable or keep expected, rollback used.");
                a->on_safe_mode = pol;
                return 0;
        }
        return lg_warn(p->warnings, "%s:%u: Unknown key %s= in section [Agent], ignored.", p->source, line,
                       key);
}

void lg_agent_done(lg_agent *a) {
        free(a->name);
        lg_strv_free(a->units);
        lg_strv_free(a->modules);
        lg_strv_free(a->content);
        lg_strv_free(a->processes);
        lg_strv_free(a->fallback_units);
        free(a->fallback_dropin);
        *a = (lg_agent){};
}

static int empty_strv(char ***l) {
        if (*l)
                return 0;
        *l = calloc(1, sizeof(char *));
        return *l ? 0 : -ENOMEM;
}

static int agent_parse_source(lg_agent *ret, const char *name, const char *source, const char *buf,
                              size_t size, char ***warnings) {
        lg_agent a = { .on_safe_mode = LG_POLICY_ROLLBACK };
        agent_parse p = { .a = &a, .source = source, .warnings = warnings };
        int r;

        if (!lg_name_is_valid(name)) {
                _cleanup_free_ char *q = lg_escape_quote(name, strlen(name), QUOTE_MAX);

                if (!q)
                        return -ENOMEM;
                r = lg_warn(warnings, "Agent file name \"%s\" is not a valid agent name, ignored.", q);
                return r < 0 ? r : -EINVAL;
        }

        a.name = strdup(name);
        if (!a.name)
                return -ENOMEM;
        r = lg_ini_parse(source, buf, size, warnings, agent_handler, &p);
        if (r >= 0)
                r = empty_strv(&a.units);
        if (r >= 0)
                r = empty_strv(&a.modules);
        if (r >= 0)
                r = empty_strv(&a.content);
        if (r >= 0)
                r = empty_strv(&a.processes);
        if (r >= 0)
                r = empty_strv(&a.fallback_units);
        if (r < 0) {
                lg_agent_done(&a);
                return r;
        }

        if (!p.has_section) {
                r = lg_warn(warnings, "%s: No [Agent] section, file ignored.", source);
                lg_agent_done(&a);
                return r < 0 ? r : -EINVAL;
        }
        if (!a.units[0] && !a.modules[0] && !a.content[0]) {
                r = lg_warn(warnings, "%s: [Agent] names no Units=, Modules= or Content=, file ignored.",
                            source);
                lg_agent_done(&a);
                return r < 0 ? r : -EINVAL;
        }

        if (a.on_safe_mode == LG_POLICY_FALLBACK && !lg_agent_has_fallback(&a)) {
                r = lg_warn(warnings, "%s: OnSafeMode=fallback without FallbackUnits= or FallbackDropIn=, disable used.",
                            source);
                if (r < 0) {
                        lg_agent_done(&a);
                        return r;
                }
                a.on_safe_mode = LG_POLICY_DISABLE;
        }

        *ret = a;
        return 0;
}

int lg_agent_parse(lg_agent *ret, const char *name, const char *buf, size_t size, char ***warnings) {
        _cleanup_free_ char *source = NULL;

        if (asprintf(&source, "%.64s.conf", name ?: "") < 0)
                return -ENOMEM;
        return agent_parse_source(ret, name ?: "", source, buf, size, warnings);
}

typedef struct agent_file {
        char *name;
        char *path; /* NULL: masked */
} agent_file;

static int agent_file_cmp(const void *a, const void *b) {
        return strcmp(((const agent_file *) a)->name, ((const agent_file *) b)->name);
}

static bool is_masked(int dfd, const char *fname) {
        struct stat st;

        if (fstatat(dfd, fname, &st, 0) < 0)
                return false;
        if (S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 3)
                return true; /* /dev/null */
        return S_ISREG(st.st_mode) && st.st_size == 0;
}

static int collect(const lg_root *root, const char *dir, agent_file **files, size_t *n, char ***warnings) {
        _cleanup_close_ int fd = -EBADF;
        DIR *d;
        struct dirent *de;
        int r = 0;

        fd = lg_root_open(root, dir, O_RDONLY | O_DIRECTORY, 0);
        if (fd == -ENOENT || fd == -ENOTDIR)
                return 0;
        if (fd < 0)
                return lg_warn(warnings, "%s: cannot be read (%s), its agents are ignored.", dir,
                               strerror(-fd));
        d = fdopendir(fd);
        if (!d)
                return negative_errno();
        fd = -EBADF; /* owned by d now */

        while ((de = readdir(d))) {
                const char *fname = de->d_name;
                size_t len = strlen(fname);
                _cleanup_free_ char *name = NULL;
                bool seen = false;
                agent_file *t;

                if (fname[0] == '.' || len <= 5 || !streq(fname + len - 5, ".conf"))
                        continue;
                name = strndup(fname, len - 5);
                if (!name) {
                        r = -ENOMEM;
                        break;
                }
                if (!lg_name_is_valid(name)) {
                        _cleanup_free_ char *q = lg_escape_quote(fname, len, QUOTE_MAX);

                        r = q ? lg_warn(warnings, "%s/%s: not a valid agent file name, ignored.", dir, q)
                              : -ENOMEM;
                        if (r < 0)
                                break;
                        continue;
                }
                for (size_t i = 0; i < *n; i++)
                        if (streq((*files)[i].name, name))
                                seen = true;
                if (seen)
                        continue; /* overridden in /etc */
                if (*n >= AGENTS_MAX) {
                        r = lg_warn(warnings, "%s: more than %d agent files, the rest is ignored.", dir,
                                    AGENTS_MAX);
                        break;
                }
                t = realloc(*files, sizeof(agent_file) * (*n + 1));
                if (!t) {
                        r = -ENOMEM;
                        break;
                }
                *files = t;
                t[*n].path = NULL;
                if (!is_masked(dirfd(d), fname) && asprintf(&t[*n].path, "%s/%s", dir, fname) < 0) {
                        r = -ENOMEM;
                        break;
                }
                t[*n].name = TAKE_PTR(name);
                (*n)++;
        }
        closedir(d);
        return r;
}

int lg_agents_load(const lg_root *root, lg_agents *ret) {
        lg_agents a = {};
        agent_file *files = NULL;
        size_t n = 0;
        int r = 0;

        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(agent_dirs); i++)
                r = collect(root, agent_dirs[i], &files, &n, &a.warnings);
        if (r >= 0 && n > 0)
                qsort(files, n, sizeof(agent_file), agent_file_cmp);

        for (size_t i = 0; r >= 0 && i < n; i++) {
                _cleanup_free_ char *buf = NULL;
                size_t size;
                lg_agent *t;
                int k;

                if (!files[i].path)
                        continue;
                k = lg_root_read_file(root, files[i].path, AGENT_MAX_SIZE, &buf, &size);
                if (k == -ENOMEM) {
                        r = k;
                        break;
                }
                if (k < 0) {
                        r = lg_warn(&a.warnings, "%s: cannot be read (%s), ignored.", files[i].path,
                                    k == -EFBIG ? "larger than 64 KiB" : strerror(-k));
                        continue;
                }
                t = realloc(a.agents, sizeof(lg_agent) * (a.n + 1));
                if (!t) {
                        r = -ENOMEM;
                        break;
                }
                a.agents = t;
                k = agent_parse_source(&a.agents[a.n], files[i].name, files[i].path, buf, size, &a.warnings);
                if (k == -ENOMEM)
                        r = k;
                else if (k >= 0)
                        a.n++;
        }

        for (size_t i = 0; i < n; i++) {
                free(files[i].name);
                free(files[i].path);
        }
        free(files);
        if (r >= 0)
                r = lg_agents_resolve_units(root, &a);
        if (r >= 0)
                r = empty_strv(&a.warnings);
        if (r < 0) {
                lg_agents_done(&a);
                return r;
        }
        *ret = a;
        return 0;
}

static bool names_equal(const char *a, const char *b) {
        for (; *a && *b; a++, b++)
                if (*a != *b && !((*a == '-' || *a == '_') && (*b == '-' || *b == '_')))
                        return false;
        return !*a && !*b;
}

const lg_agent *lg_agents_find(const lg_agents *a, const char *name) {
        if (!a || !name)
                return NULL;
        for (size_t i = 0; i < a->n; i++)
                if (names_equal(a->agents[i].name, name))
                        return &a->agents[i];
        return NULL;
}

const lg_agent *lg_agents_find_module(const lg_agents *a, const char *module) {
        if (!a || !module)
                return NULL;
        for (size_t i = 0; i < a->n; i++)
                if (lg_name_in_list(a->agents[i].modules, module))
                        return &a->agents[i];
        return NULL;
}

void lg_agents_done(lg_agents *a) {
        if (!a)
                return;
        for (size_t i = 0; i < a->n; i++)
                lg_agent_done(&a->agents[i]);
        free(a->agents);
        a->agents = NULL;
        a->n = 0;
        a->warnings = lg_strv_free(a->warnings);
}
