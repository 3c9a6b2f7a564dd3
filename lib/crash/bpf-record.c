/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The record of eBPF programs loaded on the last healthy boot
 * (LG_BPF_RECORD_PATH), so that a crash whose trace runs through
 * "bpf_prog_TAG_NAME" frames can name the agent whose units had loaded
 * it. Text, one program a line:
 *
 *     lastgood-bpf-record 1
 *     kernel 6.1.0-18-amd64
 *     prog 6deef7357e7b4530 sd_fw_egress 42 falcon-sensor.service
 *
 * ("-" for an unknown name). Bounded: at most LG_BPF_RECORD_MAX_SIZE bytes
 * and LG_BPF_RECORD_MAX_PROGS programs; anything else is -EBADMSG. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crash.h"
#include "macro.h"

#define HEADER "lastgood-bpf-record 1"

static bool tag_valid(const char *s, size_t n) {
        if (n != 16)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
                        return false;
        return true;
}

/* Names and units are printed as words: printable ASCII, no blank. */
static bool word_valid(const char *s, size_t n, size_t max) {
        if (n == 0 || n > max)
                return false;
        for (size_t i = 0; i < n; i++)
                if ((unsigned char) s[i] <= ' ' || (unsigned char) s[i] >= 0x7f)
                        return false;
        return true;
}

void lg_bpf_record_done(lg_bpf_record *rec) {
        if (!rec)
                return;
        for (size_t i = 0; i < rec->n; i++)
                free(rec->progs[i].unit);
        free(rec->progs);
        free(rec->kernel);
        *rec = (lg_bpf_record) {};
}

int lg_bpf_record_add(lg_bpf_record *rec, const char *tag, const char *name, uint32_t id, const char *unit) {
        lg_bpf_prog *p;

        if (!tag || !tag_valid(tag, strlen(tag)) || !unit || !word_valid(unit, strlen(unit), 255))
                return -EINVAL;
        if (name && *name && !word_valid(name, strlen(name), 16))
                name = NULL;
        for (size_t i = 0; i < rec->n; i++)
                if (rec->progs[i].id == id && streq(rec->progs[i].tag, tag) && streq(rec->progs[i].unit, unit))
                        return 0;
        if (rec->n >= LG_BPF_RECORD_MAX_PROGS)
                return 0;
        if (rec->n % 32 == 0) {
                p = realloc(rec->progs, (rec->n + 32) * sizeof(*p));
                if (!p)
                        return -ENOMEM;
                rec->progs = p;
        }
        p = &rec->progs[rec->n];
        *p = (lg_bpf_prog) { .id = id };
        memcpy(p->tag, tag, 16);
        if (name)
                snprintf(p->name, sizeof(p->name), "%s", name);
        p->unit = strdup(unit);
        if (!p->unit)
                return -ENOMEM;
        rec->n++;
        return 1;
}

int lg_bpf_record_parse(const char *text, size_t size, lg_bpf_record *ret) {
        lg_bpf_record rec = {};
        unsigned lineno = 0;
        int r = 0;

        if (!text || size > LG_BPF_RECORD_MAX_SIZE || memchr(text, '\0', size))
                return -EBADMSG;
        for (size_t pos = 0; pos < size && r >= 0;) {
                const char *l = text + pos, *nl = memchr(l, '\n', size - pos);
                size_t n = nl ? (size_t) (nl - l) : size - pos;
                char line[512], tag[17], name[17], unit[256];
                unsigned id;
                int used = 0;

                pos += n + 1;
                lineno++;
                if (n >= sizeof(line)) {
                        r = -EBADMSG;
                        break;
                }
                memcpy(line, l, n);
                line[n] = '\0';
                if (lineno == 1) {
                        if (!streq(line, HEADER))
                                r = -EBADMSG;
                        continue;
                }
                if (n == 0)
                        continue;
                if (strncmp(line, "kernel ", 7) == 0 && !rec.kernel) {
                        if (!word_valid(line + 7, n - 7, 128))
                                r = -EBADMSG;
                        else if (!(rec.kernel = strdup(line + 7)))
                                r = -ENOMEM;
                        continue;
                }
                if (sscanf(line, "prog %16s %16s %u %255s%n", tag, name, &id, unit, &used) != 4 ||
                    (size_t) used != n || !tag_valid(tag, strlen(tag))) {
                        r = -EBADMSG;
                        break;
                }
                r = lg_bpf_record_add(&rec, tag, streq(name, "-") ? NULL : name, id, unit);
                if (r == -EINVAL)
                        r = -EBADMSG;
        }
        if (r >= 0 && (lineno == 0 || !rec.kernel))
                r = -EBADMSG;
        if (r < 0) {
                lg_bpf_record_done(&rec);
                return r;
        }
        *ret = rec;
        return 0;
}

int lg_bpf_record_format(const lg_bpf_record *rec, char **ret, size_t *ret_size) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        if (!f)
                return -ENOMEM;
        fprintf(f, HEADER "\nkernel %s\n", rec->kernel ?: "unknown");
        for (size_t i = 0; i < rec->n; i++)
                fprintf(f, "prog %s %s %u %s\n", rec->progs[i].tag, rec->progs[i].name[0] ? rec->progs[i].name : "-",
                        rec->progs[i].id, rec->progs[i].unit);
        if (fclose(f) != 0) {
                free(buf);
                return -ENOMEM;
        }
        *ret = buf;
        *ret_size = size;
        return 0;
}

int lg_bpf_record_load(const lg_root *root, const char *kernel, lg_bpf_record *ret) {
        _cleanup_free_ char *buf = NULL;
        lg_bpf_record rec = {};
        size_t size = 0;
        int r;

        r = lg_root_read_file(root, LG_BPF_RECORD_PATH, LG_BPF_RECORD_MAX_SIZE, &buf, &size);
        if (r < 0)
                return r;
        r = lg_bpf_record_parse(buf, size, &rec);
        if (r < 0)
                return r;
        if (kernel && !streq(kernel, rec.kernel)) {
                lg_bpf_record_done(&rec);
                return -ESTALE;
        }
        *ret = rec;
        return 0;
}
