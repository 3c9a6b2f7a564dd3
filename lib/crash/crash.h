/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "rootfs.h"

/* Naming the culprit of a kernel crash log (oops, BUG, GPF, WARNING, panic,
 * KASAN) and reading the crash records that pstore left. The attribution is
 * a pure function over the text: it names one third-party module (or none,
 * when the evidence points at in-tree code only), with a confidence and the
 * log lines that decided it. */

typedef enum lg_confidence {
        LG_CONFIDENCE_NONE,   /* no culprit */
        LG_CONFIDENCE_LOW,
        LG_CONFIDENCE_MEDIUM,
        LG_CONFIDENCE_HIGH,
        _LG_CONFIDENCE_MAX,
} lg_confidence;

const char *lg_confidence_to_string(lg_confidence c); /* "none","low","medium","high" */

typedef struct lg_crash_report {
        char *culprit;        /* normalized module name ('_'), or NULL */
        lg_confidence confidence;
        char **evidence;      /* NULL-terminated: the deciding log lines (never NULL after success) */
        char *kernel;         /* kernel release from the log, or NULL */
        char *taint;          /* taint flags from the log ("P OE", "G D"), or NULL */
        char *rip;            /* the faulting-instruction line, or NULL */
        uint32_t id;          /* stable id of the crash text (hash), never 0 */
        /* Added by the crash-log work: */
        char *family;         /* the culprit's family: the head of a known family
                               * ("nvidia" for nvidia_modeset, "zfs" for spl), the
                               * agent's name for an agent's module, else the
                               * culprit itself; NULL without culprit */
        char *agent;          /* the agent whose Modules= names the culprit, or NULL */
        char *reason;         /* one sentence: why this culprit or why none */
        char *headline;       /* the first report's headline line, or NULL */
        unsigned reports;     /* crash reports seen in the text (the first decides) */
        /* Added for agents that crash from their own process or eBPF: */
        const char *culprit_kind; /* "module", "agent" or NULL (static) */
        char *comm;           /* the crashing task's name, or NULL */
} lg_crash_report;

/* The eBPF programs the watchdog last saw loaded on a healthy boot
 * (/var/lib/lastgood/bpf-progs), each with the unit whose process held it. */
#define LG_BPF_RECORD_PATH "/var/lib/lastgood/bpf-progs"
#define LG_BPF_RECORD_MAX_SIZE (256 * 1024)
#define LG_BPF_RECORD_MAX_PROGS 2048

typedef struct lg_bpf_prog {
        char tag[17];   /* 16 hex digits, lower case */
        char name[17];  /* the program's name (BPF_OBJ_NAME_LEN - 1), "" unknown */
        uint32_t id;
        char *unit;     /* the unit (cgroup) of the process holding it */
} lg_bpf_prog;

typedef struct lg_bpf_record {
        char *kernel;   /* the kernel release it was recorded under */
        lg_bpf_prog *progs;
        size_t n;
} lg_bpf_record;

/* Pure. Parses the record's text. Returns 0, -EBADMSG when it is not a
 * record (bad header, bad line), -ENOMEM. */
int lg_bpf_record_parse(const char *text, size_t size, lg_bpf_record *ret);
/* Writes the record's text into a malloc'd string. Returns 0 or -ENOMEM. */
int lg_bpf_record_format(const lg_bpf_record *rec, char **ret, size_t *ret_size);
/* Adds one program (duplicates by id and unit are dropped; at most
 * LG_BPF_RECORD_MAX_PROGS). Returns 1 added, 0 not, -EINVAL bad tag,
 * -ENOMEM. */
int lg_bpf_record_add(lg_bpf_record *rec, const char *tag, const char *name, uint32_t id, const char *unit);
/* Reads LG_BPF_RECORD_PATH under root. kernel (may be NULL): the running
 * release; a record of another kernel is -ESTALE (its tags mean nothing
 * for this one's programs... and the next boot's crash ran the recorded
 * kernel, so callers reading a crash of the previous boot pass NULL and
 * compare with the crash log's release instead). -ENOENT, -EFBIG (huge),
 * -EBADMSG (corrupt), -errno. */
int lg_bpf_record_load(const lg_root *root, const char *kernel, lg_bpf_record *ret);
void lg_bpf_record_done(lg_bpf_record *rec);

/* What the attribution may use besides the text. */
typedef struct lg_crash_context {
        const lg_agents *agents;       /* may be NULL */
        const lg_bpf_record *bpf;      /* may be NULL: no record */
} lg_crash_context;

/* As lg_crash_attribute(), with the eBPF record. */
int lg_crash_attribute_ctx(const char *text, size_t size, const lg_crash_context *ctx, lg_crash_report *ret);

/* The name the early stages act on at once (the fast path), or NULL: a
 * module named with at least medium confidence, or an agent named by its
 * process or its eBPF programs whose OnSafeMode= is fallback (a process
 * name alone never switches an agent off). */
const char *lg_crash_fast_path_culprit(const lg_crash_report *r, const lg_agents *agents);

/* Pure. agents (may be NULL) merge an agent's Modules= into one family and
 * map them to the agent. Returns 0 (also when no culprit), -ENOMEM. */
int lg_crash_attribute(const char *text, size_t size, const lg_agents *agents, lg_crash_report *ret);
/* The family head of a module in the built-in table of known third-party
 * families ("nvidia_modeset" -> "nvidia", "spl" -> "zfs"), or NULL. */
const char *lg_crash_known_family(const char *module);
void lg_crash_report_done(lg_crash_report *r);

/* pstore: the newest crash among the records under /sys/fs/pstore and
 * /var/lib/systemd/pstore (systemd-pstore's archive) of the root, its parts
 * joined in order. Of the dumps one crash left (an oops's "Oops#1", then
 * the panic's "Panic#2") the one holding the most text is taken, then the
 * later one. Only records newer than since_usec (CLOCK_REALTIME µs, 0 =
 * all) count. Returns 0 and the joined text, -ENOENT when there is none,
 * other -errno. Unreadable records are skipped. */
int lg_pstore_read(const lg_root *root, uint64_t since_usec, char **ret_text, size_t *ret_size);

/* What lg_pstore_reassemble() found: the dump it joined ("Panic", 2) and
 * its parts, and how many dumps the text held. */
typedef struct lg_pstore_info {
        char reason[24];
        int count;
        size_t parts;
        size_t dumps;
} lg_pstore_info;

/* Pure. A crash log as pstore wrote it, handed over as one text: parts that
 * each start with the kernel's "<Reason>#<count> Part<n>" line (files of
 * /sys/fs/pstore or of systemd-pstore's archive put together with cat, a
 * dmesg.txt, a dump read from NVRAM offline), in any order, copies
 * included. Chooses the dump as lg_pstore_read() does (the one showing the
 * most of the log; text can hold an oops's dump and the panic's that
 * followed) and joins its parts oldest text first, without their headers;
 * copies of a part are dropped. Text before the first header is left out.
 * Returns 1 and the joined text (and *ret_info when not NULL), 0 when the
 * text holds no part header (nothing written: use the text as it is),
 * -ENOMEM. */
int lg_pstore_reassemble(const char *text, size_t size, char **ret_text, size_t *ret_size, lg_pstore_info *ret_info);
