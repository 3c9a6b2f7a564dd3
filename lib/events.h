/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

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
