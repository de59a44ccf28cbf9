# 3os agent: a USB gadget serial console (CDC ACM) on boards with a USB OTG/peripheral port
# (Pi Zero 2 W, Pi 4, Pi 400, Pi 5; docs/serial-protocol.md §9), so one USB cable to a host carries the
# same provisioning protocol as the UART. Sourced by 3os-agent.sh; `3os-agent.sh gadget` sets the
# gadget up and serves on its TTY. No peripheral-capable controller in the device tree, no
# configfs or no UDC: nothing is created and one line is logged.
# Paths are read under $SYSROOT (tests point it at a fake /proc + /sys tree).

GADGET_NAME=3os
GADGET_TTY=${THREEOS_GADGET_TTY:-/dev/ttyGS0}
MODPROBE=${THREEOS_MODPROBE:-modprobe}

# dt_text FILE: a device-tree property as text (NULs between strings become spaces).
dt_text() { tr '\000' ' ' <"$1" 2>/dev/null; }

# gadget_controller: print the device-tree node of a DWC2 controller that may act as a USB
# device (dr_mode otg or peripheral, or unset which means otg; status not "disabled").
gadget_controller() {
  _dt=$SYSROOT/proc/device-tree
  for _n in "$_dt"/usb@* "$_dt"/*/usb@* "$_dt"/*/*/usb@*; do
    [ -f "$_n/compatible" ] || continue
    case " $(dt_text "$_n/compatible") " in *' brcm,bcm2835-usb '*|*' snps,dwc2 '*) ;; *) continue ;; esac
    case $(dt_text "$_n/status") in disabled*|fail*) continue ;; esac
    case $(dt_text "$_n/dr_mode") in host*) continue ;; esac
    echo "${_n#"$_dt"}"; return 0
  done
  return 1
}

# gadget_udc: the first USB device controller the kernel offers.
gadget_udc() {
  for _u in "$SYSROOT/sys/class/udc"/*; do [ -e "$_u" ] && { echo "${_u##*/}"; return 0; }; done
  return 1
}

# usb_gadget_up: create and bind the ACM gadget (idempotent); returns 1 (after one log line)
# when this board cannot have one.
usb_gadget_up() {
  _node=$(gadget_controller) || { log "usb-gadget: no USB peripheral controller (dwc2, otg/peripheral) in the device tree; no gadget console"; return 1; }
  "$MODPROBE" libcomposite >/dev/null 2>&1 || :
  "$MODPROBE" usb_f_acm >/dev/null 2>&1 || :
  _cfs=$SYSROOT/sys/kernel/config
  if [ ! -d "$_cfs/usb_gadget" ] && [ -d "$_cfs" ]; then mount -t configfs none "$_cfs" >/dev/null 2>&1 || :; fi
  [ -d "$_cfs/usb_gadget" ] || { log "usb-gadget: configfs has no usb_gadget (libcomposite missing?); no gadget console"; return 1; }
  _udc=$(gadget_udc) || { log "usb-gadget: $_node is in the device tree but no UDC is registered (dwc2 not loaded or in host mode); no gadget console"; return 1; }
  _g=$_cfs/usb_gadget/$GADGET_NAME
  if [ -n "$(cat "$_g/UDC" 2>/dev/null)" ]; then log "usb-gadget: already bound to $(cat "$_g/UDC")"; return 0; fi
  _serial=$(first_line "$SYSROOT/proc/device-tree/serial-number" "$SYSROOT/etc/machine-id")
  mkdir -p "$_g/strings/0x409" "$_g/configs/c.1/strings/0x409" "$_g/functions/acm.usb0" || { log "usb-gadget: cannot create $_g"; return 1; }
  # Linux Foundation multifunction composite gadget ids; class EF/02/01 (IAD), as f_acm has one.
  printf '0x1d6b\n' >"$_g/idVendor"; printf '0x0104\n' >"$_g/idProduct"
  printf '0x0100\n' >"$_g/bcdDevice"; printf '0x0200\n' >"$_g/bcdUSB"
  printf '0xEF\n' >"$_g/bDeviceClass"; printf '0x02\n' >"$_g/bDeviceSubClass"; printf '0x01\n' >"$_g/bDeviceProtocol"
  printf '%s\n' "${_serial:-0}" >"$_g/strings/0x409/serialnumber"
  printf '3os\n' >"$_g/strings/0x409/manufacturer"
  printf '3os provisioning console\n' >"$_g/strings/0x409/product"
  printf 'CDC ACM\n' >"$_g/configs/c.1/strings/0x409/configuration"
  printf '250\n' >"$_g/configs/c.1/MaxPower"
  [ -e "$_g/configs/c.1/acm.usb0" ] || ln -s "$_g/functions/acm.usb0" "$_g/configs/c.1/acm.usb0" || { log "usb-gadget: cannot link the ACM function"; return 1; }
  printf '%s\n' "$_udc" >"$_g/UDC" || { log "usb-gadget: cannot bind to UDC $_udc"; return 1; }
  log "usb-gadget: ACM gadget bound to $_udc ($_node); serving on $GADGET_TTY"
}

# usb_gadget_serve: set the gadget up, wait up to 10 s for its TTY, then serve on it.
usb_gadget_serve() {
  usb_gadget_up || return 0
  _i=0
  while [ ! -e "$GADGET_TTY" ] && [ "$_i" -lt 10 ]; do sleep 1; _i=$((_i + 1)); done
  [ -e "$GADGET_TTY" ] || { log "usb-gadget: $GADGET_TTY did not appear; no gadget console"; return 0; }
  TTY=$GADGET_TTY
  STATE=$STATE/gadget
  serve
}
