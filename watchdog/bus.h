/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>

/* What lastgood reads from the service manager (org.freedesktop.systemd1)
 * over sd-bus. Library code, no printing; -errno. */

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
