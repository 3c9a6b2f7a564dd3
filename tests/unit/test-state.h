/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared by the unit tests of the hot record (codec, store, proven write).
 * Include after <cmocka.h>. */
#include "bootstate.h"

static inline void assert_state_equal(const lg_state *a, const lg_state *b) {
        assert_int_equal(a->armed, b->armed);
        assert_int_equal(a->unproven, b->unproven);
        assert_int_equal(a->tries, b->tries);
        assert_int_equal(a->level, b->level);
        assert_int_equal(a->boot_seq, b->boot_seq);
        assert_int_equal(a->last_proven_usec, b->last_proven_usec);
        assert_int_equal(a->crash_seen, b->crash_seen);
}
