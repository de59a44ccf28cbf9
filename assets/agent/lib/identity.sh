# identity.sh: a card made by `3os-flash clone` is a copy of another device, and carries
# 3os/identity-reset on the config partition (provisioning/backup/identity.ts) with a clone_id.
# Once per clone_id, on boot, give this device its own machine-id and SSH host keys: a new
# machine-id from the kernel's random uuid, the old host keys removed (and made again with
# ssh-keygen -A when the image has it; otherwise the SSH server makes them on its start).
# Done is recorded in /etc/3os/identity-reset, so the reset never repeats for the same clone.
# Busybox applets only (sed, tr, head, rm, mkdir, mv, date).

identity_reset() {
  _ir=$CFG/3os/identity-reset
  [ -f "$_ir" ] || return 0
  _cid=$(sed -n 's/^clone_id=//p' "$_ir" | head -n 1 | tr -cd 'A-Za-z0-9-')
  [ -n "$_cid" ] || { log "identity: $_ir has no clone_id: ignored"; return 0; }
  _done=$(R /etc/3os/identity-reset)
  [ "$(sed -n 's/^clone_id=//p' "$_done" 2>/dev/null | head -n 1)" = "$_cid" ] && return 0
  _mid=$(tr -d '\000-\037-' <"$SYSROOT/proc/sys/kernel/random/uuid" | head -c 32)
  [ ${#_mid} -eq 32 ] || { log "identity: no random uuid from the kernel: machine-id kept"; return 1; }
  mkdir -p "$(R /etc/3os)" "$(R /etc/ssh)"
  printf '%s\n' "$_mid" >"$(R /etc/machine-id).3os-new" && mv -f "$(R /etc/machine-id).3os-new" "$(R /etc/machine-id)"
  [ -f "$(R /var/lib/dbus/machine-id)" ] && [ ! -L "$(R /var/lib/dbus/machine-id)" ] && printf '%s\n' "$_mid" >"$(R /var/lib/dbus/machine-id)"
  rm -f "$(R /etc/ssh)"/ssh_host_*key "$(R /etc/ssh)"/ssh_host_*key.pub "$(R /etc/dropbear)"/dropbear_*_host_key 2>/dev/null
  if command -v ssh-keygen >/dev/null 2>&1; then
    if [ "${ROOT%/}" = '' ]; then ssh-keygen -A >/dev/null 2>&1 || :; else ssh-keygen -A -f "${ROOT%/}" >/dev/null 2>&1 || :; fi
  fi
  printf 'clone_id=%s\nreset_at=%s\n' "$_cid" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$_done.3os-new" && mv -f "$_done.3os-new" "$_done"
  sync 2>/dev/null || :
  log "identity: new machine-id and SSH host keys for clone $_cid"
}
