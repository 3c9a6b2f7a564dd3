# Shared by the generator, apply and lastgoodctl item tests: a temporary
# root with three agents (rollback, quarantine, keep) and one disable agent.
# Sourced; sets T (temporary folder) and R (the root), removed on exit.
B="$top_builddir"
APPLY="$B/lastgood-apply"
GEN="$B/lastgood-generator"
CTL="$B/lastgoodctl"
WATCHDOG="$B/lastgood-watchdog"
KVER=6.1.0-lgtest
T=$(mktemp -d)
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
R="$T/root"
EXPORT="$T/events.export"
# Never the host's EFI variables: the roots have none, the store uses files.
unset EFIVARFS_PATH LIBEFIVAR_OPS

make_root() {
        mkdir -p "$R"/etc/lastgood/agents.d "$R"/proc "$R"/run "$R"/var/lib/lastgood "$R"/dev \
                "$R/lib/modules/$KVER/kernel" "$R"/etc/falco/rules.d "$R"/opt/scanner/sig "$R"/etc/keeper \
                "$R"/etc/edr
        echo "BOOT_IMAGE=/vmlinuz root=/dev/vda1 ro ${CMDLINE_EXTRA:-}" >"$R/proc/cmdline"
        cat >"$R/etc/lastgood/agents.d/falco.conf" <<'EOC'
[Agent]
Units=falco.service falcoctl-artifact-follow.service
Content=/etc/falco/falco_rules.yaml /etc/falco/rules.d/*
OnSafeMode=rollback
EOC
        cat >"$R/etc/lastgood/agents.d/scanner.conf" <<'EOC'
[Agent]
Units=scanner.service
Content=/opt/scanner/sig/*
OnSafeMode=quarantine
EOC
        cat >"$R/etc/lastgood/agents.d/keeper.conf" <<'EOC'
[Agent]
Units=keeper.service
Content=/etc/keeper/*
OnSafeMode=keep
EOC
        cat >"$R/etc/lastgood/agents.d/edr.conf" <<'EOC'
[Agent]
Units=edr.service edr-updater.timer
Content=/etc/edr/*
OnSafeMode=disable
EOC
        echo "rules v1" >"$R/etc/falco/falco_rules.yaml"
        echo "extra v1" >"$R/etc/falco/rules.d/extra.yaml"
        echo "sig v1" >"$R/opt/scanner/sig/main.sig"
        echo "keep v1" >"$R/etc/keeper/k.db"
        echo "edr v1" >"$R/etc/edr/policy.bin"
        chmod 0640 "$R/etc/falco/falco_rules.yaml"
        touch -d @1700000000 "$R/etc/falco/falco_rules.yaml"
}

# The last known good, made by the real watchdog's proven write (manifest
# and last good copies under /var/lib/lastgood/content/AGENT/PATH).
prove() {
        "$WATCHDOG" --root="$R" --kernel-release="$KVER" --prove-now >"$T/prove.log" 2>&1 ||
                { cat "$T/prove.log"; return 1; }
}

# /run/lastgood/decision as lastgood-early leaves it.
decision() { # LEVEL BOOT_SEQ
        mkdir -p "$R/run/lastgood"
        printf 'LEVEL=%s\nMODE=auto\nTRIES=0\nTHRESHOLD=2\nBOOT_SEQ=%s\nKERNEL=%s\nCOUNTED=1\nEXHAUSTED=0\nFAST_PATH=0\nOVERRIDE=0\nNOOP=0\nSTAGE=pre-switch\n' \
                "$1" "$2" "$KVER" >"$R/run/lastgood/decision"
        : >"$R/run/lastgood/withheld"
}

apply() {
        "$APPLY" --root="$R" --kernel-release="$KVER" --journal-export="$EXPORT" "$@" 2>>"$T/apply.log"
}

# Count events of a MESSAGE_ID in the export file.
events() { # ID [ITEM]
        if [ -n "${2:-}" ]; then
                awk -v id="$1" -v item="$2" 'BEGIN{RS="";FS="\n"} { m=0; i=0; for (k=1;k<=NF;k++) { if ($k=="MESSAGE_ID=" id) m=1; if ($k=="LASTGOOD_ITEM=" item) i=1 } if (m && i) n++ } END{print n+0}' "$EXPORT" 2>/dev/null || echo 0
        else
                awk -v id="$1" 'BEGIN{RS="";FS="\n"} { for (k=1;k<=NF;k++) if ($k=="MESSAGE_ID=" id) n++ } END{print n+0}' "$EXPORT" 2>/dev/null || echo 0
        fi
}
ID_ARMED=b83179c7853e45618ad897dcd4ce5248
ID_WITHHELD=202bb5539a0b41fb99c1ed313c3c5435
ID_RELEASED=02a4660dc9834676abaff33688fb8024
ID_COUNTED=f512fca8badc4407aed2807c102a59a3
ID_SAFE=605d133f879541c6af3eb804f5a8449e

# The hot record as lastgoodctl status --json shows it.
# status exits 3-6 for armed, safe mode, exhausted, corrupt: the JSON is what counts.
state_json() { "$CTL" --root="$R" --store=file status --json || [ $? -ge 3 ]; }
state_field() { state_json | python3 -c "import json,sys; v=json.load(sys.stdin)[sys.argv[1]]; print(str(v).lower() if isinstance(v,bool) else v)" "$1"; }
