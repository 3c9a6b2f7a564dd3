/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "rootfs.h"

/* /etc/lastgood/lastgood.conf and the agent definitions of agents.d
 * (DESIGN.md, "Configuration" and "Agents"). Pure parsers over memory
 * buffers, plus loaders that read the files under a root. A bad line or
 * value is reported in ->warnings (one human sentence each, the caller logs
 * them) and the default is kept: configuration never stops a boot. */

#define LG_CONFIG_PATH "/etc/lastgood/lastgood.conf"

#define LG_DEFAULT_THRESHOLD 2
#define LG_DEFAULT_STABLE_SEC 120
#define LG_DEFAULT_PROVE_SEC 1800
#define LG_DEFAULT_CHECK_TIMEOUT_SEC 30
#define LG_DEFAULT_PANIC_REBOOT_SEC 10
#define LG_DEFAULT_HANG_RESET_SEC 900

typedef struct lg_config {
        unsigned threshold;         /* [Boot] Threshold=, 1..255 */
        unsigned stable_sec;        /* [Health] StableSec= */
        unsigned prove_sec;         /* [Health] ProveSec= */
        unsigned check_timeout_sec; /* [Health] CheckTimeoutSec=, 1..3600 */
        char **require_units;       /* [Health] RequireUnits=, valid unit names */
        char **allow;               /* [Modules] Allow=, normalized names ('-' → '_') */
        char **third_party_dirs;    /* [Modules] ThirdPartyDirs=, below /lib/modules/KVER */
        /* Every failure ends in a reset (lib/reset/reset.h), armed boots only:
         * [Boot] PanicRebootSec= (0: off), PanicOnOops=, SoftLockupPanic=,
         * HardLockupPanic= (booleans), HangResetSec= (0: off). */
        unsigned panic_reboot_sec;
        bool panic_on_oops, softlockup_panic, hardlockup_panic;
        unsigned hang_reset_sec;
        char *metrics_file;         /* [Health] MetricsFile=, absolute path, NULL: none */
        unsigned long taint_mask;   /* [Health] TaintFlags=, the taint bits that count (taint.h) */
        char **warnings;
} lg_config;

/* Fills c with the defaults (every list allocated, possibly empty).
 * Returns 0 or -ENOMEM (c untouched). */
int lg_config_init(lg_config *c);

/* Parses buf (need not be NUL-terminated) over what c holds; source names
 * the buffer in warnings. Returns 0, or -ENOMEM. */
int lg_config_parse(lg_config *c, const char *source, const char *buf, size_t size);

/* lg_config_init() then LG_CONFIG_PATH under root, when it exists; an
 * unreadable file is a warning. Returns 0, or -ENOMEM. */
int lg_config_load(const lg_root *root, lg_config *c);

void lg_config_done(lg_config *c);

/* OnSafeMode= of an agent. */
typedef enum lg_policy {
        LG_POLICY_ROLLBACK,
        LG_POLICY_QUARANTINE,
        LG_POLICY_DISABLE,
        LG_POLICY_KEEP,
        LG_POLICY_FALLBACK, /* FallbackUnits=/FallbackDropIn= instead of Units= */
        _LG_POLICY_MAX,
        _LG_POLICY_INVALID = -1,
} lg_policy;

const char *lg_policy_to_string(lg_policy p);
lg_policy lg_policy_from_string(const char *s);

typedef struct lg_agent {
        char *name;       /* the file name without .conf */
        char **units;     /* Units=, never NULL */
        char **modules;   /* Modules=, normalized, never NULL */
        char **content;   /* Content=, absolute globs, never NULL */
        lg_policy on_safe_mode;
        char **processes;      /* Processes=: task names (<= 15 chars), never NULL;
                                * lg_agents_load() fills the default (the
                                * basenames of the units' ExecStart= binaries) */
        bool processes_set;    /* Processes= was given (even empty) */
        char **fallback_units; /* FallbackUnits=, never NULL */
        char *fallback_dropin; /* FallbackDropIn=: a file under /etc/lastgood or
                                * /usr/lib/lastgood, or NULL */
} lg_agent;

/* Longest task name the kernel keeps and prints (TASK_COMM_LEN - 1). */
#define LG_COMM_MAX 15

typedef struct lg_agents {
        lg_agent *agents; /* sorted by name */
        size_t n;
        char **warnings;
} lg_agents;

/* Parses one agent definition named name (the file name without .conf).
 * Returns 0; -EINVAL when the file is unusable (bad name, no [Agent]
 * section, names nothing; the reason is in *warnings); -ENOMEM. */
int lg_agent_parse(lg_agent *ret, const char *name, const char *buf, size_t size, char ***warnings);
/* Frees what one parsed agent owns (lg_agent_parse()'s result) and resets it. */
void lg_agent_done(lg_agent *a);

/* Loads /etc/lastgood/agents.d/ over /usr/lib/lastgood/agents.d/ (same
 * file name: /etc wins; an empty file or a symlink to /dev/null masks).
 * Unusable files are warnings. Returns 0, or -ENOMEM. */
int lg_agents_load(const lg_root *root, lg_agents *ret);

/* By agent name ('-' and '_' alike), or by one of its Modules=. NULL when
 * none. */
const lg_agent *lg_agents_find(const lg_agents *a, const char *name);
const lg_agent *lg_agents_find_module(const lg_agents *a, const char *module);
/* The agents whose Processes= hold comm (compared as the kernel cut it, at
 * most 15 bytes). Returns how many; *ret (may be NULL) the first one. */
size_t lg_agents_find_process(const lg_agents *a, const char *comm, const lg_agent **ret);
/* True when the agent has something to fall back to. */
bool lg_agent_has_fallback(const lg_agent *a);
/* True when withholding the agent means its fallback rather than masking
 * its units: it has one, and its OnSafeMode= is neither disable nor keep
 * (disable is the administrator's choice, and the last resort). */
bool lg_agent_uses_fallback(const lg_agent *a);
/* A task name an agent may claim: 1..15 printable bytes, no '/' or blank,
 * not a kernel thread's ("swapper", "kworker", "ksoftirqd", ...). */
bool lg_process_name_valid(const char *s);
/* FallbackDropIn= paths: absolute, under /etc/lastgood/ or
 * /usr/lib/lastgood/, ending in .conf, no "." or ".." component. */
bool lg_fallback_dropin_allowed(const char *path);

/* Content= safety (DESIGN.md, "Trust boundaries"). A pattern is allowed
 * unless its glob-free folder is /, /etc, /usr, /boot, /run, /var... as a
 * whole, or it lies in /proc, /sys, /dev or lastgood's own folders
 * (/var/lib/lastgood, /etc/lastgood, /run/lastgood...). covers: one of the
 * agent's allowed patterns matches path (fnmatch, FNM_PATHNAME|FNM_PERIOD).
 * find_content: the first agent that covers path, or NULL. */
bool lg_content_pattern_allowed(const char *pattern);
bool lg_content_covers(const lg_agent *agent, const char *path);
const lg_agent *lg_agents_find_content(const lg_agents *a, const char *path);

void lg_agents_done(lg_agents *a);
