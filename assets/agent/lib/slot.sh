# 3os agent: A/B slot state on the boot partition ($BOOT), changed with the platform's own
# mechanism (docs/3os-image-standard.md section 5). Sourced by 3os-agent.sh.
#  UEFI: systemd-boot, entries $BOOT/loader/entries/3os-<slot>[+LEFT[-DONE]].conf,
#        $BOOT/loader/loader.conf "default 3os-<slot>.conf", or "default 3os-<slot>+[1-9]*.conf"
#        for a slot on trial (systemd-boot matches file names, counter included).
#  Raspberry Pi: one FAT $BOOT with slot directories a/ and b/; $BOOT/config.txt commits a slot
#        with "os_prefix=a/" (or b/) in [all]; a trial writes $BOOT/tryboot.txt (config.txt with
#        the trial slot's prefix) and reboots with the firmware's one-shot tryboot flag
#        ($TRYBOOT_CMD); a healthy trial commits by rewriting config.txt (slot_boot_commit); a
#        failed one is reset and boots config.txt's slot again. The config.txt rules are those of
#        provisioning/slots/pi-config-txt.ts (shared cases: test/fixtures/pi-config-cases.json).

# pi_prefix FILE: "LINE SLOT" of FILE's one os_prefix line; fails printing why FILE is not a 3os
# Pi layout. Lines: blank, comment (#), section [..] ([all] resets; any other makes what follows
# conditional), setting "key=value" (spaces/tabs around key, = and value ignored).
pi_prefix() {
  LC_ALL=C awk -v name="${1##*/}" '
    function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }
    BEGIN { sec = ""; n = 0 }
    { sub(/\r$/, ""); t = trim($0) }
    t == "" || substr(t, 1, 1) == "#" { next }
    substr(t, 1, 1) == "[" && substr(t, length(t), 1) == "]" && index(substr(t, 2, length(t) - 2), "]") == 0 {
      f = trim(substr(t, 2, length(t) - 2)); sec = (f == "all") ? "" : f; next
    }
    /^[ \t]*os_prefix[ \t]*=/ {
      v = $0; sub(/^[ \t]*os_prefix[ \t]*=/, "", v); v = trim(v)
      n++; lines = lines (n > 1 ? ", " : "") NR; first = NR; val = v; where = sec
    }
    END {
      why = ""
      if (n == 0) why = "it sets no os_prefix (a 3os card has os_prefix=a/ or os_prefix=b/ in [all])"
      else if (n > 1) why = "os_prefix is set " n " times (lines " lines "); a 3os layout sets it once, in [all]"
      else if (where != "") why = "os_prefix (line " first ") is under [" where "], not in [all]"
      else if (val != "a/" && val != "b/") why = "os_prefix=" val " (line " first ") names neither slot a/ nor b/"
      if (why != "") { print name " is not a 3os Raspberry Pi layout: " why; exit 1 }
      print first, substr(val, 1, 1)
    }' "$1"
}

# pi_slot_of FILE: the slot FILE commits (a or b); fails printing why when it is not a 3os layout.
pi_slot_of() { _ps=$(pi_prefix "$1") || { printf '%s\n' "$_ps"; return 1; }; echo "${_ps#* }"; }

# pi_with_slot FILE SLOT OUT: write OUT = FILE with SLOT's prefix; only the value of the one
# os_prefix line changes, every other byte (line endings, a missing last newline) stays.
pi_with_slot() {
  _ps=$(pi_prefix "$1") || { printf '%s\n' "$_ps"; return 1; }
  LC_ALL=C sed "${_ps%% *}s/^\\([ $TAB]*os_prefix[ $TAB]*=[ $TAB]*\\)[^ $TAB$CR]*/\\1$2\\//" "$1" >"$3"
}

# pi_write FILE SLOT DEST: DEST = FILE with SLOT's prefix, atomically on the FAT
# (temp file beside it, fsync, rename; the directory synced after).
pi_write() {
  pi_with_slot "$1" "$2" "$3.3os-new" || { rm -f "$3.3os-new"; return 1; }
  sync "$3.3os-new" 2>/dev/null || sync
  mv -f "$3.3os-new" "$3" || { rm -f "$3.3os-new"; echo "cannot write ${3##*/}"; return 1; }
  sync 2>/dev/null || :
}

pi_has_prefix() { [ -f "$BOOT/config.txt" ] && grep -q '^[[:space:]]*os_prefix[[:space:]]*=' "$BOOT/config.txt"; }

# The mechanism: systemd-boot entries, or a Pi config.txt with os_prefix. A card carrying both
# (one arm64 image for UEFI boards and the Pi) uses the one the running firmware reads.
slot_platform() {
  _u=0; _p=0
  { [ -d "$BOOT/loader/entries" ] || [ -f "$BOOT/loader/loader.conf" ]; } && _u=1
  pi_has_prefix && _p=1
  if [ "$_u$_p" = 11 ]; then if [ -d "$SYSROOT/sys/firmware/efi" ]; then echo uefi; else echo rpi; fi
  elif [ $_u = 1 ]; then echo uefi
  elif [ $_p = 1 ] || [ -f "$BOOT/config.txt" ]; then echo rpi
  else echo none; fi
}

# entry_file SLOT: the systemd-boot entry file of SLOT (with or without a boot counter).
entry_file() {
  for _e in "$BOOT/loader/entries/3os-$1.conf" "$BOOT/loader/entries/3os-$1+"*.conf; do
    [ -f "$_e" ] && { printf '%s' "$_e"; return 0; }
  done
  return 1
}

# The committed slot (what a plain boot starts).
default_slot() {
  case $(slot_platform) in
    uefi)
      _d=$(awk '$1 == "default" { print $2; exit }' "$BOOT/loader/loader.conf" 2>/dev/null)
      case $_d in 3os-a*) echo a ;; 3os-b*) echo b ;; *) echo a ;; esac ;;
    rpi) _s=$(pi_slot_of "$BOOT/config.txt") || _s=a; echo "$_s" ;;
    *) echo a ;;
  esac
}

# The slot the running system booted from (kernel command line: 3os.slot=, root=PARTLABEL=
# 3os-root-X, or on the MBR variant the root partition's number: $PI_PART_A for a, $PI_PART_B
# for b, as /dev/...N or PARTUUID=<disk id>-0N), else the committed slot.
running_slot() {
  _c=" $(cat "$SYSROOT/proc/cmdline" 2>/dev/null) "
  case $_c in
    *" 3os.slot=a "*|*"=PARTLABEL=3os-root-a "*) echo a; return ;;
    *" 3os.slot=b "*|*"=PARTLABEL=3os-root-b "*) echo b; return ;;
  esac
  case $_c in
    *" root="*)
      _r=${_c##* root=}; _r=${_r%% *}
      case $_r in
        PARTUUID=*-*) _n=${_r##*-}; _n=${_n#0} ;;
        /dev/*) _n=${_r##*[!0-9]} ;;
        *) _n='' ;;
      esac
      if [ -n "$_n" ] && [ "$_n" = "$PI_PART_A" ]; then echo a; return; fi
      if [ -n "$_n" ] && [ "$_n" = "$PI_PART_B" ]; then echo b; return; fi ;;
  esac
  default_slot
}

# slot_state SLOT: good | trying:N | missing (UEFI); present | missing (Pi: the slot directory).
slot_state() {
  case $(slot_platform) in
    uefi)
      _e=$(entry_file "$1") || { echo missing; return; }
      _n=${_e##*/}; _n=${_n%.conf}
      case $_n in *+*) _c=${_n#*+}; echo "trying:${_c%%-*}" ;; *) echo good ;; esac ;;
    rpi) if [ -d "$BOOT/$1" ]; then echo present; else echo missing; fi ;;
    *) echo unknown ;;
  esac
}

# The trial a Pi has prepared: the slot tryboot.txt selects, "invalid", or nothing.
pi_trial() {
  [ -f "$BOOT/tryboot.txt" ] || return 0
  _t=$(pi_slot_of "$BOOT/tryboot.txt") || _t=invalid
  echo "$_t"
}

slot_show() {
  printf 'platform=%s\nactive=%s\ndefault=%s\na=%s\nb=%s\n' "$(slot_platform)" "$(running_slot)" "$(default_slot)" "$(slot_state a)" "$(slot_state b)"
  [ "$(slot_platform)" = rpi ] && printf 'trial=%s\n' "$(pi_trial)"
  return 0
}

# pi_check: config.txt is a 3os layout (else print why and fail; nothing is changed).
pi_check() {
  [ -f "$BOOT/config.txt" ] || { echo "no config.txt on the boot partition"; return 1; }
  pi_prefix "$BOOT/config.txt" >/dev/null || { pi_prefix "$BOOT/config.txt"; return 1; }
}

# slot_set SLOT: commit SLOT (it boots from the next boot on). Prints an error and fails when impossible.
slot_set() {
  case $(slot_platform) in
    uefi)
      _e=$(entry_file "$1") || { echo "no boot entry for slot $1 in loader/entries"; return 1; }
      # systemd-boot matches `default` against entry file names, boot counter included: a slot
      # still on trial is named by a pattern that stops matching once its tries are used up, so
      # the good slot boots then (the offline `3os-flash slot` verb writes the same).
      case ${_e##*/} in *+*) _d="3os-$1+[1-9]*.conf" ;; *) _d="3os-$1.conf" ;; esac
      _lc="$BOOT/loader/loader.conf"
      { [ -f "$_lc" ] && grep -v '^[[:space:]]*default[[:space:]]' "$_lc"; printf 'default %s\n' "$_d"; } >"$_lc.3os-new" &&
        mv -f "$_lc.3os-new" "$_lc" || { echo "cannot write loader/loader.conf"; return 1; }
      ;;
    rpi)
      pi_check || return 1
      [ -d "$BOOT/$1" ] || { echo "the boot partition has no $1/ directory: slot $1 has no kernel"; return 1; }
      pi_write "$BOOT/config.txt" "$1" "$BOOT/config.txt" || return 1
      # a prepared trial described the old state
      rm -f "$BOOT/tryboot.txt"
      ;;
    *) echo "no boot mechanism found under $BOOT (neither loader/ nor config.txt)"; return 1 ;;
  esac
  sync 2>/dev/null || :
}

# slot_try SLOT: prepare a trial boot of SLOT (Pi: tryboot.txt); the caller then runs
# $TRYBOOT_CMD. Fails, writing nothing, when the trial cannot happen.
slot_try() {
  [ "$(slot_platform)" = rpi ] || { echo "a trial with the tryboot flag is for the Raspberry Pi; on UEFI the offline switch boots a slot on trial (3os-flash slot TARGET $1 --try)"; return 1; }
  pi_check || return 1
  [ -x "$TRYBOOT_CMD" ] || { echo "$TRYBOOT_CMD is missing: this image cannot reboot with the tryboot flag, so no trial (a plain reboot would not try slot $1)"; return 1; }
  [ -d "$BOOT/$1" ] || { echo "the boot partition has no $1/ directory: slot $1 has no kernel"; return 1; }
  [ "$(default_slot)" != "$1" ] || { echo "slot $1 is already the committed slot: nothing to try"; return 1; }
  pi_write "$BOOT/config.txt" "$1" "$BOOT/tryboot.txt"
}

# slot_good: the running slot booted fine: make it permanent (systemd-boot: drop the
# "+LEFT-DONE" counter from the entry name, as systemd-bless-boot does; Pi: commit the running
# slot in config.txt and drop tryboot.txt).
slot_good() {
  _s=$(running_slot)
  case $(slot_platform) in
    uefi)
      _e=$(entry_file "$_s") || { echo "no boot entry for slot $_s"; return 1; }
      _g="$BOOT/loader/entries/3os-$_s.conf"
      [ "$_e" = "$_g" ] || mv -f "$_e" "$_g" || { echo "cannot rename $_e"; return 1; }
      # A trial `default` pattern no longer matches the renamed entry: name it plainly.
      if [ "$(default_slot)" = "$_s" ]; then slot_set "$_s" || return 1; fi ;;
    rpi)
      pi_check || return 1
      if [ "$(default_slot)" != "$_s" ]; then pi_write "$BOOT/config.txt" "$_s" "$BOOT/config.txt" || return 1; fi
      rm -f "$BOOT/tryboot.txt" ;;
    *) echo "no boot mechanism found under $BOOT"; return 1 ;;
  esac
  sync 2>/dev/null || :
}

# slot_health: the agent's health check of a trial boot: the running root is the trial slot's
# (the kernel command line names it) and, when the image has one, $HEALTH_CMD passes.
slot_health() {
  [ -n "$HEALTH_CMD" ] || return 0
  sh -c "$HEALTH_CMD" >/dev/null 2>&1
}

# slot_boot_commit: at boot, a Pi running another slot than config.txt commits (a trial boot
# through tryboot.txt) commits that slot once healthy. A failed trial needs nothing: the
# firmware's reset reads config.txt again.
slot_boot_commit() {
  [ "$(slot_platform)" = rpi ] || return 0
  pi_check >/dev/null || return 0
  _s=$(running_slot); _d=$(default_slot)
  [ "$_s" != "$_d" ] || return 0
  if slot_health; then
    if _e=$(slot_good); then log "slot: trial of $_s healthy, committed (config.txt os_prefix=$_s/)"
    else log "slot: trial of $_s healthy but not committed: $_e"; fi
  else
    log "slot: trial of $_s failed the health check; not committed (a reset boots $_d)"
  fi
}

# The config's raspberry_pi section (agent key rpi.hardware: the config.txt lines the flasher
# rendered, provisioning/config/pi-hardware.ts), placed between the marker comments in
# config.txt like provisioning/slots/pi-config-txt.ts withHardwareBlock does (shared cases in
# test/fixtures/pi-config-cases.json "hardware").
PI_HW_BEGIN='# 3os:hardware begin'
PI_HW_END='# 3os:hardware end'

# pi_hw_block FILE BODY OUT: OUT = FILE with the block set to the lines of BODY (none: removed).
pi_hw_block() {
  _nf=0; [ -s "$1" ] && [ -n "$(tail -c 1 "$1")" ] && _nf=1
  LC_ALL=C awk -v nofinal="$_nf" -v B="$PI_HW_BEGIN" -v E="$PI_HW_END" -v body="$2" '
    function trim(s) { sub(/^[ \t\r]+/, "", s); sub(/[ \t\r]+$/, "", s); return s }
    function ending(i) { return (cr[i] ? "\r" : "") ((i < n || !nofinal) ? "\n" : "") }
    function out(i) { printf "%s%s", line[i], ending(i) }
    function block(last) {
      printf "%s%s[all]%s", B, eol, eol
      for (j = 1; j <= nb; j++) printf "%s%s", bl[j], eol
      printf "%s%s", E, last
    }
    { cr[NR] = sub(/\r$/, ""); line[NR] = $0; n = NR
      if (!b && trim($0) == B) b = NR; else if (b && !e && trim($0) == E) e = NR }
    END {
      nb = 0; while ((getline l < body) > 0) bl[++nb] = l
      eol = "\n"; for (i = 1; i <= n; i++) if (i < n || !nofinal) { eol = cr[i] ? "\r\n" : "\n"; break }
      if (b && !e) { print "begin marker without end marker" > "/dev/stderr"; exit 3 }
      if (b) {
        for (i = 1; i < b; i++) out(i)
        if (nb > 0) block(ending(e))
        for (i = e + 1; i <= n; i++) out(i)
      } else {
        for (i = 1; i <= n; i++) if (i == n && nofinal && nb > 0) printf "%s%s", line[i], eol; else out(i)
        if (nb > 0) block(eol)
      }
    }' "$1" >"$3"
}

# pi_hw_check: this is a 3os Pi boot partition and every overlay is shipped by the committed
# slot (the lines' grammar is checked with the rest in validate_config). Errors go to $ERRF.
pi_hw_check() {
  has rpi.hardware || return 0
  _e=''
  [ "$(slot_platform)" = rpi ] && _e=$(pi_check) || { add_err "rpi.hardware: this device has no 3os Raspberry Pi config.txt${_e:+ ($_e)}"; return 1; }
  _s=$(default_slot); _od="$BOOT/$_s/overlays"
  kv rpi.hardware >"$WORK/pi-hw.body"; printf '\n' >>"$WORK/pi-hw.body"
  while IFS= read -r _l; do
    case $_l in
      dtoverlay=*)
        _o=${_l#dtoverlay=}; _o=${_o%%,*}
        if [ ! -d "$_od" ]; then add_err "rpi.hardware: the image ships no device tree overlays (no $_s/overlays/ on the boot partition), so \"$_o\" cannot be loaded"
        elif [ ! -f "$_od/$_o.dtbo" ]; then
          _all=$(for _f in "$_od"/*.dtbo; do [ -f "$_f" ] && { _f=${_f##*/}; printf '%s\n' "${_f%.dtbo}"; }; done | sort | tr '\n' ',' | sed 's/,$//; s/,/, /g')
          add_err "rpi.hardware: the image has no overlay \"$_o\"; it ships: ${_all:-(none)}"
        fi ;;
    esac
  done <"$WORK/pi-hw.body"
  no_errs
}

# pi_hw_apply: write the block into config.txt (after the root's files were committed).
pi_hw_apply() {
  has rpi.hardware || return 0
  kv rpi.hardware >"$WORK/pi-hw.body"; printf '\n' >>"$WORK/pi-hw.body"
  grep -v '^$' "$WORK/pi-hw.body" >"$WORK/pi-hw.lines" || :
  _c="$BOOT/config.txt"
  pi_hw_block "$_c" "$WORK/pi-hw.lines" "$_c.3os-new" 2>"$WORK/pi-hw.err" || { rm -f "$_c.3os-new"; add_err "rpi.hardware: config.txt: $(cat "$WORK/pi-hw.err")"; return 1; }
  sync "$_c.3os-new" 2>/dev/null || sync
  mv -f "$_c.3os-new" "$_c" || { rm -f "$_c.3os-new"; add_err "rpi.hardware: cannot write config.txt"; return 1; }
  sync 2>/dev/null || :
}
