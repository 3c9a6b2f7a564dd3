/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test driver for the early-*.sh tests: sets up what other parts of
 * lastgood write in a real system (the hot and cold records through the
 * real store, the manifest the watchdog records at a proven boot) and
 * prints fingerprints, all through the libraries under test.
 *
 *   early-helper ROOT state armed=0|1 tries=N level=N [unproven=0|1]
 *   early-helper ROOT quarantine KIND NAME FINGERPRINT_HEX...
 *   early-helper ROOT manifest KVER       (inventory of ROOT -> its manifest)
 *   early-helper ROOT fingerprint KVER NAME   (a module, or agent content: /PATH)
 *   early-helper ROOT fingerprints KVER       (KIND NAME HEX, one item a line)
 *   early-helper ROOT show                (hot record as KEY=VALUE) */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "inventory.h"
#include "macro.h"
#include "rootfs.h"
#include "store.h"

static int die(const char *what, int r) {
        fprintf(stderr, "early-helper: %s: %s\n", what, strerror(-r));
        return 1;
}

static int scan(const lg_root *root, const char *kver, lg_inventory *inv) {
        lg_config config = {};
        lg_agents agents = {};
        int r;

        r = lg_config_load(root, &config);
        if (r >= 0)
                r = lg_agents_load(root, &agents);
        if (r >= 0)
                r = lg_inventory_scan(root, kver, &config, &agents, inv, NULL);
        lg_agents_done(&agents);
        lg_config_done(&config);
        return r;
}

int main(int argc, char *argv[]) {
        _cleanup_root_ lg_root *root = NULL;
        _cleanup_store_ lg_store *store = NULL;
        int r;

        if (argc < 3)
                return 2;
        r = lg_root_new(argv[1], &root);
        if (r < 0)
                return die("root", r);

        if (streq(argv[2], "state") || streq(argv[2], "quarantine") || streq(argv[2], "show")) {
                r = lg_store_open(root, LG_STORE_AUTO, &store);
                if (r < 0)
                        return die("store", r);
        }
        if (streq(argv[2], "state")) {
                lg_state s = {};

                for (int i = 3; i < argc; i++) {
                        unsigned v;
                        char k[32];

                        if (sscanf(argv[i], "%31[a-z_]=%u", k, &v) != 2)
                                return 2;
                        if (streq(k, "armed"))
                                s.armed = v;
                        else if (streq(k, "tries"))
                                s.tries = (uint8_t) v;
                        else if (streq(k, "level"))
                                s.level = (uint8_t) v;
                        else if (streq(k, "unproven"))
                                s.unproven = v;
                        else if (streq(k, "boot_seq"))
                                s.boot_seq = v;
                        else
                                return 2;
                }
                r = lg_store_write_state(store, &s);
                return r < 0 ? die("write state", r) : 0;
        }
        if (streq(argv[2], "show")) {
                lg_state s;

                r = lg_store_read_state(store, &s);
                if (r < 0)
                        return die("read state", r);
                printf("armed=%d tries=%u level=%u unproven=%d boot_seq=%" PRIu32 "\n", s.armed, s.tries, s.level,
                       s.unproven, s.boot_seq);
                return 0;
        }
        if (streq(argv[2], "quarantine")) {
                lg_quarantine q = {};

                for (int i = 3; i + 2 < argc; i += 3) {
                        lg_item_kind k = lg_item_kind_from_string(argv[i]);

                        if (k < 0)
                                return 2;
                        r = lg_quarantine_add(&q, k, argv[i + 1], strtoull(argv[i + 2], NULL, 16));
                        if (r < 0)
                                return die("quarantine add", r);
                }
                r = lg_store_write_quarantine(store, &q);
                lg_quarantine_done(&q);
                return r < 0 ? die("write quarantine", r) : 0;
        }
        if (streq(argv[2], "manifest") && argc == 4) {
                lg_inventory inv = {};

                r = scan(root, argv[3], &inv);
                if (r >= 0)
                        r = lg_manifest_save(root, LG_MANIFEST_PATH, &inv);
                lg_inventory_done(&inv);
                return r < 0 ? die("manifest", r) : 0;
        }
        if (streq(argv[2], "fingerprints") && argc == 4) {
                lg_inventory inv = {};

                r = scan(root, argv[3], &inv);
                if (r < 0)
                        return die("scan", r);
                for (size_t i = 0; i < inv.n; i++)
                        printf("%s %s %016" PRIx64 "\n", lg_item_kind_to_string(inv.items[i].kind),
                               inv.items[i].name, inv.items[i].fingerprint);
                lg_inventory_done(&inv);
                return 0;
        }
        if (streq(argv[2], "fingerprint") && argc == 5) {
                lg_inventory inv = {};
                const lg_inv_item *it;

                r = scan(root, argv[3], &inv);
                if (r < 0)
                        return die("scan", r);
                it = lg_inventory_find(&inv, argv[4][0] == '/' ? LG_ITEM_CONTENT : LG_ITEM_MODULE, argv[4]);
                if (it)
                        printf("%016" PRIx64 "\n", it->fingerprint);
                lg_inventory_done(&inv);
                return it ? 0 : 1;
        }
        return 2;
}
