/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The service manager as seen over D-Bus: unit states and shutdown, over
 * the system bus or, on a host without a D-Bus daemon, over systemd's
 * private socket as systemd's own tools do when run as root
 * (bus_connect_system_systemd() in systemd's src/shared/bus-util.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bus.h"
#include "macro.h"

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
#define SD_UNIT "org.freedesktop.systemd1.Unit"

/* A manager that does not answer within this is as good as absent: a hung
 * bus must not hold the watchdog (or a shutdown) for sd-bus's default 25 s
 * per call. */
#define LG_BUS_CALL_TIMEOUT_USEC (10ULL * 1000000ULL)

static const char *const via_table[_LG_BUS_VIA_MAX] = {
        [LG_BUS_VIA_SYSTEM] = "system bus",
        [LG_BUS_VIA_PRIVATE] = "private socket",
        [LG_BUS_VIA_ADDRESS] = "bus address",
};

const char *lg_bus_via_to_string(lg_bus_via v) {
        return v >= 0 && v < _LG_BUS_VIA_MAX ? via_table[v] : NULL;
}

/* D-Bus address escaping (D-Bus specification, "Server Addresses"): bytes
 * outside [-0-9A-Za-z_/.\\] become %xx. */
static char *address_escape(const char *s) {
        char *out = malloc(strlen(s) * 3 + 1), *o = out;

        if (!out)
                return NULL;
        for (const unsigned char *c = (const unsigned char *) s; *c; c++) {
                if ((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                    strchr("-_/.\\", *c))
                        *o++ = (char) *c;
                else
                        o += sprintf(o, "%%%02x", *c);
        }
        *o = 0;
        return out;
}

int lg_bus_open_address(const char *address, bool bus_client, sd_bus **ret) {
        sd_bus *bus = NULL;
        int r;

        r = sd_bus_new(&bus);
        if (r < 0)
                return r;
        r = sd_bus_set_address(bus, address);
        if (r >= 0)
                r = sd_bus_set_bus_client(bus, bus_client);
        if (r >= 0)
                r = sd_bus_set_method_call_timeout(bus, LG_BUS_CALL_TIMEOUT_USEC);
        if (r >= 0)
                r = sd_bus_start(bus);
        if (r < 0) {
                sd_bus_unref(bus);
                return r;
        }
        *ret = bus;
        return 0;
}

static int open_socket(const lg_root *root, const char *path, bool bus_client, sd_bus **ret) {
        _cleanup_free_ char *full = NULL, *escaped = NULL, *address = NULL;

        full = lg_root_path(root, path);
        if (!full)
                return -ENOMEM;
        escaped = address_escape(full);
        if (!escaped)
                return -ENOMEM;
        address = malloc(strlen(escaped) + sizeof("unix:path="));
        if (!address)
                return -ENOMEM;
        strcpy(address, "unix:path=");
        strcat(address, escaped);
        return lg_bus_open_address(address, bus_client, ret);
}

int lg_bus_open_system(const lg_root *root, sd_bus **ret) {
        sd_bus *bus = NULL;
        int r;

        if (!lg_root_is_host(root))
                return open_socket(root, LG_SYSTEM_BUS_SOCKET, true, ret);
        /* The host's system bus, as every client finds it
         * (DBUS_SYSTEM_BUS_ADDRESS, else the standard socket). */
        r = sd_bus_open_system(&bus);
        if (r < 0)
                return r;
        (void) sd_bus_set_method_call_timeout(bus, LG_BUS_CALL_TIMEOUT_USEC);
        *ret = bus;
        return 0;
}

int lg_bus_open_private(const lg_root *root, sd_bus **ret) {
        sd_bus *bus = NULL;
        struct ucred ucred;
        socklen_t n = sizeof(ucred);
        int fd, r;

        r = open_socket(root, LG_SYSTEMD_PRIVATE_SOCKET, false, &bus);
        if (r < 0)
                return r;
        /* Only the manager (root) or ourselves may answer there: the same
         * check as systemd's bus_check_peercred(). */
        fd = sd_bus_get_fd(bus);
        if (fd < 0)
                r = fd;
        else if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &ucred, &n) < 0)
                r = negative_errno();
        else if (n != sizeof(ucred))
                r = -EIO;
        else if (ucred.uid != 0 && ucred.uid != geteuid())
                r = -EPERM;
        if (r < 0) {
                sd_bus_flush_close_unref(bus);
                return r;
        }
        *ret = bus;
        return 0;
}

/* Does the manager answer on this connection? org.freedesktop.DBus.Peer is
 * answered by every sd-bus and libdbus peer; on the system bus the call
 * fails (ServiceUnknown, NameHasNoOwner) while PID 1 is not on it. */
static int ping_manager(sd_bus *bus) {
        sd_bus_error err = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_call_method(bus, SD_DEST, SD_PATH, "org.freedesktop.DBus.Peer", "Ping", &err, NULL, NULL);
        sd_bus_error_free(&err);
        return r < 0 ? r : 0;
}

int lg_bus_connect_manager(const lg_root *root, const char *address, sd_bus **ret, lg_bus_via *ret_via,
                           int *ret_system_error) {
        sd_bus *bus = NULL;
        int r;

        if (address) {
                r = lg_bus_open_address(address, true, &bus);
                if (r >= 0)
                        r = ping_manager(bus);
                if (r < 0) {
                        sd_bus_flush_close_unref(bus);
                        return r;
                }
                *ret = bus;
                *ret_via = LG_BUS_VIA_ADDRESS;
                return 0;
        }

        r = lg_bus_open_system(root, &bus);
        if (r >= 0) {
                r = ping_manager(bus);
                if (r >= 0) {
                        *ret = bus;
                        *ret_via = LG_BUS_VIA_SYSTEM;
                        if (ret_system_error)
                                *ret_system_error = 0;
                        return 0;
                }
                bus = sd_bus_flush_close_unref(bus);
        }
        if (ret_system_error)
                *ret_system_error = r;

        r = lg_bus_open_private(root, &bus);
        if (r >= 0)
                r = ping_manager(bus);
        if (r < 0) {
                sd_bus_flush_close_unref(bus);
                return r;
        }
        *ret = bus;
        *ret_via = LG_BUS_VIA_PRIVATE;
        return 0;
}

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

        /* A direct connection (the private socket) has no bus daemon to
         * stamp a sender on the manager's signals: match on the sender
         * only on a bus, as systemd's bus-wait-for-jobs.c does. */
        r = sd_bus_match_signal(bus, NULL, sd_bus_is_bus_client(bus) > 0 ? SD_DEST : NULL, SD_PATH, SD_MANAGER,
                                "JobRemoved", cb, userdata);
        if (r < 0)
                return r;
        /* Without Subscribe() the manager sends no unit/job signals. */
        r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "Subscribe", &err, NULL, NULL);
        sd_bus_error_free(&err);
        return r;
}
