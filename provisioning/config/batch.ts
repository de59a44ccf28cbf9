/**
 * Batches: one template, many devices. Each device gets the template with its variables filled
 * in ({index}, {serial}, {date}) and, when a CSV is given, its own row of overrides (header =
 * dotted field paths like `hostname`, `users.0.password`, `network.ethernets.eth0.addresses.0`;
 * an empty cell keeps the template's value). Every device is validated, duplicate hostnames are
 * refused, and all problems of all devices are reported at once before anything is rendered.
 */
import { parseCsv } from './csv.js';
import { configInvalid, configIssuesOf, formatPath, type ConfigIssue, type PathSegment } from './issues.js';
import { hashSecrets } from './hash-secrets.js';
import { prepareConfig, renderStored, type RenderedConfig } from './render.js';
import type { Config } from './schema.js';
import { schemaAt, type SchemaNode } from './schema-walk.js';
import { didYouMean } from './suggest.js';
import type { TemplateDevice } from './templates.js';
import { assertValidConfig, parseConfigText } from './validate.js';

export interface BatchOptions {
  /** Date for {date} (default: now, once for the whole batch). */
  readonly date?: Date | undefined;
}

export interface BatchItem {
  readonly device: TemplateDevice;
  readonly rendered: RenderedConfig;
}

interface Column {
  readonly header: string;
  readonly path: PathSegment[];
  readonly node: SchemaNode;
}

const SCALAR_KINDS = new Set(['string', 'boolean', 'number', 'enum', 'scalar']);

function checkColumns(header: readonly string[]): { columns: Column[]; issues: ConfigIssue[] } {
  const columns: Column[] = [];
  const issues: ConfigIssue[] = [];
  const seen = new Set<string>();
  for (const h of header) {
    const name = h.trim();
    const scope = `CSV column "${name}"`;
    if (seen.has(name)) {
      issues.push({ path: [], scope, message: 'appears twice' });
      continue;
    }
    seen.add(name);
    const path: PathSegment[] = name.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p));
    if (name === '' || path.some((p) => p === '')) {
      issues.push({ path: [], scope, message: 'is not a dotted field path like users.0.password' });
      continue;
    }
    const at = schemaAt(path);
    if (!at.ok) {
      const bad = path[at.unknownAt];
      const prefix = formatPath(path.slice(0, at.unknownAt));
      const hint = typeof bad === 'string' ? didYouMean(bad, at.parentKeys) : '';
      issues.push({ path: [], scope, message: `unknown field "${String(bad)}"${prefix === '' ? '' : ` in ${prefix}`}${hint}` });
      continue;
    }
    if (!SCALAR_KINDS.has(at.node.kind)) {
      issues.push({ path: [], scope, message: 'is a list or mapping: name one value (e.g. users.0.groups.0)' });
      continue;
    }
    if (path[0] === 'version') {
      issues.push({ path: [], scope, message: 'version cannot be overridden' });
      continue;
    }
    columns.push({ header: name, path, node: at.node });
  }
  return { columns, issues };
}

function cellValue(cell: string, node: SchemaNode): unknown {
  if (node.kind === 'boolean' && /^(true|false)$/i.test(cell.trim())) return cell.trim().toLowerCase() === 'true';
  if (node.kind === 'number' && /^-?\d+(\.\d+)?$/.test(cell.trim())) return Number(cell.trim());
  return cell;
}

type Container = Record<string, unknown> | unknown[];

/** Set a value at a path, creating lists and mappings on the way. Returns a problem or undefined. */
function setPath(root: Record<string, unknown>, path: readonly PathSegment[], value: unknown): string | undefined {
  let cur: Container = root;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i] ?? '';
    const last = i === path.length - 1;
    const nextSeg = path[i + 1];
    const make = (): Container => (typeof nextSeg === 'number' ? [] : {});
    if (Array.isArray(cur)) {
      if (typeof seg !== 'number') return `${formatPath(path.slice(0, i))} is a list`;
      if (seg > cur.length) return `index ${seg} skips entries (the list has ${cur.length})`;
      if (last) cur[seg] = value;
      else {
        const existing: unknown = cur[seg];
        if (typeof existing !== 'object' || existing === null) cur[seg] = make();
        cur = cur[seg] as Container;
      }
    } else {
      const key = String(seg);
      if (last) cur[key] = value;
      else {
        const existing = cur[key];
        if (typeof existing !== 'object' || existing === null) cur[key] = make();
        cur = cur[key] as Container;
      }
    }
  }
  return undefined;
}

function deviceName(d: TemplateDevice): string {
  return d.serial === undefined ? `device ${d.index}` : `device ${d.index} (serial ${d.serial})`;
}

/**
 * Render one config per device. `template` is YAML/JSON text or a parsed config; `csv` is
 * CSV text with a header row and exactly one row per device, in device order.
 */
export function renderBatch(template: unknown, devices: readonly TemplateDevice[], csv?: string, options: BatchOptions = {}): BatchItem[] {
  const raw = typeof template === 'string' ? parseConfigText(template, 'template') : template;
  const date = options.date ?? new Date();
  const issues: ConfigIssue[] = [];
  if (devices.length === 0) throw configInvalid([{ path: [], message: 'no devices given' }], 'batch');

  let columns: Column[] = [];
  let rows: string[][] = [];
  if (csv !== undefined) {
    const table = parseCsv(csv);
    const header = table[0] ?? [];
    rows = table.slice(1);
    const checked = checkColumns(header);
    columns = checked.columns;
    issues.push(...checked.issues);
    if (rows.length !== devices.length) {
      issues.push({ path: [], message: `CSV has ${rows.length} data row${rows.length === 1 ? '' : 's'} but there are ${devices.length} devices (one row per device, in order)` });
    }
    rows.forEach((r, n) => {
      if (r.length !== header.length) issues.push({ path: [], scope: `CSV row ${n + 2}`, message: `has ${r.length} fields, the header has ${header.length}` });
    });
    if (issues.length > 0) throw configInvalid(issues, 'batch');
  }

  const prepared: Array<{ device: TemplateDevice; config: Config }> = [];
  devices.forEach((device, n) => {
    const scope = deviceName(device);
    const copy = structuredClone(raw) as Record<string, unknown>;
    const row = rows[n] ?? [];
    for (const [c, col] of columns.entries()) {
      const cell = row[c] ?? '';
      if (cell === '') continue;
      const problem = setPath(copy, col.path, cellValue(cell, col.node));
      if (problem) issues.push({ path: [], scope: `${scope}, CSV column "${col.header}"`, message: problem });
    }
    try {
      prepared.push({ device, config: prepareConfig(copy, { device, date, what: scope }) });
    } catch (e) {
      const found = configIssuesOf(e);
      if (found.length === 0) throw e;
      issues.push(...found.map((i) => ({ ...i, scope })));
    }
  });

  const byHost = new Map<string, string[]>();
  for (const p of prepared) {
    if (p.config.hostname === undefined) continue;
    const key = p.config.hostname.toLowerCase();
    byHost.set(key, [...(byHost.get(key) ?? []), deviceName(p.device)]);
  }
  for (const [host, users] of byHost) {
    if (users.length > 1) issues.push({ path: ['hostname'], scope: 'batch', message: `"${host}" is used by ${users.join(', ')}` });
  }
  if (issues.length > 0) throw configInvalid(issues, 'batch');

  return prepared.map(({ device, config }) => ({
    device,
    rendered: renderStored(assertValidConfig(hashSecrets(config), deviceName(device))),
  }));
}
