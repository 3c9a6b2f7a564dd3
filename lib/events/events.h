/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/uio.h>

#include "rootfs.h"

/* Journal events of DESIGN.md. In the main system they go to the journal
 * (sd_journal_send, SYSLOG_IDENTIFIER=lastgood, MESSAGE_ID, LASTGOOD_*).
 * In the initramfs, where no journal runs, they go to /dev/kmsg with the
 * "lastgood: " prefix and to the spool /run/lastgood/events; the watchdog
 * forwards each spooled event to the journal exactly once. */

typedef enum lg_msg {
        LG_MSG_BOOT_COUNTED,
        LG_MSG_SAFE_MODE,
        LG_MSG_WITHHELD,
        LG_MSG_HEALTHY,
        LG_MSG_PROVEN,
        LG_MSG_UNHEALTHY,
        LG_MSG_CULPRIT,
        LG_MSG_EXHAUSTED,
        LG_MSG_RELEASED,
        LG_MSG_STATE_CORRUPT,
        LG_MSG_ARMED,
        LG_MSG_OVERRIDE,
        LG_MSG_RESET, /* a reset-on-failure setting of an armed boot (lib/reset/reset.h) */
        LG_MSG_NARROWING,
        LG_MSG_DENIED, /* an item a deny list names (DESIGN.md, "Fleet immunity") */
        _LG_MSG_MAX,
} lg_msg;

/* "f512fca8badc4407aed2807c102a59a3" etc. */
const char *lg_msg_id(lg_msg m);
const char *lg_msg_name(lg_msg m); /* "boot-counted", ... */

#define LG_EVENTS_SPOOL "/run/lastgood/events"

typedef struct lg_event {
        lg_msg msg;
        int priority;          /* syslog priority, LOG_NOTICE by default */
        const char *message;   /* human sentence */
        int tries, threshold, level;  /* < 0: absent */
        long long boot_seq;    /* < 0: absent */
        const char *mode, *item, *item_kind, *reason, *kernel;
        const char *evidence;  /* culprit: the deciding log line (LASTGOOD_EVIDENCE) */
        const char *item_sha256; /* "sha256:HEX" of the item (LASTGOOD_ITEM_SHA256) */
        const char *verdict;   /* crash-log|narrowed|only-change (LASTGOOD_VERDICT), never for a suspect */
        const char *deny_list; /* denied: "FILE:LINE" of the list entry (LASTGOOD_DENY_LIST) */
} lg_event;

#define LG_EVENT_INIT(m) \
        { .msg = (m), .priority = 5, .tries = -1, .threshold = -1, .level = -1, .boot_seq = -1 }

typedef enum lg_sink {
        LG_SINK_EARLY,    /* /dev/kmsg + spool under root (initramfs, generator) */
        LG_SINK_JOURNAL,  /* sd_journal_send; on failure falls back to stderr */
} lg_sink;

/* Emit one event. Never fails the caller: returns 0 or -errno for tests. */
int lg_event_emit(const lg_root *root, lg_sink sink, const lg_event *e);

/* Forward spooled events not yet sent to the journal, exactly once (the
 * spool offset already sent is kept in /run/lastgood/events.sent).
 * Returns the number forwarded or -errno. */
int lg_events_forward_spool(const lg_root *root);

/* The reverse of lg_msg_id(): _LG_MSG_INVALID (-1) when unknown. */
#define _LG_MSG_INVALID ((lg_msg) -1)
lg_msg lg_msg_from_id(const char *id);

/* The journal fields of an event, each "KEY=value" (MESSAGE_ID, PRIORITY,
 * SYSLOG_IDENTIFIER=lastgood, MESSAGE, LASTGOOD_EVENT=<lg_msg_name>, and the
 * LASTGOOD_* fields that are set). Returns 0 or -ENOMEM. */
int lg_event_fields(const lg_event *e, char ***ret);

/* Journal Export Format (https://systemd.io/JOURNAL_EXPORT_FORMATS/), for
 * systemd-journal-remote and the fleet tests: one entry, then an empty line.
 * Values with control characters use the binary form. Meta fields that are
 * 0/NULL are left out, except __REALTIME_TIMESTAMP (journal-remote drops
 * entries without it): 0 means now. */
typedef struct lg_export_meta {
        uint64_t realtime_usec;   /* __REALTIME_TIMESTAMP, 0: now */
        uint64_t monotonic_usec;  /* __MONOTONIC_TIMESTAMP (needs boot_id) */
        const char *boot_id;      /* _BOOT_ID, 32 hex digits */
        const char *machine_id;   /* _MACHINE_ID, 32 hex digits */
        const char *hostname;     /* _HOSTNAME */
} lg_export_meta;
/* meta may be NULL. Returns 0, -ENOMEM or -EIO (write error on f). */
int lg_event_format_export(const lg_event *e, const lg_export_meta *meta, FILE *f);

/* The spool (/run/lastgood/events): records of "KEY=value\n" lines ended by
 * an empty line. Values are escaped ('\\' -> "\\\\", newline -> "\\n",
 * other control bytes -> "\\xHH"), so no value can start a line or a
 * record. Keys: MESSAGE_ID, PRIORITY, SYSLOG_IDENTIFIER, MESSAGE and
 * LASTGOOD_*; a record needs a known MESSAGE_ID. The spool stops growing at
 * LG_EVENTS_SPOOL_MAX bytes (later early events go to /dev/kmsg only). */
#define LG_EVENTS_SPOOL_MAX (1024 * 1024)
#define LG_EVENTS_SENT "/run/lastgood/events.sent"

/* One spool record of e. Returns 0 or -ENOMEM. */
int lg_event_format_spool(const lg_event *e, char **ret, size_t *ret_size);
/* Parse the record at *pos of buf. Returns 1 and the unescaped "KEY=value"
 * fields (and *pos after the record); 0 when no complete record is left
 * (*pos unchanged); -EBADMSG for a corrupt record, *pos after it;
 * -ENOMEM. */
int lg_spool_parse_record(const char *buf, size_t size, size_t *pos, char ***ret_fields);

/* How forwarded events are sent: like sd_journal_sendv(). Returns >= 0 or
 * -errno (the event then stays in the spool for a later call). */
typedef int (*lg_event_sender)(const struct iovec *iov, size_t n, void *userdata);
/* lg_events_forward_spool() with another sender (tests, export). */
int lg_events_forward_spool_with(const lg_root *root, lg_event_sender send, void *userdata);
/* The sender of LG_SINK_JOURNAL and lg_events_forward_spool(); none (the
 * default) fails them with -ENOTCONN. lg_journal_install() (lib/journal/journal.h)
 * sets sd_journal_sendv(). */
void lg_event_set_journal_sender(lg_event_sender send);
