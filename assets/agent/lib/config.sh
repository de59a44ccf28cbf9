# 3os agent: read and validate the agent form of the first-boot config (3os/config.agent).
# Sourced by 3os-agent.sh. Format (fixed by the config author): first line
# "# 3os-agent-config v1", then key=value lines (key [a-z0-9_.]+, value = base64 of UTF-8),
# last line digest=<sha256 hex of the exact config.yaml bytes>.
# Values are decoded into one file per key under $KV, so nothing is ever eval'ed.

# Errors ("field: reason", one a line) go to the file $ERRF, so that functions running in
# pipelines or command substitutions (subshells) can report them too.
add_err() { printf '%s\n' "$1" >>"$ERRF"; }
no_errs() { [ ! -s "$ERRF" ]; }

kv() { cat "$KV/$1" 2>/dev/null; }
has() { [ -f "$KV/$1" ]; }
# A value matches a pattern only as a whole single line (grep alone would accept any one line).
matches() {
  case $1 in *"$NL"*) return 1 ;; esac
  printf '%s\n' "$1" | grep -Eq "$2"
}

# load_config DIR: parse DIR/config.agent into $KV and check the digest against DIR/config.yaml.
# Returns 1 (with errors in $ERRF) when the form is unusable or the yaml was edited by hand.
load_config() {
  _a="$1/config.agent"; _y="$1/config.yaml"; DIGEST=''
  [ -f "$_a" ] || { add_err "config.agent: missing"; return 1; }
  [ -f "$_y" ] || { add_err "config.yaml: missing"; return 1; }
  rm -rf "$KV"; mkdir -p "$KV"
  _first=1; _after=0
  while IFS= read -r _l || [ -n "$_l" ]; do
    if [ $_first = 1 ]; then
      _first=0
      [ "$_l" = '# 3os-agent-config v1' ] || { add_err "config.agent: first line is not '# 3os-agent-config v1'"; return 1; }
      continue
    fi
    [ $_after = 0 ] || { add_err "config.agent: lines after the digest line"; return 1; }
    case $_l in
      digest=*) DIGEST=${_l#digest=}; _after=1 ;;
      [a-z0-9_]*=*)
        _k=${_l%%=*}; _v=${_l#*=}
        case $_k in *[!a-z0-9_.]*) add_err "config.agent: bad key '$_k'"; continue ;; esac
        printf '%s' "$_v" | base64 -d >"$KV/$_k" 2>/dev/null || add_err "$_k: value is not valid base64"
        ;;
      *) add_err "config.agent: malformed line" ;;
    esac
  done <"$_a"
  [ -n "$DIGEST" ] || { add_err "config.agent: no digest line"; return 1; }
  _d=$(sha256sum <"$_y"); _d=${_d%% *}
  [ "$_d" = "$DIGEST" ] || { add_err "config.yaml: config.yaml edited by hand (digest mismatch)"; return 1; }
  no_errs
}

re_bool='^(true|false)$'
re_count='^(0|[1-9][0-9]{0,2})$'
# The same rules as the flasher's schema (provisioning/config/validators.ts), as far as a device
# can check them; test/fixtures/config-cases.json holds the cases both are tested on.
re_name='^[a-z_][a-z0-9_-]{0,31}$'
re_posix='[a-z_][a-z0-9_-]{0,31}'
re_id="($re_posix|[0-9]{1,10})"
re_label='[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?'
re_ipv4='(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){3}'
re_ip="($re_ipv4|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*)"

# rpi.hardware lines (provisioning/config/pi-hardware.ts): names [A-Za-z0-9_-], values printable
# ASCII without space , = # [ ] so no line can open a config.txt section or add a line.
re_pin='[A-Za-z0-9_-]{1,64}'
re_piv='[!"$%&'"'"'()*+./0-9:;<>?@A-Z\^_`a-z{|}~-]'
re_piline="^(dtparam=$re_pin(=$re_piv*)?|dtoverlay=$re_pin(,$re_pin(=$re_piv*)?)*|(enable_uart|camera_auto_detect)=[01])\$"

# check KEY REGEX REASON: when KEY is present its value must match.
check() { has "$1" || return 0; matches "$(kv "$1")" "$2" || add_err "$1: $3"; }
count_of() { _c=$(kv "$1"); matches "$_c" "$re_count" && printf '%s' "$_c" || printf 0; }

# Is KEY one we know? (Unknown keys are rejected, like the schema does.)
known_key() {
  case $1 in
    hostname|timezone|locale|keyboard.layout|keyboard.variant|ssh.enabled|ssh.password_authentication) ;;
    users.count|net.count|containers.count|files.count|network.netplan|wifi.country|wifi.wpa_supplicant) ;;
    update.channel|update.server|update.auto_rollback|serial.lock|serial.salt|serial.key|storage.json|rpi.hardware) ;;
    users.[0-9]*.name|users.[0-9]*.password_hash|users.[0-9]*.groups|users.[0-9]*.sudo|users.[0-9]*.shell|users.[0-9]*.ssh_authorized_keys) ;;
    net.[0-9]*.iface|net.[0-9]*.dhcp4|net.[0-9]*.addresses|net.[0-9]*.gateway4|net.[0-9]*.dns) ;;
    net.[0-9]*.type|net.[0-9]*.macaddress|net.[0-9]*.dhcp6|net.[0-9]*.routes) ;;
    containers.[0-9]*.name|containers.[0-9]*.image|containers.[0-9]*.ports|containers.[0-9]*.volumes|containers.[0-9]*.env|containers.[0-9]*.restart) ;;
    files.[0-9]*.path|files.[0-9]*.mode|files.[0-9]*.owner|files.[0-9]*.contents) ;;
    *) return 1 ;;
  esac
}

validate_config() {
  for _f in "$KV"/*; do
    [ -f "$_f" ] || continue
    _k=${_f##*/}
    known_key "$_k" || add_err "$_k: unknown key"
  done
  if has hostname; then
    _h=$(kv hostname)
    # RFC 1123 labels, 64 characters in all: the longest static hostname systemd and Linux take.
    { matches "$_h" "^$re_label(\\.$re_label)*\$" && [ ${#_h} -le 64 ]; } || add_err "hostname: not a valid RFC 1123 host name"
  fi
  check timezone '^[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*$' 'not a valid zone name'
  check locale '^(C|POSIX|C\.UTF-8|C\.utf8|[a-z]{2,3}(_[A-Z]{2})?(\.[A-Za-z0-9-]+)?(@[a-z]+)?)$' 'not a valid locale name'
  check keyboard.layout '^[a-z][a-z0-9_-]{0,31}$' 'not a valid keyboard layout'
  check keyboard.variant '^[a-z0-9][a-z0-9_-]{0,63}$' 'not a valid keyboard variant'
  for _k in ssh.enabled ssh.password_authentication update.auto_rollback serial.lock; do check "$_k" "$re_bool" "must be true or false"; done
  for _k in users.count net.count containers.count files.count; do check "$_k" "$re_count" "must be a number from 0 to 999"; done
  check wifi.country '^[A-Z]{2}$' 'must be a two-letter country code'
  check update.channel '^[a-z0-9][a-z0-9._-]{0,63}$' 'not a valid channel name'
  check update.server '^https://[^/?#@[:space:]]+([/?#][^[:space:]]*)?$' 'must be an https:// URL without spaces or a user name'
  if [ "$(kv serial.lock)" = true ]; then
    matches "$(kv serial.key)" '^[0-9a-f]{64}$' || add_err "serial.key: must be 64 lowercase hex digits (the derived key)"
    matches "$(kv serial.salt)" '^([0-9a-f]{2})+$' || add_err "serial.salt: must be lowercase hex"
  fi
  if has rpi.hardware; then
    { kv rpi.hardware; printf '\n'; } | while IFS= read -r _l; do
      [ -n "$_l" ] || continue
      printf '%s\n' "$_l" | LC_ALL=C grep -Eq "$re_piline" || add_err "rpi.hardware: not a config.txt line the flasher writes: $_l"
    done
  fi
  _n=$(count_of users.count); _i=0
  while [ $_i -lt "$_n" ]; do
    _p=users.$_i
    has $_p.name || add_err "$_p.name: required"
    check $_p.name "$re_name" 'not a valid user name'
    check $_p.password_hash '^[^:[:space:]]*$' 'must not contain colons or spaces'
    check $_p.groups "^($re_posix(,$re_posix)*)?\$" 'not a comma-separated list of group names'
    check $_p.sudo '^(true|false|ALL=.*)?$' "must be true, false or a sudoers rule starting with ALL="
    if has $_p.shell; then
      _v=$(kv $_p.shell)
      { matches "$_v" '^/[A-Za-z0-9._+/-]*[A-Za-z0-9_+-]$' && case /$_v/ in */../*|*/./*) false ;; esac; } || add_err "$_p.shell: must be an absolute path"
    fi
    _i=$((_i + 1))
  done
  _n=$(count_of net.count); _i=0
  while [ $_i -lt "$_n" ]; do
    _p=net.$_i
    has $_p.iface || add_err "$_p.iface: required"
    check $_p.iface '^[A-Za-z0-9_.:-]{1,15}$' 'not a valid interface name'
    check $_p.dhcp4 "$re_bool" 'must be true or false'
    check $_p.addresses "^($re_ip/[0-9]{1,3}( +$re_ip/[0-9]{1,3})*)?\$" 'must be space-separated addresses in CIDR form'
    check $_p.gateway4 "^($re_ipv4)?\$" 'not an IPv4 address'
    check $_p.dns "^($re_ip([ ,]+$re_ip)*)?\$" 'must be a list of IP addresses'
    _i=$((_i + 1))
  done
  _n=$(count_of containers.count); _i=0
  while [ $_i -lt "$_n" ]; do
    _p=containers.$_i
    check $_p.name '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$' 'not a valid container name'
    has $_p.name || add_err "$_p.name: required"
    has $_p.image || add_err "$_p.image: required"
    check $_p.image '^[^[:space:]]+$' 'not a valid image reference'
    check $_p.restart '^(no|always|on-failure|unless-stopped)$' 'must be no, always, on-failure or unless-stopped'
    _i=$((_i + 1))
  done
  _n=$(count_of files.count); _i=0
  while [ $_i -lt "$_n" ]; do
    _p=files.$_i
    has $_p.path || add_err "$_p.path: required"
    _v=$(kv $_p.path)
    case $_v in
      *"$NL"*|*"$TAB"*) add_err "$_p.path: must not contain tabs or newlines" ;;
      /*/|/) add_err "$_p.path: must name a file" ;;
      *//*) add_err "$_p.path: must not contain //" ;;
      /etc/*|/home/*|/var/*|/opt/*) case /$_v/ in */../*|*/./*) add_err "$_p.path: must not contain . or .. components" ;; esac ;;
      /*) add_err "$_p.path: must be under /etc, /home, /var or /opt" ;;
      *) has $_p.path && add_err "$_p.path: must be an absolute path" ;;
    esac
    check $_p.mode '^[0-7]{3,4}$' 'must be an octal mode such as 0644'
    check $_p.owner "^$re_id(:$re_id)?\$" 'must be user or user:group'
    _i=$((_i + 1))
  done
  no_errs
}
