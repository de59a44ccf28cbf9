/*
 * /usr/lib/3os/reboot-tryboot: reboot now with the Raspberry Pi firmware's one-shot tryboot flag
 * requested (docs/3os-image-standard.md section 5). It is reboot(2) with
 * LINUX_REBOOT_CMD_RESTART2 and the command "0 tryboot", which is what Raspberry Pi OS's
 * `reboot "0 tryboot"` does; busybox's reboot cannot pass a command. The kernel logs
 * "reboot: Restarting system with command '0 tryboot'"; whether the flag reaches the firmware
 * depends on the kernel's firmware driver (docs/rpi-emulation.md). Built static at image build
 * time with Debian's gcc-aarch64-linux-gnu. Before the restart it runs the image's shutdown
 * script (/usr/lib/3os/rc.shutdown: unmount the FAT partitions, LVs read-only), as busybox
 * init does for a plain reboot, so the boot FAT and the ext4 LVs are clean.
 */
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/reboot.h>

#define SHUTDOWN "/usr/lib/3os/rc.shutdown"

int main(void)
{
	if (access(SHUTDOWN, X_OK) == 0) {
		pid_t pid = fork();
		if (pid == 0) {
			execl(SHUTDOWN, SHUTDOWN, (char *)NULL);
			_exit(127);
		}
		if (pid > 0)
			waitpid(pid, NULL, 0);
	}
	sync();
	syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_RESTART2, "0 tryboot");
	perror("reboot-tryboot: reboot(2)");
	return 1;
}
