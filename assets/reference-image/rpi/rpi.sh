# Raspberry Pi parts of the reference image build, sourced by ../build.sh for `--board rpi`
# (docs/reference-image.md, "Raspberry Pi"): the firmware from Debian's raspi-firmware (component
# non-free-firmware, enabled for this download only through a private apt configuration: the
# host's sources are never changed), the device trees of Debian's arm64 kernel with the PL011 put
# on the GPIO UART, and the 3os-boot contents: firmware at the root, slot directories a/ and b/
# chosen by os_prefix in config.txt (docs/3os-image-standard.md section 5).

# Device trees per board set: GPT (Pi 4 / 400 / CM4) and MBR (Pi 3 B / 3 B+ / Zero 2 W).
# Pi 5 / CM5 (bcm2712) are not built: bookworm's 6.1 kernel has no bcm2712 device tree.
RPI_DTBS_gpt="bcm2711-rpi-4-b.dtb bcm2711-rpi-400.dtb bcm2711-rpi-cm4-io.dtb"
RPI_DTBS_mbr="bcm2837-rpi-3-b.dtb bcm2837-rpi-3-b-plus.dtb bcm2837-rpi-zero-2-w.dtb"
RPI_BOARDS_gpt='"rpi-4b", "rpi-400", "cm4"'
RPI_BOARDS_mbr='"rpi-3b", "rpi-zero-2w"'
# The firmware files each set needs: bootcode.bin + start/fixup for Pi 0-3, start4/fixup4 for Pi 4.
RPI_FW_gpt="start4.elf fixup4.dat"
RPI_FW_mbr="bootcode.bin start.elf fixup.dat"

# rpi_download DEBS: raspi-firmware into DEBS, with apt lists of bookworm main + non-free-firmware
# kept under DEBS/apt (the host's /etc/apt is not read for sources, nor written).
rpi_download() {
  ls "$1"/raspi-firmware_*_all.deb >/dev/null 2>&1 && return 0
  _a=$1/apt
  mkdir -p "$_a/lists/partial" "$_a/cache/archives/partial"
  printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s bookworm main non-free-firmware\n' "${THREEOS_DEBIAN_MIRROR:-http://deb.debian.org/debian}" >"$_a/sources.list"
  _o="-o Dir::Etc::SourceList=$_a/sources.list -o Dir::Etc::SourceParts=- -o Dir::State::Lists=$_a/lists -o Dir::Cache=$_a/cache -o Debug::NoLocking=1"
  # shellcheck disable=SC2086
  apt-get -qq $_o update >/dev/null && ( cd "$1" && apt-get -qq $_o download raspi-firmware 2>&1 | grep -v '^W: Download is performed unsandboxed' || : )
  ls "$1"/raspi-firmware_*_all.deb >/dev/null 2>&1 || { echo "build.sh: could not download raspi-firmware (non-free-firmware)" >&2; return 1; }
}

# rpi_uart_dtb FILE: put the PL011 (ttyAMA0) on GPIO 14/15 as the firmware's `disable-bt` overlay
# does (Debian ships no overlays, and its device trees have no __symbols__ for the firmware to
# apply one): the Bluetooth node on the PL011 disabled, the PL011's pins GPIO 14/15, the mini UART
# off. The serial agent's console is then ttyAMA0 on every board this image supports.
rpi_uart_dtb() {
  _u0=/soc/serial@7e201000; _g=/soc/gpio@7e200000
  fdtget -l "$1" "$_u0" | grep -qx bluetooth || return 0
  _max=$(dtc -I dtb -O dts "$1" 2>/dev/null | sed -n 's/.*phandle = <\(0x[0-9a-f]*\)>;.*/\1/p' | while read -r h; do printf '%d\n' "$h"; done | sort -n | tail -n 1)
  _ph=$(printf '%x' $((_max + 1)))
  fdtput -t s "$1" "$_u0/bluetooth" status disabled
  fdtput -t x "$1" "$_g/uart0_gpio14" phandle "$_ph"
  fdtput -t x "$1" "$_u0" pinctrl-0 "$_ph"
  fdtput -t s "$1" /soc/serial@7e215040 status disabled
}

# rpi_boot FATSPEC TABLE KDIR KVER INITRD DISKID WORK: fill 3os-boot (mtools FATSPEC IMG@@OFFSET).
rpi_boot() {
  _b=$1; _t=$2; _k=$3; _kv=$4; _ir=$5; _id=$6; _w=$7
  _fw=$_w/x-raspi-firmware/usr/lib/raspi-firmware
  eval "_files=\$RPI_FW_$_t; _dtbs=\$RPI_DTBS_$_t"
  for f in $_files; do mcopy -i "$_b" "$_fw/$f" "::/$f"; done
  mcopy -i "$_b" "$_w/x-raspi-firmware/usr/share/doc/raspi-firmware/copyright" ::/LICENCE.raspi-firmware
  mmd -i "$_b" ::/a ::/b
  mkdir -p "$_w/dtb"
  for d in $_dtbs; do
    cp "$_k/usr/lib/linux-image-$_kv/broadcom/$d" "$_w/dtb/$d"
    rpi_uart_dtb "$_w/dtb/$d"
  done
  sed -e "s/@VERSION@/$VERSION/g" "$HERE/rpi/config.txt.in" >"$_w/config.txt"
  mcopy -i "$_b" "$_w/config.txt" ::/config.txt
  for s in a b; do
    if [ "$_t" = gpt ]; then _root=PARTLABEL=3os-root-$s
    elif [ $s = a ]; then _root=PARTUUID=$_id-03
    else _root=PARTUUID=$_id-05; fi
    printf 'console=ttyAMA0,115200 root=%s 3os.slot=%s rootwait panic=10\n' "$_root" "$s" >"$_w/cmdline-$s.txt"
    mcopy -i "$_b" "$_k/boot/vmlinuz-$_kv" "::/$s/vmlinuz"
    mcopy -i "$_b" "$_ir" "::/$s/initrd.img"
    mcopy -i "$_b" "$_w/cmdline-$s.txt" "::/$s/cmdline.txt"
    for d in $_dtbs; do mcopy -i "$_b" "$_w/dtb/$d" "::/$s/$d"; done
  done
}
