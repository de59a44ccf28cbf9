/**
 * Per-device templates in config strings: `{index}`, `{index:03}` (zero-padded to 3),
 * `{serial}` (the drive's serial; in the hostname lower-cased and reduced to a-z 0-9 -),
 * `{date}` (YYYYMMDD, local time). `{{` and `}}` are literal braces; `${...}` is left alone.
 * Not templated (they are data, not names): file contents, passwords, hashes, PSKs and the
 * serial provisioning fields, and mapping keys. An unknown variable is an error.
 */
import type { ConfigIssue, PathSegment } from './issues.js';
import { didYouMean } from './suggest.js';

export interface TemplateDevice {
  /** The device's number in the batch (as the caller counts, usually from 1). */
  readonly index: number;
  /** The drive's serial number, when known. */
  readonly serial?: string | undefined;
}

export interface TemplateContext extends TemplateDevice {
  readonly date: Date;
}

export const TEMPLATE_VARIABLES = ['index', 'serial', 'date'] as const;

const NOT_TEMPLATED = new Set(['contents', 'contents_base64', 'password', 'password_hash', 'psk']);

function templated(path: readonly PathSegment[]): boolean {
  const last = path[path.length - 1];
  if (path[0] === 'version' || path[0] === 'serial_provisioning') return false;
  return !(typeof last === 'string' && NOT_TEMPLATED.has(last));
}

/** Hostname-safe serial: lower case, runs of other characters become one "-", trimmed. */
export function hostnameSafeSerial(serial: string): string {
  return serial.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63);
}

function pad(d: number): string {
  return String(d).padStart(2, '0');
}

export function formatDate(d: Date): string {
  return `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}`;
}

const VAR = /^\{([A-Za-z_][A-Za-z0-9_]*)(?::([^{}]*))?\}/;

/** Expand one string. `ctx` undefined means "only look": every variable found is reported. */
function expandString(s: string, path: readonly PathSegment[], ctx: TemplateContext | undefined, issues: ConfigIssue[]): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    const rest = s.slice(i);
    if (rest.startsWith('{{') || rest.startsWith('}}')) {
      out += ch;
      i++;
      continue;
    }
    if (rest.startsWith('${')) {
      out += '${';
      i++;
      continue;
    }
    const m = ch === '{' ? VAR.exec(rest) : null;
    if (!m) {
      out += ch;
      continue;
    }
    i += m[0].length - 1;
    out += value(m[1] ?? '', m[2], path, ctx, issues) ?? m[0];
  }
  return out;
}

function value(name: string, fmt: string | undefined, path: readonly PathSegment[], ctx: TemplateContext | undefined, issues: ConfigIssue[]): string | undefined {
  const known: readonly string[] = TEMPLATE_VARIABLES;
  if (!known.includes(name)) {
    issues.push({ path, message: `unknown template variable {${name}}${didYouMean(name, known)} (known: {index}, {index:03}, {serial}, {date})` });
    return undefined;
  }
  if (fmt !== undefined && !(name === 'index' && /^0[1-9]$/.test(fmt))) {
    issues.push({ path, message: `unknown format {${name}:${fmt}} (only {index:0N}, e.g. {index:03}, is supported)` });
    return undefined;
  }
  if (ctx === undefined) {
    issues.push({ path, message: `contains the template variable {${name}${fmt === undefined ? '' : `:${fmt}`}}: render it per device (batch) to fill it in` });
    return undefined;
  }
  switch (name) {
    case 'index':
      return fmt === undefined ? String(ctx.index) : String(ctx.index).padStart(Number(fmt.slice(1)), '0');
    case 'date':
      return formatDate(ctx.date);
    default: {
      if (ctx.serial === undefined || ctx.serial.trim() === '') {
        issues.push({ path, message: `uses {serial} but device ${ctx.index} has no known serial number` });
        return undefined;
      }
      return path.length === 1 && path[0] === 'hostname' ? hostnameSafeSerial(ctx.serial) : ctx.serial.trim().replace(/[^A-Za-z0-9._-]+/g, '-');
    }
  }
}

function walk(v: unknown, path: PathSegment[], ctx: TemplateContext | undefined, issues: ConfigIssue[]): unknown {
  if (typeof v === 'string') return templated(path) ? expandString(v, path, ctx, issues) : v;
  if (Array.isArray(v)) return v.map((x, i) => walk(x, [...path, i], ctx, issues));
  if (typeof v === 'object' && v !== null) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, [...path, k], ctx, issues)]));
  }
  return v;
}

/** Fill in the template variables of a raw config for one device. */
export function expandTemplates(raw: unknown, ctx: TemplateContext): { value: unknown; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const value = walk(raw, [], ctx, issues);
  return { value, issues };
}

/** Problems for every template variable in a raw config (for a single, non-batch render). */
export function templateIssues(raw: unknown): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  walk(raw, [], undefined, issues);
  return issues;
}

/** True when some templated string of the config uses a variable. */
export function hasTemplates(raw: unknown): boolean {
  return templateIssues(raw).length > 0;
}
