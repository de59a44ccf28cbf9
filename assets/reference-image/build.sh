#!/bin/sh
# Builds the 3os reference image from Debian packages (see docs/reference-image.md):
# GPT with 3os-boot (systemd-boot, Debian cloud kernel, our initramfs), 3os-config (FAT
# 3OS-CONFIG with 3os/image.json), 3os-root-a/-b (read-only squashfs: busybox, lvm2,
# e2fsprogs, the 3os agent), 3os-data (LVM2 PV, VG 3os, ext4 LVs etc/home/containers).
# Output in $OUT (default .cache/reference-image): .img .img.zst .bmap .sha256 .catalog.json.
# Usage: build.sh [--arch x86_64|aarch64] [--board rpi --table gpt|mbr] [--out DIR] [--version V].
# Needs root (loop devices). `--board rpi` builds the Raspberry Pi image (aarch64; Pi parts in
# rpi/rpi.sh): Pi firmware, one 3os-boot with slot directories a/ b/, GPT or the MBR variant.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
ARCH=x86_64
OUT=$REPO/.cache/reference-image
VERSION=${THREEOS_REF_VERSION:-0.1.0}
RPI=''; TABLE=gpt
while [ $# -gt 0 ]; do
  case $1 in
    --arch) ARCH=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --version) VERSION=$2; shift 2 ;;
    --board) [ "$2" = rpi ] || { echo "build.sh: --board takes rpi" >&2; exit 2; }; RPI=1; ARCH=aarch64; shift 2 ;;
    --table) TABLE=$2; shift 2 ;;
    *) echo "usage: build.sh [--arch x86_64|aarch64] [--board rpi --table gpt|mbr] [--out DIR] [--version V]" >&2; exit 2 ;;
  esac
done
case $ARCH in
  x86_64) DEBARCH=amd64; EFI=x64; CONSOLE=ttyS0; ROOT_TYPE=4f68bce3-e8cd-4db1-96e7-fbcaf984b709; BOARD=generic-x86_64 ;;
  aarch64) DEBARCH=arm64; EFI=aa64; CONSOLE=ttyAMA0; ROOT_TYPE=b921b045-1df0-41c3-af44-4c6f280d3fae; BOARD=generic-arm64 ;;
  *) echo "build.sh: unknown arch $ARCH" >&2; exit 2 ;;
esac
NAME=3os-reference-$ARCH
BOARDS="\"$BOARD\""
KMETA=linux-image-cloud-$DEBARCH
# initramfs modules (loaded in this order by /init)
MODS="virtio_pci virtio_blk virtio_net squashfs dm-mod overlay vfat nls_cp437 nls_ascii nls_utf8"
if [ -n "$RPI" ]; then
  case $TABLE in gpt|mbr) ;; *) echo "build.sh: --table takes gpt or mbr" >&2; exit 2 ;; esac
  . "$HERE/rpi/rpi.sh"
  NAME=3os-reference-rpi-$TABLE
  eval "BOARDS=\$RPI_BOARDS_$TABLE"
  # the generic arm64 kernel: the cloud kernel lacks the Pi's SD, UART and watchdog drivers
  KMETA=linux-image-$DEBARCH
  # SD card: sdhost (bcm2835) on Pi 3 / Zero 2 W, the Arasan/emmc2 SDHCI (sdhci-iproc) on Pi 4;
  # bcm2835_wdt: the reboot path (and the hardware watchdog); ext4 (built into the cloud kernel,
  # a module here) for the LVs. The UARTs are built in.
  MODS="sdhci sdhci-pltfm sdhci-iproc bcm2835 bcm2835_wdt squashfs dm-mod overlay crc32c_generic ext4 vfat nls_cp437 nls_ascii nls_utf8"
  CROSSCC=gcc; [ "$(dpkg --print-architecture)" = arm64 ] || CROSSCC=aarch64-linux-gnu-gcc
  for t in fdtget fdtput dtc "$CROSSCC" sfdisk; do
    command -v "$t" >/dev/null || { echo "build.sh: missing tool $t (see .ci/debian-packages.txt)" >&2; exit 1; }
  done
fi
HOSTARCH=$(dpkg --print-architecture)
if [ "$HOSTARCH" != "$DEBARCH" ] && ! dpkg --print-foreign-architectures | grep -qx "$DEBARCH"; then
  echo "build.sh: enable $DEBARCH packages first: dpkg --add-architecture $DEBARCH && apt-get update" >&2; exit 2
fi
for t in apt-get dpkg-deb sgdisk mkfs.fat mmd mcopy mksquashfs mkfs.ext4 pvcreate losetup cpio gzip zstd bmaptool sha256sum ldd; do
  command -v "$t" >/dev/null || { echo "build.sh: missing tool $t (see .ci/debian-packages.txt)" >&2; exit 1; }
done

export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1767225600}
export LVM_SUPPRESS_FD_WARNINGS=1
MiB=1048576
BOOT_MIB=256; CONFIG_MIB=32; ROOT_MIB=48; DATA_MIB=64
START=$(date +%s)
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
W=$OUT/work-${NAME#3os-reference-}
DEBS=$OUT/debs-$ARCH
rm -rf "$W"; mkdir -p "$W" "$DEBS"
LOOPS=''
cleanup() { for l in $LOOPS; do losetup -d "$l" 2>/dev/null || :; done; }
trap cleanup EXIT INT TERM
step() { echo "== $*"; }

# --- Debian packages -------------------------------------------------------------------------
KPKG=$(apt-cache depends "$KMETA:$DEBARCH" 2>/dev/null | awk '/Depends: linux-image-/ { sub(/:.*/, "", $2); print $2; exit }')
[ -n "$KPKG" ] || { echo "build.sh: cannot resolve $KMETA (run apt-get update)" >&2; exit 1; }
step "downloading $KPKG systemd-boot-efi busybox-static"
# On another architecture the root's ELF files (lvm2, e2fsprogs and the libraries they need,
# the same sonames the host's ldd lists) come from that architecture's packages too.
ROOT_PKGS="lvm2 dmsetup e2fsprogs libc6 libaio1 libblkid1 libbsd0 libcap2 libcom-err2 libdevmapper1.02.1 libdevmapper-event1.02.1 libedit2 libext2fs2 libgcrypt20 libgpg-error0 liblz4-1 liblzma5 libmd0 libpcre2-8-0 libselinux1 libsystemd0 libtinfo6 libudev1 libuuid1 libzstd1"
PKGS="$KPKG systemd-boot-efi busybox-static"
[ "$HOSTARCH" = "$DEBARCH" ] || PKGS="$PKGS $ROOT_PKGS"
[ -z "$RPI" ] || rpi_download "$DEBS"
( cd "$DEBS" && for p in $PKGS; do
    ls "${p}_"*"_$DEBARCH.deb" "${p}_"*_all.deb 2>/dev/null | grep -q . || apt-get download "$p:$DEBARCH" 2>&1 | grep -v '^W: Download is performed unsandboxed' || :
  done )
if [ "$HOSTARCH" != "$DEBARCH" ]; then
  for p in $ROOT_PKGS; do f=$(ls "$DEBS/${p}_"*"_$DEBARCH.deb" | tail -n 1); dpkg-deb -x "$f" "$W/xroot"; done
fi
for p in "$KPKG" systemd-boot-efi busybox-static ${RPI:+raspi-firmware}; do
  f=$(ls "$DEBS/${p}_"*.deb | tail -n 1); dpkg-deb -x "$f" "$W/x-$p"
done
K=$W/x-$KPKG
KVER=$(ls "$K/lib/modules")
BB=$W/x-busybox-static/bin/busybox
# busybox runs at build time (depmod, the applet list): the host's build of the same package
HBB=$BB
if [ "$HOSTARCH" != "$DEBARCH" ]; then
  ( cd "$DEBS" && mkdir -p host && cd host && { ls busybox-static_*.deb >/dev/null 2>&1 || apt-get download "busybox-static:$HOSTARCH" 2>&1 | grep -v '^W: Download' || :; } )
  dpkg-deb -x "$(ls "$DEBS"/host/busybox-static_*.deb | tail -n 1)" "$W/x-host-busybox"
  HBB=$W/x-host-busybox/bin/busybox
fi
SDBOOT=$W/x-systemd-boot-efi/usr/lib/systemd/boot/efi/systemd-boot$EFI.efi
[ -f "$SDBOOT" ] && [ -x "$BB" ] && [ -f "$K/boot/vmlinuz-$KVER" ] || { echo "build.sh: package contents not as expected" >&2; exit 1; }

# --- initramfs -------------------------------------------------------------------------------
step "initramfs (busybox + modules for $KVER)"
"$HBB" depmod -b "$K" "$KVER"
I=$W/initramfs
mkdir -p "$I/bin" "$I/lib/modules/$KVER"
cp "$BB" "$I/bin/busybox"
for a in $("$HBB" --list); do [ "$a" = busybox ] || ln -s busybox "$I/bin/$a"; done
cp "$HERE/initramfs/init" "$I/init"; chmod 755 "$I/init"
: >"$W/mods"
for m in $MODS; do
  if ! line=$(grep -E "/$m\.ko(\.xz|\.zst)?:" "$K/lib/modules/$KVER/modules.dep"); then
    grep -qE "/$(echo "$m" | tr _ -)\.ko|/$(echo "$m" | tr - _)\.ko" "$K/lib/modules/$KVER/modules.builtin" && continue
    echo "build.sh: module $m not in $KVER" >&2; exit 1
  fi
  echo "$line" | tr -d ':' | tr ' ' '\n' >>"$W/mods"
done
sort -u "$W/mods" | while read -r p; do
  [ -n "$p" ] || continue
  mkdir -p "$I/lib/modules/$KVER/${p%/*}"; cp "$K/lib/modules/$KVER/$p" "$I/lib/modules/$KVER/$p"
done
cp "$K/lib/modules/$KVER/modules.order" "$K/lib/modules/$KVER/modules.builtin" "$I/lib/modules/$KVER/" 2>/dev/null || :
"$HBB" depmod -b "$I" "$KVER"
echo "$MODS" >"$I/modules"
find "$I" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
( cd "$I" && find . | LC_ALL=C sort | cpio -o -H newc --reproducible --owner=0:0 --quiet | gzip -9 -n ) >"$W/initrd.img"

# --- root filesystem -------------------------------------------------------------------------
step "root filesystem (busybox, lvm2, e2fsprogs, 3os agent)"
R=$W/rootfs
mkdir -p "$R"
for d in bin sbin usr/bin usr/sbin lib etc/3os dev proc sys run tmp var home root boot mnt usr/lib/3os-agent usr/share; do mkdir -p "$R/$d"; done
cp -a "$HERE/rootfs/." "$R/"
cp "$BB" "$R/bin/busybox"
for a in $("$HBB" --list-full); do
  [ -e "$R/$a" ] || ln -s /bin/busybox "$R/$a"
done
# lvm2 + e2fsprogs from the Debian packages installed on this host, with their libraries.
ELF="/sbin/lvm /sbin/dmsetup /sbin/resize2fs /sbin/mke2fs /sbin/e2fsck /sbin/dumpe2fs /sbin/tune2fs"
if [ "$HOSTARCH" = "$DEBARCH" ]; then
  for b in $ELF; do
    rm -f "$R$b"; cp -L "$b" "$R$b"
    ldd "$b" | awk '/=> \// { print $3 } /^[ \t]*\/[^ ]*ld-linux/ { print $1 }' | while read -r l; do
      [ -f "$R$l" ] || { mkdir -p "$R${l%/*}"; cp -L "$l" "$R$l"; }
    done
  done
else
  X=$W/xroot; TRIPLET=$(dpkg-architecture -a "$DEBARCH" -qDEB_HOST_MULTIARCH 2>/dev/null || echo aarch64-linux-gnu)
  mkdir -p "$R/lib/$TRIPLET"
  for b in $ELF; do rm -f "$R$b"; cp -L "$X$b" "$R$b"; done
  for so in $(ldd $ELF | awk '/=> \// { n = $3; sub(/.*\//, "", n); print n }' | sort -u); do
    f=$(ls "$X/lib/$TRIPLET/$so" "$X/usr/lib/$TRIPLET/$so" 2>/dev/null | head -n 1)
    [ -n "$f" ] || { echo "build.sh: $so not found in the $DEBARCH packages" >&2; exit 1; }
    cp -L "$f" "$R/lib/$TRIPLET/$so"
  done
  for ld in "$X"/lib/ld-linux-*.so.* "$X"/usr/lib/ld-linux-*.so.*; do
    [ -e "$ld" ] && cp -L "$ld" "$R/lib/${ld##*/}"
  done
fi
for l in vgchange vgs lvs pvs vgck lvextend lvcreate pvresize vgdisplay lvdisplay; do rm -f "$R/sbin/$l"; ln -s lvm "$R/sbin/$l"; done
for l in mkfs.ext4 mkfs.ext3; do rm -f "$R/sbin/$l"; ln -s mke2fs "$R/sbin/$l"; done
rm -f "$R/sbin/fsck.ext4"; ln -s e2fsck "$R/sbin/fsck.ext4"
[ -f /etc/mke2fs.conf ] && cp /etc/mke2fs.conf "$R/etc/mke2fs.conf" || :
rm -f "$R/sbin/init"; ln -s /bin/busybox "$R/sbin/init"
cp -R "$REPO/assets/agent/." "$R/usr/lib/3os-agent/"
chmod 755 "$R/usr/lib/3os-agent/3os-agent.sh"
# The Pi's trial reboot (reboot(2) with "0 tryboot"): a static aarch64 program built here.
[ -z "$RPI" ] || "$CROSSCC" -static -Os -s -o "$R/usr/lib/3os/reboot-tryboot" "$HERE/rpi/reboot-tryboot.c"
printf '3os\n' >"$R/etc/hostname"
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$R/etc/hosts"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$R/etc/passwd"
printf 'root:*:20454:0:99999:7:::\n' >"$R/etc/shadow"; chmod 640 "$R/etc/shadow"
printf 'root:x:0:\nsudo:x:27:\nusers:x:100:\n' >"$R/etc/group"
printf 'ID=3os\nNAME="3os reference image"\nVERSION_ID=%s\nID_LIKE=debian\n' "$VERSION" >"$R/etc/os-release"
: >"$R/etc/fstab"
mksquashfs "$R" "$W/root.sqfs" -noappend -comp zstd -all-root -quiet >/dev/null
SQ=$(stat -c %s "$W/root.sqfs")
[ "$SQ" -le $((ROOT_MIB * MiB)) ] || { echo "build.sh: root ($SQ bytes) does not fit $ROOT_MIB MiB" >&2; exit 1; }

# --- disk ------------------------------------------------------------------------------------
step "disk layout"
IMG=$W/$NAME.img
guid() { printf '%s' "$NAME-$VERSION-$1" | sha256sum | sed -E 's/^(.{8})(.{4}).(.{3}).(.{3})(.{12}).*/\1-\2-4\3-a\4-\5/'; }
if [ "$TABLE" = mbr ]; then
  # The standard's MBR variant: p1 boot, p2 config (0x0c), p3 root-a, p4 extended holding p5
  # root-b and p6 data (last); each logical partition 1 MiB after its EBR.
  TOTAL=$(( (1 + BOOT_MIB + CONFIG_MIB + ROOT_MIB + 1 + ROOT_MIB + 1 + DATA_MIB) * MiB ))
  truncate -s "$TOTAL" "$IMG"
  DISKID=$(guid disk | cut -c1-8)
  printf 'label: dos\nlabel-id: 0x%s\nunit: sectors\n\n,%sMiB,c\n,%sMiB,c\n,%sMiB,83\n,,5\n,%sMiB,83\n,,8e\n' \
    "$DISKID" "$BOOT_MIB" "$CONFIG_MIB" "$ROOT_MIB" "$ROOT_MIB" | sfdisk -q "$IMG"
  sfdisk --verify "$IMG" >/dev/null || { sfdisk --verify "$IMG"; exit 1; }
  off() { sfdisk -d "$IMG" | awk -v p="$IMG$1 " 'index($0, p) == 1 { sub(/.*start= */, ""); sub(/,.*/, ""); print $0 * 512 }'; }
  len() { sfdisk -d "$IMG" | awk -v p="$IMG$1 " 'index($0, p) == 1 { sub(/.*size= */, ""); sub(/,.*/, ""); print $0 * 512 }'; }
  P1=$(off 1); P2=$(off 2); P3=$(off 3); P4=$(off 5); P5=$(off 6); L5=$(len 6)
else
  TOTAL=$(( (1 + BOOT_MIB + CONFIG_MIB + 2 * ROOT_MIB + DATA_MIB + 1) * MiB ))
  truncate -s "$TOTAL" "$IMG"
  sgdisk -o -U "$(guid disk)" \
    -n "1:1M:+${BOOT_MIB}M" -t 1:c12a7328-f81f-11d2-ba4b-00a0c93ec93b -c 1:3os-boot -u "1:$(guid p1)" \
    -n "2:0:+${CONFIG_MIB}M" -t 2:ebd0a0a2-b9e5-4433-87c0-68b6b72699c7 -c 2:3os-config -u "2:$(guid p2)" \
    -n "3:0:+${ROOT_MIB}M" -t "3:$ROOT_TYPE" -c 3:3os-root-a -u "3:$(guid p3)" \
    -n "4:0:+${ROOT_MIB}M" -t "4:$ROOT_TYPE" -c 4:3os-root-b -u "4:$(guid p4)" \
    -n "5:0:+${DATA_MIB}M" -t 5:e6d6d379-f507-44c2-a23c-238f2a3df928 -c 5:3os-data -u "5:$(guid p5)" \
    "$IMG" >/dev/null
  sgdisk -v "$IMG" | grep -q 'No problems found' || { sgdisk -v "$IMG"; exit 1; }
  off() { sgdisk -i "$1" "$IMG" | awk '/^First sector:/ { print $3 * 512 }'; }
  len() { sgdisk -i "$1" "$IMG" | awk '/^Partition size:/ { print $3 * 512 }'; }
  P1=$(off 1); P2=$(off 2); P3=$(off 3); P4=$(off 4); P5=$(off 5); L5=$(len 5)
fi

mkfs.fat --mbr=n -F 32 -s 1 -n 3OS-BOOT -i "$(guid boot | cut -c1-8)" --offset $((P1 / 512)) "$IMG" $((BOOT_MIB * 1024)) >/dev/null
B="$IMG@@$P1"
if [ -n "$RPI" ]; then
  step "3os-boot: Raspberry Pi firmware, config.txt, slots a/ b/"
  rpi_boot "$B" "$TABLE" "$K" "$KVER" "$W/initrd.img" "${DISKID:-}" "$W"
else
step "3os-boot: systemd-boot, kernel, initramfs, entries"
EFIUP=$(echo "$EFI" | tr a-z A-Z)
mmd -i "$B" ::/EFI ::/EFI/BOOT ::/EFI/systemd ::/loader ::/loader/entries ::/3os ::/3os/a ::/3os/b
mcopy -i "$B" "$SDBOOT" "::/EFI/BOOT/BOOT$EFIUP.EFI"
mcopy -i "$B" "$SDBOOT" "::/EFI/systemd/systemd-boot$EFI.efi"
mcopy -i "$B" "$HERE/boot/loader.conf" ::/loader/loader.conf
for s in a b; do
  mcopy -i "$B" "$K/boot/vmlinuz-$KVER" "::/3os/$s/vmlinuz"
  mcopy -i "$B" "$W/initrd.img" "::/3os/$s/initrd.img"
  sed -e "s/@SLOT@/$s/g" -e "s/@VERSION@/$VERSION/g" -e "s/@CONSOLE@/$CONSOLE/g" "$HERE/boot/entries/entry.conf.in" >"$W/entry-$s.conf"
done
# Slot A is active and good; slot B carries a boot counter: when it is made the default it
# gets 3 tries, and systemd-boot falls back to A when they are used up (docs/reference-image.md).
mcopy -i "$B" "$W/entry-a.conf" ::/loader/entries/3os-a.conf
mcopy -i "$B" "$W/entry-b.conf" "::/loader/entries/3os-b+3-0.conf"
fi

step "3os-config: FAT label 3OS-CONFIG, 3os/image.json"
mkfs.fat --mbr=n -F 16 -n 3OS-CONFIG -i "$(guid config | cut -c1-8)" --offset $((P2 / 512)) "$IMG" $((CONFIG_MIB * 1024)) >/dev/null
BUILD_ID=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y%m%d)-$(cat "$W/root.sqfs" "$W/initrd.img" | sha256sum | cut -c1-12)
sed -e "s/@VERSION@/$VERSION/" -e "s/@ARCH@/$ARCH/" -e "s/@BOARDS@/$BOARDS/" -e "s/@BUILD_ID@/$BUILD_ID/" -e "s/@KERNEL@/$KVER/" \
  "$HERE/image.json.in" >"$W/image.json"
mmd -i "$IMG@@$P2" ::/3os
mcopy -i "$IMG@@$P2" "$W/image.json" ::/3os/image.json

step "3os-root-a and 3os-root-b: squashfs ($SQ bytes)"
dd if="$W/root.sqfs" of="$IMG" bs=1M seek=$((P3 / MiB)) conv=notrunc status=none
dd if="$W/root.sqfs" of="$IMG" bs=1M seek=$((P4 / MiB)) conv=notrunc status=none

step "3os-data: LVM2 PV, VG 3os, ext4 LVs etc/home/containers"
D=$(losetup -f --show -o "$P5" --sizelimit "$L5" "$IMG"); LOOPS="$LOOPS $D"
LC="global { activation = 0 } devices { obtain_device_list_from_udev = 0 } backup { backup = 0 archive = 0 }"
lvmx() { c=$1; shift; "$c" --config "$LC" --devices "$D" "$@" 2>"$W/lvm.err" || { cat "$W/lvm.err" >&2; return 1; }; }
lvmx pvcreate -q -f -u "$(guid pv)" --norestorefile "$D" >/dev/null
lvmx vgcreate -q -s 4M 3os "$D" >/dev/null
lvmx lvcreate -q -an -Zn -L 16M -n etc 3os >/dev/null
lvmx lvcreate -q -an -Zn -L 16M -n home 3os >/dev/null
lvmx lvcreate -q -an -Zn -L 24M -n containers 3os >/dev/null
PESTART=$(lvmx pvs --noheadings --nosuffix --units b -o pe_start "$D" | tr -d ' ')
EXT=$(lvmx vgs --noheadings --nosuffix --units b -o vg_extent_size 3os | tr -d ' ')
lvmx lvs --noheadings -o lv_name,seg_pe_ranges 3os >"$W/lvs"
losetup -d "$D"; LOOPS=''
while read -r lv range; do
  r=${range##*:}; first=${r%-*}; last=${r#*-}
  o=$((P5 + PESTART + first * EXT)); n=$(((last - first + 1) * EXT))
  F=$(losetup -f --show -o "$o" --sizelimit "$n" "$IMG"); LOOPS="$F"
  E2FSPROGS_FAKE_TIME=$SOURCE_DATE_EPOCH mkfs.ext4 -q -F -b 4096 -L "$lv" -U "$(guid "lv-$lv")" -E "root_owner=0:0,hash_seed=$(guid "seed-$lv"),nodiscard" "$F"
  losetup -d "$F"; LOOPS=''
done <"$W/lvs"

# --- outputs ---------------------------------------------------------------------------------
step "outputs"
if [ "$TABLE" = mbr ]; then sfdisk --verify "$IMG" >/dev/null || { sfdisk --verify "$IMG"; exit 1; }
else sgdisk -v "$IMG" | grep -q "No problems found" || { sgdisk -v "$IMG"; exit 1; }; fi
mv -f "$IMG" "$OUT/$NAME.img"
IMG=$OUT/$NAME.img
bmaptool -q create -o "$OUT/$NAME.img.bmap" "$IMG"
zstd -q -f -19 -T0 "$IMG" -o "$OUT/$NAME.img.zst"
( cd "$OUT" && sha256sum "$NAME.img" "$NAME.img.zst" >"$NAME.sha256" )
RAW=$(stat -c %s "$IMG"); ZST=$(stat -c %s "$OUT/$NAME.img.zst")
RAWSHA=$(sha256sum "$IMG" | cut -d' ' -f1); ZSTSHA=$(sha256sum "$OUT/$NAME.img.zst" | cut -d' ' -f1)
SECS=$(( $(date +%s) - START ))
# A catalog image entry (flasher/catalog/schema.ts, imageSchema), relative URLs.
cat >"$OUT/$NAME.catalog.json" <<JSON
{
  "id": "$NAME",
  "name": "3os reference image (${RPI:+Raspberry Pi, $TABLE, }$ARCH)",
  "flavor": "debian",
  "version": "$VERSION",
  "arch": "$ARCH",
  "boards": [$BOARDS],
  "released": "$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%d)",
  "description": "Built from Debian packages by assets/reference-image/build.sh (kernel $KVER, build $BUILD_ID).",
  "url": "$NAME.img.zst",
  "download": { "size": $ZST, "sha256": "$ZSTSHA" },
  "decoded": { "size": $RAW, "sha256": "$RAWSHA" },
  "bmapUrl": "$NAME.img.bmap",
  "firstBoot": "3os-native"${RPI:+,
  \"partitionTable\": \"$TABLE\"}
}
JSON
rm -rf "$W"
echo "built $IMG: raw $RAW bytes, zstd $ZST bytes, root squashfs $SQ bytes, in $SECS s"
