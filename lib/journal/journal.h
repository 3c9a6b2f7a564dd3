/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <sys/uio.h>

/* The main system's journal (libjournal.a, the only part of the library
 * that links libsystemd): lastgood-early and the generator do without it,
 * so that the initramfs maps no libsystemd.
 *
 * lg_journal_install() makes the events' LG_SINK_JOURNAL and the spool
 * forwarder send through sd_journal_sendv(), and lg_log()'s LG_LOG_JOURNAL
 * target log natively when stderr is the service's journal stream
 * ($JOURNAL_STREAM, systemd.exec(5)). Programs call it once, at start. */
void lg_journal_install(void);

/* sd_journal_sendv(), or -ENOTCONN when journald does not run (where
 * sd_journal_sendv() would succeed silently and lose the entry). */
int lg_journal_sendv(const struct iovec *iov, size_t n, void *userdata);
