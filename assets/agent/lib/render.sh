# 3os agent: render a validated config ($KV) into a staging tree ($STAGE/t) plus a manifest.
# Sourced by 3os-agent.sh. Nothing under $ROOT is touched here; commit.sh moves it into place.
# Manifest lines (TAB-separated): D path mode uid:gid | F path mode uid:gid | L path target | R path

R() { printf '%s%s' "${ROOT%/}" "$1"; }          # path inside the target root
T() { printf '%s/t%s' "$STAGE" "$1"; }           # staged copy of an absolute path
# put PATH MODE OWNER < content
put() {
  _t=$(T "$1"); mkdir -p "${_t%/*}" 2>/dev/null && cat >"$_t" || { add_err "$1: cannot be staged (a path component is a file?)"; return 1; }
  printf 'F\t%s\t%s\t%s\n' "$1" "$2" "$(owner_ids "$3")" >>"$STAGE/manifest.f"
}
putdir() { printf 'D\t%s\t%s\t%s\n' "$1" "$2" "$(owner_ids "$3")" >>"$STAGE/manifest.d"; }
putlink() { printf 'L\t%s\t%s\n' "$1" "$2" >>"$STAGE/manifest.f"; }
putrm() { printf 'R\t%s\n' "$1" >>"$STAGE/manifest.f"; }

# The account database the new config will see: the staged copy when users are staged.
db() { if [ -f "$(T "/etc/$1")" ]; then T "/etc/$1"; else R "/etc/$1"; fi; }
# owner_ids user[:group] -> uid:gid (names looked up in the target's passwd/group, not the host's)
owner_ids() {
  _u=${1%%:*}; _g=${1#*:}; [ "$_g" = "$1" ] && _g=''
  case $_u in *[!0-9]*) _uid=$(awk -F: -v n="$_u" '$1 == n { print $3; exit }' "$(db passwd)" 2>/dev/null) ;; *) _uid=$_u ;; esac
  [ -n "$_uid" ] || { add_err "owner: unknown user '$_u'"; printf '0:0'; return; }
  if [ -z "$_g" ]; then
    _gid=$(awk -F: -v n="$_u" '$1 == n { print $4; exit }' "$(db passwd)" 2>/dev/null); [ -n "$_gid" ] || _gid=$_uid
  else
    case $_g in *[!0-9]*) _gid=$(awk -F: -v n="$_g" '$1 == n { print $3; exit }' "$(db group)" 2>/dev/null) ;; *) _gid=$_g ;; esac
    [ -n "$_gid" ] || { add_err "owner: unknown group '$_g'"; _gid=0; }
  fi
  printf '%s:%s' "$_uid" "$_gid"
}
onoff() { [ "$1" = true ] && printf yes || printf no; }
# split a list value on newlines and commas, one item per line
items() { { kv "$1"; echo; } | tr ',' '\n' | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' -e '/^$/d'; }

render_all() {
  mkdir -p "$STAGE/t"; : >"$STAGE/manifest.d"; : >"$STAGE/manifest.f"
  if has hostname; then
    _h=$(kv hostname)
    printf '%s\n' "$_h" | put /etc/hostname 0644 0:0
    { if [ -f "$(R /etc/hosts)" ]; then grep -v '^127\.0\.1\.1[[:space:]]' "$(R /etc/hosts)"; else printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n'; fi
      printf '127.0.1.1\t%s %s\n' "$_h" "${_h%%.*}"; } | put /etc/hosts 0644 0:0
  fi
  render_users
  if has ssh.password_authentication; then
    printf '# Written by the 3os agent from the first-boot config.\nPasswordAuthentication %s\nKbdInteractiveAuthentication %s\n' \
      "$(onoff "$(kv ssh.password_authentication)")" "$(onoff "$(kv ssh.password_authentication)")" | put /etc/ssh/sshd_config.d/50-3os.conf 0644 0:0
  fi
  if has ssh.enabled; then
    if [ "$(kv ssh.enabled)" = true ]; then _v=enable; putrm /etc/ssh/sshd_not_to_be_run
    else _v=disable; printf 'disabled by the 3os first-boot config\n' | put /etc/ssh/sshd_not_to_be_run 0644 0:0; fi
    printf '%s ssh.service\n%s sshd.service\n' "$_v" "$_v" | put /etc/systemd/system-preset/50-3os-ssh.preset 0644 0:0
  fi
  has network.netplan && kv network.netplan | put /etc/netplan/50-3os.yaml 0600 0:0
  render_net
  if has wifi.wpa_supplicant; then
    { if has wifi.country && ! kv wifi.wpa_supplicant | grep -q '^[[:space:]]*country='; then printf 'country=%s\n' "$(kv wifi.country)"; fi
      kv wifi.wpa_supplicant; } | put /etc/wpa_supplicant/wpa_supplicant.conf 0600 0:0
  fi
  if has wifi.country; then
    printf '%s\n' "$(kv wifi.country)" | put /etc/3os/wifi-country 0644 0:0
    # The regulatory domain from the moment cfg80211 loads (the file the Ignition renderer writes too).
    printf 'options cfg80211 ieee80211_regdom=%s\n' "$(kv wifi.country)" | put /etc/modprobe.d/3os-regdom.conf 0644 0:0
  fi
  if has timezone; then
    putlink /etc/localtime "/usr/share/zoneinfo/$(kv timezone)"
    printf '%s\n' "$(kv timezone)" | put /etc/timezone 0644 0:0
  fi
  if has locale; then
    printf 'LANG=%s\n' "$(kv locale)" | put /etc/locale.conf 0644 0:0
    printf 'LANG=%s\n' "$(kv locale)" | put /etc/default/locale 0644 0:0
  fi
  if has keyboard.layout; then
    _l=$(kv keyboard.layout); _v=$(kv keyboard.variant)
    printf 'KEYMAP=%s%s\nXKBLAYOUT=%s\nXKBVARIANT=%s\n' "$_l" "${_v:+-$_v}" "$_l" "$_v" | put /etc/vconsole.conf 0644 0:0
    printf 'XKBMODEL="pc105"\nXKBLAYOUT="%s"\nXKBVARIANT="%s"\nXKBOPTIONS=""\n' "$_l" "$_v" | put /etc/default/keyboard 0644 0:0
  fi
  render_containers
  if has update.channel || has update.server || has update.auto_rollback; then
    printf 'channel=%s\nserver=%s\nauto_rollback=%s\n' "$(kv update.channel)" "$(kv update.server)" "$(kv update.auto_rollback)" | put /etc/3os/update.conf 0644 0:0
  fi
  if [ "$(kv serial.lock)" = true ]; then
    printf 'lock=true\nsalt=%s\nkey=%s\n' "$(kv serial.salt)" "$(kv serial.key)" | put /etc/3os/serial-lock 0600 0:0
  else
    putrm /etc/3os/serial-lock
  fi
  if has storage.json; then
    kv storage.json | put /etc/3os/storage.json 0644 0:0
    # LVs the first-boot resize step must grow (names found in the storage policy).
    kv storage.json | grep -o '"name"[[:space:]]*:[[:space:]]*"[^"]*"' | sed 's/.*"\([^"]*\)"$/\1/' | put /etc/3os/grow-lvs 0644 0:0
  fi
  render_files
  printf 'digest=%s\napplied_at=%s\n' "$DIGEST" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" | put /etc/3os/provisioned 0644 0:0
  no_errs
}

render_users() {
  _n=$(count_of users.count); [ "$_n" -gt 0 ] || return 0
  for _f in passwd shadow group; do
    mkdir -p "$(T /etc)"
    if [ -f "$(R /etc/$_f)" ]; then cp "$(R /etc/$_f)" "$(T /etc/$_f)"; else : >"$(T /etc/$_f)"; fi
  done
  _days=$(($(date +%s) / 86400)); _i=0
  while [ $_i -lt "$_n" ]; do
    _p=users.$_i; _u=$(kv $_p.name); _sh=$(kv $_p.shell); _hash=$(kv $_p.password_hash)
    [ -n "$_hash" ] || _hash='!'
    _pw=$(T /etc/passwd); _gr=$(T /etc/group)
    if ! awk -F: -v n="$_u" '$1 == n { f = 1 } END { exit !f }' "$_pw"; then
      _uid=$(awk -F: 'BEGIN { m = 999 } $3 >= 1000 && $3 < 60000 && $3 > m { m = $3 } END { print m + 1 }' "$_pw")
      _gid=$(awk -F: -v n="$_u" '$1 == n { print $3; exit }' "$_gr")
      if [ -z "$_gid" ]; then
        if awk -F: -v g="$_uid" '$3 == g { f = 1 } END { exit !f }' "$_gr"; then
          _gid=$(awk -F: 'BEGIN { m = 999 } $3 >= 1000 && $3 < 60000 && $3 > m { m = $3 } END { print m + 1 }' "$_gr")
        else _gid=$_uid; fi
        printf '%s:x:%s:\n' "$_u" "$_gid" >>"$_gr"
      fi
      printf '%s:x:%s:%s::/home/%s:%s\n' "$_u" "$_uid" "$_gid" "$_u" "${_sh:-/bin/sh}" >>"$_pw"
    elif [ -n "$_sh" ]; then
      awk -F: -v OFS=: -v n="$_u" -v s="$_sh" '$1 == n { $7 = s } { print }' "$_pw" >"$_pw.n" && mv "$_pw.n" "$_pw"
    fi
    awk -F: -v n="$_u" '$1 != n' "$(T /etc/shadow)" >"$STAGE/sh.n"
    printf '%s:%s:%s:0:99999:7:::\n' "$_u" "$_hash" "$_days" >>"$STAGE/sh.n"; mv "$STAGE/sh.n" "$(T /etc/shadow)"
    for _g in $(items $_p.groups); do
      if awk -F: -v n="$_g" '$1 == n { f = 1 } END { exit !f }' "$_gr"; then
        awk -F: -v OFS=: -v g="$_g" -v u="$_u" '$1 == g { k = "," $4 ","; if (index(k, "," u ",") == 0) $4 = ($4 == "" ? u : $4 "," u) } { print }' "$_gr" >"$_gr.n" && mv "$_gr.n" "$_gr"
      else
        _ng=$(awk -F: 'BEGIN { m = 999 } $3 >= 1000 && $3 < 60000 && $3 > m { m = $3 } END { print m + 1 }' "$_gr")
        printf '%s:x:%s:%s\n' "$_g" "$_ng" "$_u" >>"$_gr"
      fi
    done
    _home=$(awk -F: -v n="$_u" '$1 == n { print $6; exit }' "$_pw"); [ -n "$_home" ] || _home=/home/$_u
    putdir "$_home" 0700 "$_u"
    if has $_p.ssh_authorized_keys; then
      putdir "$_home/.ssh" 0700 "$_u"
      { kv $_p.ssh_authorized_keys; echo; } | sed '/^$/d' | put "$_home/.ssh/authorized_keys" 0600 "$_u"
    fi
    case $(kv $_p.sudo) in
      true) printf '%s ALL=(ALL:ALL) ALL\n' "$_u" | put "/etc/sudoers.d/3os-$_u" 0440 0:0 ;;
      ALL=*) printf '%s %s\n' "$_u" "$(kv $_p.sudo)" | put "/etc/sudoers.d/3os-$_u" 0440 0:0 ;;
      *) putrm "/etc/sudoers.d/3os-$_u" ;;
    esac
    _i=$((_i + 1))
  done
  # The account files themselves go in last-but-staged order: they are plain staged files.
  printf 'F\t/etc/passwd\t0644\t0:0\nF\t/etc/group\t0644\t0:0\nF\t/etc/shadow\t0640\t0:0\n' >>"$STAGE/manifest.f"
}

render_net() {
  _n=$(count_of net.count); [ "$_n" -gt 0 ] || return 0
  {
    printf '#!/bin/sh\n# Written by the 3os agent: brings up the configured interfaces with busybox ip/udhcpc.\n'
    _dns=''; _i=0
    while [ $_i -lt "$_n" ]; do
      _p=net.$_i; _if=$(kv $_p.iface)
      printf 'ip link set %s up\n' "$_if"
      if [ "$(kv $_p.dhcp4)" = true ]; then printf 'udhcpc -b -i %s -p /run/udhcpc.%s.pid\n' "$_if" "$_if"; fi
      for _a in $(kv $_p.addresses); do printf 'ip addr add %s dev %s\n' "$_a" "$_if"; done
      has $_p.gateway4 && printf 'ip route add default via %s dev %s\n' "$(kv $_p.gateway4)" "$_if"
      _dns="$_dns $(kv $_p.dns | tr ',' ' ')"
      _i=$((_i + 1))
    done
    if [ -n "$(echo $_dns)" ]; then
      printf ': >/etc/resolv.conf\n'
      for _d in $_dns; do printf 'echo "nameserver %s" >>/etc/resolv.conf\n' "$_d"; done
    fi
  } | put /etc/3os/network.sh 0755 0:0
}

render_containers() {
  _n=$(count_of containers.count); [ "$_n" -gt 0 ] || return 0
  : >"$STAGE/containers.list"; _i=0
  while [ $_i -lt "$_n" ]; do
    _p=containers.$_i; _c=$(kv $_p.name); _r=$(kv $_p.restart)
    {
      printf '# Written by the 3os agent (quadlet unit for podman; see /etc/3os/containers.list).\n'
      printf '[Unit]\nDescription=3os container %s\n\n[Container]\nContainerName=%s\nImage=%s\n' "$_c" "$_c" "$(kv $_p.image)"
      items $_p.ports | sed 's/^/PublishPort=/'
      items $_p.volumes | sed 's/^/Volume=/'
      { kv $_p.env; echo; } | sed -e '/^$/d' -e 's/^/Environment=/'
      printf '\n[Service]\nRestart=%s\n\n[Install]\nWantedBy=multi-user.target default.target\n' "${_r:-always}"
    } | put "/etc/containers/systemd/$_c.container" 0644 0:0
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$_c" "$(kv $_p.image)" "$(items $_p.ports | tr '\n' ',' | sed 's/,$//')" \
      "$(items $_p.volumes | tr '\n' ',' | sed 's/,$//')" "$(kv $_p.env | sed '/^$/d' | tr '\n' ' ' | sed 's/ $//')" "${_r:-always}" >>"$STAGE/containers.list"
    _i=$((_i + 1))
  done
  { printf '# name\timage\tports\tvolumes\tenv\trestart\n'; cat "$STAGE/containers.list"; } | put /etc/3os/containers.list 0644 0:0
}

render_files() {
  _n=$(count_of files.count); _i=0
  while [ $_i -lt "$_n" ]; do
    _p=files.$_i; _m=$(kv $_p.mode); _o=$(kv $_p.owner)
    kv $_p.contents | put "$(kv $_p.path)" "${_m:-0644}" "${_o:-0:0}"
    _i=$((_i + 1))
  done
}

# wifi_radio_up: on the running device, once a Wi-Fi country is configured: set the regulatory
# domain now (iw, when the image has it; the modprobe option covers the next boots) and lift a
# soft block of the wlan radios through sysfs (images in Raspberry Pi OS style keep Wi-Fi blocked
# until a country is set). Runs after an apply and at every boot.
wifi_radio_up() {
  _c=$(head -n 1 "$(R /etc/3os/wifi-country)" 2>/dev/null)
  case $_c in [A-Z][A-Z]) ;; *) return 0 ;; esac
  if command -v iw >/dev/null 2>&1; then
    if iw reg set "$_c" >/dev/null 2>&1; then log "wifi: regulatory domain $_c"; else log "wifi: iw reg set $_c failed"; fi
  fi
  for _k in "$SYSROOT/sys/class/rfkill"/rfkill*; do
    [ "$(cat "$_k/type" 2>/dev/null)" = wlan ] && [ "$(cat "$_k/soft" 2>/dev/null)" = 1 ] || continue
    if printf '0\n' >"$_k/soft" 2>/dev/null; then log "wifi: ${_k##*/} unblocked"; else log "wifi: cannot unblock ${_k##*/}"; fi
  done
}
