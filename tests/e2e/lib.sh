# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# The end-to-end rig: a Debian 12 guest booted under QEMU (TCG) + OVMF, one
# QEMU run per boot, the OVMF variable store and the disk image carried from
# boot to boot. Sourced by tests/e2e/*.sh.
#
# Needs root (debootstrap, chroot) and the packages of .ci/packages. The
# kernel headers package matching the guest kernel is not in .ci/packages
# (its name carries the kernel ABI, resolved at run time): e2e_host_setup
# installs it with apt-get when it is missing.
#
# Environment:
#   LASTGOOD_E2E_CACHE   cache folder (default $top_builddir/tests/e2e/.cache)
#   LASTGOOD_E2E_KEEP=1  keep the work folder of a test (default: removed)
#   LASTGOOD_E2E_BOOT_TIMEOUT  seconds per boot (default 150: generous for a loaded machine)
#   LASTGOOD_E2E_VERBOSE=1     copy each serial log to stderr

set -euo pipefail

E2E_RIG_VERSION=3
E2E_GUID=5d6f9d7f-8fb2-447b-889a-27e408146ce9
E2E_STATE_VAR="LastGoodState-$E2E_GUID"
E2E_QUAR_VAR="LastGoodQuarantine-$E2E_GUID"

# MESSAGE_IDs of DESIGN.md's journal table.
declare -A E2E_MSGID=(
        [counted]=f512fca8badc4407aed2807c102a59a3
        [safe-mode]=605d133f879541c6af3eb804f5a8449e
        [withheld]=202bb5539a0b41fb99c1ed313c3c5435
        [healthy]=c4e37499c9ef4c4eb05e8cc6773f08ce
        [proven]=7c3647799b584874825ece8b306b803b
        [unhealthy]=1ad7ae27e18e41ed99f2fa0b506c8ae5
        [culprit]=c3b3145aed6c4a7c8b1517766ebb932c
        [exhausted]=967cd6dae204458f9c1f906356f7aaf2
        [released]=02a4660dc9834676abaff33688fb8024
        [corrupt]=b01d199650a743cda75439e341b24aa1
        [armed]=b83179c7853e45618ad897dcd4ce5248
        [override]=d6040cbea783455b8c8f8248cd1f3cc8
        [reset]=c1777c1426114746bc56bdfbf1d02426
        [narrowing]=7dc2bf4fc2304e85b2bdb5dc504b4bde
)

: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
top_srcdir=$(cd "$top_srcdir" && pwd)
top_builddir=$(cd "$top_builddir" && pwd)
E2E_DIR="$top_srcdir/tests/e2e"
E2E_CACHE="${LASTGOOD_E2E_CACHE:-$top_builddir/tests/e2e/.cache}"
E2E_BOOT_TIMEOUT="${LASTGOOD_E2E_BOOT_TIMEOUT:-150}"
# Guests side by side: a TCG boot with one vCPU costs about 20 CPU seconds
# against 27-30 with two (MTTCG's cross-CPU work), so on a 2-core host two
# one-vCPU guests at once boot about 1.5 times as many guests an hour as
# one two-vCPU guest at a time (tests/e2e/README.md, "Time").
E2E_JOBS="${LASTGOOD_E2E_JOBS:-2}"
E2E_SMP="${LASTGOOD_E2E_SMP:-1}"
E2E_OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.fd
E2E_OVMF_VARS=/usr/share/OVMF/OVMF_VARS_4M.fd
# Packages of the guest besides the kernel. Runtime libraries of lastgood's
# programs (built on the host, same release) are listed explicitly.
E2E_GUEST_PACKAGES="systemd,systemd-sysv,udev,kmod,initramfs-tools,busybox,linux-base,dbus,efivar,libefivar1,libkmod2,libsystemd0,libudev1,libinih1,libjson-c5,e2fsprogs"
# The Debian release of the guest: bookworm (Debian 12, the default: the
# host's own release, kernel and lastgood build) or trixie (Debian 13: a
# trixie build root makes the package and the test module, the guest gets
# trixie's own kernel; set E2E_RELEASE=trixie before e2e_begin).
E2E_RELEASE="${E2E_RELEASE:-bookworm}"
# A trixie guest's packages: no dbus (a minbase host with systemd has no
# D-Bus daemon) and no lastgood runtime libraries (apt installs them with
# the package, as on any trixie host: their names changed in the 64-bit
# time_t transition, libefivar1 -> libefivar1t64).
E2E_GUEST_PACKAGES_TRIXIE="systemd,systemd-sysv,udev,kmod,initramfs-tools,busybox,linux-base,efivar,e2fsprogs"
# The guest's initramfs generator: initramfs-tools (default) or dracut
# (Debian's dracut installed with apt instead of initramfs-tools, in the
# cached base; set E2E_INITRAMFS=dracut before e2e_begin).
E2E_INITRAMFS="${E2E_INITRAMFS:-initramfs-tools}"

e2e_log() { printf '[e2e %s] %s\n' "$(date +%T)" "$*" >&2; }
e2e_die() { printf '[e2e] FAIL: %s\n' "$*" >&2; exit 1; }

# Phase timing: e2e_phase NAME starts a phase, e2e_phase_end prints its time.
E2E_PHASE=""; E2E_PHASE_T0=0
e2e_phase() { E2E_PHASE="$1"; E2E_PHASE_T0=$(date +%s.%N); e2e_log "== $1"; }
e2e_phase_end() {
        local t; t=$(echo "$(date +%s.%N) - $E2E_PHASE_T0" | bc)
        printf '[e2e] TIME %-28s %6.1f s\n' "$E2E_PHASE" "$t" >&2
        E2E_TIMES+=("$(printf '%-28s %6.1f s' "$E2E_PHASE" "$t")")
}
E2E_TIMES=()

# ---------------------------------------------------------------- assertions
E2E_CHECKS=0
e2e_ok() { E2E_CHECKS=$((E2E_CHECKS + 1)); printf '[e2e] ok %d - %s\n' "$E2E_CHECKS" "$*" >&2; }
e2e_assert() { # DESCRIPTION COMMAND...
        local what="$1"; shift
        if "$@"; then e2e_ok "$what"; else e2e_die "$what (failed: $*)"; fi
}
e2e_assert_eq() { # DESCRIPTION EXPECTED ACTUAL
        if [[ "$2" == "$3" ]]; then e2e_ok "$1 ($3)"; else e2e_die "$1: expected '$2', got '$3'"; fi
}

# ---------------------------------------------------------------- host setup
e2e_require_root() {
        [[ $(id -u) == 0 ]] || e2e_die "the end-to-end rig needs root (debootstrap, chroot)"
}

e2e_mirror() {
        local m
        m=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
        [[ -n "$m" ]] || m=$(awk '/^deb / { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
        [[ -n "$m" ]] || e2e_die "no Debian mirror in the host's apt configuration"
        echo "$m"
}

# The one kernel of the guest: what linux-image-cloud-amd64 depends on in the
# host's apt (bookworm + bookworm-security), e.g. 6.1.0-56-cloud-amd64.
e2e_resolve_kernel() {
        local pkg
        pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
              awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
        [[ -n "$pkg" ]] || e2e_die "cannot resolve linux-image-cloud-amd64 in apt"
        E2E_KPKG="$pkg"
        E2E_KVER="${pkg#linux-image-}"
        E2E_KDEB_VERSION=$(apt-cache show "$pkg" | awk '/^Version:/ { print $2; exit }')
}

e2e_host_setup() {
        e2e_require_root
        local t
        for t in qemu-system-x86_64 debootstrap mke2fs e2fsck debugfs python3 journalctl timeout bc unshare; do
                command -v "$t" >/dev/null || e2e_die "missing host tool $t (see .ci/packages)"
        done
        [[ -r $E2E_OVMF_CODE && -r $E2E_OVMF_VARS ]] || e2e_die "missing OVMF (package ovmf)"
        mkdir -p "$E2E_CACHE/debs"
        if [[ $E2E_RELEASE != bookworm ]]; then
                # Kernel, headers, package and test module all come from the
                # release's build root (built here, before the QEMU lock).
                e2e_build_root "$E2E_RELEASE"
                return 0
        fi
        e2e_resolve_kernel
        if [[ ! -f /usr/src/linux-headers-$E2E_KVER/Makefile ]]; then
                e2e_log "installing linux-headers-$E2E_KVER"
                DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "linux-headers-$E2E_KVER" >/dev/null
        fi
        E2E_KDEB=$(ls "$E2E_CACHE"/debs/"${E2E_KPKG}_${E2E_KDEB_VERSION/:/%3a}"_amd64.deb 2>/dev/null | head -1 || true)
        if [[ -z "$E2E_KDEB" ]]; then
                e2e_log "downloading $E2E_KPKG $E2E_KDEB_VERSION"
                (cd "$E2E_CACHE/debs" && apt-get download -q "$E2E_KPKG=$E2E_KDEB_VERSION" >&2) 2>&1 |
                        grep -v 'unsandboxed' >&2 || true
                E2E_KDEB=$(ls "$E2E_CACHE"/debs/"${E2E_KPKG}"_*_amd64.deb | head -1)
        fi
        [[ -f "$E2E_KDEB" ]] || e2e_die "kernel package not downloaded"
}

# ---------------------------------------------------------------- releases
# Timing of a step inside whatever phase runs (cache builds happen inside a
# scenario's "image" phase): e2e_step NAME ... e2e_step_end.
E2E_STEP=""; E2E_STEP_T0=0
e2e_step() { E2E_STEP="$1"; E2E_STEP_T0=$(date +%s.%N); e2e_log "-- $1"; }
e2e_step_end() {
        local t; t=$(echo "$(date +%s.%N) - $E2E_STEP_T0" | bc)
        printf '[e2e] TIME %-28s %6.1f s\n' "$E2E_STEP" "$t" >&2
        E2E_TIMES+=("$(printf '%-28s %6.1f s' "$E2E_STEP" "$t")")
}
# e2e_chroot ROOT COMMAND...: COMMAND in ROOT with /proc, /dev and /sys
# (read-only) mounted
# in a private mount namespace (gone with the command: nothing to clean
# up, nothing left behind when a test is killed).
e2e_chroot() {
        unshare --mount --propagation private --fork sh -c '
                r=$1; shift
                mount -t proc proc "$r/proc" && mount --rbind /dev "$r/dev" &&
                        mount -t sysfs -o ro sysfs "$r/sys" || exit 125
                exec chroot "$r" "$@"' sh "$@"
}

# Packages of a build root besides the build dependencies of
# debian/control: lintian (the release's own), the cloud kernel's headers
# (the test module of the release's guest is built against them).
E2E_BUILDROOT_EXTRA="lintian linux-headers-cloud-amd64"

# e2e_build_root RELEASE: a Debian RELEASE root (debootstrap minbase) with
# the build dependencies of debian/control installed by apt-get build-dep,
# as a developer of that release has them. Cached as a folder keyed by its
# inputs (release, Build-Depends, the recipe's version); builders of the same
# root wait for each other (not on the QEMU lock). Sets E2E_BUILDROOT and,
# from its headers, the release's kernel: E2E_KVER, E2E_KPKG,
# E2E_KDEB_VERSION.
E2E_BUILDROOT_RECIPE=1   # bump when e2e_build_root builds differently
e2e_build_root() {
        local rel="$1" key mirror tmp d
        key=$( {
                echo "$E2E_RIG_VERSION $rel $E2E_BUILDROOT_EXTRA $E2E_BUILDROOT_RECIPE"
                sed -n '/^Build-Depends:/,/^[^ ]/p' "$top_srcdir/debian/control"
        } | sha256sum | cut -c1-16)
        d="$E2E_CACHE/buildroot-$rel-$key"
        E2E_BUILDROOT="$d"
        mkdir -p "$E2E_CACHE"
        [[ -f "$d/.ready" ]] || { exec 8>"$E2E_CACHE/.buildroot-$rel.lock"; flock 8; }
        if [[ ! -f "$d/.ready" ]]; then
                mirror=$(e2e_mirror)
                tmp="$d.tmp"
                rm -rf "$tmp" "$d"; mkdir -p "$tmp"
                e2e_step "$rel build root: debootstrap"
                debootstrap --variant=minbase "$rel" "$tmp/root" "$mirror" >"$tmp/debootstrap.log" 2>&1 ||
                        { tail -20 "$tmp/debootstrap.log" >&2; e2e_die "debootstrap $rel failed"; }
                e2e_step_end
                e2e_step "$rel build root: build dependencies"
                mkdir -p "$tmp/root/tmp/src/debian"
                cp "$top_srcdir/debian/control" "$top_srcdir/debian/changelog" "$tmp/root/tmp/src/debian/"
                # INITRD=No: the kernel of the tests' build dependencies needs
                # no initramfs in a build root.
                e2e_chroot "$tmp/root" env DEBIAN_FRONTEND=noninteractive INITRD=No sh -ec '
                        apt-get -q update
                        apt-get -y -q --no-install-recommends build-dep /tmp/src
                        apt-get -y -q --no-install-recommends install '"$E2E_BUILDROOT_EXTRA"'
                        apt-get clean' >"$tmp/build-deps.log" 2>&1 ||
                        { tail -30 "$tmp/build-deps.log" >&2; e2e_die "installing the build dependencies in $rel failed"; }
                rm -rf "$tmp/root/tmp/src"
                mv "$tmp/root" "$d"
                mv "$tmp"/*.log "$d/" && rmdir "$tmp"
                touch "$d/.ready"
                # Older build roots of this release are of no use any more.
                find "$E2E_CACHE" -maxdepth 1 -name "buildroot-$rel-*" ! -name "buildroot-$rel-$key" \
                        -exec rm -rf {} +
                e2e_step_end
        fi
        exec 8>&-
        E2E_KVER=$(ls "$d/usr/src" | sed -n 's/^linux-headers-\(.*-cloud-amd64\)$/\1/p' | sort -V | tail -n 1)
        [[ -n "$E2E_KVER" ]] || e2e_die "no cloud kernel headers in the $rel build root"
        E2E_KPKG="linux-image-$E2E_KVER"
        E2E_KDEB_VERSION=$(chroot "$d" dpkg-query -W -f '${Version}' "linux-headers-$E2E_KVER")
}

# e2e_release_deb RELEASE: the Debian package of the source tree as it is,
# built in RELEASE's build root as the project's CI builds it (as root:
# dracut 106 cannot pack an image as a user, its systemd-sysusers writes
# etc/shadow with mode 0000), `dpkg-buildpackage -us -uc -b` with the
# package's tests (make check; the
# package configures --disable-e2e: no QEMU), then the release's lintian
# on the result. Once per content and build root into the cache: sets
# E2E_LG_DEB and E2E_LG_DEB_DIR (build.log, lintian.log, lintian.rc).
# LASTGOOD_E2E_DEB_NOCHECK=1 leaves the tests out (DEB_BUILD_OPTIONS=
# nocheck: a quicker package for working on a scenario; a build of its own,
# which trixie-build.sh refuses).
E2E_RELEASE_DEB_RECIPE=1   # bump when e2e_release_deb builds differently
# e2e_release_deb_cached RELEASE: as e2e_release_deb, but only from the
# cache: returns 1 (sets nothing) when that package is not built yet.
e2e_release_deb_cached() {
        E2E_RELEASE_DEB_CACHED_ONLY=1 e2e_release_deb "$1"
}
e2e_release_deb() {
        local rel="$1" key out b rc opts=parallel=2
        e2e_build_root "$rel"
        # The key: what goes into the package (the end-to-end rig does
        # not: editing a scenario rebuilds nothing), the build root, the
        # recipe's version.
        key=$( { cd "$top_srcdir" && git ls-files -co --exclude-standard -z | sort -z |
                grep -zv '^tests/e2e/' | xargs -0 sha256sum 2>/dev/null
                echo "$E2E_BUILDROOT $E2E_RELEASE_DEB_RECIPE ${LASTGOOD_E2E_DEB_NOCHECK:-0}"; } |
                sha256sum | cut -c1-16)
        out="$E2E_CACHE/deb-$rel-$key"
        [[ "${LASTGOOD_E2E_DEB_NOCHECK:-0}" == 1 ]] && opts="nocheck $opts"
        E2E_LG_DEB_DIR="$out"
        if [[ "${E2E_RELEASE_DEB_CACHED_ONLY:-0}" == 1 ]]; then
                [[ -f "$out/.ready" ]] || return 1
                E2E_LG_DEB_DIR="$out"
                E2E_LG_DEB=$(ls "$out"/lastgood_*.deb | grep -v dbgsym | head -n 1)
                return 0
        fi
        exec 8>"$E2E_CACHE/.deb-$rel.lock"
        flock 8
        if [[ ! -f "$out/.ready" ]]; then
                e2e_step "$rel: dpkg-buildpackage ($opts), lintian"
                rm -rf "$out"; mkdir -p "$out"
                b="$E2E_BUILDROOT/build/$key"
                rm -rf "$b"; mkdir -p "$b/lastgood"
                (cd "$top_srcdir" && git ls-files -co --exclude-standard -z | cpio -0pdm --quiet "$b/lastgood")
                set +e
                # As from a shell: the test's make (MAKEFLAGS carries its
                # TESTS= and TEST_SUITE_LOG=) must not reach the package's.
                e2e_chroot "$E2E_BUILDROOT" env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES \
                        HOME=/root DEB_BUILD_OPTIONS="$opts" \
                        sh -c "cd /build/$key/lastgood && dpkg-buildpackage -us -uc -b" >"$out/build.log" 2>&1
                rc=$?
                set -e
                if [[ $rc != 0 ]]; then
                        tail -60 "$out/build.log" >&2
                        exec 8>&-
                        e2e_die "dpkg-buildpackage in the $rel build root failed (log $out/build.log)"
                fi
                set +e
                e2e_chroot "$E2E_BUILDROOT" env HOME=/root \
                        sh -c "cd /build/$key && lintian --fail-on error,warning lastgood_*.changes" \
                        >"$out/lintian.log" 2>&1
                echo $? >"$out/lintian.rc"
                set -e
                mv "$b"/lastgood_*.deb "$out/"
                rm -rf "$b"
                touch "$out/.ready"
                # Packages of other contents a day old are of no use any
                # more (younger ones may be another test's, still building).
                find "$E2E_CACHE" -maxdepth 1 -name "deb-$rel-*" ! -name "deb-$rel-$key" -mmin +1440 \
                        -exec rm -rf {} +
                e2e_step_end
        fi
        exec 8>&-
        E2E_LG_DEB=$(ls "$out"/lastgood_*.deb | grep -v dbgsym | head -n 1)
}

# ---------------------------------------------------------------- base image
# Everything that goes into the cached base (kernel, packages, how it is
# built) is part of its key. The test configuration of the guest (masked
# units, the rig's helpers) is applied per guest: changing it costs no
# debootstrap.
e2e_base_key() {
        {
                echo "$E2E_RIG_VERSION $E2E_RELEASE $E2E_INITRAMFS $E2E_KPKG $E2E_KDEB_VERSION"
                echo "$E2E_GUEST_PACKAGES $E2E_GUEST_PACKAGES_TRIXIE"
                declare -f e2e_build_base
        } | sha256sum | cut -c1-16
}

# Builds (once) the base root of $E2E_RELEASE: debootstrap and the kernel
# (bookworm: the host's, from E2E_KDEB; trixie: the one of the build root's
# headers, from the archive).
# Result: $E2E_BASE_TAR.
e2e_build_base() {
        local key mirror tmp pkgs=$E2E_GUEST_PACKAGES name=$E2E_RELEASE
        key=$(e2e_base_key)
        [[ $E2E_INITRAMFS == dracut ]] && name="$name-dracut"
        E2E_BASE_TAR="$E2E_CACHE/base-$name-$key.tar"
        [[ -f "$E2E_BASE_TAR" ]] && return 0
        [[ $E2E_RELEASE == trixie ]] && pkgs=$E2E_GUEST_PACKAGES_TRIXIE
        mirror=$(e2e_mirror)
        tmp="$E2E_CACHE/base-$name-$key.tmp"
        rm -rf "$tmp"; mkdir -p "$tmp"
        e2e_phase "debootstrap $E2E_RELEASE"
        debootstrap --variant=minbase --include="$pkgs" "$E2E_RELEASE" "$tmp/root" "$mirror" \
                >"$tmp/debootstrap.log" 2>&1 || { tail -20 "$tmp/debootstrap.log" >&2; e2e_die "debootstrap failed"; }
        e2e_phase_end
        e2e_phase "base: kernel"
        # INITRD=No: the initramfs is built later, once lastgood is in.
        if [[ $E2E_RELEASE == bookworm ]]; then
                cp "$E2E_KDEB" "$tmp/root/tmp/kernel.deb"
                INITRD=No chroot "$tmp/root" dpkg -i /tmp/kernel.deb >"$tmp/kernel.log" 2>&1 ||
                        { tail -20 "$tmp/kernel.log" >&2; e2e_die "kernel install failed"; }
                rm -f "$tmp/root/tmp/kernel.deb"
        else
                # The apt lists stay: lastgood is installed with apt (its
                # runtime libraries come from the archive).
                e2e_chroot "$tmp/root" env DEBIAN_FRONTEND=noninteractive INITRD=No sh -ec '
                        apt-get -q update
                        apt-get -y -q --no-install-recommends install "$1=$2"' sh "$E2E_KPKG" "$E2E_KDEB_VERSION" \
                        >"$tmp/kernel.log" 2>&1 || { tail -20 "$tmp/kernel.log" >&2; e2e_die "kernel install failed"; }
        fi
        if [[ $E2E_INITRAMFS == dracut ]]; then
                # As an administrator switches: apt installs dracut, which
                # removes initramfs-tools (they conflict).
                e2e_chroot "$tmp/root" env DEBIAN_FRONTEND=noninteractive INITRD=No sh -ec '
                        apt-get -q update
                        apt-get -y -q --no-install-recommends install dracut' \
                        >"$tmp/dracut.log" 2>&1 || { tail -20 "$tmp/dracut.log" >&2; e2e_die "installing dracut failed"; }
                # (initramfs-tools-core, mkinitramfs's package, stays.)
                [[ $(chroot "$tmp/root" dpkg-query -W -f '${db:Status-Status}' initramfs-tools) != installed ]] ||
                        e2e_die "initramfs-tools is still installed beside dracut"
                rm -f "$tmp/root/boot"/initrd.img-*
        fi
        chroot "$tmp/root" apt-get clean
        rm -rf "$tmp/root/usr/share/doc" "$tmp/root/usr/share/man" "$tmp/root/usr/share/locale" \
               "$tmp/root/var/cache/debconf"/*-old
        [[ $E2E_RELEASE == bookworm ]] && rm -rf "$tmp/root/var/lib/apt/lists"/*
        tar -C "$tmp/root" -cf "$E2E_BASE_TAR.part" .
        mv "$E2E_BASE_TAR.part" "$E2E_BASE_TAR"
        rm -rf "$tmp"
        # Older bases of this kind are of no use any more.
        find "$E2E_CACHE" -maxdepth 1 -name "base-$name-*.tar" ! -name "base-$name-$key.tar" -delete
        e2e_phase_end
}

e2e_configure_base() {
        local r="$1" u
        echo lastgood-e2e >"$r/etc/hostname"
        printf '127.0.0.1 localhost lastgood-e2e\n' >"$r/etc/hosts"
        : >"$r/etc/fstab"
        # A fixed machine id: no first-boot logic (presets) in the guest, and
        # one journal folder to read back.
        echo 4c617374476f6f64e2ee2e5465737430 >"$r/etc/machine-id"
        mkdir -p "$r/var/log/journal"
        mkdir -p "$r/etc/systemd/journald.conf.d"
        printf '[Journal]\nStorage=persistent\nSyncIntervalSec=1s\n' >"$r/etc/systemd/journald.conf.d/e2e.conf"
        # Units a test guest does not need: they only cost boot time.
        for u in getty@.service serial-getty@.service console-getty.service \
                 apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer \
                 e2scrub_all.timer e2scrub_reap.service fstrim.timer \
                 systemd-tmpfiles-clean.timer systemd-random-seed.service \
                 systemd-fsck-root.service systemd-hwdb-update.service \
                 ldconfig.service systemd-update-done.service \
                 systemd-journal-catalog-update.service systemd-timesyncd.service \
                 systemd-networkd.service systemd-networkd-wait-online.service \
                 systemd-logind.service; do
                ln -sf /dev/null "$r/etc/systemd/system/$u"
        done
        mkdir -p "$r/etc/sysctl.d"
        printf 'kernel.sysrq = 1\n' >"$r/etc/sysctl.d/90-e2e-sysrq.conf"
        # A small, fast initramfs: the disk's modules, pvpanic (tells a panic
        # from a poweroff, also for panics inside the initramfs).
        if [[ $E2E_INITRAMFS != dracut ]]; then
                sed -i -e 's/^MODULES=.*/MODULES=list/' -e 's/^COMPRESS=.*/COMPRESS=gzip/' \
                        "$r/etc/initramfs-tools/initramfs.conf"
                printf 'virtio_pci\nvirtio_blk\npvpanic_mmio\n' >"$r/etc/initramfs-tools/modules"
        else
                # The same for dracut: a generic image (no host-only probing
                # of the build machine) with only the modules a boot needs.
                mkdir -p "$r/etc/dracut.conf.d"
                cat >"$r/etc/dracut.conf.d/90-e2e.conf" <<'EOF'
hostonly="no"
compress="gzip"
drivers=" virtio_pci virtio_blk pvpanic_mmio ext4 "
omit_dracutmodules+=" i18n network network-legacy ifcfg nfs iscsi nbd dmraid mdraid lvm crypt multipath btrfs "
EOF
        fi
        mkdir -p "$r/etc/modules-load.d"
        printf 'pvpanic_mmio\n' >"$r/etc/modules-load.d/e2e-pvpanic.conf"
        # The rig's guest helpers: the boot reporter, the fake agent.
        install -m 0755 "$E2E_DIR/guest/e2e-report" "$r/usr/local/sbin/e2e-report"
        install -m 0644 "$E2E_DIR/guest/e2e-report.service" "$r/etc/systemd/system/"
        install -m 0755 "$E2E_DIR/guest/fakeagent" "$r/usr/local/sbin/fakeagent"
        install -m 0755 "$E2E_DIR/guest/fakeagent-push" "$r/usr/local/sbin/fakeagent-push"
        install -m 0644 "$E2E_DIR/guest/fakeagent.service" "$E2E_DIR/guest/fakeagent-push.service" \
                "$E2E_DIR/guest/e2e-crash.service" "$r/etc/systemd/system/"
        mkdir -p "$r/etc/systemd/system/multi-user.target.wants"
        ln -sf ../e2e-report.service "$r/etc/systemd/system/multi-user.target.wants/e2e-report.service"
        ln -sf ../e2e-crash.service "$r/etc/systemd/system/multi-user.target.wants/e2e-crash.service"
        mkdir -p "$r/etc/e2e"
}

# ---------------------------------------------------------------- lastgood
# A build of lastgood configured for a real system layout; the project's
# own build tree when it is configured that way, else a dedicated one.
e2e_lastgood_build() {
        local b="$top_builddir"
        if ! grep -q '^S\["prefix"\]="/usr"$' "$b/config.status" 2>/dev/null ||
           ! grep -q '^S\["sysconfdir"\]="/etc"$' "$b/config.status" 2>/dev/null; then
                b="$E2E_CACHE/build-lastgood"
                mkdir -p "$b"
                if [[ ! -f "$b/Makefile" ]]; then
                        e2e_log "configuring a lastgood build for the guest in $b"
                        (cd "$b" && "$top_srcdir/configure" -q --prefix=/usr --sysconfdir=/etc \
                                --localstatedir=/var >"$b/e2e-configure.log" 2>&1) ||
                                { cat "$b/e2e-configure.log" >&2; e2e_die "configuring lastgood in $b failed"; }
                fi
        fi
        make -s -C "$b" -j2 >"$E2E_CACHE/lastgood-build.log" 2>&1 ||
                { tail -30 "$E2E_CACHE/lastgood-build.log" >&2; e2e_die "building lastgood in $b failed"; }
        E2E_LG_BUILD="$b"
}

# The Debian package of the source tree as it is (tracked and new files,
# uncommitted changes included), built once per content into the cache:
# sets E2E_LG_DEB. The package's own tests are the project's, run by
# make check already (nocheck here).
e2e_lastgood_deb() {
        local key src
        key=$(cd "$top_srcdir" && git ls-files -co --exclude-standard -z | sort -z |
                xargs -0 sha256sum 2>/dev/null | sha256sum | cut -c1-16)
        E2E_LG_DEB=$(ls "$E2E_CACHE/deb-$key"/lastgood_*.deb 2>/dev/null | head -n 1 || true)
        [[ -n "$E2E_LG_DEB" ]] && return 0
        e2e_log "building the lastgood .deb ($key)"
        rm -rf "$E2E_CACHE/deb-$key" "$E2E_CACHE/deb-build"
        src="$E2E_CACHE/deb-build/lastgood"
        mkdir -p "$src" "$E2E_CACHE/deb-$key"
        (cd "$top_srcdir" && git ls-files -co --exclude-standard -z | cpio -0pdm --quiet "$src")
        (cd "$src" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES \
                DEB_BUILD_OPTIONS="nocheck parallel=2" dpkg-buildpackage -us -uc -b) \
                >"$E2E_CACHE/deb-build.log" 2>&1 ||
                { tail -30 "$E2E_CACHE/deb-build.log" >&2; e2e_die "dpkg-buildpackage failed"; }
        mv "$E2E_CACHE"/deb-build/lastgood_*.deb "$E2E_CACHE/deb-$key/"
        rm -rf "$E2E_CACHE/deb-build"
        E2E_LG_DEB=$(ls "$E2E_CACHE/deb-$key"/lastgood_*.deb | head -n 1)
}

# Installs lastgood into the guest as an administrator would: dpkg -i of
# the package (its maintainer scripts enable the units and rebuild the
# initramfs), not make install + systemctl enable.
e2e_install_lastgood() { # ROOT
        local r="$1"
        e2e_cache_lock
        e2e_lastgood_build # the host's lastgoodctl (crash logs)
        if [[ $E2E_RELEASE == bookworm ]]; then
                e2e_lastgood_deb
                e2e_cache_unlock
                cp "$E2E_LG_DEB" "$r/tmp/lastgood.deb"
                chroot "$r" dpkg -i /tmp/lastgood.deb >"$E2E_GUEST_DIR/install.log" 2>&1 ||
                        { tail -30 "$E2E_GUEST_DIR/install.log" >&2; e2e_die "dpkg -i $(basename "$E2E_LG_DEB") failed"; }
        else
                e2e_cache_unlock
                # The package built for the release, installed with apt: its
                # runtime libraries come from the release's archive. The
                # build with tests when trixie-build.sh (earlier in the
                # suite) made it for this content, else one without (the
                # package's tests are that test's business, not a boot's).
                LASTGOOD_E2E_DEB_NOCHECK=0 e2e_release_deb_cached "$E2E_RELEASE" ||
                        LASTGOOD_E2E_DEB_NOCHECK=1 e2e_release_deb "$E2E_RELEASE"
                cp "$E2E_LG_DEB" "$r/tmp/lastgood.deb"
                e2e_chroot "$r" env DEBIAN_FRONTEND=noninteractive \
                        apt-get install -y -q --no-install-recommends /tmp/lastgood.deb \
                        >"$E2E_GUEST_DIR/install.log" 2>&1 ||
                        { tail -30 "$E2E_GUEST_DIR/install.log" >&2; e2e_die "apt-get install $(basename "$E2E_LG_DEB") failed"; }
                chroot "$r" apt-get clean
        fi
        rm -f "$r/tmp/lastgood.deb"
        [[ -L "$r/etc/systemd/system/multi-user.target.wants/lastgood-watchdog.service" ]] ||
                e2e_die "the package did not enable lastgood-watchdog.service"
}

# ---------------------------------------------------------------- lgcrash
# Builds the test module in its variants for the guest kernel into
# $E2E_CACHE/lgcrash-$KVER-SRC/{good,good2,bad,oops,hang}/lgcrash.ko, and the
# same source as a second module, lgother, into other-{good,good2}/lgother.ko
# (once per source: SRC is the hash of Makefile and lgcrash.c).
e2e_build_lgcrash() {
        local out="$E2E_CACHE/lgcrash-$E2E_KVER" v src name dir
        src=$(cd "$E2E_DIR/modules/lgcrash" && cat Makefile lgcrash.c | sha256sum | cut -c1-12)
        out="$out-$src"
        E2E_LGCRASH="$out"
        [[ -f "$out/good2/lgcrash.ko" && -f "$out/hang/lgcrash.ko" && -f "$out/other-good2/lgother.ko" ]] && return 0
        for v in good good2 bad oops hang other-good other-good2; do
                name=lgcrash dir=$v
                [[ $v == other-* ]] && name=lgother v=${v#other-}
                rm -rf "${out:?}/$dir"; mkdir -p "$out/$dir"
                cp "$E2E_DIR/modules/lgcrash/Makefile" "$E2E_DIR/modules/lgcrash/lgcrash.c" "$out/$dir/"
                if [[ $E2E_RELEASE == bookworm ]]; then
                        make -s -C "/usr/src/linux-headers-$E2E_KVER" M="$out/$dir" LGCRASH_VARIANT="$v" \
                                LGCRASH_NAME="$name" modules >"$out/$dir/build.log" 2>&1 ||
                                { cat "$out/$dir/build.log" >&2; e2e_die "$name $v build failed"; }
                        continue
                fi
                # Another release's kernel: its headers and compiler are in
                # that release's build root (the host's do not fit).
                rm -rf "$E2E_BUILDROOT/tmp/lgcrash-$dir"
                cp -r "$out/$dir" "$E2E_BUILDROOT/tmp/lgcrash-$dir"
                chroot "$E2E_BUILDROOT" make -s -C "/usr/src/linux-headers-$E2E_KVER" M="/tmp/lgcrash-$dir" \
                        LGCRASH_VARIANT="$v" LGCRASH_NAME="$name" modules >"$out/$dir/build.log" 2>&1 ||
                        { cat "$out/$dir/build.log" >&2; e2e_die "$name $v build failed"; }
                cp "$E2E_BUILDROOT/tmp/lgcrash-$dir/$name.ko" "$out/$dir/"
                rm -rf "$E2E_BUILDROOT/tmp/lgcrash-$dir"
        done
}

# ---------------------------------------------------------------- images
# e2e_new_guest NAME [--no-lastgood] [--module good|bad|oops] [--no-agent] [--no-dbus]
#   Makes $W/NAME/root from the base, installs lastgood (unless told not to),
#   the module, the fake agent, the test configuration. Sets G (root dir),
#   IMG, VARS, KERNEL, INITRD for that guest. Call e2e_seal afterwards.
#   --no-dbus: a guest without a D-Bus daemon, as `debootstrap --variant=
#   minbase --include=systemd,...` makes it (nothing there pulls in dbus).
e2e_new_guest() {
        local name="$1"; shift
        local with_lg=1 module="" agent=1 dbus=1
        while [[ $# -gt 0 ]]; do
                case "$1" in
                --no-lastgood) with_lg=0 ;;
                --module) module="$2"; shift ;;
                --no-agent) agent=0 ;;
                --no-dbus) dbus=0 ;;
                *) e2e_die "e2e_new_guest: unknown option $1" ;;
                esac
                shift
        done
        E2E_GUEST_DIR="$W/$name"
        G="$E2E_GUEST_DIR/root"
        IMG="$E2E_GUEST_DIR/root.img"
        VARS="$E2E_GUEST_DIR/vars.fd"
        KERNEL="$E2E_GUEST_DIR/vmlinuz"
        INITRD="$E2E_GUEST_DIR/initrd.img"
        E2E_BOOTN=0
        rm -rf "$E2E_GUEST_DIR"; mkdir -p "$G" "$E2E_GUEST_DIR/logs"
        tar -C "$G" -xf "$E2E_BASE_TAR"
        if [[ $dbus == 0 ]]; then
                chroot "$G" dpkg --purge dbus dbus-daemon dbus-bin dbus-system-bus-common dbus-session-bus-common \
                        >"$E2E_GUEST_DIR/no-dbus.log" 2>&1 || { cat "$E2E_GUEST_DIR/no-dbus.log" >&2; e2e_die "removing dbus failed"; }
        fi
        e2e_configure_base "$G"
        cp "$E2E_OVMF_VARS" "$VARS"
        if [[ $with_lg == 1 ]]; then
                e2e_install_lastgood "$G"
                mkdir -p "$G/etc/lastgood/agents.d"
                install -m 0644 "$E2E_DIR/guest/lastgood.conf" "$G/etc/lastgood/lastgood.conf"
        fi
        if [[ $agent == 1 ]]; then
                mkdir -p "$G/etc/lastgood/agents.d" "$G/opt/fakeagent/content" "$G/opt/fakeagent/pending"
                install -m 0644 "$E2E_DIR/guest/fakeagent.conf" "$G/etc/lastgood/agents.d/fakeagent.conf"
                printf 'fakeagent rules v1\nstatus=good\n' >"$G/opt/fakeagent/content/rules-001.dat"
                ln -sf ../fakeagent.service "$G/etc/systemd/system/multi-user.target.wants/fakeagent.service"
                ln -sf ../fakeagent-push.service "$G/etc/systemd/system/multi-user.target.wants/fakeagent-push.service"
        fi
        if [[ -n "$module" ]]; then
                e2e_guest_module "$module"
                printf 'lgcrash\n' >"$G/etc/modules-load.d/lgcrash.conf"
        fi
        # All module variants ride along in the image, so that scenarios can
        # "update" the module between boots without rebuilding anything.
        mkdir -p "$G/opt/lgcrash"
        cp "$E2E_LGCRASH/good/lgcrash.ko" "$G/opt/lgcrash/lgcrash-good.ko"
        cp "$E2E_LGCRASH/bad/lgcrash.ko" "$G/opt/lgcrash/lgcrash-bad.ko"
        cp "$E2E_LGCRASH/oops/lgcrash.ko" "$G/opt/lgcrash/lgcrash-oops.ko"
        cp "$E2E_LGCRASH/good2/lgcrash.ko" "$G/opt/lgcrash/lgcrash-good2.ko"
        cp "$E2E_LGCRASH/hang/lgcrash.ko" "$G/opt/lgcrash/lgcrash-hang.ko"
}

# Puts variant V of lgcrash at updates/lgcrash.ko in the guest dir (before seal).
e2e_guest_module() {
        mkdir -p "$G/lib/modules/$E2E_KVER/updates"
        cp "$E2E_LGCRASH/$1/lgcrash.ko" "$G/lib/modules/$E2E_KVER/updates/lgcrash.ko"
        chroot "$G" depmod -a "$E2E_KVER"
}

# Builds the initramfs in the guest (its own mkinitramfs, so lastgood's hook
# runs when installed) and the disk image.
e2e_seal() {
        local t0
        t0=$(date +%s.%N)
        chroot "$G" depmod -a "$E2E_KVER"
        e2e_mkinitramfs
        cp "$G/boot/vmlinuz-$E2E_KVER" "$KERNEL"
        rm -f "$IMG"
        mke2fs -q -t ext4 -L root -d "$G" "$IMG" 2G >/dev/null
        e2e_log "image $IMG sealed in $(echo "$(date +%s.%N) - $t0" | bc | cut -c1-5) s"
}

e2e_mkinitramfs() {
        if [[ $E2E_INITRAMFS == dracut ]]; then
                e2e_chroot "$G" dracut --force "/boot/initrd.img-$E2E_KVER" "$E2E_KVER" \
                        >"$E2E_GUEST_DIR/mkinitramfs.log" 2>&1 ||
                        { cat "$E2E_GUEST_DIR/mkinitramfs.log" >&2; e2e_die "dracut failed"; }
                cp "$G/boot/initrd.img-$E2E_KVER" "$INITRD"
                return 0
        fi
        chroot "$G" mkinitramfs -o "/boot/initrd.img-$E2E_KVER" "$E2E_KVER" >"$E2E_GUEST_DIR/mkinitramfs.log" 2>&1 ||
                { cat "$E2E_GUEST_DIR/mkinitramfs.log" >&2; e2e_die "mkinitramfs failed"; }
        cp "$G/boot/initrd.img-$E2E_KVER" "$INITRD"
}

# ---------------------------------------------------------------- image edits
# Changes to the disk image between boots, without mounting it.
e2e_img_cat() { debugfs -R "cat $1" "$IMG" 2>/dev/null; }
e2e_img_exists() { debugfs -R "stat $1" "$IMG" 2>&1 | grep '^Inode:' >/dev/null ; }
e2e_img_ls() { debugfs -R "ls -l $1" "$IMG" 2>/dev/null; }
e2e_img_rm() { debugfs -w -R "rm $1" "$IMG" >/dev/null 2>&1 || true; }
# e2e_img_write HOSTFILE GUESTPATH (replaces; the parent must exist)
e2e_img_write() {
        local f
        f=$(mktemp)
        printf 'rm %s\nwrite %s %s\nsif %s mode 0100644\nsif %s uid 0\nsif %s gid 0\n' \
                "$2" "$1" "$2" "$2" "$2" "$2" >"$f"
        debugfs -w -f "$f" "$IMG" >/dev/null 2>&1
        rm -f "$f"
        e2e_img_exists "$2" || e2e_die "could not write $2 into the image"
}
# e2e_img_put_text GUESTPATH TEXT
e2e_img_put_text() {
        local f
        f=$(mktemp); printf '%s' "$2" >"$f"
        e2e_img_write "$f" "$1"
        rm -f "$f"
}
e2e_img_mkdir() { debugfs -w -R "mkdir $1" "$IMG" >/dev/null 2>&1 || true; }
# A shell script the guest runs once after multi-user (before it reports its
# state and powers off); its output goes to the serial log.
e2e_run_next_boot() { e2e_img_put_text /etc/e2e/run-once "$1"; }
# Swap the module file, like a package update would (same path, new code).
e2e_img_module() { e2e_img_write "$E2E_LGCRASH/$1/lgcrash.ko" "/lib/modules/$E2E_KVER/updates/lgcrash.ko"; }
# A shell script the guest runs once after e2e-report's wait (healthy, or
# proven with e2e.after=proven), then it powers off at once.
e2e_run_after_wait() { e2e_img_put_text /etc/e2e/run-after "$1"; }
# The initramfs the guest rebuilt for itself (update-initramfs) becomes the
# one the next boots start with, as a boot loader would pick it up.
e2e_img_take_initrd() {
        debugfs -R "dump /boot/initrd.img-$E2E_KVER $INITRD.new" "$IMG" >/dev/null 2>&1 &&
                [[ -s "$INITRD.new" ]] || e2e_die "could not read /boot/initrd.img-$E2E_KVER from the image"
        mv "$INITRD.new" "$INITRD"
}

# ---------------------------------------------------------------- boot
# e2e_boot [--no-pvpanic] [--stock] [KERNEL ARGS...]
#   One QEMU run. Sets E2E_RESULT (panic|poweroff|reset|timeout|stuck|error),
#   E2E_LOG (the serial log), E2E_BOOT_SECS; increments E2E_BOOTN.
#   --stock: as a stock Debian host boots: no panic=1 (the kernel's own
#   kernel.panic, 0 on Debian: a panic halts) and no pvpanic device (QEMU
#   does not end the boot for the guest). A guest that panics then only
#   ends the boot if it resets itself (kernel.panic, a watchdog): a boot that
#   neither powers off nor resets within its limit is "stuck", as a real
#   host sitting at a panic until a person power-cycles it.
#   E2E_BOOT_LIMIT=SECONDS (in the caller's environment) overrides the limit;
#   E2E_STUCK_AFTER=PATTERN ends a stock boot as stuck E2E_STUCK_GRACE
#   seconds (30) after PATTERN reached the serial line without an end.
# no_timer_check: on a loaded host, TCG can be too slow for the kernel's
# IO-APIC timer check ("Kernel panic - not syncing: IO-APIC + timer doesn't
# work!" at 0.06 s, seen with a load average of 15 on 2 cores).
E2E_APPEND_BASE="root=/dev/vda rw console=ttyS0,115200 panic=1 printk.devkmsg=on loglevel=7 systemd.show_status=auto no_timer_check"
E2E_STOCK_BOOTS=0
E2E_STUCK_BOOTS=0
e2e_boot() {
        local pv=1 rc t0 t1 stock=0 append=$E2E_APPEND_BASE
        while [[ "${1:-}" == --no-pvpanic || "${1:-}" == --stock ]]; do
                [[ "$1" == --stock ]] && stock=1
                pv=0
                shift
        done
        [[ $stock == 1 ]] && append="${append/ panic=1 / }"
        E2E_BOOTN=$((E2E_BOOTN + 1))
        E2E_LOG="$E2E_GUEST_DIR/logs/boot-$E2E_BOOTN.log"
        local -a dev=()
        [[ $pv == 1 ]] && dev=(-device pvpanic -action panic=exit-failure)
        t0=$(date +%s.%N)
        set +e
        timeout --kill-after=5 "${E2E_BOOT_LIMIT:-$E2E_BOOT_TIMEOUT}" qemu-system-x86_64 -accel tcg -m 1024 -smp "$E2E_SMP" \
                -nographic -no-reboot -nodefaults -serial "file:$E2E_LOG" -monitor none \
                -drive if=pflash,format=raw,unit=0,readonly=on,file="$E2E_OVMF_CODE" \
                -drive if=pflash,format=raw,unit=1,file="$VARS" \
                -drive file="$IMG",format=raw,if=virtio \
                -kernel "$KERNEL" -initrd "$INITRD" \
                -append "$append $*" "${dev[@]}" \
                </dev/null >"$E2E_GUEST_DIR/logs/qemu-$E2E_BOOTN.out" 2>&1 &
        local qpid=$! seen=0 cut=0
        # E2E_STUCK_AFTER=PATTERN (a stock boot that must sit): once PATTERN
        # is on the serial line, the guest has E2E_STUCK_GRACE seconds
        # (default 30, three times PanicRebootSec's default) to end the boot
        # itself; after that it is stuck and stopped, instead of waiting out
        # the whole boot limit.
        if [[ $stock == 1 && -n "${E2E_STUCK_AFTER:-}" ]]; then
                while kill -0 "$qpid" 2>/dev/null; do
                        if [[ $seen == 0 ]] && grep -aqF -- "$E2E_STUCK_AFTER" "$E2E_LOG" 2>/dev/null; then
                                seen=$(date +%s)
                                e2e_log "boot $E2E_BOOTN: '$E2E_STUCK_AFTER' seen; ${E2E_STUCK_GRACE:-30} s to end the boot"
                        fi
                        if [[ $seen != 0 ]] && (( $(date +%s) - seen >= ${E2E_STUCK_GRACE:-30} )); then
                                cut=1
                                kill "$qpid" 2>/dev/null
                                break
                        fi
                        sleep 1
                done
        fi
        wait "$qpid"
        rc=$?
        [[ $cut == 1 ]] && rc=124
        set -e
        t1=$(date +%s.%N)
        E2E_BOOT_SECS=$(echo "$t1 - $t0" | bc | cut -c1-5)
        if [[ $rc == 124 || $rc == 137 ]] && [[ $stock == 1 ]]; then
                E2E_RESULT=stuck
                E2E_STUCK_BOOTS=$((E2E_STUCK_BOOTS + 1))
        elif [[ $rc == 124 || $rc == 137 ]]; then
                E2E_RESULT=timeout
        elif [[ $rc == 1 ]] && ! grep -q 'qemu-system-x86_64:' "$E2E_GUEST_DIR/logs/qemu-$E2E_BOOTN.out"; then
                E2E_RESULT=panic
        elif [[ $rc == 0 ]] && grep -aq 'Kernel panic - not syncing' "$E2E_LOG"; then
                E2E_RESULT=panic   # no pvpanic device: panic=1 reset, -no-reboot exit
        elif [[ $rc == 0 ]] && grep -aq 'reboot: Power down' "$E2E_LOG"; then
                E2E_RESULT=poweroff
        elif [[ $rc == 0 ]] && grep -aqE 'softdog: Initiating system reboot|reboot: Restarting system' "$E2E_LOG"; then
                E2E_RESULT=reset   # a watchdog (or a reboot) reset the guest; -no-reboot exit
        else
                E2E_RESULT=error
                cat "$E2E_GUEST_DIR/logs/qemu-$E2E_BOOTN.out" >&2
        fi
        [[ "${LASTGOOD_E2E_VERBOSE:-0}" == 1 ]] && sed 's/^/  | /' "$E2E_LOG" >&2
        # e2e-report asked for the poweroff again (its first request was not
        # acted on in 30 s): not lastgood's outcome, but never silent.
        if grep -aq '^E2E: poweroff request [0-9]* \(failed\|not acted on\)' "$E2E_LOG"; then
                e2e_log "WARNING: boot $E2E_BOOTN: the guest's poweroff request was not acted on at once:"
                grep -a '^E2E: poweroff request' "$E2E_LOG" | cut -c1-400 >&2
        fi
        [[ $stock == 1 ]] && E2E_STOCK_BOOTS=$((E2E_STOCK_BOOTS + 1))
        e2e_log "boot $E2E_BOOTN ($([[ $stock == 1 ]] && echo 'stock kernel, ')$*): $E2E_RESULT in $E2E_BOOT_SECS s$(e2e_reached && echo ', reached multi-user')"
        # After a crash the ext4 journal holds transactions debugfs neither
        # reads nor knows of (and the guest would replay them over what
        # the host writes), and bitmaps may be off (debugfs then refuses
        # the image). Recover as the next mount would: 0.5 s.
        set +e
        e2fsck -fy "$IMG" >"$E2E_GUEST_DIR/logs/fsck-$E2E_BOOTN.out" 2>&1
        rc=$?
        set -e
        [[ $rc -lt 4 ]] || e2e_log "WARNING: e2fsck of the disk image after boot $E2E_BOOTN: exit $rc"
}

# Boot and require the outcome: e2e_boot_expect panic|poweroff [ARGS...]
e2e_boot_expect() {
        local want="$1"; shift
        e2e_boot "$@"
        if [[ "$E2E_RESULT" != "$want" ]]; then
                tail -40 "$E2E_LOG" | sed 's/^/  | /' >&2
                if [[ $E2E_RESULT == timeout ]]; then
                        # What the guest's journal kept of a boot that ended
                        # in no outcome (whatever journald had written out).
                        echo "  guest journal, last boot (end):" >&2
                        e2e_journal_json >/dev/null
                        journalctl --directory="$E2E_GUEST_DIR/journal/journal" -b -o short-monotonic \
                                --no-pager 2>/dev/null | tail -40 | cut -c1-300 | sed 's/^/  j| /' >&2 || true
                fi
                e2e_die "boot $E2E_BOOTN: expected $want, got $E2E_RESULT (log $E2E_LOG)"
        fi
        e2e_ok "boot $E2E_BOOTN ends in $want"
}

# A boot that must become healthy and end in an orderly poweroff: proven.
e2e_boot_proven() {
        e2e_boot_expect poweroff "$@"
        e2e_assert "boot $E2E_BOOTN reached multi-user" e2e_reached
        e2e_assert_eq "boot $E2E_BOOTN became healthy (guest saw lastgood's healthy event)" yes "$(e2e_report healthy)"
}

# e2e_boot_until_recovery [--stock] PATTERN [CHECK]: the boots of a bad
#   update, until one recovers (ends in an orderly poweroff). Each boot
#   before must end in a panic whose serial log matches PATTERN (grep -E);
#   a --stock boot must also have reset itself as lastgood set it up in the
#   initramfs (kernel.panic=10). CHECK, a function, runs after each failed
#   boot with the number of failed boots so far, for a scenario's own
#   checks. More than THRESHOLD + 1 failed boots is a failure. Sets
#   E2E_FAILED_BOOTS.
e2e_boot_until_recovery() {
        local -a stock=()
        local pattern check
        [[ ${1:-} == --stock ]] && { stock=(--stock); shift; }
        pattern=$1 check=${2:-}
        E2E_FAILED_BOOTS=0
        while :; do
                e2e_boot "${stock[@]}"
                e2e_show_boot
                [[ $E2E_RESULT == panic || $E2E_RESULT == poweroff ]] ||
                        e2e_die "boot $E2E_BOOTN: $E2E_RESULT: neither a panic nor a recovery (log $E2E_LOG)"
                [[ $E2E_RESULT == poweroff ]] && break
                E2E_FAILED_BOOTS=$((E2E_FAILED_BOOTS + 1))
                e2e_ok "boot $E2E_BOOTN ends in a panic$([[ ${#stock[@]} -gt 0 ]] && echo ' that reset the guest') (failed boot $E2E_FAILED_BOOTS)"
                e2e_assert "boot $E2E_BOOTN: $pattern" grep -aqE "$pattern" "$E2E_LOG"
                if [[ ${#stock[@]} -gt 0 ]]; then
                        e2e_assert "boot $E2E_BOOTN: lastgood set kernel.panic in the initramfs" \
                                grep -aq 'lastgood: kernel.panic set to 10 for this armed boot' "$E2E_LOG"
                        e2e_assert "boot $E2E_BOOTN: the kernel reset itself after PanicRebootSec=10" \
                                grep -aq 'Rebooting in 10 seconds' "$E2E_LOG"
                fi
                [[ -z $check ]] || "$check" "$E2E_FAILED_BOOTS"
                [[ $E2E_FAILED_BOOTS -le $((THRESHOLD + 1)) ]] ||
                        e2e_die "no recovery within Threshold+1 = $((THRESHOLD + 1)) failed boots"
        done
}

# Print what a boot left for a reader: serial lastgood lines, decoded state.
e2e_show_boot() {
        e2e_serial_lastgood | sed "s/^/  boot $E2E_BOOTN serial| /" >&2
        e2e_log "boot $E2E_BOOTN state from the vars file: $(e2e_state_line)"
}

e2e_reached() { grep -aq '^E2E: reached multi-user' "$E2E_LOG" 2>/dev/null; }
# Seconds from QEMU start to the multi-user line are in the line itself.
e2e_serial_grep() { grep -a "$@" "$E2E_LOG"; }
# The lastgood: lines the kernel printed on the console this boot.
e2e_serial_lastgood() { grep -a 'lastgood:' "$E2E_LOG" | sed 's/^\[[ 0-9.]*\] //' || true; }
# A value the guest reported: "E2E: KEY=VALUE" lines of e2e-report.
e2e_report() { grep -a "^E2E: $1=" "$E2E_LOG" | tail -1 | cut -d= -f2- | tr -d '\r'; }

# ---------------------------------------------------------------- read back
e2e_vars() { python3 "$E2E_DIR/efivars.py" "$@"; }
e2e_vars_count() { e2e_vars count "$VARS"; }
e2e_vars_hex() { e2e_vars list "$VARS" | awk -v n="$1" '$1 == n { print $3 }'; }

# Records of lastgood's GUID in the store, deleted ones included: every
# SetVariable of lastgood adds one, so the difference counts NVRAM writes.
e2e_lg_writes() { e2e_vars count "$VARS" "$E2E_GUID" | sed 's/.*total=//'; }
# Digest of lastgood's live variables (names, attributes, data).
e2e_lg_digest() { e2e_vars list "$VARS" | grep -- "-$E2E_GUID " | sha256sum | cut -c1-16; }

# JSON field access: e2e_json FIELD[.SUB|[N]...] <<<JSON ; prints JSON for
# lists/objects/bools/null, the plain value otherwise; <no-json> when unparsable.
e2e_json() {
        python3 -c '
import json, re, sys
try:
    v = json.loads(sys.stdin.read())
except Exception:
    print("<no-json>"); sys.exit(0)
for k in re.findall(r"[^.\[\]]+", sys.argv[1]):
    if isinstance(v, list):
        v = v[int(k)] if k.isdigit() and int(k) < len(v) else None
    elif isinstance(v, dict):
        v = v.get(k)
    else:
        v = None
print(json.dumps(v) if isinstance(v, (list, dict, bool)) or v is None else v)' "$1"
}
# The guest's own `lastgoodctl status --json`, as e2e-report printed it.
e2e_guest_status() { e2e_report status; }
# Withheld items in force this boot as "kind:name:reason" lines, from the
# guest's status (or from JSON on stdin with -).
e2e_withheld() {
        local j
        if [[ "${1:-}" == - ]]; then j=$(cat); else j=$(e2e_guest_status); fi
        python3 -c '
import json, sys
try:
    d = json.loads(sys.argv[1])
except Exception:
    sys.exit(0)
for w in d.get("withheld") or []:
    print("%s:%s:%s" % (w.get("kind"), w.get("name"), w.get("reason")))' "$j"
}

# lastgoodctl status --json on the host, against a temporary root whose
# efivars folder holds the variables read back from the vars file.
e2e_status_json() {
        local r ctl
        r=$(mktemp -d "$W/status.XXXXXX")
        mkdir -p "$r/sys/firmware/efi/efivars" "$r/etc/lastgood" "$r/var/lib/lastgood" "$r/run"
        e2e_vars export "$VARS" "$r/sys/firmware/efi/efivars"
        ctl="$E2E_LG_BUILD/lastgoodctl"
        [[ -x "$ctl" ]] || ctl="$top_builddir/lastgoodctl"
        EFIVARFS_PATH="$r/sys/firmware/efi/efivars/" LIBEFIVAR_OPS=efivarfs \
                "$ctl" --root="$r" status --json || true
        rm -rf "$r"
}
# One field of it: e2e_state FIELD.
e2e_state() { e2e_status_json | e2e_json "$1"; }
# "armed=B tries=N level=N unproven=B" from the vars file.
e2e_state_line() {
        local j
        j=$(e2e_status_json)
        printf 'armed=%s tries=%s level=%s unproven=%s quarantine=%s' \
                "$(e2e_json armed <<<"$j")" "$(e2e_json tries <<<"$j")" "$(e2e_json level <<<"$j")" \
                "$(e2e_json unproven <<<"$j")" "$(e2e_json quarantine <<<"$j" | tr -d ' ')"
}

# The guest journal, read back from the disk image without mounting it.
e2e_journal_json() {
        local out="$E2E_GUEST_DIR/journal"
        rm -rf "$out"; mkdir -p "$out"
        debugfs -R "rdump /var/log/journal $out" "$IMG" >/dev/null 2>&1
        journalctl --directory="$out/journal" -o json --no-pager 2>/dev/null || true
}
# Journal entries with a lastgood MESSAGE_ID (by event name), one JSON a line.
e2e_journal_events() { # EVENT
        e2e_journal_json | grep "\"MESSAGE_ID\":\"${E2E_MSGID[$1]}\"" || true
}
e2e_journal_count() { e2e_journal_events "$1" | grep -c . || true; }
e2e_journal_messages() { # all lastgood journal lines, as text
        local out="$E2E_GUEST_DIR/journal"
        e2e_journal_json >/dev/null
        journalctl --directory="$out/journal" -o short-monotonic --no-pager SYSLOG_IDENTIFIER=lastgood 2>/dev/null || true
}

# ---------------------------------------------------------------- test frame
# e2e_begin TESTNAME: host setup, base image, module build, work folder.
e2e_begin() {
        E2E_TEST="$1"
        E2E_T0=$(date +%s)
        e2e_host_setup
        mkdir -p "$E2E_CACHE"
        if [[ $E2E_RELEASE != bookworm || $E2E_INITRAMFS != initramfs-tools ]]; then
                # Roots and builds need no QEMU: those of another release
                # or generator are made before the QEMU lock, under their
                # own lock.
                exec 8>"$E2E_CACHE/.base-$E2E_RELEASE-$E2E_INITRAMFS.lock"
                flock 8
                e2e_build_base
                e2e_build_lgcrash
                exec 8>&-
                if [[ $E2E_RELEASE != bookworm ]]; then
                        LASTGOOD_E2E_DEB_NOCHECK=0 e2e_release_deb_cached "$E2E_RELEASE" ||
                                LASTGOOD_E2E_DEB_NOCHECK=1 e2e_release_deb "$E2E_RELEASE"
                fi
        fi
        # What the cache holds is built by one test at a time (the others
        # wait for it and then find it built); the guests then run in
        # E2E_JOBS slots.
        e2e_cache_lock
        e2e_build_base
        e2e_build_lgcrash
        e2e_cache_unlock
        e2e_take_slot
        W=$(mktemp -d "$E2E_CACHE/run-$E2E_TEST.XXXXXX")
        trap e2e_end EXIT
        e2e_log "$E2E_TEST: kernel $E2E_KVER, work folder $W"
}

# The cache's build lock (fd 8): the base, the module builds, the .deb.
e2e_cache_lock() { exec 8>"$E2E_CACHE/.build-lock"; flock 8; }
e2e_cache_unlock() { flock -u 8; }
# One of E2E_JOBS slots (fd 9), held until the test ends. Slot 1 is the
# file the rig used when it ran one QEMU at a time (.lock).
e2e_take_slot() {
        local k f
        while :; do
                for ((k = 1; k <= E2E_JOBS; k++)); do
                        f="$E2E_CACHE/.lock"
                        [[ $k -gt 1 ]] && f="$E2E_CACHE/.lock-$k"
                        exec 9>"$f"
                        flock -n 9 && { E2E_SLOT=$k; return 0; }
                        exec 9>&-
                done
                sleep 1
        done
}

e2e_end() {
        local rc=$?
        if [[ $rc != 0 ]]; then
                e2e_log "$E2E_TEST FAILED; serial logs and images in $W"
        else
                e2e_log "$E2E_TEST passed: $E2E_CHECKS checks, $E2E_BOOTN boots in the last guest, $(( $(date +%s) - E2E_T0 )) s"
                [[ ${#E2E_TIMES[@]} -gt 0 ]] && printf '[e2e] %s\n' "${E2E_TIMES[@]}" >&2
        fi
        if [[ $rc == 0 && "${LASTGOOD_E2E_KEEP:-0}" != 1 ]]; then
                rm -rf "$W"
        elif [[ $rc != 0 ]]; then
                # Keep only the logs of failed runs, not the 2 GB images.
                find "$W" -maxdepth 2 -name root -type d -exec rm -rf {} + 2>/dev/null || true
        fi
        exit $rc
}
