/**
 * Config problems as people read them: `path: reason`, all of them at once, and the one
 * FlashError (E_CONFIG_INVALID) that carries them.
 */
import type { z } from 'zod';
import { FlashError, type Phase } from '../../flasher/errors.js';
import { schemaAt } from './schema-walk.js';
import { didYouMean } from './suggest.js';

export type PathSegment = string | number;

export interface ConfigIssue {
  /** Where: ['users', 0, 'ssh_authorized_keys', 1]. Empty for the whole document. */
  readonly path: readonly PathSegment[];
  /** Why, in words. */
  readonly message: string;
  /** Which config in a batch ("device 3"); absent for a single config. */
  readonly scope?: string | undefined;
}

/** `users[0].ssh_authorized_keys[1]`, `network.wifis.wlan0.access-points.home.password`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

export function formatIssue(issue: ConfigIssue): string {
  const where = formatPath(issue.path);
  const text = where === '' ? issue.message : `${where}: ${issue.message}`;
  return issue.scope === undefined ? text : `${issue.scope}: ${text}`;
}

function describeInput(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `a ${typeof v}`;
}

const EXPECTED: Readonly<Record<string, string>> = {
  string: 'text', number: 'a number', boolean: 'true or false', array: 'a list', object: 'a mapping', record: 'a mapping',
};

/** Turn one zod issue into our form (unknown keys become one issue per key, with a suggestion). */
export function fromZodIssue(issue: z.core.$ZodIssue): ConfigIssue[] {
  const path = issue.path.filter((p): p is PathSegment => typeof p !== 'symbol');
  switch (issue.code) {
    case 'unrecognized_keys': {
      const at = schemaAt(path);
      const known = at.ok && at.node.kind === 'object' ? at.node.keys : [];
      return issue.keys.map((k) => ({ path: [...path, k], message: `unknown field${didYouMean(k, known)}` }));
    }
    case 'invalid_type': {
      if (issue.input === undefined) return [{ path, message: 'is required' }];
      const last = path[path.length - 1];
      if (last === 'mode' && typeof issue.input === 'number') {
        return [{ path, message: "must be a quoted octal string like '0644' (unquoted, YAML reads it as a decimal number)" }];
      }
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      return [{ path, message: `must be ${expected}, not ${describeInput(issue.input)}` }];
    }
    case 'invalid_value': {
      if (issue.input === undefined) return [{ path, message: 'is required' }];
      const values = issue.values.map((v) => JSON.stringify(v));
      if (path.length === 1 && path[0] === 'version') return [{ path, message: `must be 1 (this tool reads schema v1; got ${JSON.stringify(issue.input)})` }];
      const hint = typeof issue.input === 'string' ? didYouMean(issue.input, issue.values.map(String)) : '';
      return [{ path, message: `must be ${values.length === 1 ? values[0] : `one of ${values.join(', ')}`}${hint}` }];
    }
    case 'too_small':
      if (issue.origin === 'string') return [{ path, message: issue.message.startsWith('Too small') ? 'must not be empty' : issue.message }];
      return [{ path, message: `must be at least ${String(issue.minimum)}` }];
    case 'too_big':
      return [{ path, message: `must be at most ${String(issue.maximum)}` }];
    case 'invalid_union':
      return [{ path, message: 'must be text, a number or true/false' }];
    default:
      return [{ path, message: issue.message }];
  }
}

/** The FlashError for a list of problems: one line each, under a count. */
export function configInvalid(issues: readonly ConfigIssue[], what = 'config', phase: Phase = 'seed'): FlashError {
  const lines = issues.map((i) => `  - ${formatIssue(i)}`);
  const n = issues.length;
  const err = new FlashError('E_CONFIG_INVALID', `${what} is invalid (${n} problem${n === 1 ? '' : 's'}):\n${lines.join('\n')}`, { phase });
  return Object.assign(err, { issues });
}

/** The structured list carried by an E_CONFIG_INVALID error (empty for any other error). */
export function configIssuesOf(e: unknown): readonly ConfigIssue[] {
  if (e instanceof FlashError && e.code === 'E_CONFIG_INVALID' && 'issues' in e && Array.isArray(e.issues)) {
    return e.issues as ConfigIssue[];
  }
  return [];
}

/** Drop exact duplicates, keeping document order. */
export function uniqueIssues(issues: readonly ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  const out: ConfigIssue[] = [];
  for (const i of issues) {
    const k = formatIssue(i);
    if (!seen.has(k)) {
      seen.add(k);
      out.push(i);
    }
  }
  return out;
}
