# 3os agent: protocol primitives (CRC-32, base64, HMAC-SHA256, frames).
# Sourced by 3os-agent.sh. POSIX sh (busybox ash and dash); needs busybox applets only:
# crc32 (or awk as a fallback), base64, sha256sum, tr, od.

# CRC-32 (IEEE, as zlib) of a printable-ASCII string, 8 lowercase hex digits.
if command -v crc32 >/dev/null 2>&1; then
  crc_of() { printf '%s' "$1" | crc32; }
else
  crc_of() {
    printf '%s' "$1" | awk 'BEGIN {
      for (i = 0; i < 256; i++) { c = i; for (k = 0; k < 8; k++) { if (c % 2) c = xor(0xEDB88320, int(c / 2)); else c = int(c / 2) } T[i] = c }
      for (i = 32; i < 127; i++) ORD[sprintf("%c", i)] = i
    } { s = s $0 } END {
      c = 0xFFFFFFFF; n = length(s)
      for (i = 1; i <= n; i++) c = xor(T[and(xor(c, ORD[substr(s, i, 1)] + 0), 255)], int(c / 256))
      printf "%08x\n", xor(c, 0xFFFFFFFF)
    }'
  }
fi

# base64 of stdin on one line (no wrapping); "-" for empty input.
b64_in() { _b=$(base64 | tr -d '\n'); [ -n "$_b" ] || _b=-; printf '%s' "$_b"; }
b64_str() { printf '%s' "$1" | b64_in; }
# Decode a frame payload ("-" is empty) to stdout.
b64_dec() { [ "$1" = - ] || printf '%s' "$1" | base64 -d; }

# Hex string -> printf format of octal escapes, each byte XORed with $2 (decimal), padded
# with zero bytes (XORed too) to $3 bytes. No forks: dash and ash both do the arithmetic.
hex_fmt() {
  _h=$1; _x=$2; _n=$3; _f=''; _i=0
  while [ "$_i" -lt "$_n" ] || [ -n "$_h" ]; do
    if [ -n "$_h" ]; then _c=${_h%"${_h#??}"}; _h=${_h#??}; _v=$((0x$_c)); else _v=0; fi
    _v=$((_v ^ _x))
    _f="$_f\\$((_v / 64))$((_v / 8 % 8))$((_v % 8))"
    _i=$((_i + 1))
  done
  printf '%s' "$_f"
}

# HMAC-SHA256(key = bytes of hex $1 (<= 64 bytes), message = $2) as lowercase hex.
hmac_sha256() {
  _ip=$(hex_fmt "$1" 54 64); _op=$(hex_fmt "$1" 92 64)
  _in=$({ printf "$_ip"; printf '%s' "$2"; } | sha256sum); _in=${_in%% *}
  _in=$(hex_fmt "$_in" 0 0)
  _out=$({ printf "$_op"; printf "$_in"; } | sha256sum)
  printf '%s' "${_out%% *}"
}

random_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

# Frame: "@3OS1 D <seq> <TYPE> <args> <payload> <crc32>" (docs/serial-protocol.md).
# send_frame SEQ TYPE ARGS PAYLOAD: writes one line to fd 3 and remembers it in LAST_RESP.
send_frame() {
  _body="@3OS1 D $1 $2 ${3:--} ${4:--}"
  LAST_RESP="$_body $(crc_of "$_body")"
  printf '%s\n' "$LAST_RESP" >&3
}
