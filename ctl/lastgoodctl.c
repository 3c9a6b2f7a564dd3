/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lastgoodctl: inspect and steer lastgood's boot state. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "journal.h"
#include "log.h"
#include "macro.h"

static void help(void) {
        printf("Usage: lastgoodctl [OPTIONS...] COMMAND [ARGS...]\n"
               "\n"
               "Inspect and steer lastgood, the boot-loop recovery controller.\n"
               "\n"
               "Commands:\n"
               "  status                 Show the boot state, level, and what is withheld and why\n"
               "  good                   Mark this boot proven now (new last known good)\n"
               "  bad                    Count this boot as failed\n"
               "  reset                  Clear the failed-boot counter and the level\n"
               "  arm [--if-changed]     Arm the counter (after installing modules or agent content)\n"
               "  list                   List withheld items (this boot and persistently)\n"
               "  release NAME...|--all  Let withheld items load again\n"
               "  restore                Put quarantined agent content back\n"
               "  plan [--level=1|2]     Show what would be withheld now and why (dry run)\n"
               "  crash FILE...          Name the culprit of a kernel crash log\n"
               "  fleet --directory=DIR  Summarise the lastgood events of a fleet's journals\n"
               "  deny-list              A deny list from a Prometheus query (--from-prometheus=)\n"
               "  doctor                 Check that this host is protected\n"
               "\n"
               "Options:\n"
               "  -h --help              Show this help\n"
               "     --version           Show the version\n"
               "     --json              Print one JSON object (status, list, plan, crash, fleet)\n"
               "     --root=DIR          Resolve every host path under DIR\n"
               "     --kernel-release=R  Use R instead of uname -r\n"
               "     --store=file        Use the file store under /var/lib/lastgood even with EFI\n"
               "     --all               With release: release every withheld item\n"
               "     --if-changed        With arm: only when the third-party set differs from\n"
               "                         the last known good (package-manager hooks)\n"
               "     --metrics           status: node_exporter textfile; fleet: OpenMetrics text\n"
               "     --level=N           With plan: the level to rehearse (1 or 2)\n"
               "     --state=STATE       With fleet: only hosts in STATE (steady, armed, safe-mode,\n"
               "                         exhausted, silent)\n"
               "     --since=TIME        With fleet: hosts with no event since TIME are silent\n"
               "                         (UTC, 2025-11-29T07:06:40Z or @EPOCH; default: 24 h\n"
               "                         before the newest event)\n"
               "     --host=NAME         With fleet: only these hosts (name glob or machine id)\n"
               "  -D --directory=DIR     With fleet: the journal directory to read\n"
               "     --deny-list         With fleet: print a deny list of the fingerprints that\n"
               "                         were a verdict (with --since=: since TIME)\n"
               "     --min-hosts=N       With fleet --deny-list and deny-list: on at least N hosts\n"
               "                         (default 1)\n"
               "     --from-prometheus=FILE\n"
               "                         With deny-list: the JSON of an instant query (- for stdin)\n"
               "\n"
               "Environment:\n"
               "  EFIVARFS_PATH, LIBEFIVAR_OPS=efivarfs  point libefivar at another efivarfs\n"
               "\n"
               "Exit status:\n"
               "  0 success, 1 failure, 2 usage error. status: 0 steady (also when no record\n"
               "  exists yet), 3 armed, 4 safe mode, 5 exhausted, 6 state corrupt.\n"
               "  crash: 3 when the log names no culprit.\n"
               "\n"
               "See lastgoodctl(8), and lastgood(7) for the state machine.\n");
}

static const struct {
        const char *name;
        int (*run)(lg_ctl *c, int argc, char **argv);
} verbs[] = {
        { "status", verb_status },   { "good", verb_good },     { "bad", verb_bad },
        { "reset", verb_reset },     { "arm", verb_arm },       { "list", verb_list },
        { "release", verb_release }, { "restore", verb_restore }, { "crash", verb_crash },
        { "fleet", verb_fleet },     { "doctor", verb_doctor }, { "plan", verb_plan },
        { "deny-list", verb_deny_list },
};

int main(int argc, char *argv[]) {
        enum { ARG_VERSION = 0x100, ARG_JSON, ARG_ROOT, ARG_KERNEL_RELEASE, ARG_STORE, ARG_ALL, ARG_IF_CHANGED,
               ARG_METRICS, ARG_LEVEL, ARG_STATE, ARG_SINCE, ARG_HOST, ARG_DENY_LIST, ARG_MIN_HOSTS,
               ARG_FROM_PROMETHEUS };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "json", no_argument, NULL, ARG_JSON },
                { "root", required_argument, NULL, ARG_ROOT },
                { "kernel-release", required_argument, NULL, ARG_KERNEL_RELEASE },
                { "store", required_argument, NULL, ARG_STORE },
                { "all", no_argument, NULL, ARG_ALL },
                { "if-changed", no_argument, NULL, ARG_IF_CHANGED },
                { "directory", required_argument, NULL, 'D' },
                { "metrics", no_argument, NULL, ARG_METRICS },
                { "level", required_argument, NULL, ARG_LEVEL },
                { "state", required_argument, NULL, ARG_STATE },
                { "since", required_argument, NULL, ARG_SINCE },
                { "host", required_argument, NULL, ARG_HOST },
                { "deny-list", no_argument, NULL, ARG_DENY_LIST },
                { "min-hosts", required_argument, NULL, ARG_MIN_HOSTS },
                { "from-prometheus", required_argument, NULL, ARG_FROM_PROMETHEUS },
                {}
        };
        lg_ctl c = { .level = -1 };
        int opt, r;

        lg_log_open(LG_LOG_STDERR, "lastgoodctl");
        lg_journal_install();
        while ((opt = getopt_long(argc, argv, "hD:", options, NULL)) >= 0)
                switch (opt) {
                case 'h':
                        help();
                        return LG_EXIT_OK;
                case ARG_VERSION:
                        printf("lastgoodctl " PACKAGE_VERSION "\n");
                        return LG_EXIT_OK;
                case ARG_JSON:
                        c.json = true;
                        break;
                case ARG_ROOT:
                        c.root_dir = optarg;
                        break;
                case ARG_KERNEL_RELEASE:
                        c.kernel_release = optarg;
                        break;
                case ARG_STORE:
                        if (streq(optarg, "file"))
                                c.force_file = true;
                        else if (!streq(optarg, "auto")) {
                                log_error("--store= takes \"auto\" or \"file\", not \"%s\".", optarg);
                                return LG_EXIT_USAGE;
                        }
                        break;
                case ARG_ALL:
                        c.all = true;
                        break;
                case ARG_IF_CHANGED:
                        c.if_changed = true;
                        break;
                case 'D':
                        c.directory = optarg;
                        break;
                case ARG_METRICS:
                        c.metrics = true;
                        break;
                case ARG_LEVEL:
                        if (!streq(optarg, "1") && !streq(optarg, "2")) {
                                log_error("--level= takes 1 or 2, not \"%s\".", optarg);
                                return LG_EXIT_USAGE;
                        }
                        c.level = optarg[0] - '0';
                        break;
                case ARG_STATE:
                        c.state_filter = optarg;
                        break;
                case ARG_SINCE:
                        c.since = optarg;
                        break;
                case ARG_HOST:
                        c.host_filter = optarg;
                        break;
                case ARG_DENY_LIST:
                        c.deny_list = true;
                        break;
                case ARG_MIN_HOSTS: {
                        char *end;
                        unsigned long v;

                        errno = 0;
                        v = strtoul(optarg, &end, 10);
                        if (errno || end == optarg || *end || optarg[0] == '-' || v < 1 || v > 1000000000) {
                                log_error("--min-hosts= takes a number of hosts from 1, not \"%s\".", optarg);
                                return LG_EXIT_USAGE;
                        }
                        c.min_hosts = (unsigned) v;
                        break;
                }
                case ARG_FROM_PROMETHEUS:
                        c.from_prometheus = optarg;
                        break;
                default:
                        return LG_EXIT_USAGE;
                }

        /* Untrusted names reach every verb's output: one filter for all. */
        (void) lg_ctl_output_init(c.json);

        if (optind >= argc) {
                log_error("no command given; see lastgoodctl --help.");
                return LG_EXIT_USAGE;
        }

        for (size_t i = 0; i < ELEMENTSOF(verbs); i++) {
                if (!streq(verbs[i].name, argv[optind]))
                        continue;
                r = lg_root_new(c.root_dir, &c.root);
                if (r < 0) {
                        log_error("cannot open root %s: %s", c.root_dir ? c.root_dir : "/", strerror(-r));
                        return LG_EXIT_FAILURE;
                }
                r = verbs[i].run(&c, argc - optind, argv + optind);
                lg_root_free(c.root);
                return r;
        }

        log_error("unknown command \"%s\"; see lastgoodctl --help.", argv[optind]);
        return LG_EXIT_USAGE;
}
