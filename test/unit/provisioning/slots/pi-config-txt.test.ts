// The Pi config.txt rules (provisioning/slots/pi-config-txt.ts): filters, what the firmware
// applies per model, the slot a file commits, and rewrites that keep every other byte.
import { describe, expect, it } from 'vitest';
import { FlashError } from '../../../../flasher/errors.js';
import { appliedSettings, firmwareBoot, hardwareBlockOf, isPiSlotLayout, parsePiConfig, slotOf, trybootText, withHardwareBlock, withSlot } from '../../../../provisioning/slots/pi-config-txt.js';

const CFG = [
  '# 3os Raspberry Pi boot config',
  'arm_64bit=1',
  'os_prefix=a/',
  'kernel=vmlinuz',
  'initramfs initrd.img followkernel',
  'enable_uart=1',
  '',
  '[pi4]',
  'device_tree=bcm2711-rpi-4-b.dtb',
  '[pi400]',
  'device_tree=bcm2711-rpi-400.dtb',
  '[pi3]',
  'device_tree=bcm2837-rpi-3-b.dtb',
  '[pi02]',
  'device_tree=bcm2837-rpi-zero-2-w.dtb',
  '[cm4]',
  'dtoverlay=dwc2,dr_mode=host',
  '[tryboot]',
  'cmdline=cmdline-try.txt',
  '[none]',
  'kernel=never.img',
  '[all]',
  'dtparam=i2c_arm=on',
  '# user line ünïcode',
  'dtoverlay=disable-bt',
  '',
].join('\n');

function slotError(f: () => unknown): FlashError {
  try {
    f();
  } catch (e) {
    if (e instanceof FlashError) return e;
    throw e;
  }
  throw new Error('expected a FlashError');
}

describe('parsePiConfig', () => {
  it('classifies lines and keeps the filters in effect', () => {
    const lines = parsePiConfig(CFG);
    expect(lines[0]).toMatchObject({ kind: 'comment', filters: [] });
    expect(lines[2]).toMatchObject({ kind: 'setting', key: 'os_prefix', value: 'a/', filters: [] });
    expect(lines[4]).toMatchObject({ kind: 'setting', key: 'initramfs', value: 'initrd.img followkernel' });
    expect(lines[6]).toMatchObject({ kind: 'blank' });
    expect(lines[8]).toMatchObject({ key: 'device_tree', filters: [{ type: 'model', text: 'pi4' }] });
    // a model filter replaces the previous one; [tryboot] adds to it; [all] resets
    expect(lines[18]?.filters).toEqual([{ type: 'model', text: 'cm4' }, { type: 'tryboot', text: 'tryboot' }]);
    expect(lines[22]).toMatchObject({ key: 'dtparam', filters: [] });
  });

  it('keeps CRLF, a lone CR and a missing final newline per line', () => {
    const lines = parsePiConfig('a=1\r\nb=2\rc=3');
    expect(lines.map((l) => [l.text, l.eol])).toEqual([['a=1', '\r\n'], ['b=2', '\r'], ['c=3', '']]);
  });
});

describe('firmwareBoot', () => {
  it('applies [all] plus the model sections a board sees, last value wins', () => {
    expect(firmwareBoot(CFG, 'rpi-4b')).toMatchObject({ osPrefix: 'a/', kernel: 'vmlinuz', kernelExplicit: true, initramfs: 'initrd.img', initramfsAddress: 'followkernel', deviceTree: 'bcm2711-rpi-4-b.dtb', cmdlineFile: 'cmdline.txt', enableUart: true });
    // a Pi 400 sees [pi4] and then its own [pi400]
    expect(firmwareBoot(CFG, 'rpi-400').deviceTree).toBe('bcm2711-rpi-400.dtb');
    expect(firmwareBoot(CFG, 'rpi-3b').deviceTree).toBe('bcm2837-rpi-3-b.dtb');
    expect(firmwareBoot(CFG, 'rpi-zero-2w').deviceTree).toBe('bcm2837-rpi-zero-2-w.dtb');
    expect(firmwareBoot(CFG, 'rpi-5').deviceTree).toBeUndefined();
  });

  it('joins every OS file with os_prefix, overlays included', () => {
    expect(firmwareBoot(CFG, 'rpi-3b').paths).toEqual({ kernel: 'a/vmlinuz', initramfs: 'a/initrd.img', deviceTree: 'a/bcm2837-rpi-3-b.dtb', cmdline: 'a/cmdline.txt', overlayDir: 'a/overlays/' });
  });

  it('collects dtoverlay/dtparam lines in order, per model', () => {
    expect(firmwareBoot(CFG, 'rpi-4b')).toMatchObject({ dtoverlays: [{ name: 'disable-bt', params: [] }], dtparams: ['i2c_arm=on'] });
    expect(firmwareBoot(CFG, 'cm4').dtoverlays.map((o) => [o.name, o.params])).toEqual([['dwc2', ['dr_mode=host']], ['disable-bt', []]]);
  });

  it('[tryboot] applies only with the tryboot flag; [none] never', () => {
    expect(firmwareBoot(CFG, 'cm4').cmdlineFile).toBe('cmdline.txt');
    expect(firmwareBoot(CFG, 'cm4', { tryboot: true }).cmdlineFile).toBe('cmdline-try.txt');
    expect(firmwareBoot(CFG, 'rpi-4b', { tryboot: true }).cmdlineFile).toBe('cmdline.txt');
    expect(appliedSettings(CFG, 'rpi-5', { tryboot: true }).some((l) => l.value === 'never.img')).toBe(false);
  });

  it('has the firmware defaults for an empty file', () => {
    expect(firmwareBoot('', 'rpi-4b')).toMatchObject({ osPrefix: '', kernel: 'kernel8.img', kernelExplicit: false, initramfs: undefined, cmdlineFile: 'cmdline.txt', overlayPrefix: 'overlays/', enableUart: undefined, paths: { kernel: 'kernel8.img', cmdline: 'cmdline.txt', overlayDir: 'overlays/' } });
    expect(firmwareBoot('auto_initramfs=1\n', 'rpi-4b').initramfs).toBe('initramfs8');
  });

  it('board-type filters match the revision code; EDID/GPIO/serial never match offline', () => {
    const t = 'os_prefix=a/\n[board-type=0x14]\nkernel=cm4.img\n[all]\n[gpio4=1]\nkernel=gpio.img\n[all]\n[0x12345678]\ncmdline=x.txt\n';
    expect(firmwareBoot(t, 'cm4').kernel).toBe('cm4.img');
    expect(firmwareBoot(t, 'rpi-4b').kernel).toBe('kernel8.img');
    expect(firmwareBoot(t, 'cm4').cmdlineFile).toBe('cmdline.txt');
  });
});

describe('slotOf / withSlot / trybootText', () => {
  it('reads the committed slot', () => {
    expect(slotOf(CFG)).toBe('a');
    expect(slotOf('os_prefix = b/ \n')).toBe('b');
  });

  it('refuses files that are not a 3os Pi layout, with the reason', () => {
    const cases: [string, RegExp][] = [
      ['arm_64bit=1\n', /sets no os_prefix/],
      ['os_prefix=c/\n', /os_prefix=c\/ \(line 1\) names neither slot/],
      ['os_prefix=a\n', /names neither slot/],
      ['[pi4]\nos_prefix=a/\n', /under \[pi4\], not in \[all\]/],
      ['os_prefix=a/\n[pi4]\nos_prefix=b/\n', /set 2 times \(lines 1, 3\)/],
      ['#os_prefix=a/\n', /sets no os_prefix/],
    ];
    for (const [text, why] of cases) {
      const e = slotError(() => withSlot(text, 'b', { target: '/dev/sdx' }));
      expect(e.code).toBe('E_SLOT');
      expect(e.message).toMatch(/^\/dev\/sdx: config\.txt is not a 3os Raspberry Pi layout: /);
      expect(e.message).toMatch(why);
      expect(isPiSlotLayout(text)).toBe(false);
    }
    expect(slotError(() => slotOf('', { file: 'tryboot.txt' })).message).toMatch(/^tryboot\.txt is not/);
  });

  it('changes only the os_prefix value, byte for byte elsewhere (CRLF, no final newline, spacing)', () => {
    const crlf = '# mine\r\n  os_prefix = a/  \r\n[pi4]\r\ndtoverlay=x\r\n[all]\r\nfoo=bar';
    expect(withSlot(crlf, 'b')).toBe('# mine\r\n  os_prefix = b/  \r\n[pi4]\r\ndtoverlay=x\r\n[all]\r\nfoo=bar');
    const out = withSlot(CFG, 'b');
    expect(out).toBe(CFG.replace('os_prefix=a/', 'os_prefix=b/'));
    expect(slotOf(out)).toBe('b');
    expect(withSlot(out, 'a')).toBe(CFG);
    expect(withSlot(CFG, 'a')).toBe(CFG);
  });

  it('tryboot.txt is config.txt with the trial slot prefix', () => {
    const t = trybootText(CFG, 'b');
    expect(t).toBe(CFG.replace('os_prefix=a/', 'os_prefix=b/'));
    expect(firmwareBoot(t, 'rpi-4b', { tryboot: true }).paths.kernel).toBe('b/vmlinuz');
  });
});

describe('withHardwareBlock', () => {
  it('appends a block opened with [all], then replaces it in place, user lines untouched', () => {
    const once = withHardwareBlock(CFG, ['dtparam=spi=on']);
    expect(once).toBe(`${CFG}# 3os:hardware begin\n[all]\ndtparam=spi=on\n# 3os:hardware end\n`);
    const user = `${once}# after\n`;
    const twice = withHardwareBlock(user, ['enable_uart=1', 'camera_auto_detect=1']);
    expect(twice).toBe(`${CFG}# 3os:hardware begin\n[all]\nenable_uart=1\ncamera_auto_detect=1\n# 3os:hardware end\n# after\n`);
    expect(hardwareBlockOf(twice)).toEqual(['enable_uart=1', 'camera_auto_detect=1']);
    expect(withHardwareBlock(twice, [])).toBe(`${CFG}# after\n`);
    expect(withHardwareBlock(CFG, [])).toBe(CFG);
  });

  it('uses the file line ending and ends a last line that had none', () => {
    expect(withHardwareBlock('os_prefix=a/\r\nx=1', ['dtparam=spi=on'])).toBe('os_prefix=a/\r\nx=1\r\n# 3os:hardware begin\r\n[all]\r\ndtparam=spi=on\r\n# 3os:hardware end\r\n');
  });

  it('refuses a begin marker without an end', () => {
    expect(() => withHardwareBlock('# 3os:hardware begin\nx=1\n', ['a=1'])).toThrow(/without "# 3os:hardware end"/);
  });
});
