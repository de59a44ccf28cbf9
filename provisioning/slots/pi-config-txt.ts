/**
 * The one home for reading and editing the Raspberry Pi firmware's `config.txt` / `tryboot.txt`
 * (docs/3os-image-standard.md section 5): the line grammar with its conditional filters, what the
 * firmware would apply on a given Pi model (`firmwareBoot`), which 3os slot a file commits
 * (`slotOf`), the slot switch that touches nothing but the `os_prefix` value (`withSlot`,
 * `trybootText`) and the flasher-owned hardware block (`withHardwareBlock`). The offline `slot`
 * verb, the seed step and the QEMU firmware stand-in all go through here; the agent's
 * assets/agent/lib/slot.sh follows the same rules (shared cases in test/fixtures/pi-config-cases.json).
 *
 * Text is handled as a JS string; callers that read the file from FAT decode it as latin1 so every
 * byte (UTF-8 comments included) survives a rewrite unchanged.
 */
import { FlashError } from '../../flasher/errors.js';

export type PiSlot = 'a' | 'b';

/** The Pi boards 3os knows, named as the catalog names them. */
export const PI_MODELS = ['rpi-3b', 'rpi-3b-plus', 'rpi-zero-2w', 'rpi-4b', 'rpi-400', 'cm4', 'rpi-5', 'cm5'] as const;
export type PiModel = (typeof PI_MODELS)[number];

/**
 * Model filters each board sees (Raspberry Pi documentation, "Conditional filters": a Pi 400 also
 * sees `[pi4]`, a Zero 2 W also `[pi0w]` and `[pi0]`, a CM5 also `[pi5]`), and its board type
 * (revision code) for `[board-type=0x..]`.
 */
const MODEL_INFO: Record<PiModel, { readonly filters: readonly string[]; readonly boardType: number }> = {
  'rpi-3b': { filters: ['pi3'], boardType: 0x08 },
  'rpi-3b-plus': { filters: ['pi3', 'pi3+'], boardType: 0x0d },
  'rpi-zero-2w': { filters: ['pi0', 'pi0w', 'pi02'], boardType: 0x12 },
  'rpi-4b': { filters: ['pi4'], boardType: 0x11 },
  'rpi-400': { filters: ['pi4', 'pi400'], boardType: 0x13 },
  cm4: { filters: ['pi4', 'cm4'], boardType: 0x14 },
  'rpi-5': { filters: ['pi5'], boardType: 0x17 },
  cm5: { filters: ['pi5', 'cm5'], boardType: 0x18 },
};

/** Every model filter name the firmware knows (a section with one of these is a model filter). */
const MODEL_FILTERS = new Set(['pi1', 'pi2', 'pi3', 'pi3+', 'pi4', 'pi400', 'pi5', 'pi500', 'cm1', 'cm3', 'cm3+', 'cm4', 'cm4s', 'cm5', 'pi0', 'pi0w', 'pi02']);

/** One active conditional filter: its type (filters of one type replace each other) and text. */
export interface PiFilter {
  readonly type: string;
  readonly text: string;
}

export type PiLineKind = 'blank' | 'comment' | 'section' | 'setting' | 'other';

export interface PiConfigLine {
  /** 1-based line number, for messages. */
  readonly line: number;
  /** The line without its ending. */
  readonly text: string;
  /** The line's own ending: '\n', '\r\n', '\r', or '' for a last line without one. */
  readonly eol: string;
  readonly kind: PiLineKind;
  /** `setting`: the property name; `initramfs FILE ADDR` has key `initramfs`. `section`: the filter text. */
  readonly key?: string | undefined;
  /** `setting`: the value (for `initramfs FILE ADDR`, FILE ADDR). */
  readonly value?: string | undefined;
  /** The filters in effect for this line ([] = unconditional: start of file or after `[all]`). */
  readonly filters: readonly PiFilter[];
}

const SECTION_RE = /^[ \t]*\[([^\]\r\n]*)\][ \t]*$/;
const SETTING_RE = /^[ \t]*([A-Za-z0-9_.:+-]+)[ \t]*=[ \t]*(.*?)[ \t]*$/;
const INITRAMFS_RE = /^[ \t]*initramfs[ \t]+(\S+)(?:[ \t]+(\S+))?[ \t]*$/;

/** The type of a filter text, as the firmware groups them for "same type replaces". */
function filterType(f: string): string {
  if (MODEL_FILTERS.has(f) || f === 'none') return 'model';
  if (f === 'tryboot') return 'tryboot';
  if (/^board-type=/i.test(f)) return 'board-type';
  if (/^EDID=/.test(f)) return 'edid';
  if (/^HDMI:/.test(f)) return 'hdmi';
  if (/^0x[0-9a-f]+$/i.test(f)) return 'serial';
  const gpio = /^gpio(\d+)=/.exec(f);
  if (gpio !== null) return `gpio${gpio[1] ?? ''}`;
  const expr = /^([A-Za-z_][A-Za-z0-9_]*)[=&<>]/.exec(f);
  return expr === null ? `other:${f}` : `expr:${expr[1] ?? ''}`;
}

/** Split TEXT into lines, each with its own ending, so a rewrite can give back every byte. */
function splitLines(text: string): { text: string; eol: string }[] {
  const out: { text: string; eol: string }[] = [];
  const re = /\r\n|\n|\r/g;
  let at = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    out.push({ text: text.slice(at, m.index), eol: m[0] });
    at = m.index + m[0].length;
  }
  if (at < text.length) out.push({ text: text.slice(at), eol: '' });
  return out;
}

/** Parse a config.txt/tryboot.txt into lines with the filters in effect for each. */
export function parsePiConfig(text: string): PiConfigLine[] {
  let filters: PiFilter[] = [];
  return splitLines(text).map(({ text: t, eol }, i) => {
    const line = i + 1;
    const trimmed = t.trim();
    if (trimmed === '') return { line, text: t, eol, kind: 'blank', filters };
    if (trimmed.startsWith('#')) return { line, text: t, eol, kind: 'comment', filters };
    const sec = SECTION_RE.exec(t);
    if (sec !== null) {
      const f = (sec[1] ?? '').trim();
      if (f === 'all') filters = [];
      else {
        const type = filterType(f);
        filters = [...filters.filter((x) => x.type !== type), { type, text: f }];
      }
      return { line, text: t, eol, kind: 'section', key: f, filters };
    }
    const ir = INITRAMFS_RE.exec(t);
    if (ir !== null) return { line, text: t, eol, kind: 'setting', key: 'initramfs', value: ir[2] === undefined ? ir[1] : `${ir[1] ?? ''} ${ir[2]}`, filters };
    const set = SETTING_RE.exec(t);
    if (set !== null) return { line, text: t, eol, kind: 'setting', key: set[1], value: set[2], filters };
    return { line, text: t, eol, kind: 'other', filters };
  });
}

export interface PiMatchOptions {
  /** The firmware was started with the one-shot tryboot flag (`[tryboot]` sections apply). */
  readonly tryboot?: boolean | undefined;
}

/**
 * Does one filter hold on MODEL? Filters that depend on what only the running board knows
 * (EDID, serial number, GPIO levels, boot variables) are taken as not holding: offline, a line
 * under them is never counted as applied. `[HDMI:n]` only says which port HDMI settings are for.
 */
function filterHolds(f: PiFilter, model: PiModel, opts: PiMatchOptions): boolean {
  switch (f.type) {
    case 'model':
      return MODEL_INFO[model].filters.includes(f.text);
    case 'tryboot':
      return opts.tryboot === true;
    case 'board-type': {
      const v = Number(f.text.slice(f.text.indexOf('=') + 1));
      return Number.isFinite(v) && v === MODEL_INFO[model].boardType;
    }
    case 'hdmi':
      return true;
    default:
      return false;
  }
}

/** The lines the firmware applies on MODEL (settings only, in file order). */
export function appliedSettings(text: string, model: PiModel, opts: PiMatchOptions = {}): PiConfigLine[] {
  return parsePiConfig(text).filter((l) => l.kind === 'setting' && l.filters.every((f) => filterHolds(f, model, opts)));
}

export interface PiOverlay {
  readonly name: string;
  /** The comma-separated parameters after the name (`dtoverlay=NAME,p1=v,p2`). */
  readonly params: readonly string[];
  readonly line: number;
}

/** What the firmware loads and passes on, for one model. Names are relative to `osPrefix`; `paths` has them joined. */
export interface FirmwareBoot {
  /** `os_prefix` as set ('' when unset). */
  readonly osPrefix: string;
  readonly kernel: string;
  /** Whether `kernel=` was set (else the arm64 default, kernel8.img). */
  readonly kernelExplicit: boolean;
  readonly initramfs?: string | undefined;
  /** The second word of `initramfs FILE ADDR` (`followkernel` or an address). */
  readonly initramfsAddress?: string | undefined;
  /** `device_tree=` when set; otherwise the firmware picks its board's dtb (see `defaultDtb`). */
  readonly deviceTree?: string | undefined;
  readonly cmdlineFile: string;
  /** `overlay_prefix` ('overlays/' by default); prefixed with os_prefix like the other OS files. */
  readonly overlayPrefix: string;
  /** `enable_uart` as set (undefined when not set: the model's default). */
  readonly enableUart?: boolean | undefined;
  readonly upstreamKernel: boolean;
  readonly dtoverlays: readonly PiOverlay[];
  /** `dtparam=` values in order (each may hold several comma-separated params). */
  readonly dtparams: readonly string[];
  /** The same files with os_prefix applied, as paths on the boot FAT. */
  readonly paths: { readonly kernel: string; readonly initramfs?: string | undefined; readonly deviceTree?: string | undefined; readonly cmdline: string; readonly overlayDir: string };
}

/** The dtb the firmware picks by itself for MODEL (downstream names; `upstream_kernel=1`: mainline names). */
export function defaultDtb(model: PiModel, upstream: boolean): string {
  const down: Record<PiModel, string> = {
    'rpi-3b': 'bcm2710-rpi-3-b.dtb',
    'rpi-3b-plus': 'bcm2710-rpi-3-b-plus.dtb',
    'rpi-zero-2w': 'bcm2710-rpi-zero-2-w.dtb',
    'rpi-4b': 'bcm2711-rpi-4-b.dtb',
    'rpi-400': 'bcm2711-rpi-400.dtb',
    cm4: 'bcm2711-rpi-cm4.dtb',
    'rpi-5': 'bcm2712-rpi-5-b.dtb',
    cm5: 'bcm2712-rpi-cm5-cm5io.dtb',
  };
  const up: Record<PiModel, string> = { ...down, 'rpi-3b': 'bcm2837-rpi-3-b.dtb', 'rpi-3b-plus': 'bcm2837-rpi-3-b-plus.dtb', 'rpi-zero-2w': 'bcm2837-rpi-zero-2-w.dtb' };
  return (upstream ? up : down)[model];
}

const truthy = (v: string | undefined): boolean => v !== undefined && v !== '' && v !== '0';

/**
 * What the firmware would apply on MODEL: the last value of each property wins, `dtoverlay` and
 * `dtparam` lines add up in order. Defaults are the firmware's for an arm64 boot: `kernel8.img`,
 * `cmdline.txt`, `overlays/`, and with `auto_initramfs=1` the initramfs named after the kernel.
 */
export function firmwareBoot(text: string, model: PiModel, opts: PiMatchOptions = {}): FirmwareBoot {
  const last = new Map<string, string>();
  const dtoverlays: PiOverlay[] = [];
  const dtparams: string[] = [];
  for (const l of appliedSettings(text, model, opts)) {
    const key = l.key ?? '';
    const value = l.value ?? '';
    if (key === 'dtoverlay') {
      if (value === '') continue;
      const [name = '', ...params] = value.split(',');
      dtoverlays.push({ name, params, line: l.line });
    } else if (key === 'dtparam') dtparams.push(value);
    else last.set(key, value);
  }
  const osPrefix = last.get('os_prefix') ?? '';
  const kernelExplicit = last.has('kernel');
  const kernel = last.get('kernel') ?? 'kernel8.img';
  let initramfs: string | undefined;
  let initramfsAddress: string | undefined;
  const ir = last.get('initramfs');
  if (ir !== undefined && ir !== '') [initramfs, initramfsAddress] = ir.split(' ');
  else if (last.get('ramfsfile') !== undefined) initramfs = last.get('ramfsfile');
  else if (truthy(last.get('auto_initramfs'))) initramfs = kernel.replace(/^kernel/, 'initramfs').replace(/\.img$/, '');
  const deviceTree = last.get('device_tree') || undefined;
  const cmdlineFile = last.get('cmdline') || 'cmdline.txt';
  const overlayPrefix = last.get('overlay_prefix') ?? 'overlays/';
  const uart = last.get('enable_uart');
  return {
    osPrefix,
    kernel,
    kernelExplicit,
    initramfs,
    initramfsAddress,
    deviceTree,
    cmdlineFile,
    overlayPrefix,
    enableUart: uart === undefined ? undefined : truthy(uart),
    upstreamKernel: truthy(last.get('upstream_kernel')),
    dtoverlays,
    dtparams,
    paths: {
      kernel: osPrefix + kernel,
      initramfs: initramfs === undefined ? undefined : osPrefix + initramfs,
      deviceTree: deviceTree === undefined ? undefined : osPrefix + deviceTree,
      cmdline: osPrefix + cmdlineFile,
      overlayDir: osPrefix + overlayPrefix,
    },
  };
}

export interface SlotFileContext {
  /** The file's name in messages ('config.txt' by default). */
  readonly file?: string | undefined;
  /** The disk or path, for the error's target. */
  readonly target?: string | undefined;
}

function notLayout(why: string, ctx: SlotFileContext): FlashError {
  return new FlashError('E_SLOT', `${ctx.target === undefined ? '' : `${ctx.target}: `}${ctx.file ?? 'config.txt'} is not a 3os Raspberry Pi layout: ${why}`, { target: ctx.target, phase: 'slot' });
}

/** The one `os_prefix` line of a 3os layout, or a FlashError E_SLOT saying why the file is not one. */
function prefixLine(lines: readonly PiConfigLine[], ctx: SlotFileContext): { line: PiConfigLine; slot: PiSlot } {
  const all = lines.filter((l) => l.kind === 'setting' && l.key === 'os_prefix');
  if (all.length === 0) throw notLayout('it sets no os_prefix (a 3os card has os_prefix=a/ or os_prefix=b/ in [all])', ctx);
  if (all.length > 1) throw notLayout(`os_prefix is set ${all.length} times (lines ${all.map((l) => l.line).join(', ')}); a 3os layout sets it once, in [all]`, ctx);
  const [line] = all as [PiConfigLine];
  // the last filter is the section header nearest above the line
  const under = line.filters[line.filters.length - 1];
  if (under !== undefined) throw notLayout(`os_prefix (line ${line.line}) is under [${under.text}], not in [all]`, ctx);
  const v = line.value ?? '';
  if (v !== 'a/' && v !== 'b/') throw notLayout(`os_prefix=${v} (line ${line.line}) names neither slot a/ nor b/`, ctx);
  return { line, slot: v === 'a/' ? 'a' : 'b' };
}

/** The slot a 3os config.txt (or tryboot.txt) selects; E_SLOT when the file is not a 3os Pi layout. */
export function slotOf(text: string, ctx: SlotFileContext = {}): PiSlot {
  return prefixLine(parsePiConfig(text), ctx).slot;
}

/** True when TEXT is a 3os Pi layout (an `os_prefix=a/` or `b/` set once, in [all]). */
export function isPiSlotLayout(text: string): boolean {
  try {
    slotOf(text);
    return true;
  } catch (e) {
    if (e instanceof FlashError && e.code === 'E_SLOT') return false;
    throw e;
  }
}

function join(lines: readonly { text: string; eol: string }[]): string {
  return lines.map((l) => l.text + l.eol).join('');
}

/**
 * TEXT with SLOT committed: only the value of the one `os_prefix` line changes; every other line,
 * comment, blank and line ending stays byte for byte. Refuses (E_SLOT) a file that is not a 3os layout.
 */
export function withSlot(text: string, slot: PiSlot, ctx: SlotFileContext = {}): string {
  const lines = parsePiConfig(text);
  const { line } = prefixLine(lines, ctx);
  const m = /^([ \t]*os_prefix[ \t]*=[ \t]*)([^ \t]*)(.*)$/.exec(line.text);
  if (m === null) throw new FlashError('E_SLOT', `os_prefix line ${line.line} cannot be rewritten`, { target: ctx.target, phase: 'slot' });
  return join(lines.map((l) => (l === line ? { text: `${m[1] ?? ''}${slot}/${m[3] ?? ''}`, eol: l.eol } : l)));
}

/** The `tryboot.txt` for a trial of SLOT: the committed config.txt with SLOT's prefix (standard section 5). */
export function trybootText(configText: string, slot: PiSlot, ctx: SlotFileContext = {}): string {
  return withSlot(configText, slot, ctx);
}

export const HARDWARE_BEGIN = '# 3os:hardware begin';
export const HARDWARE_END = '# 3os:hardware end';

/**
 * TEXT with the flasher-owned hardware block set to BODY lines (no block when BODY is empty):
 * a previous block between the marker comments is replaced where it stands, else the block is
 * appended. The block opens with `[all]` so its lines apply on every model whatever section the
 * user left open above it. Lines outside the block stay byte for byte; the block uses the file's
 * line ending.
 */
export function withHardwareBlock(text: string, body: readonly string[]): string {
  const lines = splitLines(text);
  const eol = lines.find((l) => l.eol !== '')?.eol ?? '\n';
  const begin = lines.findIndex((l) => l.text.trim() === HARDWARE_BEGIN);
  const end = begin < 0 ? -1 : lines.findIndex((l, i) => i > begin && l.text.trim() === HARDWARE_END);
  if (begin >= 0 && end < 0) throw new FlashError('E_CONFIG_INVALID', `config.txt has "${HARDWARE_BEGIN}" (line ${begin + 1}) without "${HARDWARE_END}"; fix the file by hand`, { phase: 'seed' });
  const block = body.length === 0 ? [] : [HARDWARE_BEGIN, '[all]', ...body, HARDWARE_END].map((t) => ({ text: t, eol }));
  if (begin >= 0) {
    const endLine = lines[end];
    const tail = block.length > 0 && endLine !== undefined ? [{ text: HARDWARE_END, eol: endLine.eol }] : [];
    return join([...lines.slice(0, begin), ...block.slice(0, -1), ...tail, ...lines.slice(end + 1)]);
  }
  if (block.length === 0) return text;
  const last = lines[lines.length - 1];
  const head = last !== undefined && last.eol === '' ? [...lines.slice(0, -1), { text: last.text, eol }] : lines;
  return join([...head, ...block]);
}

/** The body lines of the hardware block in TEXT ([] when there is none). */
export function hardwareBlockOf(text: string): string[] {
  const lines = splitLines(text).map((l) => l.text);
  const begin = lines.findIndex((l) => l.trim() === HARDWARE_BEGIN);
  const end = begin < 0 ? -1 : lines.findIndex((l, i) => i > begin && l.trim() === HARDWARE_END);
  return begin < 0 || end < 0 ? [] : lines.slice(begin + 1, end).filter((l) => l.trim() !== '[all]');
}
