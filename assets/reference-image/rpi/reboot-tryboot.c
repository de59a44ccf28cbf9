/*
 * /usr/lib/3os/reboot-tryboot: reboot now with the Raspberry Pi firmware's one-shot tryboot flag
 * requested (docs/3os-image-standard.md section 5). It is reboot(2) with
 * LINUX_REBOOT_CMD_RESTART2 and the command "0 tryboot", which is what Raspberry Pi OS's
 * `reboot "0 tryboot"` does; busybox's reboot cannot pass a command. The kernel logs
 * "reboot: Restarting system with command '0 tryboot'"; whether the flag reaches the firmware
 * depends on the kernel's firmware driver (docs/rpi-emulation.md). Built static at image build
 * time with Debian's gcc-aarch64-linux-gnu. Call it after sync: it does not unmount anything.
 */
#include <stdio.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/reboot.h>

int main(void)
{
	sync();
	syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_RESTART2, "0 tryboot");
	perror("reboot-tryboot: reboot(2)");
	return 1;
}
