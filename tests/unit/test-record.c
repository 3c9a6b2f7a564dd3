/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The hot and cold record codecs (efi/record.c): round trips and every bad
 * input, each in its own test. Pure: no files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "bootstate.h"
#include "macro.h"
#include "test-state.h"

static const lg_state sample = {
        .armed = true,
        .unproven = true,
        .tries = 2,
        .level = 1,
        .boot_seq = 0x01020304,
        .last_proven_usec = 0x1122334455667788ULL,
        .crash_seen = 0xdeadbeef,
};

/* Recompute the CRC after a deliberate edit, so that the check under test
 * is the one that fires, not the CRC. */
static void fix_crc(uint8_t buf[LG_STATE_SIZE]) {
        uint32_t c = lg_crc32(0, buf, 28);

        for (int i = 0; i < 4; i++)
                buf[28 + i] = (uint8_t) (c >> (8 * i));
}

static void test_crc32_known_values(void **state) {
        /* The check value of CRC-32/ISO-HDLC (zlib's crc32). */
        assert_int_equal(lg_crc32(0, "123456789", 9), 0xCBF43926);
        assert_int_equal(lg_crc32(0, "", 0), 0);
        /* Chaining gives the same as one call. */
        assert_int_equal(lg_crc32(lg_crc32(0, "1234", 4), "56789", 5), 0xCBF43926);
}

static void test_state_round_trip(void **state) {
        uint8_t buf[LG_STATE_SIZE];
        lg_state out;

        lg_state_encode(&sample, buf);
        assert_int_equal(lg_state_decode(buf, sizeof(buf), &out), 0);
        assert_state_equal(&out, &sample);

        /* Zero state too, and the extremes of every field. */
        lg_state zero = {}, max = { .armed = true, .unproven = false, .tries = 255, .level = LG_LEVEL_MAX,
                                    .boot_seq = UINT32_MAX, .last_proven_usec = UINT64_MAX, .crash_seen = UINT32_MAX };
        lg_state_encode(&zero, buf);
        assert_int_equal(lg_state_decode(buf, sizeof(buf), &out), 0);
        assert_state_equal(&out, &zero);
        lg_state_encode(&max, buf);
        assert_int_equal(lg_state_decode(buf, sizeof(buf), &out), 0);
        assert_state_equal(&out, &max);
}

static void test_state_layout_little_endian(void **state) {
        uint8_t buf[LG_STATE_SIZE];

        lg_state_encode(&sample, buf);
        assert_memory_equal(buf, "LGST", 4);
        assert_int_equal(buf[4], LG_STATE_VERSION);
        assert_int_equal(buf[5], 0x03);
        assert_int_equal(buf[6], 2);
        assert_int_equal(buf[7], 1);
        assert_memory_equal(buf + 8, "\x04\x03\x02\x01", 4);
        assert_memory_equal(buf + 12, "\x88\x77\x66\x55\x44\x33\x22\x11", 8);
        assert_memory_equal(buf + 20, "\xef\xbe\xad\xde", 4);
        assert_memory_equal(buf + 24, "\0\0\0\0", 4);
}

static void test_state_wrong_size(void **state) {
        uint8_t buf[LG_STATE_SIZE + 1] = {};
        lg_state out = { .tries = 77 };

        lg_state_encode(&sample, buf);
        assert_int_equal(lg_state_decode(buf, LG_STATE_SIZE - 1, &out), -EMSGSIZE);
        assert_int_equal(lg_state_decode(buf, LG_STATE_SIZE + 1, &out), -EMSGSIZE);
        assert_int_equal(lg_state_decode(buf, 0, &out), -EMSGSIZE);
        assert_int_equal(lg_state_decode(NULL, LG_STATE_SIZE, &out), -EMSGSIZE);
        assert_int_equal(out.tries, 77); /* untouched on error */
}

static void test_state_bad_crc(void **state) {
        uint8_t buf[LG_STATE_SIZE];
        lg_state out = { .tries = 77 };

        lg_state_encode(&sample, buf);
        buf[6] ^= 0x01; /* one bit of tries */
        assert_int_equal(lg_state_decode(buf, sizeof(buf), &out), -EBADMSG);
        lg_state_encode(&sample, buf);
        buf[31] ^= 0x80; /* the CRC itself */
        assert_int_equal(lg_state_decode(buf, sizeof(buf), &out), -EBADMSG);
        assert_int_equal(out.tries, 77);
}

static void test_state_bad_magic(void **state) {
        uint8_t buf[LG_STATE_SIZE];

        lg_state_encode(&sample, buf);
        buf[0] = 'X';
        fix_crc(buf);
        assert_int_equal(lg_state_decode(buf, sizeof(buf), NULL), -EBADMSG);
}

static void test_state_unknown_version(void **state) {
        uint8_t buf[LG_STATE_SIZE];

        lg_state_encode(&sample, buf);
        buf[4] = LG_STATE_VERSION + 1;
        fix_crc(buf);
        assert_int_equal(lg_state_decode(buf, sizeof(buf), NULL), -EPROTONOSUPPORT);
        buf[4] = 0;
        fix_crc(buf);
        assert_int_equal(lg_state_decode(buf, sizeof(buf), NULL), -EPROTONOSUPPORT);
}

static void test_state_all_zeros(void **state) {
        uint8_t buf[LG_STATE_SIZE] = {};

        assert_int_equal(lg_state_decode(buf, sizeof(buf), NULL), -EBADMSG);
}

static void test_state_all_ff(void **state) {
        uint8_t buf[LG_STATE_SIZE];

        memset(buf, 0xff, sizeof(buf));
        assert_int_equal(lg_state_decode(buf, sizeof(buf), NULL), -EBADMSG);
}

static void test_state_level_out_of_range(void **state) {
        uint8_t buf[LG_STATE_SIZE];
        lg_state out = { .tries = 77 };

        lg_state_encode(&sample, buf);
        buf[7] = LG_LEVEL_MAX + 1;
        fix_crc(buf);
        assert_int_equal(lg_state_decode(buf, sizeof(buf), &out), -ERANGE);
        buf[7] = 0xff;
        fix_crc(buf);
        assert_int_equal(lg_state_decode(buf, sizeof(buf), &out), -ERANGE);
        assert_int_equal(out.tries, 77);
}

static void test_state_unknown_flags(void **state) {
        uint8_t buf[LG_STATE_SIZE];

        lg_state_encode(&sample, buf);
        buf[5] |= 0x80;
        fix_crc(buf);
        assert_int_equal(lg_state_decode(buf, sizeof(buf), NULL), -ERANGE);
}

/* --- cold record --- */

static void test_quarantine_round_trip(void **state) {
        _cleanup_(lg_quarantine_done) lg_quarantine q = {}, out = {};
        _cleanup_free_ uint8_t *buf = NULL, *buf2 = NULL;
        size_t size = 0, size2 = 0;

        assert_int_equal(lg_quarantine_add(&q, LG_ITEM_MODULE, "evil-mod", 42), 1);
        assert_int_equal(lg_quarantine_add(&q, LG_ITEM_CONTENT, "/etc/falco/rules.d/bad.yaml", 7), 1);
        assert_int_equal(lg_quarantine_add(&q, LG_ITEM_UNIT, "agent.service", UINT64_MAX), 1);
        assert_int_equal(q.n, 3);

        assert_int_equal(lg_quarantine_encode(&q, &buf, &size), 0);
        assert_int_equal(lg_quarantine_decode(buf, size, &out), 0);
        assert_int_equal(out.n, 3);
        /* Module names are stored normalized. */
        assert_non_null(lg_quarantine_find(&out, LG_ITEM_MODULE, "evil_mod"));
        assert_non_null(lg_quarantine_find(&out, LG_ITEM_MODULE, "evil-mod"));
        assert_int_equal(lg_quarantine_find(&out, LG_ITEM_MODULE, "evil_mod")->fingerprint, 42);
        assert_int_equal(lg_quarantine_find(&out, LG_ITEM_UNIT, "agent.service")->fingerprint, UINT64_MAX);
        assert_null(lg_quarantine_find(&out, LG_ITEM_MODULE, "agent.service"));

        /* Canonical: re-encoding the decoded set gives the same bytes. */
        assert_int_equal(lg_quarantine_encode(&out, &buf2, &size2), 0);
        assert_int_equal(size, size2);
        assert_memory_equal(buf, buf2, size);
}

static void test_quarantine_empty_round_trip(void **state) {
        _cleanup_(lg_quarantine_done) lg_quarantine q = {}, out = {};
        _cleanup_free_ uint8_t *buf = NULL;
        size_t size = 0;

        assert_int_equal(lg_quarantine_encode(&q, &buf, &size), 0);
        assert_int_equal(size, 12);
        assert_int_equal(lg_quarantine_decode(buf, size, &out), 0);
        assert_int_equal(out.n, 0);
}

static void test_quarantine_order_independent(void **state) {
        _cleanup_(lg_quarantine_done) lg_quarantine a = {}, b = {};
        _cleanup_free_ uint8_t *ba = NULL, *bb = NULL;
        size_t sa = 0, sb = 0;

        assert_int_equal(lg_quarantine_add(&a, LG_ITEM_MODULE, "zz", 1), 1);
        assert_int_equal(lg_quarantine_add(&a, LG_ITEM_MODULE, "aa", 2), 1);
        assert_int_equal(lg_quarantine_add(&b, LG_ITEM_MODULE, "aa", 2), 1);
        assert_int_equal(lg_quarantine_add(&b, LG_ITEM_MODULE, "zz", 1), 1);
        assert_int_equal(lg_quarantine_encode(&a, &ba, &sa), 0);
        assert_int_equal(lg_quarantine_encode(&b, &bb, &sb), 0);
        assert_int_equal(sa, sb);
        assert_memory_equal(ba, bb, sa);
}

static void test_quarantine_add_update_remove(void **state) {
        _cleanup_(lg_quarantine_done) lg_quarantine q = {};

        assert_int_equal(lg_quarantine_add(&q, LG_ITEM_MODULE, "a_b", 1), 1);
        assert_int_equal(lg_quarantine_add(&q, LG_ITEM_MODULE, "a-b", 1), 0); /* same item, same fingerprint */
        assert_int_equal(lg_quarantine_add(&q, LG_ITEM_MODULE, "a-b", 2), 1); /* new fingerprint */
        assert_int_equal(q.n, 1);
        assert_int_equal(q.items[0].fingerprint, 2);
        /* Same name, other kind: another item. */
        assert_int_equal(lg_quarantine_add(&q, LG_ITEM_UNIT, "a_b", 3), 1);
        assert_int_equal(q.n, 2);
        assert_int_equal(lg_quarantine_remove(&q, "nothing"), 0);
        assert_int_equal(lg_quarantine_remove(&q, "a_b"), 2); /* any kind */
        assert_int_equal(q.n, 0);
        assert_int_equal(lg_quarantine_add(&q, LG_ITEM_MODULE, "x", 1), 1);
        assert_int_equal(lg_quarantine_add(&q, LG_ITEM_MODULE, "y", 1), 1);
        assert_int_equal(lg_quarantine_remove(&q, NULL), 2);
        assert_int_equal(q.n, 0);
}

static void test_quarantine_add_bad_names(void **state) {
        _cleanup_(lg_quarantine_done) lg_quarantine q = {};
        char longname[LG_ITEM_NAME_MAX + 2];

        memset(longname, 'a', sizeof(longname) - 1);
        longname[sizeof(longname) - 1] = '\0';
        assert_int_equal(lg_quarantine_add(&q, LG_ITEM_MODULE, longname, 1), -ENAMETOOLONG);
        longname[LG_ITEM_NAME_MAX] = '\0'; /* exactly the maximum is fine */
        assert_int_equal(lg_quarantine_add(&q, LG_ITEM_MODULE, longname, 1), 1);
        assert_int_equal(lg_quarantine_add(&q, LG_ITEM_MODULE, "", 1), -EINVAL);
        assert_int_equal(lg_quarantine_add(&q, LG_ITEM_MODULE, "a\nb", 1), -EINVAL);
        assert_int_equal(lg_quarantine_add(&q, LG_ITEM_MODULE, NULL, 1), -EINVAL);
        assert_int_equal(lg_quarantine_add(&q, (lg_item_kind) 7, "x", 1), -EINVAL);
        assert_int_equal(q.n, 1);
}

static void test_quarantine_add_too_many(void **state) {
        _cleanup_(lg_quarantine_done) lg_quarantine q = {};
        char name[16];

        for (int i = 0; i < LG_QUARANTINE_MAX_ITEMS; i++) {
                snprintf(name, sizeof(name), "m%d", i);
                assert_int_equal(lg_quarantine_add(&q, LG_ITEM_MODULE, name, (uint64_t) i), 1);
        }
        assert_int_equal(lg_quarantine_add(&q, LG_ITEM_MODULE, "one-more", 1), -E2BIG);
        /* Updating an existing item still works at the limit. */
        assert_int_equal(lg_quarantine_add(&q, LG_ITEM_MODULE, "m0", 99), 1);
}

static void test_quarantine_encode_oversized(void **state) {
        _cleanup_(lg_quarantine_done) lg_quarantine q = {};
        _cleanup_free_ uint8_t *buf = NULL;
        size_t size = 0;
        char name[LG_ITEM_NAME_MAX + 1];

        /* 20 items of 255 bytes: within the item limit, over 4096 bytes. */
        for (int i = 0; i < 20; i++) {
                memset(name, 'a' + i, LG_ITEM_NAME_MAX);
                name[LG_ITEM_NAME_MAX] = '\0';
                assert_int_equal(lg_quarantine_add(&q, LG_ITEM_CONTENT, name, 1), 1);
        }
        assert_int_equal(lg_quarantine_encode(&q, &buf, &size), -E2BIG);
        assert_null(buf);
}

static void test_quarantine_encode_duplicate(void **state) {
        _cleanup_free_ uint8_t *buf = NULL;
        size_t size = 0;
        lg_qitem items[] = {
                { LG_ITEM_MODULE, (char *) "dup", 1 },
                { LG_ITEM_MODULE, (char *) "dup", 2 },
        };
        lg_quarantine q = { .n = 2, .items = items };

        /* A set filled by hand with the same item twice is refused. */
        assert_int_equal(lg_quarantine_encode(&q, &buf, &size), -EINVAL);
}

/* Builds a record by hand, with a correct CRC, from raw item bytes. */
static size_t make_q(uint8_t *buf, uint8_t version, uint16_t count, const void *items, size_t items_size) {
        uint32_t c;

        memcpy(buf, "LGQR", 4);
        buf[4] = version;
        buf[5] = 0;
        buf[6] = (uint8_t) count;
        buf[7] = (uint8_t) (count >> 8);
        memcpy(buf + 8, items, items_size);
        c = lg_crc32(0, buf, 8 + items_size);
        for (int i = 0; i < 4; i++)
                buf[8 + items_size + i] = (uint8_t) (c >> (8 * i));
        return 8 + items_size + 4;
}

#define ITEM(kind, len) kind, len, 1, 0, 0, 0, 0, 0, 0, 0

static void test_quarantine_truncated(void **state) {
        _cleanup_(lg_quarantine_done) lg_quarantine q = {};
        lg_quarantine out = { .n = 99 }; /* a sentinel, never freed */
        _cleanup_free_ uint8_t *buf = NULL;
        size_t size = 0;

        assert_int_equal(lg_quarantine_add(&q, LG_ITEM_MODULE, "some_module", 5), 1);
        assert_int_equal(lg_quarantine_encode(&q, &buf, &size), 0);
        /* Cut anywhere: too short for a header, or the CRC no longer matches. */
        for (size_t n = 0; n < size; n++) {
                int r = lg_quarantine_decode(buf, n, &out);

                assert_true(r == -EMSGSIZE || r == -EBADMSG);
                assert_true(n >= 12 || r == -EMSGSIZE);
        }
        assert_int_equal(out.n, 99); /* untouched */
}

static void test_quarantine_count_beyond_items(void **state) {
        uint8_t buf[64];
        const uint8_t items[] = { ITEM(0, 1), 'a' };
        size_t n;

        /* The CRC is right but the count promises two items. */
        n = make_q(buf, 1, 2, items, sizeof(items));
        assert_int_equal(lg_quarantine_decode(buf, n, NULL), -EBADMSG);
        /* A name length running past the end. */
        const uint8_t items2[] = { ITEM(0, 9), 'a' };
        n = make_q(buf, 1, 1, items2, sizeof(items2));
        assert_int_equal(lg_quarantine_decode(buf, n, NULL), -EBADMSG);
}

static void test_quarantine_trailing_bytes(void **state) {
        uint8_t buf[64];
        const uint8_t items[] = { ITEM(0, 1), 'a', 'x', 'y' };
        size_t n;

        n = make_q(buf, 1, 1, items, sizeof(items));
        assert_int_equal(lg_quarantine_decode(buf, n, NULL), -EBADMSG);
}

static void test_quarantine_oversized(void **state) {
        static uint8_t buf[LG_QUARANTINE_MAX_SIZE + 1];
        _cleanup_(lg_quarantine_done) lg_quarantine out = {};

        memcpy(buf, "LGQR", 4);
        assert_int_equal(lg_quarantine_decode(buf, sizeof(buf), &out), -EMSGSIZE);
        assert_int_equal(lg_quarantine_decode(buf, SIZE_MAX, &out), -EMSGSIZE);
}

static void test_quarantine_too_many_items(void **state) {
        uint8_t buf[64];
        size_t n;

        n = make_q(buf, 1, LG_QUARANTINE_MAX_ITEMS + 1, "", 0);
        assert_int_equal(lg_quarantine_decode(buf, n, NULL), -EBADMSG);
}

static void test_quarantine_duplicate_names(void **state) {
        uint8_t buf[64];
        const uint8_t items[] = { ITEM(0, 1), 'a', ITEM(0, 1), 'a' };
        _cleanup_(lg_quarantine_done) lg_quarantine out = {};
        size_t n;

        n = make_q(buf, 1, 2, items, sizeof(items));
        assert_int_equal(lg_quarantine_decode(buf, n, &out), -EBADMSG);
        assert_int_equal(out.n, 0);
}

static void test_quarantine_unsorted(void **state) {
        uint8_t buf[64];
        const uint8_t items[] = { ITEM(0, 1), 'b', ITEM(0, 1), 'a' };
        size_t n;

        n = make_q(buf, 1, 2, items, sizeof(items));
        assert_int_equal(lg_quarantine_decode(buf, n, NULL), -EBADMSG);
}

static void test_quarantine_bad_names(void **state) {
        uint8_t buf[64];
        const uint8_t empty[] = { ITEM(0, 0) };
        const uint8_t ctrl[] = { ITEM(0, 3), 'a', '\n', 'b' };
        const uint8_t nul[] = { ITEM(0, 3), 'a', '\0', 'b' };
        size_t n;

        n = make_q(buf, 1, 1, empty, sizeof(empty));
        assert_int_equal(lg_quarantine_decode(buf, n, NULL), -EBADMSG);
        n = make_q(buf, 1, 1, ctrl, sizeof(ctrl));
        assert_int_equal(lg_quarantine_decode(buf, n, NULL), -EBADMSG);
        n = make_q(buf, 1, 1, nul, sizeof(nul));
        assert_int_equal(lg_quarantine_decode(buf, n, NULL), -EBADMSG);
}

static void test_quarantine_too_long_name(void **state) {
        /* The length byte caps names at 255 on disk; the encoder refuses
         * longer ones instead of cutting them. */
        _cleanup_free_ uint8_t *buf = NULL;
        size_t size = 0;
        char name[LG_ITEM_NAME_MAX + 2];
        lg_qitem item = { LG_ITEM_CONTENT, name, 1 };
        lg_quarantine q = { .n = 1, .items = &item };

        memset(name, 'n', sizeof(name) - 1);
        name[sizeof(name) - 1] = '\0';
        assert_int_equal(lg_quarantine_encode(&q, &buf, &size), -EINVAL);
}

static void test_quarantine_bad_kind(void **state) {
        uint8_t buf[64];
        const uint8_t items[] = { ITEM(_LG_ITEM_KIND_MAX, 1), 'a' };
        size_t n;

        n = make_q(buf, 1, 1, items, sizeof(items));
        assert_int_equal(lg_quarantine_decode(buf, n, NULL), -EBADMSG);
}

static void test_quarantine_bad_crc(void **state) {
        uint8_t buf[64];
        const uint8_t items[] = { ITEM(0, 1), 'a' };
        size_t n;

        n = make_q(buf, 1, 1, items, sizeof(items));
        buf[10] ^= 1; /* fingerprint */
        assert_int_equal(lg_quarantine_decode(buf, n, NULL), -EBADMSG);
}

static void test_quarantine_unknown_version(void **state) {
        uint8_t buf[64];

        size_t n = make_q(buf, 2, 0, "", 0);
        assert_int_equal(lg_quarantine_decode(buf, n, NULL), -EPROTONOSUPPORT);
}

static void test_quarantine_all_zeros_and_ff(void **state) {
        uint8_t buf[64];

        memset(buf, 0, sizeof(buf));
        assert_int_equal(lg_quarantine_decode(buf, sizeof(buf), NULL), -EBADMSG);
        memset(buf, 0xff, sizeof(buf));
        assert_int_equal(lg_quarantine_decode(buf, sizeof(buf), NULL), -EBADMSG);
}

static void test_item_kind_names(void **state) {
        /* lib/inventory/names.c's table, as the cold record's kinds index it. */
        assert_string_equal(lg_item_kind_to_string(LG_ITEM_MODULE), "module");
        assert_string_equal(lg_item_kind_to_string(LG_ITEM_CONTENT), "content");
        assert_string_equal(lg_item_kind_to_string(LG_ITEM_UNIT), "unit");
        assert_int_equal(lg_item_kind_from_string("unit"), LG_ITEM_UNIT);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_crc32_known_values),
                cmocka_unit_test(test_state_round_trip),
                cmocka_unit_test(test_state_layout_little_endian),
                cmocka_unit_test(test_state_wrong_size),
                cmocka_unit_test(test_state_bad_crc),
                cmocka_unit_test(test_state_bad_magic),
                cmocka_unit_test(test_state_unknown_version),
                cmocka_unit_test(test_state_all_zeros),
                cmocka_unit_test(test_state_all_ff),
                cmocka_unit_test(test_state_level_out_of_range),
                cmocka_unit_test(test_state_unknown_flags),
                cmocka_unit_test(test_quarantine_round_trip),
                cmocka_unit_test(test_quarantine_empty_round_trip),
                cmocka_unit_test(test_quarantine_order_independent),
                cmocka_unit_test(test_quarantine_add_update_remove),
                cmocka_unit_test(test_quarantine_add_bad_names),
                cmocka_unit_test(test_quarantine_add_too_many),
                cmocka_unit_test(test_quarantine_encode_oversized),
                cmocka_unit_test(test_quarantine_encode_duplicate),
                cmocka_unit_test(test_quarantine_truncated),
                cmocka_unit_test(test_quarantine_count_beyond_items),
                cmocka_unit_test(test_quarantine_trailing_bytes),
                cmocka_unit_test(test_quarantine_oversized),
                cmocka_unit_test(test_quarantine_too_many_items),
                cmocka_unit_test(test_quarantine_duplicate_names),
                cmocka_unit_test(test_quarantine_unsorted),
                cmocka_unit_test(test_quarantine_bad_names),
                cmocka_unit_test(test_quarantine_too_long_name),
                cmocka_unit_test(test_quarantine_bad_kind),
                cmocka_unit_test(test_quarantine_bad_crc),
                cmocka_unit_test(test_quarantine_unknown_version),
                cmocka_unit_test(test_quarantine_all_zeros_and_ff),
                cmocka_unit_test(test_item_kind_names),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
