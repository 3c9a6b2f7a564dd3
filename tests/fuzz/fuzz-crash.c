/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: crash-log attribution (lib/crash*.c), which reads
 * whatever pstore or an administrator hands it. Beyond "no crash": the
 * result is consistent (a culprit exactly when the confidence is not none),
 * names are valid bounded module names, evidence is printable ASCII and
 * bounded, the id is never 0, and the answer does not depend on CRLF.
 * The same input also goes through lg_pstore_reassemble() (pstore's
 * "Panic#2 Part1" parts in a text, as `lastgoodctl crash` gets them): the
 * joined text is never longer than the input, holds no part header line
 * that could be taken again, and is attributed like any log. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crash.h"
#include "macro.h"
#include "strv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const lg_crash_report *r) {
        if ((r->culprit == NULL) != (r->confidence == LG_CONFIDENCE_NONE))
                abort();
        if (!lg_confidence_to_string(r->confidence) || r->id == 0 || !r->evidence)
                abort();
        if ((r->culprit == NULL) != (r->family == NULL))
                abort();
        if (r->culprit) {
                size_t n = strlen(r->culprit);
                if (n == 0 || n > 55 || strchr(r->culprit, '-'))
                        abort();
                for (const char *c = r->culprit; *c; c++)
                        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_'))
                                abort();
        }
        if (lg_strv_length(r->evidence) > 16)
                abort();
        for (char **e = r->evidence; *e; e++)
                for (const unsigned char *c = (const unsigned char *) *e; *c; c++)
                        if (*c < 0x20 || *c >= 0x7f)
                                abort();
}

static void check_reassemble(const uint8_t *data, size_t size) {
        lg_crash_report r = {};
        lg_pstore_info info = {};
        char *joined = NULL, *again = NULL;
        size_t n = 0, m = 0;
        int k;

        k = lg_pstore_reassemble((const char *) data, size, &joined, &n, &info);
        if (k < 0)
                return; /* OOM only */
        if (k == 0) {
                if (joined)
                        abort();
                return;
        }
        if (!joined || n > size || joined[n] != 0 || info.parts == 0 || info.dumps == 0)
                abort();
        if (lg_crash_attribute(joined, n, NULL, &r) >= 0) {
                check(&r);
                lg_crash_report_done(&r);
        }
        /* Reassembling the result again changes nothing when it has no
         * header left (parts of a dump cannot hold a header line unless
         * the headers ran over the cap). */
        k = lg_pstore_reassemble(joined, n, &again, &m, NULL);
        if (k == 1 && m > n)
                abort();
        free(again);
        free(joined);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        lg_crash_report a = {}, b = {};
        char *crlf;
        size_t k = 0;

        if (size > 256 * 1024)
                return 0;
        check_reassemble(data, size);
        if (lg_crash_attribute((const char *) data, size, NULL, &a) < 0)
                return 0; /* OOM only */
        check(&a);

        /* The same text with CRLF line ends must give the same answer. */
        crlf = malloc(2 * size + 1);
        if (!crlf)
                goto out;
        for (size_t i = 0; i < size; i++) {
                if (data[i] == '\r')
                        goto out_free; /* already has CRs: not comparable */
                if (data[i] == '\n')
                        crlf[k++] = '\r';
                crlf[k++] = (char) data[i];
        }
        if (lg_crash_attribute(crlf, k, NULL, &b) < 0)
                goto out_free;
        check(&b);
        if (!streq_ptr(a.culprit, b.culprit) || a.confidence != b.confidence || a.id != b.id)
                abort();
out_free:
        free(crlf);
out:
        lg_crash_report_done(&a);
        lg_crash_report_done(&b);
        return 0;
}
