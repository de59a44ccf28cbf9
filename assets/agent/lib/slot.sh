# 3os agent: A/B slot state on the boot partition ($BOOT), changed offline with the
# platform's own mechanism. Sourced by 3os-agent.sh.
#  UEFI: systemd-boot, entries $BOOT/loader/entries/3os-<slot>[+LEFT[-DONE]].conf,
#        $BOOT/loader/loader.conf "default 3os-<slot>.conf", or "default 3os-<slot>+[1-9]*.conf"
#        for a slot on trial (systemd-boot matches file names, counter included).
#  Raspberry Pi: $BOOT/autoboot.txt with tryboot_a_b=1 and boot_partition=<n>
#        (slot a = partition $PI_PART_A, slot b = $PI_PART_B).

slot_platform() {
  if [ -d "$BOOT/loader/entries" ] || [ -f "$BOOT/loader/loader.conf" ]; then echo uefi
  elif [ -f "$BOOT/autoboot.txt" ]; then echo rpi
  else echo none; fi
}

# entry_file SLOT: the systemd-boot entry file of SLOT (with or without a boot counter).
entry_file() {
  for _e in "$BOOT/loader/entries/3os-$1.conf" "$BOOT/loader/entries/3os-$1+"*.conf; do
    [ -f "$_e" ] && { printf '%s' "$_e"; return 0; }
  done
  return 1
}

pi_part() { if [ "$1" = a ]; then echo "$PI_PART_A"; else echo "$PI_PART_B"; fi; }
pi_slot() { if [ "$1" = "$PI_PART_A" ]; then echo a; elif [ "$1" = "$PI_PART_B" ]; then echo b; fi; }

default_slot() {
  case $(slot_platform) in
    uefi)
      _d=$(awk '$1 == "default" { print $2; exit }' "$BOOT/loader/loader.conf" 2>/dev/null)
      case $_d in 3os-a*) echo a ;; 3os-b*) echo b ;; *) echo a ;; esac ;;
    rpi)
      _p=$(awk '/^\[/ { s = $0 } s == "[all]" && /^boot_partition=/ { sub(/^boot_partition=/, ""); print; exit }' "$BOOT/autoboot.txt")
      _s=$(pi_slot "$_p"); echo "${_s:-a}" ;;
    *) echo a ;;
  esac
}

# The slot the running system booted from (kernel command line), else the default.
running_slot() {
  _c=" $(cat "$SYSROOT/proc/cmdline" 2>/dev/null) "
  case $_c in
    *" 3os.slot=a "*|*"PARTLABEL=3os-root-a "*) echo a ;;
    *" 3os.slot=b "*|*"PARTLABEL=3os-root-b "*) echo b ;;
    *) default_slot ;;
  esac
}

# slot_state SLOT: good | trying (N left) | missing
slot_state() {
  case $(slot_platform) in
    uefi)
      _e=$(entry_file "$1") || { echo missing; return; }
      _n=${_e##*/}; _n=${_n%.conf}
      case $_n in *+*) _c=${_n#*+}; echo "trying:${_c%%-*}" ;; *) echo good ;; esac ;;
    *) echo unknown ;;
  esac
}

slot_show() {
  printf 'platform=%s\nactive=%s\ndefault=%s\na=%s\nb=%s\n' "$(slot_platform)" "$(running_slot)" "$(default_slot)" "$(slot_state a)" "$(slot_state b)"
}

# slot_set SLOT: boot SLOT from the next boot on. Prints an error and fails when impossible.
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
      _o=a; [ "$1" = a ] && _o=b
      printf '[all]\ntryboot_a_b=1\nboot_partition=%s\n[tryboot]\nboot_partition=%s\n' "$(pi_part "$1")" "$(pi_part "$_o")" >"$BOOT/autoboot.txt.3os-new" &&
        mv -f "$BOOT/autoboot.txt.3os-new" "$BOOT/autoboot.txt" || { echo "cannot write autoboot.txt"; return 1; }
      ;;
    *) echo "no boot mechanism found under $BOOT (neither loader/ nor autoboot.txt)"; return 1 ;;
  esac
  sync 2>/dev/null || :
}

# slot_good: the running slot booted fine: stop boot counting (systemd-boot: drop the
# "+LEFT-DONE" counter from the entry name, as systemd-bless-boot does; Pi: make the
# running slot the permanent boot partition).
slot_good() {
  _s=$(running_slot)
  case $(slot_platform) in
    uefi)
      _e=$(entry_file "$_s") || { echo "no boot entry for slot $_s"; return 1; }
      _g="$BOOT/loader/entries/3os-$_s.conf"
      [ "$_e" = "$_g" ] || mv -f "$_e" "$_g" || { echo "cannot rename $_e"; return 1; }
      # A trial `default` pattern no longer matches the renamed entry: name it plainly.
      if [ "$(default_slot)" = "$_s" ]; then slot_set "$_s" || return 1; fi ;;
    rpi) slot_set "$_s" || return 1 ;;
    *) echo "no boot mechanism found under $BOOT"; return 1 ;;
  esac
  sync 2>/dev/null || :
}
