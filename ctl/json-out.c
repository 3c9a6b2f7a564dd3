/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one JSON style of lastgoodctl (see json-out.h). */
#include <errno.h>
#include <stdio.h>

#include "json-out.h"

json_object *lg_json_doc_new(void) {
        json_object *o = json_object_new_object();

        if (o)
                json_object_object_add(o, "schema_version", json_object_new_int(LG_JSON_SCHEMA_VERSION));
        return o;
}

json_object *lg_json_str(const char *s) {
        return s ? json_object_new_string(s) : NULL;
}

int lg_json_print(json_object *o) {
        const char *s;
        int r = 0;

        if (!o)
                return -ENOMEM;
        s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                      JSON_C_TO_STRING_NOSLASHESCAPE);
        if (!s)
                r = -ENOMEM;
        else if (puts(s) < 0 || fflush(stdout) != 0)
                r = -EIO;
        json_object_put(o);
        return r;
}
