// The raspberry_pi section: what the schema accepts and refuses (with the field path and why),
// and the config.txt lines it renders to.
import { describe, expect, it } from 'vitest';
import { piHardwareLines, piNameProblem, piValueProblem } from '../../../../provisioning/config/pi-hardware.js';
import { renderConfig } from '../../../../provisioning/config/render.js';
import { validateConfig } from '../../../../provisioning/config/validate.js';

const issues = (raspberry_pi: unknown): string[] => {
  const r = validateConfig({ version: 1, raspberry_pi });
  return r.ok ? [] : r.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('raspberry_pi schema', () => {
  it('accepts the interfaces, overlays with params and dtparams; true/false become on/off', () => {
    const r = renderConfig({ version: 1, raspberry_pi: { i2c: true, spi: false, uart: true, camera: true, dtparams: { audio: true, i2c_arm_baudrate: 400000 }, dtoverlays: [{ name: 'w1-gpio', params: { gpiopin: 4, pullup: '' } }, { name: 'disable-bt' }] } });
    expect(r.config.raspberry_pi).toEqual({ i2c: true, spi: false, uart: true, camera: true, dtparams: { audio: 'on', i2c_arm_baudrate: '400000' }, dtoverlays: [{ name: 'w1-gpio', params: { gpiopin: '4', pullup: '' } }, { name: 'disable-bt' }] });
    // the stored form validates to itself
    expect(renderConfig(r.config).config.raspberry_pi).toEqual(r.config.raspberry_pi);
  });

  it('refuses what could break out of a config.txt line, naming the field', () => {
    expect(issues({ dtparams: { audio: 'on\n[all]' } })).toEqual(['raspberry_pi.dtparams.audio: must not hold line breaks or control characters']);
    expect(issues({ dtparams: { audio: '[pi4]' } })).toEqual(['raspberry_pi.dtparams.audio: must not hold spaces, ",", "=", "#" or section brackets "[" "]"']);
    expect(issues({ dtoverlays: [{ name: 'w1-gpio', params: { gpiopin: '4,pullup' } }] })).toEqual(['raspberry_pi.dtoverlays.0.params.gpiopin: must not hold spaces, ",", "=", "#" or section brackets "[" "]"']);
    expect(issues({ dtoverlays: [{ name: 'w1 gpio' }] })).toEqual(['raspberry_pi.dtoverlays.0.name: may only hold letters, digits, "_" and "-"']);
    expect(issues({ dtparams: { 'a=b': 'on' } })).toEqual(['raspberry_pi.dtparams.a=b: the name may only hold letters, digits, "_" and "-"']);
    expect(issues({ i2c: 'yes' })).toHaveLength(1);
    expect(issues({ wifi: true })[0]).toMatch(/^raspberry_pi\.wifi: unknown field/);
  });

  it('name and value rules', () => {
    expect(piNameProblem('i2c-rtc')).toBeUndefined();
    expect(piNameProblem('')).toBeDefined();
    expect(piNameProblem('a'.repeat(65))).toBeDefined();
    expect(piValueProblem('0x48')).toBeUndefined();
    expect(piValueProblem('"POWER"')).toBeUndefined();
    expect(piValueProblem('a#b')).toBeDefined();
    expect(piValueProblem('é')).toBeDefined();
  });
});

describe('piHardwareLines', () => {
  it('renders each interface to its firmware line, then dtparams, then overlays', () => {
    expect(piHardwareLines({ i2c: true, spi: true, uart: true, camera: true })).toEqual(['dtparam=i2c_arm=on', 'dtparam=spi=on', 'enable_uart=1', 'camera_auto_detect=1']);
    expect(piHardwareLines({ i2c: false, uart: false, camera: false })).toEqual(['dtparam=i2c_arm=off', 'enable_uart=0', 'camera_auto_detect=0']);
    expect(piHardwareLines({ dtoverlays: [{ name: 'w1-gpio', params: { gpiopin: '4', pullup: '' } }], dtparams: { audio: 'on' } })).toEqual(['dtparam=audio=on', 'dtoverlay=w1-gpio,gpiopin=4,pullup']);
    expect(piHardwareLines({})).toEqual([]);
  });
});
