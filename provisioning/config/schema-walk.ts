/**
 * Find what the schema expects at a path (`users.0.name`, `network.ethernets.eth0.dhcp4`):
 * used to suggest the right key for an unknown one, and to check and type CSV columns.
 */
import { z } from 'zod';
import { configSchema } from './schema.js';

export type SchemaNode =
  | { readonly kind: 'object'; readonly keys: readonly string[] }
  | { readonly kind: 'array' }
  | { readonly kind: 'record' }
  | { readonly kind: 'string' }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'number' }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  | { readonly kind: 'scalar' };

type Segment = string | number;

/** Strip optional/pipe wrappers down to the schema that decides the shape. */
function core(s: z.ZodType): z.ZodType {
  let cur: z.ZodType = s;
  for (let i = 0; i < 10; i++) {
    if (cur instanceof z.ZodOptional) cur = cur.unwrap() as z.ZodType;
    else if (cur instanceof z.ZodPipe) cur = cur.in as z.ZodType;
    else break;
  }
  return cur;
}

function child(s: z.ZodType, seg: Segment): z.ZodType | undefined {
  const c = core(s);
  if (c instanceof z.ZodObject) {
    const shape = c.shape as Record<string, z.ZodType>;
    return typeof seg === 'string' && Object.hasOwn(shape, seg) ? shape[seg] : undefined;
  }
  if (c instanceof z.ZodArray) {
    const isIndex = typeof seg === 'number' || /^\d+$/.test(seg);
    return isIndex ? (c.element as z.ZodType) : undefined;
  }
  if (c instanceof z.ZodRecord) return c.valueType as z.ZodType;
  return undefined;
}

function describe(s: z.ZodType): SchemaNode {
  const c = core(s);
  if (c instanceof z.ZodObject) return { kind: 'object', keys: Object.keys(c.shape) };
  if (c instanceof z.ZodArray) return { kind: 'array' };
  if (c instanceof z.ZodRecord) return { kind: 'record' };
  if (c instanceof z.ZodBoolean) return { kind: 'boolean' };
  if (c instanceof z.ZodNumber) return { kind: 'number' };
  if (c instanceof z.ZodLiteral) return typeof c.value === 'number' ? { kind: 'number' } : { kind: 'scalar' };
  if (c instanceof z.ZodEnum) return { kind: 'enum', values: c.options.map(String) };
  if (c instanceof z.ZodString) return { kind: 'string' };
  return { kind: 'scalar' };
}

/**
 * What the config schema expects at `path`; for an unknown key, `unknownAt` is the index of the
 * first segment the schema does not have and `parentKeys` the keys that would have been valid.
 */
export function schemaAt(path: readonly Segment[]):
  | { readonly ok: true; readonly node: SchemaNode }
  | { readonly ok: false; readonly unknownAt: number; readonly parentKeys: readonly string[] } {
  let cur: z.ZodType = configSchema;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i] ?? '';
    const next = child(cur, seg);
    if (next === undefined) {
      const d = describe(cur);
      return { ok: false, unknownAt: i, parentKeys: d.kind === 'object' ? d.keys : [] };
    }
    cur = next;
  }
  return { ok: true, node: describe(cur) };
}
