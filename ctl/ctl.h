/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "inventory.h"
#include "rootfs.h"

/* lastgoodctl: options shared by every verb (parsed in lastgoodctl.c) and
 * the verbs, one file per group of verbs. Each verb gets the positional
 * arguments after the verb name (argv[0] is the verb) and returns the
 * process exit status:
 *   0  success (status: steady -- not armed, level 0)
 *   1  the operation failed (details logged to stderr)
 *   2  usage error
 * and, from status without --json or --metrics (the status is printed all
 * the same; a dump for a machine exits 0 whatever the state, so that
 * `status --metrics > f.tmp && mv f.tmp f.prom` keeps updating):
 *   3  armed: a change is being counted, level 0
 *   4  safe mode: level 1 or 2 in force this boot
 *   5  exhausted: level 3, lastgood withholds nothing more
 *   6  state corrupt: the hot record cannot be read or trusted
 * and, from crash: 3 when the log names no culprit;
 * and, from doctor: 3 not protected, 4 protected with warnings. */

#define LG_EXIT_OK 0
#define LG_EXIT_FAILURE 1
#define LG_EXIT_USAGE 2
#define LG_EXIT_ARMED 3
#define LG_EXIT_SAFE_MODE 4
#define LG_EXIT_EXHAUSTED 5
#define LG_EXIT_CORRUPT 6
#define LG_EXIT_NO_CULPRIT 3
#define LG_EXIT_NOT_PROTECTED 3
#define LG_EXIT_DOCTOR_WARN 4

typedef struct lg_ctl {
        const char *root_dir;        /* --root=, NULL for / */
        lg_root *root;
        const char *kernel_release;  /* --kernel-release=, NULL for uname */
        bool json;                   /* --json */
        bool all;                    /* --all (release) */
        bool force_file;             /* --store=file */
        const char *directory;       /* --directory= (fleet) */
        bool if_changed;             /* --if-changed (arm) */
        bool metrics;                /* --metrics (status, fleet) */
        int level;                   /* --level= (plan), -1 when not given */
        const char *state_filter;    /* --state= (fleet) */
        const char *since;           /* --since= (fleet) */
        const char *host_filter;     /* --host= (fleet) */
        const char *cmdline;         /* --cmdline= (plan), NULL: /proc/cmdline */
        bool names;                  /* --names (list) */
        bool quiet;                  /* -q: nothing on stdout */
        bool deny_list;              /* --deny-list (fleet) */
        unsigned min_hosts;          /* --min-hosts= (fleet --deny-list, deny-list), 0 when not given */
        const char *from_prometheus; /* --from-prometheus= (deny-list) */
} lg_ctl;

/* Route stdout and stderr through the escaping filter (ctl/output.c):
 * U+FFFD for invalid UTF-8 in JSON, \xHH for controls on a terminal.
 * quiet: stdout goes to /dev/null. page: when stdout is a terminal, it
 * goes through a pager as in systemd's tools ($SYSTEMD_PAGER, $PAGER,
 * pager, less, more; less with $SYSTEMD_LESS or FRSXMK), waited for at
 * exit. Returns 0 or -errno (output then stays unfiltered, unpaged). */
int lg_ctl_output_init(bool json, bool quiet, bool page);

/* Why an item is withheld, in the words of the text output: the JSON's
 * reason names (lg_reason_to_string()), but "persistently withheld" for
 * the cold record's (JSON: "quarantine"), so that "quarantined" means
 * only agent content moved away. Never NULL. */
const char *ctl_reason_word(lg_reason r);

int verb_status(lg_ctl *c, int argc, char **argv);
/* status-reset.c: the reset-on-failure settings of this boot, as a JSON
 * array (never NULL unless out of memory) and as text lines. */
struct json_object;
struct json_object *status_reset_json(const lg_root *root);
/* armed: the hot record now; early_ran: this boot's hand-over exists. */
void status_reset_print(const lg_root *root, bool armed, bool early_ran);
/* status-agents.c: agents in their fallback this boot, the eBPF record. */
struct lg_withheld;
void status_agents_print(const lg_root *root, const struct lg_withheld *w);
/* The same agents as a JSON array of {agent, units, drop_in}: empty when
 * none (or w is NULL: no decision this boot). */
struct json_object *status_fallback_json(const lg_root *root, const struct lg_withheld *w);
/* good: the boot is proven, so the hang reset of this armed boot is
 * stopped as the watchdog does at healthy (says so on stdout). */
void ctl_reset_release(const lg_root *root);
int verb_good(lg_ctl *c, int argc, char **argv);
int verb_bad(lg_ctl *c, int argc, char **argv);
int verb_reset(lg_ctl *c, int argc, char **argv);
int verb_arm(lg_ctl *c, int argc, char **argv);
int verb_list(lg_ctl *c, int argc, char **argv);
int verb_release(lg_ctl *c, int argc, char **argv);
int verb_restore(lg_ctl *c, int argc, char **argv);
int verb_crash(lg_ctl *c, int argc, char **argv);
int verb_fleet(lg_ctl *c, int argc, char **argv);
int verb_deny_list(lg_ctl *c, int argc, char **argv);
int verb_doctor(lg_ctl *c, int argc, char **argv);

/* verb-arm.c: 1 when the third-party set of the kernel (--kernel-release=
 * or the running one) differs from the last known good, 0 when not,
 * -errno when it cannot be told. *ret_kernel (may be NULL) gets the
 * kernel release on success. */
int ctl_third_party_changed(lg_ctl *c, char **ret_kernel);

/* verb-narrow.c: a narrowing in progress (lib/inventory/narrow.h) in status, derived
 * with the hot record's boot_seq; its end at reset. */
struct json_object;
void ctl_narrow_status_json(lg_ctl *c, uint32_t boot_seq, struct json_object *o);
void ctl_narrow_status_text(lg_ctl *c, uint32_t boot_seq);
void ctl_narrow_end(lg_ctl *c, const char *why);
int verb_plan(lg_ctl *c, int argc, char **argv);

/* The boot-state store (--force-file: the file store), its failure said
 * on stderr. Returns 0 or -errno. */
struct lg_store;
int ctl_open_store(lg_ctl *c, struct lg_store **ret);

/* good and plan: the kernel release (--kernel-release= or uname -r), the
 * configuration, the agent definitions (their warnings said on stderr) and
 * an empty command line. Returns LG_EXIT_OK or LG_EXIT_FAILURE (said). */
struct lg_config;
struct lg_agents;
struct lg_cmdline;
int ctl_load_policy_inputs(lg_ctl *c, char **ret_kernel, struct lg_config *cfg, struct lg_agents *agents,
                           struct lg_cmdline *cmdline);

/* deny.c: the SHA-256 ("sha256:HEX", "" when not on this host) of each
 * item of w and of the cold record q, and the agent of each record (NULL:
 * none), found on disk (ops/fingerprints.h). Arrays of w->n and q->n
 * entries, freed by the caller (q_agent's strings too). 0 or -ENOMEM. */
struct lg_withheld;
struct lg_quarantine;
int ctl_fingerprints(lg_ctl *c, const struct lg_withheld *w, const struct lg_quarantine *q, char (**ret_w)[72],
                     char (**ret_q)[72], char ***ret_q_agent);
/* deny.c: "sha256:HEX" of the third-party module name of kernel (NULL:
 * --kernel-release= or the running one) on this host into out, or NULL. */
const char *ctl_module_sha256(lg_ctl *c, const char *name, const char *kernel, char out[static 72]);
/* deny.c: the deny list line that withholds name (this boot's hand-over
 * first, then the lists by their NAME field), "FILE:LINE" in buf, or NULL. */
const char *ctl_denied_by(lg_ctl *c, const char *name, char *buf, size_t size);
/* deny.c: doctor's checks of the deny lists (owner, mode, parse errors):
 * each problem printed as doctor prints them; returns the number of
 * problems. */
unsigned ctl_doctor_deny(lg_ctl *c, void (*report)(bool ok, const char *what, const char *detail, void *ud),
                         void *ud);
