/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The administrator's summary of the boot state: one word for the host, how
 * far this boot got, why the level in force is in force and what to do
 * next. Pure (no I/O), shared by status, the login notice and STATUS=. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "macro.h"
#include "summary.h"

static const char *const host_state_names[_LG_HOST_STATE_MAX] = {
        [LG_HOST_STEADY] = "steady",       [LG_HOST_ARMED] = "armed",     [LG_HOST_SAFE_MODE] = "safe-mode",
        [LG_HOST_EXHAUSTED] = "exhausted", [LG_HOST_CORRUPT] = "corrupt",
};

static const char *const boot_health_names[_LG_BOOT_HEALTH_MAX] = {
        [LG_BOOT_WAITING] = "waiting",
        [LG_BOOT_HEALTHY] = "healthy",
        [LG_BOOT_PROVEN] = "proven",
        [LG_BOOT_OFF] = "off",
};

const char *lg_host_state_to_string(lg_host_state s) {
        return (unsigned) s < _LG_HOST_STATE_MAX ? host_state_names[s] : NULL;
}

const char *lg_boot_health_to_string(lg_boot_health h) {
        return (unsigned) h < _LG_BOOT_HEALTH_MAX ? boot_health_names[h] : NULL;
}

/* Names in the records and the hand-over are untrusted: what reaches a
 * terminal (status, the login notice) goes through the project's one
 * terminal escaping (controls, C1, bidirectional overrides and invalid
 * UTF-8 as \xHH; one line stays one line), and a name in a suggested
 * command is one shell word (a file named "$(...)" runs nothing when the
 * command is pasted). */
static char *printable(const char *s) {
        return lg_escape_string(LG_ESCAPE_LINE, s ?: "");
}

const char *lg_record_error(int r) {
        switch (r) {
        case -EBADMSG:
                return "bad magic, checksum or variable attributes";
        case -EMSGSIZE:
                return "wrong size";
        case -EPROTONOSUPPORT:
                return "unknown record version";
        case -ERANGE:
                return "field out of range";
        default:
                return strerror(-r);
        }
}

_printf_(2, 3) static int setf(char **dst, const char *fmt, ...) {
        va_list ap;
        int k;

        va_start(ap, fmt);
        k = vasprintf(dst, fmt, ap);
        va_end(ap);
        if (k < 0) {
                *dst = NULL;
                return -ENOMEM;
        }
        return 0;
}

/* The item named in the next step: the culprit, else the first withheld
 * item of this boot, else the first persistently withheld one. */
static const char *example_item(const lg_summary_input *in) {
        if (in->run && in->run->culprit)
                return in->run->culprit;
        if (in->run && in->run->withheld.n > 0)
                return in->run->withheld.items[0].name;
        if (in->quarantine && in->quarantine->n > 0)
                return in->quarantine->items[0].name;
        return NULL;
}

static int compute_reason(const lg_summary_input *in, const lg_summary *s, char **ret) {
        const lg_runstate *run = in->run;
        unsigned tries = in->state->tries;

        switch (s->host) {
        case LG_HOST_CORRUPT:
                return setf(ret, "the boot-state record cannot be used (%s); lastgood treats it as no state",
                            lg_record_error(in->state_r));
        case LG_HOST_EXHAUSTED:
                return setf(ret,
                            "%u failed boots in a row at level 2: recovery exhausted, lastgood withholds "
                            "nothing more and leaves the way to the boot loader's fallback",
                            in->threshold);
        case LG_HOST_SAFE_MODE:
                if (run && run->override && (run->mode == LG_MODE_SAFE || run->mode == LG_MODE_STRICT))
                        return setf(ret, "lastgood.mode=%s on the kernel command line",
                                    lg_mode_to_string(run->mode));
                if (run && run->culprit && s->level == 1) {
                        _cleanup_free_ char *culprit = printable(run->culprit);

                        if (!culprit)
                                return -ENOMEM;
                        return setf(ret, "the crash log of an earlier boot named %s", culprit);
                }
                if (s->level >= 2)
                        return setf(ret,
                                    "%u failed boots in a row at level 1 (threshold %u): every third-party "
                                    "module and agent is withheld",
                                    in->threshold, in->threshold);
                return setf(
                        ret,
                        "%u failed boots in a row after a change (threshold %u): the items changed since "
                        "the last known good boot are withheld",
                        in->threshold, in->threshold);
        case LG_HOST_ARMED:
                return setf(ret,
                            "a change since the last known good boot: boots are counted until one is proven "
                            "(%u failed so far; level 1 after %u)",
                            tries, in->threshold);
        case LG_HOST_STEADY:
        default:
                if (run && run->noop)
                        return setf(
                                ret,
                                "lastgood.mode=off on the kernel command line: lastgood does nothing this boot");
                if (run && run->override && run->mode == LG_MODE_NORMAL)
                        return setf(
                                ret,
                                "lastgood.mode=normal on the kernel command line: nothing withheld this boot");
                if (in->quarantine && in->quarantine->n > 0)
                        return setf(
                                ret,
                                "nothing changed since the last known good boot; %zu item%s persistently "
                                "withheld since an earlier failure",
                                in->quarantine->n, in->quarantine->n == 1 ? "" : "s");
                return setf(ret, "nothing changed since the last known good boot");
        }
}

static int compute_next(const lg_summary_input *in, const lg_summary *s, char **ret) {
        _cleanup_free_ char *item = NULL;
        const char *ex = example_item(in);

        if (ex) {
                item = lg_shell_quote(ex);
                if (!item)
                        return -ENOMEM;
        }
        switch (s->host) {
        case LG_HOST_CORRUPT:
                return setf(ret, "`lastgoodctl reset` rewrites the record now (the next boot does it too)");
        case LG_HOST_EXHAUSTED:
                return setf(ret,
                            "repair by hand (an older kernel, or lastgood.mode=strict on the kernel command "
                            "line), then `lastgoodctl reset`");
        case LG_HOST_SAFE_MODE:
                if (s->health == LG_BOOT_WAITING)
                        return setf(ret,
                                    "wait: this boot is proven once healthy and stable; then `lastgoodctl "
                                    "release %s` when a fixed version is installed",
                                    item ?: "NAME");
                return setf(ret, "`lastgoodctl release %s` when a fixed version is installed",
                            item ?: "NAME");
        case LG_HOST_ARMED:
                if (s->health == LG_BOOT_HEALTHY)
                        return setf(ret, "nothing: this boot is proven after ProveSec without a crash "
                                         "(`lastgoodctl good` proves it now)");
                return setf(ret, "nothing: this boot is proven once healthy and stable (`lastgoodctl good` "
                                 "proves it now)");
        case LG_HOST_STEADY:
        default:
                if (in->quarantine && in->quarantine->n > 0)
                        return setf(ret, "`lastgoodctl release %s` when a fixed version is installed",
                                    item ?: "NAME");
                return setf(ret, "nothing");
        }
}

int lg_summary_compute(const lg_summary_input *in, lg_summary *ret) {
        _cleanup_free_ char *reason = NULL, *next = NULL;
        lg_summary s = {};
        bool exhausted;

        s.level = in->run ? in->run->level : in->state->level;
        s.n_withheld = in->run ? in->run->withheld.n : 0;
        s.n_quarantine = in->quarantine ? in->quarantine->n : 0;
        exhausted = s.level >= LG_LEVEL_MAX || (in->run && in->run->exhausted) ||
                    (!in->run && in->state->level >= LG_LEVEL_MAX);

        if (in->state_r < 0 && in->state_r != -ENOENT)
                s.host = LG_HOST_CORRUPT;
        else if (exhausted)
                s.host = LG_HOST_EXHAUSTED;
        else if (s.level > 0)
                s.host = LG_HOST_SAFE_MODE;
        else if (in->state->armed)
                s.host = LG_HOST_ARMED;
        else
                s.host = LG_HOST_STEADY;

        if (in->run && in->run->noop)
                s.health = LG_BOOT_OFF;
        else if (in->proven_marker && !in->state->armed && !in->state->unproven && in->state_r >= 0)
                /* lastgoodctl good proved this boot, healthy or not yet
                 * (a change since would have armed the host again). */
                s.health = LG_BOOT_PROVEN;
        else if (!in->healthy_marker)
                s.health = LG_BOOT_WAITING;
        else if (in->state->armed || in->state->unproven)
                s.health = LG_BOOT_HEALTHY;
        else
                s.health = LG_BOOT_PROVEN;

        if (compute_reason(in, &s, &reason) < 0 || compute_next(in, &s, &next) < 0)
                return -ENOMEM;
        s.reason = TAKE_PTR(reason);
        s.next_step = TAKE_PTR(next);
        *ret = s;
        return 0;
}

void lg_summary_done(lg_summary *s) {
        free(s->reason);
        free(s->next_step);
        *s = (lg_summary){};
}

static const char *health_text(lg_boot_health h) {
        switch (h) {
        case LG_BOOT_WAITING:
                return "this boot not yet healthy";
        case LG_BOOT_HEALTHY:
                return "this boot healthy, not yet proven";
        case LG_BOOT_PROVEN:
                return "this boot healthy and proven";
        default:
                return "lastgood off this boot";
        }
}

int lg_summary_line(const lg_summary *s, char **ret) {
        switch (s->host) {
        case LG_HOST_CORRUPT:
                return setf(ret, "State record corrupt; %s", health_text(s->health));
        case LG_HOST_EXHAUSTED:
                return setf(ret, "Recovery exhausted (level 3): nothing withheld by lastgood; %s",
                            health_text(s->health));
        case LG_HOST_SAFE_MODE:
                return setf(ret, "Safe mode (level %u): %zu item%s withheld; %s", s->level, s->n_withheld,
                            s->n_withheld == 1 ? "" : "s", health_text(s->health));
        case LG_HOST_ARMED:
                return setf(ret, "Armed: change since the last known good, boots counted; %s",
                            health_text(s->health));
        case LG_HOST_STEADY:
        default:
                if (s->n_withheld > 0)
                        return setf(ret, "Steady: %zu item%s persistently withheld; %s", s->n_withheld,
                                    s->n_withheld == 1 ? "" : "s", health_text(s->health));
                return setf(ret, "Steady: nothing withheld; %s", health_text(s->health));
        }
}

int lg_summary_motd(const lg_summary *s, const lg_runstate *run, char **ret) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        FILE *f;

        if (s->host != LG_HOST_SAFE_MODE && s->host != LG_HOST_EXHAUSTED && s->n_withheld == 0) {
                *ret = NULL;
                return 0;
        }
        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        if (s->host == LG_HOST_EXHAUSTED)
                fprintf(f, "lastgood: boot-loop recovery EXHAUSTED on this host.\n");
        else if (s->host == LG_HOST_SAFE_MODE)
                fprintf(f, "lastgood: this host runs in SAFE MODE (level %u).\n", s->level);
        else
                fprintf(f, "lastgood: items are withheld on this host.\n");
        fprintf(f, "  Why:       %s\n", s->reason);
        for (size_t i = 0; run && i < run->withheld.n && i < 10; i++) {
                _cleanup_free_ char *name = printable(run->withheld.items[i].name);

                fprintf(f, "  %s %s %s (%s)\n", i == 0 ? "Withheld: " : "          ",
                        strna(lg_item_kind_to_string(run->withheld.items[i].kind)), strna(name),
                        strna(lg_reason_to_string(run->withheld.items[i].reason)));
        }
        if (run && run->withheld.n > 10)
                fprintf(f, "             ... and %zu more (lastgoodctl list)\n", run->withheld.n - 10);
        fprintf(f, "  Next step: %s\n", s->next_step);
        fprintf(f, "  Details:   lastgoodctl status\n");
        if (fclose(f) != 0)
                return -ENOMEM;
        *ret = TAKE_PTR(buf);
        return 0;
}
