# 3os agent: the serial protocol server (docs/serial-protocol.md). Sourced by 3os-agent.sh.
# Reads frames from the console TTY line by line (fd 3), ignores everything that is not a
# host frame with a good CRC, and answers each request with exactly one frame.

is_locked() { grep -q '^lock=true' "$(R /etc/3os/serial-lock)" 2>/dev/null; }
lock_value() { sed -n "s/^$1=//p" "$(R /etc/3os/serial-lock)" 2>/dev/null; }
info_value() { sed -n "s/.*\"$1\"[[:space:]]*:[[:space:]]*\"\\([^\"]*\\)\".*/\\1/p" "$CFG/3os/image.json" 2>/dev/null | head -n 1; }
first_line() { for _f in "$@"; do [ -r "$_f" ] && { tr -d '\000' <"$_f" | head -n 1; return; }; done; }

hello_info() {
  _arch=$(info_value arch); [ -n "$_arch" ] || _arch=$(uname -m)
  _model=$(first_line "$SYSROOT/proc/device-tree/model" "$SYSROOT/sys/class/dmi/id/product_name")
  _serial=$(first_line "$SYSROOT/proc/device-tree/serial-number" "$SYSROOT/sys/class/dmi/id/product_serial" "$SYSROOT/etc/machine-id")
  _prov=0; [ -f "$(R /etc/3os/provisioned)" ] && _prov=1
  _lock=0; _salt=''; if is_locked; then _lock=1; _salt=$(lock_value salt); fi
  printf 'proto=1\nagent=%s\nmodel=%s\nserial=%s\nflavor=%s\nversion=%s\narch=%s\nslot=%s\ndefault_slot=%s\nplatform=%s\nprovisioned=%s\nlocked=%s\nsalt=%s\nmax_size=%s\n' \
    "$AGENT_VERSION" "$_model" "$_serial" "$(info_value flavor)" "$(info_value version)" "$_arch" \
    "$(running_slot)" "$(default_slot)" "$(slot_platform)" "$_prov" "$_lock" "$_salt" "$MAX_XFER"
}

reply() { send_frame "$SEQ" "$@"; CACHE_SEQ=$SEQ; CACHE_RESP=$LAST_RESP; }
fail() { reply ERR "$1" "$(b64_str "$2")"; }

# auth_ok TYPE ARGS: a locked device needs ",auth=HMAC(key, nonce|TYPE ARGS-without-auth)".
auth_ok() {
  is_locked || return 0
  case $2 in
    *auth=*) ;;
    *) fail auth "device is locked: this command needs the serial key"; return 1 ;;
  esac
  _mac=${2##*auth=}; _a=${2%auth=*}; _a=${_a%,}; [ -n "$_a" ] || _a=-; _n=$NONCE; NONCE=''
  [ -n "$_n" ] || { fail auth "no nonce: ask NONCE first"; return 1; }
  [ "$(hmac_sha256 "$(lock_value key)" "$_n|$1 $_a")" = "$_mac" ] && return 0
  log "serve: authentication failed for $1"
  fail auth "authentication failed (wrong key)"; return 1
}

x_have() { _h=$(wc -c <"$XDIR/part" 2>/dev/null) || _h=0; echo $((_h + 0)); }

on_begin() {
  IFS=, read -r _x _s _h _k <<EOA
$1
EOA
  matches "$_x" '^[0-9a-f]{8,32}$' && matches "$_s" '^[0-9]+$' && matches "$_h" '^[0-9a-f]{64}$' || { fail args "bad BEGIN arguments"; return; }
  case $_k in config|probe) ;; *) fail args "unknown transfer kind '$_k'"; return ;; esac
  [ "$_s" -le "$MAX_XFER" ] || { fail size "transfer of $_s bytes is larger than $MAX_XFER"; return; }
  mkdir -p "$XDIR"
  if [ "$(cat "$XDIR/meta" 2>/dev/null)" != "$_x $_s $_h $_k" ] || [ "$(x_have)" -gt "$_s" ]; then
    rm -f "$XDIR/part"; : >"$XDIR/part"; printf '%s\n' "$_x $_s $_h $_k" >"$XDIR/meta"
  fi
  XID=$_x; XSIZE=$_s; XSHA=$_h; XKIND=$_k
  log "serve: transfer $_x ($_k, $_s bytes) starts at $(x_have)"
  reply HAVE "$_x,$(x_have)"
}

on_data() {
  _x=${1%%,*}; _o=${1#*,}
  [ -n "$XID" ] && [ "$_x" = "$XID" ] || { send_frame "$SEQ" ERR xfer "$(b64_str "no transfer $_x in progress")"; return; }
  _h=$(x_have)
  if [ "$_o" = "$_h" ]; then
    b64_dec "$2" >>"$XDIR/part" 2>/dev/null
    _h=$(x_have)
    [ "$_h" -le "$XSIZE" ] || { : >"$XDIR/part"; _h=0; }
  fi
  send_frame "$SEQ" ACK "$XID,$_h"
}

on_commit() {
  _x=${1%%,*}
  [ -n "$XID" ] && [ "$_x" = "$XID" ] || { fail xfer "no transfer $_x in progress"; return; }
  [ "$XKIND" = probe ] || auth_ok COMMIT "$1" || return
  [ "$(x_have)" = "$XSIZE" ] || { fail incomplete "have $(x_have) of $XSIZE bytes"; return; }
  _s=$(sha256sum <"$XDIR/part"); _s=${_s%% *}
  if [ "$_s" != "$XSHA" ]; then
    rm -f "$XDIR/part" "$XDIR/meta"; XID=''
    log "serve: transfer $_x failed its SHA-256 check; discarded"
    fail sha "SHA-256 of the received payload does not match; discarded"; return
  fi
  if [ "$XKIND" = probe ]; then rm -f "$XDIR/part" "$XDIR/meta"; XID=''; reply RESULT ok; return; fi
  _u="$WORK/push"; rm -rf "$_u"; mkdir -p "$_u"
  if ! unpack_archive "$XDIR/part" "$_u"; then
    rm -f "$XDIR/part" "$XDIR/meta"; XID=''; fail archive "not a 3os config archive"; return
  fi
  rm -f "$XDIR/part" "$XDIR/meta"; XID=''
  reset_work
  if ! { load_config "$_u" && validate_config; }; then
    log "serve: pushed config rejected: $(tr '\n' ';' <"$ERRF")"
    reply RESULT rejected "$(result_json rejected | b64_in)"; return
  fi
  mkdir -p "$CFG/3os"
  for _f in config.yaml config.agent; do cp "$_u/$_f" "$CFG/3os/$_f.3os-new" || { fail io "cannot write $_f to the config partition"; return; }; done
  mv -f "$CFG/3os/config.yaml.3os-new" "$CFG/3os/config.yaml" && mv -f "$CFG/3os/config.agent.3os-new" "$CFG/3os/config.agent"
  apply_dir "$CFG/3os"
  reply RESULT "$STATUS" "$(b64_in <"$CFG/3os/result.json")"
}

# Archive (docs/serial-protocol.md §5): "3OSCFG1\n" then entries "<name> <length>\n<bytes>".
unpack_archive() {
  _total=$(wc -c <"$1"); _off=0
  [ "$(head -n 1 "$1")" = 3OSCFG1 ] || return 1
  _off=8
  while [ "$_off" -lt "$_total" ]; do
    _hdr=$(tail -c +$((_off + 1)) "$1" | head -n 1)
    _name=${_hdr% *}; _len=${_hdr##* }
    case $_name in config.yaml|config.agent) ;; *) return 1 ;; esac
    matches "$_len" '^[0-9]+$' || return 1
    _off=$((_off + ${#_hdr} + 1))
    [ $((_off + _len)) -le "$_total" ] || return 1
    tail -c +$((_off + 1)) "$1" | head -c "$_len" >"$2/$_name"
    _off=$((_off + _len))
  done
  [ -f "$2/config.yaml" ] && [ -f "$2/config.agent" ]
}

on_slot() {
  case ${1%%,auth=*} in
    show) reply SLOT show "$(slot_show | b64_in)" ;;
    set,a|set,b|good)
      auth_ok SLOT "$1" || return
      _w=${1%%,auth=*}
      if [ "$_w" = good ]; then _e=$(slot_good); else _e=$(slot_set "${_w#set,}"); fi || { fail slot "$_e"; return; }
      log "serve: slot $_w"
      reply SLOT "${_w%%,*}" "$(slot_show | b64_in)" ;;
    try,a|try,b)
      # Raspberry Pi trial: tryboot.txt written, answer sent, then the reboot with the firmware's
      # one-shot tryboot flag (never a plain reboot: that would not try the slot).
      auth_ok SLOT "$1" || return
      _w=${1%%,auth=*}
      _e=$(slot_try "${_w#try,}") || { fail slot "$_e"; return; }
      log "serve: slot $_w: rebooting with the tryboot flag"
      reply SLOT try "$(slot_show | b64_in)"
      ( sleep 1; "$TRYBOOT_CMD" ) >/dev/null 2>&1 </dev/null &
      ;;
    *) fail args "SLOT takes show, set,a, set,b, try,a, try,b or good" ;;
  esac
}

on_frame() {
  if [ "$SEQ" = "$CACHE_SEQ" ] && [ "$TYPE" != DATA ] && [ "$TYPE" != HELLO ] && [ -n "$CACHE_RESP" ]; then
    printf '%s\n' "$CACHE_RESP" >&3; return
  fi
  case $TYPE in
    HELLO) reply HELLO - "$(hello_info | b64_in)" ;;
    NONCE) NONCE=$(random_hex 16); reply NONCE "$NONCE" ;;
    STATUS)
      if [ -f "$CFG/3os/result.json" ]; then reply STATUS result "$(b64_in <"$CFG/3os/result.json")"; else reply STATUS none; fi ;;
    LOGS)
      _n=$ARGS; matches "$_n" '^[0-9]{1,4}$' || _n=100
      reply LOGS - "$(tail -n "$_n" "$LOG" 2>/dev/null | tail -c 16384 | b64_in)" ;;
    SLOT) on_slot "$ARGS" ;;
    REBOOT)
      auth_ok REBOOT "$ARGS" || return
      log "serve: reboot requested"; reply OK reboot
      ( sleep 1; sh -c "$REBOOT_CMD" ) >/dev/null 2>&1 </dev/null &
      ;;
    BEGIN) on_begin "$ARGS" ;;
    DATA) on_data "$ARGS" "$PAYLOAD" ;;
    COMMIT) on_commit "$ARGS" ;;
    *) fail unknown "unknown request $TYPE" ;;
  esac
}

serve() {
  [ -e "$TTY" ] || die "no console $TTY"
  stty -F "$TTY" raw -echo ${THREEOS_BAUD:-} 2>/dev/null || :
  exec 3<>"$TTY" || die "cannot open $TTY"
  mkdir -p "$STATE"; touch "$STATE/activity"
  XDIR="$STATE/xfer"; XID=''; NONCE=''; CACHE_SEQ=''; CACHE_RESP=''
  if [ -f "$XDIR/meta" ]; then read -r XID XSIZE XSHA XKIND <"$XDIR/meta" || XID=''; fi
  _main=$$
  # The window: stop serving after $WINDOW s without a frame, but never while unprovisioned.
  ( while sleep 2; do
      kill -0 "$_main" 2>/dev/null || exit 0
      [ "$WINDOW" -gt 0 ] && [ -f "$(R /etc/3os/provisioned)" ] || continue
      _age=$(($(date +%s) - $(stat -c %Y "$STATE/activity" 2>/dev/null || date +%s)))
      [ "$_age" -ge "$WINDOW" ] && { log "serve: window of $WINDOW s over"; kill "$_main"; exit 0; }
    done ) </dev/null >/dev/null 2>&1 &
  log "serve: listening on $TTY"
  SEQ=0; send_frame 0 HELLO - "$(hello_info | b64_in)"
  while IFS= read -r _line <&3; do
    _line=${_line%"$CR"}
    case $_line in *"@3OS1 "*) ;; *) continue ;; esac
    _line="@3OS1 ${_line##*@3OS1 }"
    _body=${_line% *}
    [ "$(crc_of "$_body")" = "${_line##* }" ] || continue
    set -f; set -- $_body; set +f
    [ $# -eq 6 ] && [ "$2" = H ] || continue
    SEQ=$3 TYPE=$4 ARGS=$5 PAYLOAD=$6
    touch "$STATE/activity"
    on_frame
  done
  log "serve: console closed"
}
