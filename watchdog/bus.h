/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>

#include "rootfs.h"

/* What lastgood reads from the service manager (org.freedesktop.systemd1)
 * over sd-bus. Library code, no printing; -errno. */

/* The system bus socket and systemd's private socket, under the root. */
#define LG_SYSTEM_BUS_SOCKET "/run/dbus/system_bus_socket"
#define LG_SYSTEMD_PRIVATE_SOCKET "/run/systemd/private"

typedef enum lg_bus_via {
        LG_BUS_VIA_SYSTEM,   /* the system bus (dbus-daemon, dbus-broker) */
        LG_BUS_VIA_PRIVATE,  /* systemd's private socket: a direct connection to PID 1 */
        LG_BUS_VIA_ADDRESS,  /* a bus address given by the caller (tests) */
        _LG_BUS_VIA_MAX,
} lg_bus_via;

/* "system bus", "private socket", "bus address". */
const char *lg_bus_via_to_string(lg_bus_via v);

/* A started connection to address: bus_client for a bus with a daemon
 * (Hello, names), false for a direct peer. Returns 0 or -errno. */
int lg_bus_open_address(const char *address, bool bus_client, sd_bus **ret);
/* The system bus: sd_bus_open_system() for the host root, else the socket
 * LG_SYSTEM_BUS_SOCKET under the root. Returns 0 or -errno (-ENOENT,
 * -ECONNREFUSED: no D-Bus daemon). */
int lg_bus_open_system(const lg_root *root, sd_bus **ret);
/* systemd's private socket under the root, a direct connection; the peer
 * must be root or this user (else -EPERM). Returns 0 or -errno. */
int lg_bus_open_private(const lg_root *root, sd_bus **ret);
/* The service manager, answering (org.freedesktop.DBus.Peer.Ping): over
 * address when not NULL; else over the system bus, else over the private
 * socket. *ret_system_error: why the system bus was not used (0 when it
 * was). Returns 0, or -errno of the last attempt. */
int lg_bus_connect_manager(const lg_root *root, const char *address, sd_bus **ret, lg_bus_via *ret_via,
                           int *ret_system_error);

#define LG_BOOT_COMPLETE_TARGET "boot-complete.target"
#define LG_SHUTDOWN_TARGET "shutdown.target"

/* ActiveState of a unit ("active", "failed", ...); a unit the manager has
 * not loaded is "inactive". *ret_job: a job is queued for it.
 * Returns 0 or -errno. */
int lg_bus_unit_state(sd_bus *bus, const char *unit, char **ret_state, bool *ret_job);

/* True when the system is going down: shutdown.target is active, activating
 * or has a job queued (poweroff, reboot, halt, kexec all pull it in).
 * A mere `systemctl stop` of the watchdog does not queue it. */
int lg_bus_shutting_down(sd_bus *bus);

/* Subscribe to the manager's signals and call cb for JobRemoved. */
int lg_bus_watch_jobs(sd_bus *bus, sd_bus_message_handler_t cb, void *userdata);
