/**
 * The `raspberry_pi` section of the first-boot config (docs/config-schema.md): the Pi's own
 * hardware interfaces (I2C, SPI, UART, camera) and extra `dtoverlay` / `dtparam` lines, what
 * Raspberry Pi Imager does not set. One home for the section's schema, the syntax rules of its
 * names and values (nothing that could break out of a config.txt line: no line breaks, no
 * section brackets, no comment or parameter separators) and the config.txt lines it renders to.
 * The lines are written into the committed slot's config.txt at seed time, where the overlay
 * names are also checked against the image (provisioning/slots/pi-hardware-plan.ts).
 */
import { z } from 'zod';
import { checked } from './schema-parts.js';

/** Overlay, parameter and dtparam names: what the firmware's own names use. */
export function piNameProblem(s: string): string | undefined {
  if (s.length === 0 || s.length > 64) return 'must be 1 to 64 characters';
  return /^[A-Za-z0-9_-]+$/.test(s) ? undefined : 'may only hold letters, digits, "_" and "-"';
}

/** A parameter value, rendered after `=`: printable, and no character config.txt gives a meaning to. */
export function piValueProblem(s: string): string | undefined {
  if (s.length > 256) return 'must be at most 256 characters';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(s)) return 'must not hold line breaks or control characters';
  if (/[\s,[\]#=]/.test(s)) return 'must not hold spaces, ",", "=", "#" or section brackets "[" "]"';
  return /^[\x21-\x7e]*$/.test(s) ? undefined : 'may only hold printable ASCII characters';
}

/** true -> "on", false -> "off" (the firmware's words), numbers as written. */
const piValue = z
  .union([z.string(), z.number(), z.boolean()])
  .transform((v) => (v === true ? 'on' : v === false ? 'off' : String(v)))
  .pipe(checked(piValueProblem));

const piName = checked(piNameProblem);

/** NAME: value pairs; a bad name is reported at its own path with the reason. */
const piParams = z.record(z.string(), piValue).superRefine((rec, ctx) => {
  for (const k of Object.keys(rec)) {
    const why = piNameProblem(k);
    if (why !== undefined) ctx.addIssue({ code: 'custom', path: [k], message: `the name ${why}` });
  }
});

export const dtoverlaySchema = z.strictObject({
  name: piName,
  params: piParams.optional(),
});

export const raspberryPiSchema = z.strictObject({
  /** `dtparam=i2c_arm=on` (false: `off`). */
  i2c: z.boolean().optional(),
  /** `dtparam=spi=on`. */
  spi: z.boolean().optional(),
  /** `enable_uart=1` (the 3os images already enable it for the serial agent). */
  uart: z.boolean().optional(),
  /** `camera_auto_detect=1`. */
  camera: z.boolean().optional(),
  dtoverlays: z.array(dtoverlaySchema).max(64).optional(),
  dtparams: piParams.optional(),
});

export type RaspberryPiHardware = z.output<typeof raspberryPiSchema>;

const param = (k: string, v: string): string => (v === '' ? k : `${k}=${v}`);

/** The config.txt lines for the section, in a fixed order (the block between the 3os markers). */
export function piHardwareLines(hw: RaspberryPiHardware): string[] {
  const out: string[] = [];
  if (hw.i2c !== undefined) out.push(`dtparam=i2c_arm=${hw.i2c ? 'on' : 'off'}`);
  if (hw.spi !== undefined) out.push(`dtparam=spi=${hw.spi ? 'on' : 'off'}`);
  if (hw.uart !== undefined) out.push(`enable_uart=${hw.uart ? 1 : 0}`);
  if (hw.camera !== undefined) out.push(`camera_auto_detect=${hw.camera ? 1 : 0}`);
  for (const [k, v] of Object.entries(hw.dtparams ?? {})) out.push(`dtparam=${param(k, v)}`);
  for (const o of hw.dtoverlays ?? []) out.push(['dtoverlay=' + o.name, ...Object.entries(o.params ?? {}).map(([k, v]) => param(k, v))].join(','));
  return out;
}
