#!/bin/sh
# 3os-agent: the device side of 3os provisioning. Runs on every 3os image under busybox ash
# or dash with busybox applets only (list in docs/serial-protocol.md §8).
#   3os-agent.sh apply   apply 3os/config.agent from the config partition into $THREEOS_ROOT
#   3os-agent.sh serve   answer the serial protocol on the console ($THREEOS_TTY)
#   3os-agent.sh boot    on a clone, once: a new machine-id and SSH host keys (lib/identity.sh);
#                        apply when the config changed since the last apply, commit a healthy
#                        Raspberry Pi trial boot (lib/slot.sh), then serve
#   3os-agent.sh slot [show|a|b|try a|try b|good]   the A/B slots on this device (lib/slot.sh)
#   3os-agent.sh gadget  on a board with a USB OTG port: create a USB serial gadget (ACM) and
#                        serve the protocol on it ($THREEOS_GADGET_TTY; lib/usb-gadget.sh)
# Environment (defaults are for a real device; tests point them at temp dirs):
#   THREEOS_ROOT=/  THREEOS_CONFIG=/run/3os/config  THREEOS_BOOT=/boot  THREEOS_TTY=/dev/console
#   THREEOS_STATE=/var/lib/3os-agent  THREEOS_LOG=/var/log/3os-firstboot.log  THREEOS_SYSROOT=
#   THREEOS_SERVE_WINDOW=60 (0 = forever)  THREEOS_REBOOT_CMD=reboot  THREEOS_BAUD=
#   THREEOS_PI_PART_A=3 THREEOS_PI_PART_B=5 (root partition numbers of slots a/b, MBR variant)
#   THREEOS_TRYBOOT_CMD=/usr/lib/3os/reboot-tryboot  THREEOS_HEALTH_CMD=  THREEOS_MAX_TRANSFER=1048576
#   THREEOS_GADGET_TTY=/dev/ttyGS0  THREEOS_MODPROBE=modprobe
set -u
umask 022
AGENT_VERSION=1.0.0
NL='
'
TAB=$(printf '\t')
CR=$(printf '\r')
ROOT=${THREEOS_ROOT:-/}
CFG=${THREEOS_CONFIG:-/run/3os/config}
BOOT=${THREEOS_BOOT:-/boot}
TTY=${THREEOS_TTY:-/dev/console}
STATE=${THREEOS_STATE:-/var/lib/3os-agent}
LOG=${THREEOS_LOG:-/var/log/3os-firstboot.log}
SYSROOT=${THREEOS_SYSROOT:-}
WINDOW=${THREEOS_SERVE_WINDOW:-60}
REBOOT_CMD=${THREEOS_REBOOT_CMD:-reboot}
PI_PART_A=${THREEOS_PI_PART_A:-3}
PI_PART_B=${THREEOS_PI_PART_B:-5}
TRYBOOT_CMD=${THREEOS_TRYBOOT_CMD:-/usr/lib/3os/reboot-tryboot}
HEALTH_CMD=${THREEOS_HEALTH_CMD:-}
MAX_XFER=${THREEOS_MAX_TRANSFER:-1048576}
LIB=${THREEOS_AGENT_LIB:-${0%/*}/lib}

for _l in proto config render commit slot serve usb-gadget identity; do . "$LIB/$_l.sh"; done

log() { mkdir -p "${LOG%/*}" 2>/dev/null; printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >>"$LOG" 2>/dev/null || :; }
die() { log "error: $*"; printf '3os-agent: %s\n' "$*" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/3os-agent.XXXXXX") || die "cannot create a temp dir"
trap 'rm -rf "$WORK"' EXIT
trap 'exit 1' INT TERM HUP
reset_work() { ERRF=$WORK/errors; KV=$WORK/kv; STAGE=$WORK/stage; : >"$ERRF"; rm -rf "$KV" "$STAGE"; mkdir -p "$KV" "$STAGE"; }
reset_work

json_str() { printf '%s' "$1" | tr -d '\000-\037' | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g'; }
# result_json STATUS: the result document (3os/result.json).
result_json() {
  _errs=''; _sep=''
  while IFS= read -r _e; do [ -n "$_e" ] || continue; _errs="$_errs$_sep\"$(json_str "$_e")\""; _sep=','; done <"$ERRF"
  _bid=$(first_line "$SYSROOT/proc/sys/kernel/random/boot_id")
  printf '{"status":"%s","errors":[%s],"active_slot":"%s","versions":{"agent":"%s","flavor":"%s","image":"%s"},"boot_id":"%s","applied_at":"%s","digest":"%s"}\n' \
    "$1" "$_errs" "$(running_slot)" "$AGENT_VERSION" "$(json_str "$(info_value flavor)")" "$(json_str "$(info_value version)")" \
    "$(json_str "$_bid")" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(json_str "${DIGEST:-}")"
}

# apply_dir DIR: validate DIR/config.agent, stage, commit; write 3os/result.json. Sets STATUS.
apply_dir() {
  reset_work; DIGEST=''
  if load_config "$1" && validate_config && pi_hw_check && render_all && commit_stage && pi_hw_apply; then STATUS=applied; else STATUS=failed; fi
  mkdir -p "$CFG/3os"
  result_json "$STATUS" >"$CFG/3os/result.json.3os-new" && mv -f "$CFG/3os/result.json.3os-new" "$CFG/3os/result.json"
  sync 2>/dev/null || :
  log "apply: $STATUS${DIGEST:+ (digest $DIGEST)}"
  while IFS= read -r _e; do log "apply: error: $_e"; done <"$ERRF"
  [ "$STATUS" = applied ] && wifi_radio_up
  [ "$STATUS" = applied ]
}

needs_apply() {
  [ -f "$CFG/3os/config.agent" ] || return 1
  _d=$(sed -n 's/^digest=//p' "$CFG/3os/config.agent" | tail -n 1)
  [ "$(sed -n 's/^digest=//p' "$(R /etc/3os/provisioned)" 2>/dev/null)" != "$_d" ]
}

case ${1:-boot} in
  apply) [ -f "$CFG/3os/config.agent" ] || die "no 3os/config.agent under $CFG"; apply_dir "$CFG/3os" ;;
  serve) serve ;;
  boot) identity_reset || :; if needs_apply; then apply_dir "$CFG/3os" || :; else wifi_radio_up; fi; slot_boot_commit; serve ;;
  slot)
    case ${2:-show}:${3:-} in
      show:) slot_show ;;
      a:|b:) _e=$(slot_set "$2") || die "$_e"; slot_show ;;
      good:) _e=$(slot_good) || die "$_e"; slot_show ;;
      try:a|try:b) _e=$(slot_try "$3") || die "$_e"; log "slot: trial of $3, rebooting with the tryboot flag"; "$TRYBOOT_CMD" || die "$TRYBOOT_CMD failed" ;;
      *) echo "usage: 3os-agent.sh slot [show|a|b|try a|try b|good]" >&2; exit 2 ;;
    esac ;;
  gadget) usb_gadget_serve ;;
  version) echo "$AGENT_VERSION" ;;
  *) echo "usage: 3os-agent.sh apply|serve|boot|slot|gadget|version" >&2; exit 2 ;;
esac
