/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: the early-event spool (lib/events/events.c). The spool lives
 * in /run and is read back by the watchdog, so it is untrusted input.
 * Beyond "no crash": parsing always makes progress, a parsed record only
 * holds allowed keys and a known MESSAGE_ID, and any event built from the
 * input survives format -> parse unchanged, as exactly one record. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "macro.h"
#include "strv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *field(char **fields, const char *key) {
        size_t n = strlen(key);

        for (char **f = fields; f && *f; f++)
                if (strncmp(*f, key, n) == 0 && (*f)[n] == '=')
                        return *f + n + 1;
        return NULL;
}

static void parse_all(const char *buf, size_t size) {
        size_t pos = 0;

        for (;;) {
                _cleanup_strv_free_ char **fields = NULL;
                size_t before = pos;
                int r = lg_spool_parse_record(buf, size, &pos, &fields);

                if (r == 0) {
                        if (pos != before)
                                abort();
                        return;
                }
                if (r == -ENOMEM)
                        return;
                if (pos <= before || pos > size)
                        abort();
                if (r < 0) {
                        if (r != -EBADMSG || fields)
                                abort();
                        continue;
                }
                if ((int) lg_msg_from_id(field(fields, "MESSAGE_ID")) < 0)
                        abort();
                for (char **f = fields; *f; f++)
                        if (!strchr(*f, '=') || (strncmp(*f, "LASTGOOD_", 9) != 0 &&
                                                 strncmp(*f, "MESSAGE", 7) != 0 &&
                                                 strncmp(*f, "PRIORITY=", 9) != 0 &&
                                                 strncmp(*f, "SYSLOG_IDENTIFIER=", 18) != 0))
                                abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_strv_free_ char **fields = NULL;
        _cleanup_free_ char *copy = NULL, *rec = NULL;
        lg_event e = LG_EVENT_INIT(size > 0 ? (lg_msg) (data[0] % _LG_MSG_MAX) : LG_MSG_BOOT_COUNTED);
        size_t recsize, pos = 0;
        char *item, *msg;

        parse_all((const char *) data, size);

        /* The input as a hostile item name and message (NUL ends them). */
        copy = malloc(size + 2);
        if (!copy)
                return 0;
        memcpy(copy, data, size);
        copy[size] = '\0';
        copy[size + 1] = '\0';
        item = copy;
        msg = copy + strlen(copy) + 1;
        if (strlen(item) > 4000 || strlen(msg) > 4000)
                return 0; /* longer values are cut on purpose */
        e.item = item;
        e.message = *msg ? msg : NULL;
        if (lg_event_format_spool(&e, &rec, &recsize) < 0)
                return 0;
        if (lg_spool_parse_record(rec, recsize, &pos, &fields) != 1 || pos != recsize)
                abort();
        if (!streq_ptr(field(fields, "LASTGOOD_ITEM"), item))
                abort();
        if (e.message && !streq_ptr(field(fields, "MESSAGE"), msg))
                abort();
        return 0;
}
