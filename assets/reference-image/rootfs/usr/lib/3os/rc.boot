#!/bin/sh
# 3os reference image, boot step (busybox init "wait" action, on the console):
#  1. finish the flasher's growth: resize2fs online for each LV in 3os/grow.json, mkfs + mount
#     for LVs it created; the outcome goes to 3os/grow-result.json (done once per grow.json);
#  2. apply the first-boot config when it changed (the agent), set the hostname, run the
#     network script the agent wrote;
#  3. mark the running slot good (drop the systemd-boot counter); when the default slot's entry
#     has no tries left, make the running slot the default (rollback);
#  4. print a summary and run the agent's boot step on the console: on a Raspberry Pi a healthy
#     trial boot (tryboot.txt) is committed in config.txt, then the serial protocol is served
#     for a window.
PATH=/sbin:/bin:/usr/sbin:/usr/bin
export PATH LVM_SUPPRESS_FD_WARNINGS=1
CFG=/run/3os/config
BOOT=/boot
AGENT=/usr/lib/3os-agent/3os-agent.sh
export THREEOS_CONFIG=$CFG THREEOS_BOOT=$BOOT THREEOS_TTY=/dev/console
export THREEOS_SERVE_WINDOW="${THREEOS_SERVE_WINDOW:-20}"
for w in $(cat /proc/cmdline); do
  case $w in
    3os.slot=*) SLOT=${w#3os.slot=} ;;
    3os.serve_window=*) THREEOS_SERVE_WINDOW=${w#3os.serve_window=} ;;
  esac
done
SLOT=${SLOT:-a}
say() { echo "3os: $*"; }
dev_of() { echo "/dev/mapper/3os-$1"; }
fs_bytes() { dumpe2fs -h "$1" 2>/dev/null | awk -F: '/^Block count/ { c = $2 } /^Block size/ { s = $2 } END { printf "%.0f", c * s }'; }

# --- 1. growth -------------------------------------------------------------------------------
# grow_entries SECTION: one line per object of the "grow" or "create" array: lv fs mountpoint
grow_entries() {
  tr -d '\n\r' <"$CFG/3os/grow.json" | awk -v want="$1" '{
    s = $0
    i = index(s, "\"" want "\""); if (i == 0) exit
    s = substr(s, i); i = index(s, "["); s = substr(s, i + 1); j = index(s, "]"); s = substr(s, 1, j - 1)
    while ((a = index(s, "{")) > 0) {
      b = index(s, "}"); o = substr(s, a, b - a + 1); s = substr(s, b + 1)
      lv = ""; fs = ""; mp = ""
      if (match(o, /"lv"[ \t]*:[ \t]*"[^"]*"/)) { v = substr(o, RSTART, RLENGTH); sub(/.*"lv"[ \t]*:[ \t]*"/, "", v); sub(/"$/, "", v); lv = v }
      if (match(o, /"filesystem"[ \t]*:[ \t]*"[^"]*"/)) { v = substr(o, RSTART, RLENGTH); sub(/.*:[ \t]*"/, "", v); sub(/"$/, "", v); fs = v }
      if (match(o, /"mountpoint"[ \t]*:[ \t]*"[^"]*"/)) { v = substr(o, RSTART, RLENGTH); sub(/.*:[ \t]*"/, "", v); sub(/"$/, "", v); mp = v }
      if (lv != "") print lv, (fs == "" ? "-" : fs), (mp == "" ? "-" : mp)
    }
  }'
}
grow_step() {
  [ -f "$CFG/3os/grow.json" ] || return 0
  gid=$(sha256sum <"$CFG/3os/grow.json"); gid=${gid%% *}
  grep -q "\"grow_id\": \"$gid\"" "$CFG/3os/grow-result.json" 2>/dev/null && return 0
  say "growing filesystems (3os/grow.json)"
  res=''; sep=''; status=done
  while read -r lv fs mp; do
    [ -n "$lv" ] || continue
    d=$(dev_of "$lv"); before=$(fs_bytes "$d")
    if resize2fs "$d" >/tmp/resize.log 2>&1; then r=grown; else r=failed; status=failed; cat /tmp/resize.log; fi
    after=$(fs_bytes "$d")
    say "grow $lv: $r ($before -> $after bytes)"
    res="$res$sep{\"lv\":\"$lv\",\"action\":\"grow\",\"result\":\"$r\",\"before\":$before,\"after\":$after}"; sep=','
  done <<GROW
$(grow_entries grow)
GROW
  while read -r lv fs mp; do
    [ -n "$lv" ] || continue
    d=$(dev_of "$lv"); r=created
    if [ "$fs" = - ] || [ "$fs" = ext4 ]; then
      mkfs.ext4 -q -L "$lv" "$d" || { r=failed; status=failed; }
    else r=unsupported-filesystem; status=failed; fi
    if [ "$r" = created ] && [ "$mp" != - ]; then
      if mkdir -p "$mp" 2>/dev/null && mount -t ext4 "$d" "$mp"; then
        mkdir -p /etc/3os && echo "$lv $mp" >>/etc/3os/extra-mounts
      else r=created-not-mounted; fi
    fi
    say "create $lv: $r"
    res="$res$sep{\"lv\":\"$lv\",\"action\":\"create\",\"result\":\"$r\",\"mountpoint\":\"$mp\"}"; sep=','
  done <<CREATE
$(grow_entries create)
CREATE
  printf '{\n  "grow_id": "%s",\n  "status": "%s",\n  "volumes": [%s]\n}\n' "$gid" "$status" "$res" >"$CFG/3os/grow-result.json.new" &&
    mv -f "$CFG/3os/grow-result.json.new" "$CFG/3os/grow-result.json"
  sync
}

# --- 2. config -------------------------------------------------------------------------------
needs_apply() {
  [ -f "$CFG/3os/config.agent" ] || return 1
  d=$(sed -n 's/^digest=//p' "$CFG/3os/config.agent" | tail -n 1)
  [ "$(sed -n 's/^digest=//p' /etc/3os/provisioned 2>/dev/null)" != "$d" ]
}
after_apply() {
  hostname -F /etc/hostname 2>/dev/null
  [ -x /etc/3os/network.sh ] && /etc/3os/network.sh >/dev/null 2>&1
  return 0
}

# --- 3. slots --------------------------------------------------------------------------------
bless_slot() {
  E=$BOOT/loader/entries
  for e in "$E/3os-$SLOT+"*.conf; do
    [ -f "$e" ] || continue
    mv -f "$e" "$E/3os-$SLOT.conf" && say "slot $SLOT marked good (boot counter removed)"
  done
  def=$(awk '$1 == "default" { print $2; exit }' "$BOOT/loader/loader.conf" 2>/dev/null)
  case $def in 3os-a*) dslot=a ;; 3os-b*) dslot=b ;; *) dslot=$SLOT ;; esac
  # a trial default ("3os-X+[1-9]*.conf") for the slot that just came up becomes a plain one
  case $def in
    "3os-$SLOT+"*)
      { grep -v '^[[:space:]]*default[[:space:]]' "$BOOT/loader/loader.conf"; echo "default 3os-$SLOT.conf"; } >"$BOOT/loader/loader.conf.new" &&
        mv -f "$BOOT/loader/loader.conf.new" "$BOOT/loader/loader.conf" ;;
  esac
  if [ "$dslot" != "$SLOT" ]; then
    for e in "$E/3os-$dslot+0-"*.conf; do
      [ -f "$e" ] || continue
      { grep -v '^[[:space:]]*default[[:space:]]' "$BOOT/loader/loader.conf"; echo "default 3os-$SLOT.conf"; } >"$BOOT/loader/loader.conf.new" &&
        mv -f "$BOOT/loader/loader.conf.new" "$BOOT/loader/loader.conf" && say "slot $dslot failed to boot: rolled back to slot $SLOT"
    done
  fi
  sync
}

grow_step
if needs_apply; then
  say "applying the first-boot config"
  sh "$AGENT" apply >/dev/null 2>&1 && say "config applied" || say "config failed (see 3os/result.json)"
fi
after_apply
bless_slot
say "up: slot $SLOT, hostname $(hostname), $(sed -n 's/.*"status":"\([a-z]*\)".*/result \1/p' "$CFG/3os/result.json" 2>/dev/null)"
say "serial provisioning on the console for ${THREEOS_SERVE_WINDOW} s (always while unprovisioned)"
# the agent's boot entry: (the config is applied above) a healthy Raspberry Pi trial boot is
# committed in config.txt (lib/slot.sh slot_boot_commit), then the serial protocol is served
sh "$AGENT" boot
after_apply
say "agent done; console shell follows"
exit 0
