/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The service manager as seen over D-Bus: unit states and shutdown. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "macro.h"

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
#define SD_UNIT "org.freedesktop.systemd1.Unit"

int lg_bus_unit_state(sd_bus *bus, const char *unit, char **ret_state, bool *ret_job) {
        sd_bus_error err = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        const char *path;
        char *state = NULL;
        uint32_t job_id = 0;
        const char *job_path;
        int r;

        r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "GetUnit", &err, &reply, "s", unit);
        if (r < 0) {
                bool missing = sd_bus_error_has_name(&err, "org.freedesktop.systemd1.NoSuchUnit");
                sd_bus_error_free(&err);
                if (!missing)
                        return r;
                state = strdup("inactive");
                if (!state)
                        return -ENOMEM;
                *ret_state = state;
                if (ret_job)
                        *ret_job = false;
                return 0;
        }
        r = sd_bus_message_read(reply, "o", &path);
        if (r < 0)
                goto out;
        r = sd_bus_get_property_string(bus, SD_DEST, path, SD_UNIT, "ActiveState", &err, &state);
        if (r < 0)
                goto out;
        if (ret_job) {
                sd_bus_message *jr = NULL;

                /* Job is (uo): id 0 means none. A missing property counts as none. */
                if (sd_bus_get_property(bus, SD_DEST, path, SD_UNIT, "Job", &err, &jr, "(uo)") >= 0) {
                        if (sd_bus_message_read(jr, "(uo)", &job_id, &job_path) < 0)
                                job_id = 0;
                        sd_bus_message_unref(jr);
                }
                sd_bus_error_free(&err);
                *ret_job = job_id != 0;
        }
        *ret_state = state;
        state = NULL;
        r = 0;
out:
        free(state);
        sd_bus_error_free(&err);
        sd_bus_message_unref(reply);
        return r;
}

int lg_bus_shutting_down(sd_bus *bus) {
        _cleanup_free_ char *state = NULL;
        bool job = false;
        int r;

        r = lg_bus_unit_state(bus, LG_SHUTDOWN_TARGET, &state, &job);
        if (r < 0)
                return r;
        return job || streq(state, "active") || streq(state, "activating");
}

int lg_bus_watch_jobs(sd_bus *bus, sd_bus_message_handler_t cb, void *userdata) {
        sd_bus_error err = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_match_signal(bus, NULL, SD_DEST, SD_PATH, SD_MANAGER, "JobRemoved", cb, userdata);
        if (r < 0)
                return r;
        /* Without Subscribe() the manager sends no unit/job signals. */
        r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "Subscribe", &err, NULL, NULL);
        sd_bus_error_free(&err);
        return r;
}
