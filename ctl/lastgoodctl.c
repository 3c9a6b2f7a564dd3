/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lastgoodctl: inspect and steer lastgood's boot state. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "journal.h"
#include "log.h"
#include "macro.h"

static void help(void) {
        printf("Usage: lastgoodctl [OPTIONS...] [COMMAND] [ARGS...]\n"
               "\n"
               "Inspect and steer lastgood, the boot-loop recovery controller.\n"
               "\n"
               "Commands:\n"
               "  status [--json|--metrics]  Show the boot state, level, and what is withheld\n"
               "                         and why (the default command)\n"
               "  good                   Mark this boot proven now (new last known good)\n"
               "  bad                    Count this boot as failed\n"
               "  reset                  Clear the failed-boot counter and the level\n"
               "  arm [--if-changed]     Arm the counter (after installing modules or agent content)\n"
               "  list [--json|--names]  List withheld items (this boot and persistently)\n"
               "  release NAME...|--all  Let persistently withheld items load again\n"
               "  restore [FILE...]      Put quarantined agent content back\n"
               "  plan [--level=1|2] [--cmdline=WORDS] [--json]\n"
               "                         Show what the next boot would withhold and why (dry run)\n"
               "  crash [--json] FILE... Name the culprit of a kernel crash log\n"
               "  fleet --directory=DIR [--json|--metrics] [--state=STATE] [--since=TIME]\n"
               "        [--host=NAME]    Summarise the lastgood events of a fleet's journals\n"
               "  doctor [--json]        Check that this host is protected\n"
               "\n"
               "Options:\n"
               "  -h --help              Show this help\n"
               "     --version           Show the version\n"
               "     --no-pager          Do not pipe the output into a pager\n"
               "  -q --quiet             Print nothing on standard output; the exit status tells\n"
               "     --json              Print one JSON object (status, list, plan, crash, fleet,\n"
               "                         doctor)\n"
               "     --root=DIR          Resolve every host path under DIR\n"
               "     --kernel-release=R  Use R instead of uname -r\n"
               "     --store=file        Use the file store under /var/lib/lastgood even with EFI\n"
               "     --all               With release: release every persistently withheld item\n"
               "     --if-changed        With arm: only when the third-party set differs from\n"
               "                         the last known good (package-manager hooks)\n"
               "     --names             With list: only the names release takes, one a line\n"
               "     --metrics           status: node_exporter textfile; fleet: OpenMetrics text\n"
               "     --level=N           With plan: the level to rehearse (1 or 2)\n"
               "     --cmdline=WORDS     With plan: this kernel command line instead of\n"
               "                         /proc/cmdline\n"
               "     --state=STATE       With fleet: only hosts in STATE (steady, armed, safe-mode,\n"
               "                         exhausted, silent)\n"
               "     --since=TIME        With fleet: hosts with no event since TIME are silent\n"
               "                         (as journalctl: 2025-11-29 07:06:40, yesterday, -2h,\n"
               "                         @EPOCH; default: 24 h before the newest event)\n"
               "     --host=NAME         With fleet: only these hosts (name glob or machine id)\n"
               "  -D --directory=DIR     With fleet: the journal directory to read\n"
               "\n"
               "Environment:\n"
               "  EFIVARFS_PATH, LIBEFIVAR_OPS=efivarfs  point libefivar at another efivarfs\n"
               "  SYSTEMD_PAGER, PAGER, SYSTEMD_LESS     the pager and its options, as systemd's\n"
               "\n"
               "Exit status:\n"
               "  0 success, 1 failure, 2 usage error. status: 0 steady (also when no record\n"
               "  exists yet), 3 armed, 4 safe mode, 5 exhausted, 6 state corrupt; with\n"
               "  --json or --metrics 0 in every state. crash: 3 when the log names no\n"
               "  culprit. doctor: 0 protected, 3 not protected, 4 protected with warnings.\n"
               "\n"
               "See lastgoodctl(8), and lastgood(7) for the state machine.\n");
}

/* The options that belong to some commands only; giving one to another
 * command is a usage error. Those that say which host to act on (--root,
 * --store, --kernel-release: a script may give them to every call) and
 * --no-pager, --quiet, --help belong to all. */
typedef enum verb_option {
        OPT_JSON = 1u << 0,
        OPT_METRICS = 1u << 1,
        OPT_NAMES = 1u << 2,
        OPT_ALL = 1u << 3,
        OPT_IF_CHANGED = 1u << 4,
        OPT_LEVEL = 1u << 5,
        OPT_CMDLINE = 1u << 6,
        OPT_DIRECTORY = 1u << 7,
        OPT_STATE = 1u << 8,
        OPT_SINCE = 1u << 9,
        OPT_HOST = 1u << 10,
        _OPT_COUNT = 11,
} verb_option;

static const char *const option_names[_OPT_COUNT] = {
        "--json",  "--metrics", "--names",     "--all",   "--if-changed", "--level",
        "--cmdline", "--directory", "--state", "--since", "--host",
};

/* What prints machine output: one of them at a time, never with -q. */
#define OPT_OUTPUT (OPT_JSON | OPT_METRICS | OPT_NAMES)

static const struct verb {
        const char *name;
        int (*run)(lg_ctl *c, int argc, char **argv);
        unsigned options; /* verb_option bits this command takes */
        bool pager;       /* a report for people: paged on a terminal */
} verbs[] = {
        { "status", verb_status, OPT_JSON | OPT_METRICS, true },
        { "good", verb_good, 0, false },
        { "bad", verb_bad, 0, false },
        { "reset", verb_reset, 0, false },
        { "arm", verb_arm, OPT_IF_CHANGED, false },
        { "list", verb_list, OPT_JSON | OPT_NAMES, true },
        { "release", verb_release, OPT_ALL, false },
        { "restore", verb_restore, 0, false },
        { "plan", verb_plan, OPT_JSON | OPT_LEVEL | OPT_CMDLINE, true },
        { "crash", verb_crash, OPT_JSON, true },
        { "fleet", verb_fleet, OPT_JSON | OPT_METRICS | OPT_DIRECTORY | OPT_STATE | OPT_SINCE | OPT_HOST, true },
        { "doctor", verb_doctor, OPT_JSON, true },
};

static const struct verb *find_verb(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(verbs[i].name, name))
                        return &verbs[i];
        return NULL;
}

/* The first option of given that v does not take, or NULL. */
static const char *option_not_taken(const struct verb *v, unsigned given) {
        for (unsigned k = 0; k < _OPT_COUNT; k++)
                if ((given & (1u << k)) && !(v->options & (1u << k)))
                        return option_names[k];
        return NULL;
}

static unsigned popcount(unsigned x) {
        return (unsigned) __builtin_popcount(x);
}

int main(int argc, char *argv[]) {
        enum { ARG_VERSION = 0x100, ARG_JSON, ARG_ROOT, ARG_KERNEL_RELEASE, ARG_STORE, ARG_ALL, ARG_IF_CHANGED,
               ARG_METRICS, ARG_LEVEL, ARG_STATE, ARG_SINCE, ARG_HOST, ARG_NO_PAGER, ARG_CMDLINE, ARG_NAMES };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "no-pager", no_argument, NULL, ARG_NO_PAGER },
                { "quiet", no_argument, NULL, 'q' },
                { "json", no_argument, NULL, ARG_JSON },
                { "root", required_argument, NULL, ARG_ROOT },
                { "kernel-release", required_argument, NULL, ARG_KERNEL_RELEASE },
                { "store", required_argument, NULL, ARG_STORE },
                { "all", no_argument, NULL, ARG_ALL },
                { "if-changed", no_argument, NULL, ARG_IF_CHANGED },
                { "names", no_argument, NULL, ARG_NAMES },
                { "directory", required_argument, NULL, 'D' },
                { "metrics", no_argument, NULL, ARG_METRICS },
                { "level", required_argument, NULL, ARG_LEVEL },
                { "cmdline", required_argument, NULL, ARG_CMDLINE },
                { "state", required_argument, NULL, ARG_STATE },
                { "since", required_argument, NULL, ARG_SINCE },
                { "host", required_argument, NULL, ARG_HOST },
                {}
        };
        lg_ctl c = { .level = -1 };
        const struct verb *v;
        char *default_argv[] = { (char *) "status", NULL };
        const char *bad;
        unsigned given = 0;
        bool no_pager = false;
        int opt, r;

        lg_log_open(LG_LOG_STDERR, "lastgoodctl");
        lg_journal_install();
        while ((opt = getopt_long(argc, argv, "hqD:", options, NULL)) >= 0)
                switch (opt) {
                case 'h':
                        help();
                        return LG_EXIT_OK;
                case ARG_VERSION:
                        printf("lastgoodctl " PACKAGE_VERSION "\n");
                        return LG_EXIT_OK;
                case ARG_NO_PAGER:
                        no_pager = true;
                        break;
                case 'q':
                        c.quiet = true;
                        break;
                case ARG_JSON:
                        c.json = true;
                        given |= OPT_JSON;
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
                        given |= OPT_ALL;
                        break;
                case ARG_IF_CHANGED:
                        c.if_changed = true;
                        given |= OPT_IF_CHANGED;
                        break;
                case ARG_NAMES:
                        c.names = true;
                        given |= OPT_NAMES;
                        break;
                case 'D':
                        c.directory = optarg;
                        given |= OPT_DIRECTORY;
                        break;
                case ARG_METRICS:
                        c.metrics = true;
                        given |= OPT_METRICS;
                        break;
                case ARG_LEVEL:
                        if (!streq(optarg, "1") && !streq(optarg, "2")) {
                                log_error("--level= takes 1 or 2, not \"%s\".", optarg);
                                return LG_EXIT_USAGE;
                        }
                        c.level = optarg[0] - '0';
                        given |= OPT_LEVEL;
                        break;
                case ARG_CMDLINE:
                        c.cmdline = optarg;
                        given |= OPT_CMDLINE;
                        break;
                case ARG_STATE:
                        c.state_filter = optarg;
                        given |= OPT_STATE;
                        break;
                case ARG_SINCE:
                        c.since = optarg;
                        given |= OPT_SINCE;
                        break;
                case ARG_HOST:
                        c.host_filter = optarg;
                        given |= OPT_HOST;
                        break;
                default:
                        return LG_EXIT_USAGE;
                }

        /* No command: status, as bootctl shows its status. */
        if (optind >= argc) {
                argc = 1;
                argv = default_argv;
                optind = 0;
        }
        v = find_verb(argv[optind]);
        if (!v) {
                log_error("unknown command \"%s\"; see lastgoodctl --help.", argv[optind]);
                return LG_EXIT_USAGE;
        }
        bad = option_not_taken(v, given);
        if (bad) {
                log_error("%s does not take %s; see lastgoodctl --help.", v->name, bad);
                return LG_EXIT_USAGE;
        }
        if (popcount(given & OPT_OUTPUT) > 1) {
                log_error("--json, --metrics and --names exclude each other.");
                return LG_EXIT_USAGE;
        }
        if (c.quiet && (given & OPT_OUTPUT)) {
                log_error("--quiet would hide what --json, --metrics or --names print.");
                return LG_EXIT_USAGE;
        }

        /* Untrusted names reach every verb's output: one filter for all;
         * a report for people goes through the pager on a terminal. */
        (void) lg_ctl_output_init(c.json, c.quiet, v->pager && !no_pager && !c.quiet);

        r = lg_root_new(c.root_dir, &c.root);
        if (r < 0) {
                log_error("cannot open root %s: %s", c.root_dir ? c.root_dir : "/", strerror(-r));
                return LG_EXIT_FAILURE;
        }
        r = v->run(&c, argc - optind, argv + optind);
        lg_root_free(c.root);
        return r;
}
