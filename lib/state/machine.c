/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The boot-counting state machine of DESIGN.md, as one pure function. */
#include <string.h>

#include "machine.h"
#include "macro.h"

static const char *const step_table[_LG_STEP_MAX] = {
        [LG_STEP_BOOT] = "boot",         [LG_STEP_ARM] = "arm",
        [LG_STEP_HEALTHY] = "healthy",   [LG_STEP_PROVEN] = "proven",
        [LG_STEP_BAD] = "bad",           [LG_STEP_SHUTDOWN] = "shutdown",
        [LG_STEP_RESET] = "reset",
};

const char *lg_step_to_string(lg_step s) {
        if (s < 0 || s >= _LG_STEP_MAX)
                return NULL;
        return step_table[s];
}

static uint8_t inc_sat(uint8_t v) {
        return v == UINT8_MAX ? v : (uint8_t) (v + 1);
}

static unsigned effective_threshold(const lg_cmdline *cmdline, const lg_config *config) {
        unsigned t = LG_DEFAULT_THRESHOLD;

        if (config && config->threshold > 0)
                t = config->threshold;
        if (cmdline && cmdline->threshold > 0)
                t = cmdline->threshold;
        return MIN(t, (unsigned) UINT8_MAX);
}

static bool state_equal(const lg_state *a, const lg_state *b) {
        return a->armed == b->armed && a->unproven == b->unproven && a->tries == b->tries &&
               a->level == b->level && a->boot_seq == b->boot_seq &&
               a->last_proven_usec == b->last_proven_usec && a->crash_seen == b->crash_seen;
}

/* Spend this boot's try: an armed boot that starts, or a change that first
 * reaches a boot not yet counted. Nothing at level 3: exhausted writes
 * nothing until a proof or a reset. */
static void count_boot(lg_state *s, lg_decision *d) {
        if (s->level >= LG_LEVEL_MAX)
                return;
        s->tries = inc_sat(s->tries);
        s->boot_seq++;
        d->counted = true;
}

/* The boot is counted when it starts while armed: like systemd's boot
 * counting, the try is spent before we know how the boot ends. Only a proof
 * or an orderly shutdown before healthy gives it back; reaching healthy does
 * not, so a crash after the health window counts like any other. */
static void step_boot(lg_state *s, const lg_cmdline *cmdline, const lg_facts *facts, unsigned threshold,
                      lg_decision *d) {
        if (cmdline && cmdline->reset && (s->tries || s->level || s->unproven)) {
                s->tries = 0;
                s->level = 0;
                s->unproven = false;
                d->reset = true;
        }

        /* Fast path: a crash record newer than anything acted upon names an
         * unproven third-party item. Withhold it now, not after Threshold. */
        if (facts && facts->culprit && facts->crash_id != 0 && facts->crash_id != s->crash_seen &&
            s->level < LG_LEVEL_MAX) {
                s->crash_seen = facts->crash_id;
                d->fast_path = true;
                if (!s->armed) {
                        s->armed = true;
                        d->armed_now = true;
                }
                if (s->level < 1) {
                        s->level = 1;
                        s->tries = 0;
                        d->escalated = true;
                }
        }

        if (!s->armed)
                return;

        if (s->level < LG_LEVEL_MAX && s->tries >= threshold) {
                s->level++;
                s->tries = 0;
                d->escalated = true;
        }

        if (s->level >= LG_LEVEL_MAX) {
                /* Exhausted: stop counting (no NVRAM writes at every boot of
                 * a host that is looping anyway) and stay out of the way. */
                d->exhausted = true;
                return;
        }

        count_boot(s, d);
}

static void step_proven(lg_state *s, const lg_facts *facts, lg_decision *d) {
        d->proven = true;
        if (!s->armed && !s->unproven && s->tries == 0 && s->level == 0)
                return; /* steady state: nothing to write */
        s->armed = false;
        s->unproven = false;
        s->tries = 0;
        s->level = 0;
        if (facts && facts->now_usec)
                s->last_proven_usec = facts->now_usec;
}

/* A change seen in a running boot (or by pre-switch, or `lastgoodctl bad`
 * on a steady host): the host is armed again, and when this boot was not
 * counted yet (it started unarmed, or a proof of this boot cleared the
 * counter) it is counted now. An armed host's boot was counted at BOOT. */
static void arm(lg_state *s, bool count, lg_decision *d) {
        if (s->armed)
                return;
        s->armed = true;
        d->armed_now = true;
        if (count)
                count_boot(s, d);
}

void lg_machine_step(const lg_state *old, lg_step step, const lg_cmdline *cmdline,
                     const lg_config *config, const lg_facts *facts, lg_state *ret_new,
                     lg_decision *ret_decision) {
        lg_decision d = {
                .mode = cmdline ? cmdline->mode : LG_MODE_AUTO,
                .threshold = effective_threshold(cmdline, config),
                .override = cmdline ? lg_cmdline_is_override(cmdline) : false,
        };
        bool healthy = facts && facts->healthy;
        lg_state s = *old;

        if (s.level > LG_LEVEL_MAX)
                s.level = LG_LEVEL_MAX;

        if (d.mode == LG_MODE_OFF) {
                /* lastgood.mode=off: nothing at all this boot, nothing written. */
                d.noop = true;
                *ret_new = *old;
                *ret_decision = d;
                return;
        }

        switch (step) {
        case LG_STEP_BOOT:
                step_boot(&s, cmdline, facts, d.threshold, &d);
                break;

        case LG_STEP_ARM:
                arm(&s, !(facts && facts->next_boot_only), &d);
                break;

        case LG_STEP_HEALTHY:
                /* Healthy proves nothing and gives nothing back: the
                 * watchdog starts ProveSec, the record is not written. */
                break;

        case LG_STEP_PROVEN:
                step_proven(&s, facts, &d);
                break;

        case LG_STEP_BAD:
                /* Final for this boot: an armed boot was counted when it
                 * started; a steady one is armed and counted now. */
                d.unhealthy = true;
                arm(&s, true, &d);
                break;

        case LG_STEP_SHUTDOWN:
                if (facts && facts->bad)
                        break; /* failed for good: neither proven nor neutral */
                if (healthy) {
                        step_proven(&s, facts, &d);
                        break;
                }
                /* A person rebooting before healthy: this boot does not
                 * count, its try is given back. */
                d.neutral = true;
                if (s.armed && s.tries > 0 && s.level < LG_LEVEL_MAX)
                        s.tries--;
                break;

        case LG_STEP_RESET:
                d.reset = true;
                s.tries = 0;
                s.level = 0;
                s.unproven = false;
                break;

        default:
                break;
        }

        switch (d.mode) {
        case LG_MODE_SAFE:
                d.level = 1;
                break;
        case LG_MODE_STRICT:
                d.level = 2;
                break;
        case LG_MODE_NORMAL:
                d.level = 0;
                break;
        default:
                d.level = s.level;
                break;
        }
        if (d.mode != LG_MODE_AUTO && d.mode != LG_MODE_OFF)
                d.exhausted = false;

        d.write = !state_equal(&s, old);
        *ret_new = s;
        *ret_decision = d;
}
