/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Known third-party module families: modules shipped in one package fail
 * together and are withheld together, so a crash in spl counts for zfs and
 * one in nvidia_modeset for nvidia. Every name here is out of tree (none of
 * them exists in the kernel's own tree), so a module listed here is
 * third-party even on kernels too old to print taint markers. Agents'
 * Modules= lists extend this at run time. */
#include <string.h>

#include "crash-internal.h"
#include "macro.h"

static const struct {
        const char *head;
        const char *members[12];
        const char *prefix;  /* members by prefix (names carry versions) */
} families[] = {
        { "nvidia", { "nvidia", "nvidia_modeset", "nvidia_drm", "nvidia_uvm", "nvidia_peermem",
                      "nvidia_vgpu_vfio", "nvidia_fs" } },
        { "zfs", { "zfs", "spl", "zavl", "znvpair", "zunicode", "zcommon", "zlua", "icp", "zzstd",
                   "splat" } },
        { "vboxdrv", { "vboxdrv", "vboxnetflt", "vboxnetadp", "vboxpci" } },
        { "vmmon", { "vmmon", "vmnet", "vmblock", "vmci_vmware" } },
        { "prl_tg", { "prl_tg", "prl_eth", "prl_fs", "prl_fs_freeze", "prl_vid", "prl_netnet" } },
        { "openrazer", { "razerkbd", "razermouse", "razercore", "razeraccessory", "razerkraken",
                         "razerfirefly", "razermug", "razercore" } },
        { "falcon", {}, "falcon_" },            /* CrowdStrike Falcon sensor */
        { "lttng", {}, "lttng_" },              /* lttng-modules */
        { "veeamsnap", { "veeamsnap", "veeamblksnap" } },
        { "snapapi", {}, "snapapi" },           /* Acronis */
        { "dattobd", { "dattobd" } },
        { "v4l2loopback", { "v4l2loopback" } },
        { "evdi", { "evdi" } },
        { "wl", { "wl" } },                     /* Broadcom STA */
        { "amneziawg", { "amneziawg" } },
        { "p_lkrg", { "p_lkrg", "lkrg" } },
        { "sysdig", { "sysdig_probe", "scap", "falco" } },
};

const char *lg_crash_known_family(const char *module) {
        if (!module)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(families); i++) {
                if (families[i].prefix && strncmp(module, families[i].prefix, strlen(families[i].prefix)) == 0)
                        return families[i].head;
                for (size_t j = 0; j < ELEMENTSOF(families[i].members) && families[i].members[j]; j++)
                        if (streq(module, families[i].members[j]))
                                return families[i].head;
        }
        return NULL;
}
