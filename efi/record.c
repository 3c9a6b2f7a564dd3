/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The hot and cold records of the boot-state store: pure encoders and
 * decoders over memory buffers, and the quarantine set operations.
 *
 * Hot record, LastGoodState (LG_STATE_SIZE = 32 bytes, little-endian):
 *
 *   offset size  field
 *        0    4  magic "LGST"
 *        4    1  version (LG_STATE_VERSION = 1)
 *        5    1  flags: bit 0 armed, bit 1 unproven; other bits must be 0
 *        6    1  tries
 *        7    1  level (0..LG_LEVEL_MAX)
 *        8    4  boot_seq
 *       12    8  last_proven_usec (CLOCK_REALTIME µs, 0 = never)
 *       20    4  crash_seen
 *       24    4  reserved, 0 (ignored on read, so that a later v1 may use it)
 *       28    4  CRC-32 (IEEE) of bytes 0..27
 *
 * Checks, in this order: size (-EMSGSIZE), magic and CRC (-EBADMSG),
 * version (-EPROTONOSUPPORT), fields (-ERANGE). The CRC comes before the
 * version so that a flipped version byte reads as corruption, not as a
 * record from the future.
 *
 * Cold record, LastGoodQuarantine (variable size, at most
 * LG_QUARANTINE_MAX_SIZE bytes, little-endian):
 *
 *        0    4  magic "LGQR"
 *        4    1  version (LG_QUARANTINE_VERSION = 1)
 *        5    1  reserved, 0
 *        6    2  item count (at most LG_QUARANTINE_MAX_ITEMS)
 *        8  ...  items, sorted by (kind, name), each:
 *                  1  kind (lg_item_kind)
 *                  1  name length L (1..LG_ITEM_NAME_MAX)
 *                  8  fingerprint
 *                  L  name (no NUL, no control bytes)
 *      end-4  4  CRC-32 of every byte before it
 *
 * The encoding is canonical (sorted, no duplicates), so equal sets encode to
 * equal bytes and the store can tell "unchanged" by comparing bytes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bootstate.h"
#include "macro.h"
#include "qname.h"
#include "rootfs.h"

#define STATE_MAGIC "LGST"
#define QUARANTINE_MAGIC "LGQR"
#define STATE_CRC_OFFSET 28
#define STATE_FLAG_ARMED 0x01
#define STATE_FLAG_UNPROVEN 0x02
#define Q_HEADER_SIZE 8
#define Q_ITEM_HEADER_SIZE 10
#define Q_TRAILER_SIZE 4

/* Table-less bitwise CRC-32 (reflected, polynomial 0xEDB88320): the records
 * are tens of bytes, a 1 KiB table buys nothing. Same results as zlib's
 * crc32(crc, buf, size), including chaining. */
uint32_t lg_crc32(uint32_t crc, const void *buf, size_t size) {
        const uint8_t *p = buf;

        crc = ~crc;
        while (size--) {
                crc ^= *p++;
                for (int k = 0; k < 8; k++)
                        crc = (crc >> 1) ^ (0xEDB88320U & (0U - (crc & 1U)));
        }
        return ~crc;
}

static void put_le16(uint8_t *p, uint16_t v) {
        p[0] = (uint8_t) v;
        p[1] = (uint8_t) (v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v) {
        for (int i = 0; i < 4; i++)
                p[i] = (uint8_t) (v >> (8 * i));
}

static void put_le64(uint8_t *p, uint64_t v) {
        for (int i = 0; i < 8; i++)
                p[i] = (uint8_t) (v >> (8 * i));
}

static uint16_t get_le16(const uint8_t *p) {
        return (uint16_t) (p[0] | (p[1] << 8));
}

static uint32_t get_le32(const uint8_t *p) {
        uint32_t v = 0;

        for (int i = 3; i >= 0; i--)
                v = (v << 8) | p[i];
        return v;
}

static uint64_t get_le64(const uint8_t *p) {
        uint64_t v = 0;

        for (int i = 7; i >= 0; i--)
                v = (v << 8) | p[i];
        return v;
}

void lg_state_encode(const lg_state *s, uint8_t buf[static LG_STATE_SIZE]) {
        memset(buf, 0, LG_STATE_SIZE);
        memcpy(buf, STATE_MAGIC, 4);
        buf[4] = LG_STATE_VERSION;
        buf[5] = (uint8_t) ((s->armed ? STATE_FLAG_ARMED : 0) | (s->unproven ? STATE_FLAG_UNPROVEN : 0));
        buf[6] = s->tries;
        buf[7] = s->level;
        put_le32(buf + 8, s->boot_seq);
        put_le64(buf + 12, s->last_proven_usec);
        put_le32(buf + 20, s->crash_seen);
        put_le32(buf + STATE_CRC_OFFSET, lg_crc32(0, buf, STATE_CRC_OFFSET));
}

int lg_state_decode(const uint8_t *buf, size_t size, lg_state *ret) {
        uint8_t flags;

        if (!buf || size != LG_STATE_SIZE)
                return -EMSGSIZE;
        if (memcmp(buf, STATE_MAGIC, 4) != 0)
                return -EBADMSG;
        if (get_le32(buf + STATE_CRC_OFFSET) != lg_crc32(0, buf, STATE_CRC_OFFSET))
                return -EBADMSG;
        if (buf[4] != LG_STATE_VERSION)
                return -EPROTONOSUPPORT;

        flags = buf[5];
        if (flags & ~(STATE_FLAG_ARMED | STATE_FLAG_UNPROVEN))
                return -ERANGE;
        if (buf[7] > LG_LEVEL_MAX)
                return -ERANGE;

        if (ret)
                *ret = (lg_state) {
                        .armed = flags & STATE_FLAG_ARMED,
                        .unproven = flags & STATE_FLAG_UNPROVEN,
                        .tries = buf[6],
                        .level = buf[7],
                        .boot_seq = get_le32(buf + 8),
                        .last_proven_usec = get_le64(buf + 12),
                        .crash_seen = get_le32(buf + 20),
                };
        return 0;
}

/* Names end up in modprobe.d lines, the /run hand-over and the journal:
 * no control bytes (which also excludes NUL, '\n' and '\t'). */
static bool name_valid(const char *name, size_t len) {
        if (len == 0 || len > LG_ITEM_NAME_MAX)
                return false;
        for (size_t i = 0; i < len; i++)
                if ((unsigned char) name[i] < 0x20 || name[i] == 0x7f)
                        return false;
        return true;
}

static bool kind_valid(lg_item_kind kind) {
        return kind >= 0 && kind < _LG_ITEM_KIND_MAX;
}

static int qitem_cmp(const void *a, const void *b) {
        const lg_qitem *x = a, *y = b;

        if (x->kind != y->kind)
                return x->kind < y->kind ? -1 : 1;
        return strcmp(x->name, y->name);
}

void lg_quarantine_done(lg_quarantine *q) {
        if (!q)
                return;
        for (size_t i = 0; i < q->n; i++)
                free(q->items[i].name);
        free(q->items);
        q->items = NULL;
        q->n = 0;
}

int lg_quarantine_decode(const uint8_t *buf, size_t size, lg_quarantine *ret) {
        _cleanup_(lg_quarantine_done) lg_quarantine q = {};
        size_t count, off, end;

        if (!buf || size < Q_HEADER_SIZE + Q_TRAILER_SIZE || size > LG_QUARANTINE_MAX_SIZE)
                return -EMSGSIZE;
        if (memcmp(buf, QUARANTINE_MAGIC, 4) != 0)
                return -EBADMSG;
        end = size - Q_TRAILER_SIZE;
        if (get_le32(buf + end) != lg_crc32(0, buf, end))
                return -EBADMSG;
        if (buf[4] != LG_QUARANTINE_VERSION)
                return -EPROTONOSUPPORT;
        if (buf[5] != 0)
                return -EBADMSG;

        count = get_le16(buf + 6);
        if (count > LG_QUARANTINE_MAX_ITEMS)
                return -EBADMSG;
        if (count > 0) {
                q.items = calloc(count, sizeof(lg_qitem));
                if (!q.items)
                        return -ENOMEM;
        }

        off = Q_HEADER_SIZE;
        for (size_t i = 0; i < count; i++) {
                lg_qitem *it = &q.items[i];
                size_t len;

                /* A valid CRC over a record whose items run past its end:
                 * written wrong, not damaged in flight. Same answer. */
                if (end - off < Q_ITEM_HEADER_SIZE)
                        return -EBADMSG;
                len = buf[off + 1];
                if (end - off - Q_ITEM_HEADER_SIZE < len)
                        return -EBADMSG;
                if (!kind_valid((lg_item_kind) buf[off]))
                        return -EBADMSG;
                if (!name_valid((const char *) buf + off + Q_ITEM_HEADER_SIZE, len))
                        return -EBADMSG;

                it->kind = (lg_item_kind) buf[off];
                it->fingerprint = get_le64(buf + off + 2);
                it->name = strndup((const char *) buf + off + Q_ITEM_HEADER_SIZE, len);
                if (!it->name)
                        return -ENOMEM;
                q.n++;
                off += Q_ITEM_HEADER_SIZE + len;
        }
        if (off != end)
                return -EBADMSG; /* bytes after the last item */

        /* Canonical order, and no (kind, name) twice. */
        for (size_t i = 1; i < q.n; i++)
                if (qitem_cmp(&q.items[i - 1], &q.items[i]) >= 0)
                        return -EBADMSG;

        if (ret) {
                *ret = q;
                q = (lg_quarantine) {};
        }
        return 0;
}

int lg_quarantine_encode(const lg_quarantine *q, uint8_t **ret, size_t *ret_size) {
        _cleanup_free_ uint8_t *buf = NULL;
        size_t size = Q_HEADER_SIZE + Q_TRAILER_SIZE, off;

        if (q->n > LG_QUARANTINE_MAX_ITEMS)
                return -E2BIG;
        for (size_t i = 0; i < q->n; i++) {
                size_t len = q->items[i].name ? strlen(q->items[i].name) : 0;

                if (!kind_valid(q->items[i].kind) || !name_valid(q->items[i].name, len))
                        return -EINVAL;
                size += Q_ITEM_HEADER_SIZE + len;
                if (size > LG_QUARANTINE_MAX_SIZE)
                        return -E2BIG;
        }

        buf = calloc(1, size);
        if (!buf)
                return -ENOMEM;
        memcpy(buf, QUARANTINE_MAGIC, 4);
        buf[4] = LG_QUARANTINE_VERSION;
        put_le16(buf + 6, (uint16_t) q->n);

        /* The set is kept sorted by lg_quarantine_add(); a caller that
         * filled items by hand gets the same canonical bytes anyway. */
        {
                _cleanup_free_ lg_qitem *sorted = NULL;

                if (q->n > 0) {
                        sorted = malloc(q->n * sizeof(lg_qitem));
                        if (!sorted)
                                return -ENOMEM;
                        memcpy(sorted, q->items, q->n * sizeof(lg_qitem));
                        qsort(sorted, q->n, sizeof(lg_qitem), qitem_cmp);
                        for (size_t i = 1; i < q->n; i++)
                                if (qitem_cmp(&sorted[i - 1], &sorted[i]) == 0)
                                        return -EINVAL; /* duplicate */
                }

                off = Q_HEADER_SIZE;
                for (size_t i = 0; i < q->n; i++) {
                        size_t len = strlen(sorted[i].name);

                        buf[off] = (uint8_t) sorted[i].kind;
                        buf[off + 1] = (uint8_t) len;
                        put_le64(buf + off + 2, sorted[i].fingerprint);
                        memcpy(buf + off + Q_ITEM_HEADER_SIZE, sorted[i].name, len);
                        off += Q_ITEM_HEADER_SIZE + len;
                }
        }
        put_le32(buf + off, lg_crc32(0, buf, off));

        *ret = TAKE_PTR(buf);
        *ret_size = size;
        return 0;
}

/* Module names: '-' and '_' are the same (as kmod does); stored normalized. */
static char *name_for(lg_item_kind kind, const char *name) {
        return kind == LG_ITEM_MODULE ? lg_module_name_normalize(name) : strdup(name);
}

static bool name_matches(const lg_qitem *it, const char *name) {
        /* Also an item recorded by the hash of its name (lib/basic/qname.h). */
        if (lg_qname_matches(it->name, name))
                return true;
        if (it->kind == LG_ITEM_MODULE) {
                _cleanup_free_ char *n = lg_module_name_normalize(name);

                return n && streq(it->name, n);
        }
        return false;
}

const lg_qitem *lg_quarantine_find(const lg_quarantine *q, lg_item_kind kind, const char *name) {
        if (!q || !name)
                return NULL;
        for (size_t i = 0; i < q->n; i++)
                if (q->items[i].kind == kind && name_matches(&q->items[i], name))
                        return &q->items[i];
        return NULL;
}

int lg_quarantine_add(lg_quarantine *q, lg_item_kind kind, const char *name, uint64_t fingerprint) {
        _cleanup_free_ char *n = NULL;
        lg_qitem *t;
        size_t len;

        if (!kind_valid(kind) || !name)
                return -EINVAL;
        len = strlen(name);
        if (len > LG_ITEM_NAME_MAX)
                return -ENAMETOOLONG;
        if (!name_valid(name, len))
                return -EINVAL;

        t = (lg_qitem *) lg_quarantine_find(q, kind, name);
        if (t) {
                if (t->fingerprint == fingerprint)
                        return 0;
                t->fingerprint = fingerprint;
                return 1;
        }
        if (q->n >= LG_QUARANTINE_MAX_ITEMS)
                return -E2BIG;

        n = name_for(kind, name);
        if (!n)
                return -ENOMEM;
        t = realloc(q->items, (q->n + 1) * sizeof(lg_qitem));
        if (!t)
                return -ENOMEM;
        q->items = t;
        q->items[q->n++] = (lg_qitem) { .kind = kind, .name = TAKE_PTR(n), .fingerprint = fingerprint };
        qsort(q->items, q->n, sizeof(lg_qitem), qitem_cmp);
        return 1;
}

int lg_quarantine_remove(lg_quarantine *q, const char *name) {
        size_t j = 0;
        int removed = 0;

        for (size_t i = 0; i < q->n; i++) {
                if (!name || name_matches(&q->items[i], name)) {
                        free(q->items[i].name);
                        removed++;
                        continue;
                }
                q->items[j++] = q->items[i];
        }
        q->n = j;
        if (q->n == 0) {
                free(q->items);
                q->items = NULL;
        }
        return removed;
}
