/**
 * Read a config text (YAML or JSON) and validate it against schema v1: the zod pass plus the
 * cross-field pass, every problem collected before anything is decided.
 */
import { LineCounter, parseDocument } from 'yaml';
import { crossCheck } from './cross-checks.js';
import { configInvalid, fromZodIssue, uniqueIssues, type ConfigIssue } from './issues.js';
import { configSchema, type Config } from './schema.js';

export type ValidationResult =
  | { readonly ok: true; readonly config: Config }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[] };

/** Parse YAML (JSON is YAML too). Syntax errors and duplicate keys throw E_CONFIG_INVALID. */
export function parseConfigText(text: string, what = 'config'): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false, strict: true, lineCounter });
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((e): ConfigIssue => {
      const pos = lineCounter.linePos(e.pos[0]);
      const where = pos ? `line ${pos.line}, column ${pos.col}: ` : '';
      return { path: [], message: `${where}${e.message.split('\n')[0] ?? e.message}` };
    });
    throw configInvalid(issues, `${what} (not valid YAML/JSON)`);
  }
  return doc.toJS({ maxAliasCount: 100 }) as unknown;
}

/** Validate a parsed config; all problems at once. */
export function validateConfig(raw: unknown): ValidationResult {
  const parsed = configSchema.safeParse(raw, { reportInput: true });
  const issues: ConfigIssue[] = [];
  if (!parsed.success) for (const i of parsed.error.issues) issues.push(...fromZodIssue(i));
  issues.push(...crossCheck(raw));
  if (issues.length > 0 || !parsed.success) return { ok: false, issues: uniqueIssues(issues) };
  return { ok: true, config: parsed.data };
}

/** Validate, or throw E_CONFIG_INVALID listing every problem. */
export function assertValidConfig(raw: unknown, what = 'config'): Config {
  const r = validateConfig(raw);
  if (!r.ok) throw configInvalid(r.issues, what);
  return r.config;
}
