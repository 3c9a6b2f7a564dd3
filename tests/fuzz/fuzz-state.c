/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: the hot and cold record decoders (efi/record.c), which
 * read NVRAM that firmware, other tools or an attacker may have written.
 * Checks beyond "no crash": a decoded record re-encodes to the same bytes
 * (both encodings are canonical), and an encoded one decodes to the same. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bootstate.h"
#include "macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        lg_state st;

        if (lg_state_decode(data, size, &st) == 0) {
                uint8_t buf[LG_STATE_SIZE];

                lg_state_encode(&st, buf);
                /* Only the reserved bytes 24..27 may differ (ignored on read). */
                if (memcmp(buf, data, 24) != 0 || lg_state_decode(buf, sizeof(buf), NULL) != 0)
                        abort();
        }

        _cleanup_(lg_quarantine_done) lg_quarantine q = {};
        if (lg_quarantine_decode(data, size, &q) == 0) {
                _cleanup_free_ uint8_t *buf = NULL;
                _cleanup_(lg_quarantine_done) lg_quarantine q2 = {};
                size_t n = 0;

                if (lg_quarantine_encode(&q, &buf, &n) != 0)
                        abort();
                if (n != size || memcmp(buf, data, n) != 0)
                        abort();
                if (lg_quarantine_decode(buf, n, &q2) != 0 || q2.n != q.n)
                        abort();
                /* The set operations on a decoded set stay within bounds. */
                if (q.n > 0) {
                        (void) lg_quarantine_add(&q, q.items[0].kind, q.items[0].name, q.items[0].fingerprint + 1);
                        (void) lg_quarantine_remove(&q, q.items[q.n - 1].name);
                }
        }
        return 0;
}
