/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Naming the culprit of a crash log from the facts crash-parse.c read.
 *
 * The first report decides (later ones are taken as its consequences).
 * high:   the faulting instruction, or the headline itself (KASAN, WARNING,
 *         a panic() prefixed with [module], an SPL PANIC), is in a
 *         third-party module;
 * medium: the fault is in in-tree code but its first reliable caller that
 *         lives in a module is third-party; or nothing names the fault and
 *         the first reliable module frame is third-party; or the fault is
 *         in a module whose origin the log does not show at all;
 * low:    only weak hints (unreliable "? " frames, a workqueue) point at a
 *         single third-party family while the fault itself is unnamed;
 * none:   otherwise — a fault in in-tree code is never pinned on a module
 *         that is merely loaded or only appears in "? " frames. Withholding
 *         an innocent module costs more than a slower recovery. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crash-internal.h"
#include "macro.h"
#include "strv.h"

static const char *const confidence_table[_LG_CONFIDENCE_MAX] = {
        [LG_CONFIDENCE_NONE] = "none",
        [LG_CONFIDENCE_LOW] = "low",
        [LG_CONFIDENCE_MEDIUM] = "medium",
        [LG_CONFIDENCE_HIGH] = "high",
};

const char *lg_confidence_to_string(lg_confidence c) {
        if ((unsigned) c >= _LG_CONFIDENCE_MAX)
                return NULL;
        return confidence_table[c];
}

typedef enum origin {
        ORIGIN_IN_TREE,
        ORIGIN_UNKNOWN,      /* not in the module list; the log cannot tell */
        ORIGIN_TAINT_ONLY,   /* not in the module list shown; only the kernel's taint says some module is */
        ORIGIN_THIRD_PARTY,
} origin;

static const lg_agent *agent_of(const lg_agents *agents, const char *module) {
        if (!agents)
                return NULL;
        for (size_t i = 0; i < agents->n; i++)
                for (char **m = agents->agents[i].modules; m && *m; m++) {
                        size_t k = 0;
                        for (; (*m)[k] && module[k]; k++) {
                                char a = (*m)[k] == '-' ? '_' : (*m)[k];
                                if (a != module[k])
                                        break;
                        }
                        if (!(*m)[k] && !module[k])
                                return &agents->agents[i];
                }
        return NULL;
}

/* Where a module comes from, and a few words why. */
static origin module_origin(crash_facts *f, const lg_agents *agents, const char *name, char *why, size_t why_size) {
        const lg_agent *a = agent_of(agents, name);
        crash_module *m = crash_facts_find_module(f, name);

        if (a) {
                snprintf(why, why_size, "named by agent %s", a->name);
                return ORIGIN_THIRD_PARTY;
        }
        if (m && m->in_list && strpbrk(m->flags, "OPEX")) {
                snprintf(why, why_size, "marked (%s) in the module list", m->flags);
                return ORIGIN_THIRD_PARTY;
        }
        if (m && m->oot_line) {
                snprintf(why, why_size, "tainted the kernel when it loaded");
                return ORIGIN_THIRD_PARTY;
        }
        if (lg_crash_known_family(name)) {
                snprintf(why, why_size, "a known out-of-tree module (%s)", lg_crash_known_family(name));
                return ORIGIN_THIRD_PARTY;
        }
        if (m && m->in_list) {
                snprintf(why, why_size, "unmarked (in-tree) in the module list");
                return ORIGIN_IN_TREE;
        }
        if (f->not_tainted) {
                snprintf(why, why_size, "the kernel is not tainted");
                return ORIGIN_IN_TREE;
        }
        if (f->taint_known && !f->taint_oot) {
                snprintf(why, why_size, "the kernel carries no out-of-tree taint");
                return ORIGIN_IN_TREE;
        }
        if (f->taint_known) {
                /* The taint says some module is out of tree, not which:
                 * an in-tree module near the crash must not be named on it. */
                snprintf(why, why_size, "not in the module list shown; the kernel is tainted %s by some module", f->taint);
                return ORIGIN_TAINT_ONLY;
        }
        snprintf(why, why_size, "its origin is not in the log");
        return ORIGIN_UNKNOWN;
}

/* Frames that only report the crash (the reporting machinery itself). */
static bool helper_frame(const char *func) {
        static const char *const helpers[] = {
                "dump_stack", "dump_stack_lvl", "show_stack", "panic", "vpanic", "__warn",
                "report_bug", "handle_bug", "exc_invalid_op", "asm_exc_invalid_op", "do_error_trap",
                "do_trap", "print_report", "kasan_report", "kasan_check_range", "check_memory_region",
                "__die", "__die_body", "die", "oops_end", "no_context", "page_fault_oops",
                "do_user_addr_fault", "exc_page_fault", "asm_exc_page_fault", "show_regs",
                "usercopy_abort", "__kasan_check_read", "__kasan_check_write", "spl_dumpstack",
                "spl_panic", "nmi_panic", "watchdog_timer_fn", "__hrtimer_run_queues",
        };
        for (size_t i = 0; i < ELEMENTSOF(helpers); i++)
                if (streq(func, helpers[i]))
                        return true;
        return strncmp(func, "warn_slowpath", 13) == 0 || strncmp(func, "__asan_", 7) == 0 ||
               strncmp(func, "__ubsan_", 8) == 0;
}

typedef struct verdict {
        const char *culprit;            /* points into facts */
        const lg_agent *agent;          /* an agent named by its process or eBPF programs */
        lg_confidence confidence;
        char reason[256];
        const char *evidence[8];
        size_t n_evidence;
        bool no_agent;                  /* the report rules out any culprit */
} verdict;

static void evidence(verdict *v, const char *line) {
        if (!line || v->n_evidence >= ELEMENTSOF(v->evidence))
                return;
        for (size_t i = 0; i < v->n_evidence; i++)
                if (v->evidence[i] == line || streq(v->evidence[i], line))
                        return;
        v->evidence[v->n_evidence++] = line;
}

static void _printf_(2, 3) reason(verdict *v, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(v->reason, sizeof(v->reason), fmt, ap);
        va_end(ap);
}

/* The first reliable frame that lives in a module, skipping the reporting
 * machinery; NULL when none within the first frames. */
static const crash_frame *first_module_frame(const crash_report *r, bool reliable_only) {
        size_t seen = 0;
        for (size_t i = 0; i < r->n_frames && seen < 24; i++) {
                const crash_frame *fr = &r->frames[i];
                if (reliable_only && !fr->reliable)
                        continue;
                if (helper_frame(fr->func))
                        continue;
                seen++;
                if (fr->module[0])
                        return fr;
        }
        return NULL;
}

/* The single third-party family among the unreliable frames, or NULL when
 * there is none or more than one. */
static const char *only_third_party_hint(crash_facts *f, const lg_agents *agents, const crash_report *r) {
        const char *found = NULL, *found_family = NULL;
        char why[128];

        for (size_t i = 0; i < r->n_frames; i++) {
                const char *m = r->frames[i].module;
                if (!m[0] || module_origin(f, agents, m, why, sizeof(why)) != ORIGIN_THIRD_PARTY)
                        continue;
                const lg_agent *a = agent_of(agents, m);
                const char *fam = a ? a->name : lg_crash_known_family(m) ?: m;
                if (found_family && !streq(found_family, fam))
                        return NULL;
                if (!found)
                        found = m, found_family = fam;
        }
        return found;
}

static void decide(crash_facts *f, const lg_agents *agents, verdict *v) {
        crash_report *r = &f->first;
        char why[128];
        origin o;

        if (!f->have_first) {
                reason(v, "no crash report found in the text");
                return;
        }
        evidence(v, r->headline);

        /* A WARNING is not a crash: the kernel goes on, and a failed boot
         * comes from whatever happened next. It names its module only when
         * the kernel was told to panic on it (panic_on_warn). */
        if (r->kind == CRASH_KIND_WARN && !f->panic_on_warn) {
                reason(v, "a WARNING %s names no culprit (panic_on_warn was not set)",
                       f->panic_after_first ? "followed by an unrelated panic" : "without a panic");
                v->no_agent = true;
                return;
        }
        if (r->kind == CRASH_KIND_WARN)
                evidence(v, f->panic_on_warn);

        /* 1. The faulting instruction. */
        if (r->loc == CRASH_LOC_SYMBOL && r->rip_module[0]) {
                evidence(v, r->rip_line);
                o = module_origin(f, agents, r->rip_module, why, sizeof(why));
                if (o != ORIGIN_IN_TREE && o != ORIGIN_TAINT_ONLY) {
                        v->culprit = r->rip_module;
                        v->confidence = o == ORIGIN_THIRD_PARTY ? LG_CONFIDENCE_HIGH : LG_CONFIDENCE_MEDIUM;
                        reason(v, "the faulting instruction is in module %s (%s)", r->rip_module, why);
                        crash_module *m = crash_facts_find_module(f, r->rip_module);
                        if (m)
                                evidence(v, m->oot_evidence);
                        return;
                }
                reason(v, "the faulting instruction is in module %s, not known to be third-party (%s)", r->rip_module, why);
        } else if (r->loc == CRASH_LOC_SYMBOL) {
                evidence(v, r->rip_line);
                reason(v, "the faulting instruction is in the kernel itself (%s)", r->rip_func);
        }

        /* 2. The headline names the module itself (no faulting instruction
         * printed: KASAN, panic(), SPL PANIC; or a WARNING split oddly). */
        if (r->loc != CRASH_LOC_SYMBOL) {
                const char *hm = r->head_module[0] ? r->head_module : NULL;
                const crash_frame *hf = NULL;
                if (!hm && r->head_func[0])
                        for (size_t i = 0; i < r->n_frames; i++)
                                if (streq(r->frames[i].func, r->head_func) && r->frames[i].module[0]) {
                                        hf = &r->frames[i];
                                        hm = hf->module;
                                        break;
                                }
                if (hm) {
                        o = module_origin(f, agents, hm, why, sizeof(why));
                        /* The report is about this module: the taint backs it. */
                        if (o != ORIGIN_IN_TREE) {
                                v->culprit = hm;
                                v->confidence = o == ORIGIN_UNKNOWN ? LG_CONFIDENCE_MEDIUM : LG_CONFIDENCE_HIGH;
                                reason(v, "the report's headline names module %s (%s)", hm, why);
                                if (hf)
                                        evidence(v, hf->line);
                                evidence(v, r->wq_line);
                                return;
                        }
                        reason(v, "the report's headline names module %s, not known to be third-party (%s)", hm, why);
                        return;
                }
        }

        /* 3. The callers: the first reliable frame in a module (arm's lr
         * first, it is the caller of the faulting function). */
        const char *cm = NULL, *cline = NULL;
        if (r->lr_symbol && r->lr_module[0]) {
                cm = r->lr_module;
                cline = r->lr_line;
        } else {
                const crash_frame *fr = first_module_frame(r, true);
                if (fr) {
                        cm = fr->module;
                        cline = fr->line;
                }
        }
        if (cm) {
                o = module_origin(f, agents, cm, why, sizeof(why));
                if (o != ORIGIN_IN_TREE && o != ORIGIN_TAINT_ONLY) {
                        evidence(v, cline);
                        v->culprit = cm;
                        v->confidence = LG_CONFIDENCE_MEDIUM;
                        reason(v, "%s; its first caller in a module is %s (%s)",
                               r->loc == CRASH_LOC_SYMBOL ? "the fault is in in-tree code" : "the faulting instruction is not named",
                               cm, why);
                        return;
                }
                if (r->loc != CRASH_LOC_SYMBOL) {
                        evidence(v, cline);
                        reason(v, "the first module in the trace is %s, not known to be third-party (%s)", cm, why);
                }
                return;
        }
        if (r->loc == CRASH_LOC_SYMBOL)
                return;

        /* 4. Weak hints, only while the fault itself is unnamed. */
        const char *hint = only_third_party_hint(f, agents, r);
        if (!hint && r->wq_module[0] && module_origin(f, agents, r->wq_module, why, sizeof(why)) == ORIGIN_THIRD_PARTY)
                hint = r->wq_module;
        if (hint) {
                evidence(v, r->rip_line);
                for (size_t i = 0; i < r->n_frames; i++)
                        if (streq(r->frames[i].module, hint)) {
                                evidence(v, r->frames[i].line);
                                break;
                        }
                evidence(v, r->wq_line);
                v->culprit = hint;
                v->confidence = LG_CONFIDENCE_LOW;
                reason(v, "the faulting instruction is not named%s; only unreliable frames point at %s",
                       r->rip_module_space ? " (an address in the module area)" : "", hint);
                return;
        }
        evidence(v, r->rip_line);
        if (!v->reason[0])
                reason(v, "nothing in the report points at a third-party module");
}

static bool is_hex16(const char *s) {
        for (size_t i = 0; i < 16; i++)
                if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
                        return false;
        return true;
}

static const lg_agent *agent_of_unit(const lg_agents *agents, const char *unit) {
        for (size_t i = 0; agents && unit && i < agents->n; i++) {
                const lg_agent *a = &agents->agents[i];

                if (lg_strv_contains(a->units, unit) || lg_strv_contains(a->fallback_units, unit))
                        return a;
        }
        return NULL;
}

/* eBPF frames: "bpf_prog_6deef7357e7b4530_sd_fw_egress+0x10/0x..." names a
 * program by its tag and name; trampolines and dispatchers name none. The
 * agent is the one whose units held such a program when the watchdog last
 * looked (a healthy boot). Returns true when the trace ran through eBPF
 * (then nothing else decides). */
static bool decide_bpf(crash_facts *f, const lg_crash_context *ctx, verdict *v) {
        const crash_report *r = &f->first;
        const lg_agent *found = NULL;
        const char *found_line = NULL;
        bool any = false, other = false, stale = false;
        lg_crash_context c = *ctx;

        /* Tags are of programs as one kernel compiled them. */
        if (c.bpf && f->kernel && !streq_ptr(c.bpf->kernel, f->kernel)) {
                c.bpf = NULL;
                stale = true;
        }
        ctx = &c;

        for (size_t i = 0; i < r->n_frames; i++) {
                const char *fn = r->frames[i].func;
                const lg_agent *a = NULL;
                bool known = false;

                if (strncmp(fn, "bpf_trampoline_", 15) == 0 || strncmp(fn, "bpf_dispatcher_", 15) == 0) {
                        any = true;
                        continue;
                }
                if (strncmp(fn, "bpf_prog_", 9) != 0 || strlen(fn) < 9 + 16 || !is_hex16(fn + 9) ||
                    (fn[25] && fn[25] != '_'))
                        continue;
                any = true;
                for (size_t k = 0; ctx->bpf && k < ctx->bpf->n; k++) {
                        const lg_bpf_prog *p = &ctx->bpf->progs[k];

                        if (strncmp(p->tag, fn + 9, 16) != 0)
                                continue;
                        /* The name, when both have one, must agree too: the
                         * record holds the program's name (at most 15
                         * bytes), the symbol its BTF function name when it
                         * has one (kernel/bpf/core.c, bpf_get_prog_name()),
                         * which that name begins. */
                        if (fn[25] == '_' && p->name[0] && strncmp(fn + 26, p->name, strlen(p->name)) != 0)
                                continue;
                        known = true;
                        a = agent_of_unit(ctx->agents, p->unit);
                        if (a)
                                break;
                }
                if (!known || !a) {
                        other = true;
                        continue;
                }
                if (found && found != a) {
                        other = true;
                        continue;
                }
                if (!found) {
                        found = a;
                        found_line = r->frames[i].line;
                }
        }
        if (!any)
                return false;
        if (found && !other) {
                evidence(v, found_line);
                v->agent = found;
                v->culprit = found->name;
                v->confidence = LG_CONFIDENCE_MEDIUM;
                reason(v, "the trace runs through eBPF programs that agent %s's units had loaded", found->name);
                return true;
        }
        if (!ctx->bpf)
                reason(v, "the trace runs through eBPF programs, and no record of the loaded programs %s",
                       stale ? "of this kernel is at hand" : "is at hand");
        else if (found)
                reason(v, "the trace runs through eBPF programs of agent %s and of others", found->name);
        else
                reason(v, "the trace runs through eBPF programs that no agent's units had loaded when last seen");
        return true;
}

/* The crashing task is one of an agent's processes. Weaker than a module
 * in the trace (a process name is all it says), so consulted only when no
 * module is named with more than low confidence. */
static void decide_process(crash_facts *f, const lg_crash_context *ctx, verdict *v) {
        const crash_report *r = &f->first;
        const lg_agent *a = NULL;
        size_t n;

        if (!r->comm[0] || !ctx->agents)
                return;
        if (!lg_process_name_valid(r->comm)) {
                /* swapper/0, kworker/u8:2: the kernel's own, no agent's. */
                return;
        }
        n = lg_agents_find_process(ctx->agents, r->comm, &a);
        if (n == 0)
                return;
        if (n > 1) {
                evidence(v, r->comm_line);
                reason(v, "the crashing task %s is a process of more than one agent (%s and others): ambiguous",
                       r->comm, a->name);
                return;
        }
        evidence(v, r->comm_line);
        v->agent = a;
        v->culprit = a->name;
        v->confidence = LG_CONFIDENCE_MEDIUM;
        reason(v, "the crashing task %s is a process of agent %s", r->comm, a->name);
}

void lg_crash_report_done(lg_crash_report *r) {
        if (!r)
                return;
        free(r->culprit);
        lg_strv_free(r->evidence);
        free(r->kernel);
        free(r->taint);
        free(r->rip);
        free(r->family);
        free(r->agent);
        free(r->reason);
        free(r->headline);
        free(r->comm);
        *r = (lg_crash_report) {};
}

int lg_crash_attribute(const char *text, size_t size, const lg_agents *agents, lg_crash_report *ret) {
        lg_crash_context ctx = { .agents = agents };

        return lg_crash_attribute_ctx(text, size, &ctx, ret);
}

const char *lg_crash_fast_path_culprit(const lg_crash_report *r, const lg_agents *agents) {
        const lg_agent *a;

        if (!r || !r->culprit || r->confidence < LG_CONFIDENCE_MEDIUM)
                return NULL;
        if (!streq_ptr(r->culprit_kind, "agent"))
                return crash_modname_valid(r->culprit, strlen(r->culprit)) ? r->culprit : NULL;
        a = lg_agents_find(agents, r->culprit);
        return lg_agent_uses_fallback(a) ? r->culprit : NULL;
}

int lg_crash_attribute_ctx(const char *text, size_t size, const lg_crash_context *ctx, lg_crash_report *ret) {
        const lg_agents *agents = ctx ? ctx->agents : NULL;
        lg_crash_context none = {};
        _cleanup_(crash_facts_done) crash_facts f = {};
        lg_crash_report rep = {};
        verdict v = {};
        int r;

        if (!text)
                size = 0;
        r = crash_parse(text ?: "", size, &f);
        if (r < 0)
                return r;
        if (!ctx)
                ctx = &none;
        decide(&f, agents, &v);
        if (f.have_first && !v.no_agent && (!v.culprit || v.confidence < LG_CONFIDENCE_MEDIUM)) {
                verdict m = v;

                v.culprit = NULL;
                v.confidence = LG_CONFIDENCE_NONE;
                bool bpf = decide_bpf(&f, ctx, &v);

                if (!bpf)
                        decide_process(&f, ctx, &v);
                if (!v.culprit && m.culprit && !bpf)
                        v = m; /* the weak module hint stands */
                else if (!v.culprit && !v.reason[0])
                        memcpy(v.reason, m.reason, sizeof(v.reason));
        }

        rep.confidence = v.culprit ? v.confidence : LG_CONFIDENCE_NONE;
        rep.reports = f.reports;
        rep.id = f.have_first ? f.first.hash : f.text_hash;
        if (rep.id == 0)
                rep.id = 1;

        for (size_t i = 0; i < v.n_evidence; i++)
                if (lg_strv_push(&rep.evidence, v.evidence[i]) < 0)
                        goto oom;
        if (f.reports > 1 && f.later_headline &&
            lg_strv_pushf(&rep.evidence, "(a later report in the same record was taken as a consequence: %s)",
                          f.later_headline) < 0)
                goto oom;
        if (!rep.evidence) {
                rep.evidence = calloc(1, sizeof(char *));
                if (!rep.evidence)
                        goto oom;
        }
        if ((f.kernel && !(rep.kernel = strdup(f.kernel))) ||
            (f.taint && !(rep.taint = strdup(f.taint))) ||
            (f.first.rip_line && !(rep.rip = strdup(f.first.rip_line))) ||
            (f.first.headline && !(rep.headline = strdup(f.first.headline))) ||
            (v.reason[0] && !(rep.reason = strdup(v.reason))))
                goto oom;
        if (f.first.comm[0] && !(rep.comm = strdup(f.first.comm)))
                goto oom;
        if (v.agent) {
                rep.culprit_kind = "agent";
                if (!(rep.culprit = strdup(v.agent->name)) || !(rep.family = strdup(v.agent->name)) ||
                    !(rep.agent = strdup(v.agent->name)))
                        goto oom;
        } else if (v.culprit) {
                const lg_agent *a = agent_of(agents, v.culprit);
                rep.culprit_kind = "module";
                const char *fam = a ? a->name : lg_crash_known_family(v.culprit) ?: v.culprit;
                if (!(rep.culprit = strdup(v.culprit)) || !(rep.family = strdup(fam)) ||
                    (a && !(rep.agent = strdup(a->name))))
                        goto oom;
        }
        *ret = rep;
        return 0;
oom:
        lg_crash_report_done(&rep);
        return -ENOMEM;
}
