/**
 * LVM's text configuration format (libdm-config): parser to an ordered tree and writer back.
 *
 * LVM keeps VG metadata in this format (docs/disk-formats.md §2.7). The tree keeps every key and section
 * in order, including ones we do not understand, plus the layout hints LVM's own writer produces
 * (blank lines, line breaks inside arrays), so that text LVM wrote re-serializes byte for byte and
 * the only differences in what we write are the changes we made. The writer emits the "raw"
 * on-disk form: no indentation, VG section first (the caller orders top-level nodes).
 */
import { FlashError } from '../../flasher/errors.js';

export type ConfigScalar =
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'string'; readonly value: string }
  /** Floats and bare words are kept as the raw token (LVM metadata does not use them). */
  | { readonly kind: 'raw'; readonly text: string };

export interface ConfigArray {
  readonly kind: 'array';
  items: ConfigScalar[];
  /** breaks[i]: a line break came before items[i] (LVM writes `stripes = [` one pair per line). */
  breaks: boolean[];
  breakBeforeClose: boolean;
}

export type ConfigValue = ConfigScalar | ConfigArray;

export interface ConfigValueNode {
  readonly kind: 'value';
  name: string;
  value: ConfigValue;
  /** An empty line came before this node. */
  blankBefore: boolean;
}

export interface ConfigSection {
  readonly kind: 'section';
  name: string;
  children: ConfigNode[];
  blankBefore: boolean;
  /** An empty line came before the closing brace. */
  blankBeforeClose: boolean;
}

export type ConfigNode = ConfigValueNode | ConfigSection;

/** Hard limit on nesting, so hostile text cannot blow the stack. */
const MAX_DEPTH = 64;

type Token =
  | { t: '{' | '}' | '[' | ']' | '=' | ','; nl: number }
  | { t: 'string'; value: string; nl: number }
  | { t: 'word'; text: string; nl: number };

function corrupt(msg: string): FlashError {
  return new FlashError('E_LVM_CORRUPT', `LVM metadata text: ${msg}`, { phase: 'grow' });
}

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\v' || c === '\f';
}

/** Split the text into tokens; `nl` counts the line breaks in the gap before each token. */
function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let nl = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i] ?? '';
    if (c === '\0') break;
    if (c === '\n') {
      nl++;
      i++;
      continue;
    }
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < n && text[i] !== '\n' && text[i] !== '\0') i++;
      continue;
    }
    if (c === '{' || c === '}' || c === '[' || c === ']' || c === '=' || c === ',') {
      out.push({ t: c, nl });
      nl = 0;
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let s = '';
      for (;;) {
        if (j >= n || text[j] === '\0') throw corrupt('unterminated string');
        const d = text[j] ?? '';
        if (d === c) break;
        if (d === '\\' && c === '"') {
          j++;
          if (j >= n) throw corrupt('unterminated string');
          s += text[j] ?? '';
        } else {
          s += d;
        }
        j++;
      }
      out.push({ t: 'string', value: s, nl });
      nl = 0;
      i = j + 1;
      continue;
    }
    let j = i;
    while (j < n) {
      const d = text[j] ?? '';
      if (isSpace(d) || d === '#' || d === '=' || d === '{' || d === '}' || d === '[' || d === ']' || d === ',' || d === '"' || d === '\0') break;
      j++;
    }
    out.push({ t: 'word', text: text.slice(i, j), nl });
    nl = 0;
    i = j;
  }
  return out;
}

/** strtoll(…, 0) semantics for a decimal/octal/hex integer token; undefined if not an integer. */
function parseIntToken(text: string): number | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(text);
  if (m === null) return undefined;
  const sign = m[1] === '-' ? -1 : 1;
  const body = m[2] ?? '0';
  let v: number;
  if (/^0[xX]/.test(body)) v = parseInt(body.slice(2), 16);
  else if (body.length > 1 && body.startsWith('0')) v = parseInt(body.slice(1), 8);
  else v = parseInt(body, 10);
  if (!Number.isSafeInteger(v)) throw corrupt(`integer ${text} is too large`);
  return sign * v;
}

function scalarFromToken(tok: Token): ConfigScalar {
  if (tok.t === 'string') return { kind: 'string', value: tok.value };
  if (tok.t === 'word') {
    const v = parseIntToken(tok.text);
    return v === undefined ? { kind: 'raw', text: tok.text } : { kind: 'int', value: v };
  }
  throw corrupt(`unexpected '${tok.t}' where a value was expected`);
}

class Parser {
  private pos = 0;
  public constructor(private readonly toks: Token[]) {}

  private peek(): Token | undefined {
    return this.toks[this.pos];
  }

  private next(): Token {
    const t = this.toks[this.pos++];
    if (t === undefined) throw corrupt('unexpected end of text');
    return t;
  }

  public nodes(depth: number, inSection: boolean): { nodes: ConfigNode[]; closeNl: number } {
    if (depth > MAX_DEPTH) throw corrupt('sections nested too deeply');
    const nodes: ConfigNode[] = [];
    for (;;) {
      const t = this.peek();
      if (t === undefined) {
        if (inSection) throw corrupt('missing closing brace');
        return { nodes, closeNl: 0 };
      }
      if (t.t === '}') {
        if (!inSection) throw corrupt('unexpected closing brace');
        this.pos++;
        return { nodes, closeNl: t.nl };
      }
      nodes.push(this.node(depth));
    }
  }

  private node(depth: number): ConfigNode {
    const keyTok = this.next();
    let name: string;
    if (keyTok.t === 'word') name = keyTok.text;
    else if (keyTok.t === 'string') name = keyTok.value;
    else throw corrupt(`unexpected '${keyTok.t}' where a key was expected`);
    const blankBefore = keyTok.nl >= 2;
    const op = this.next();
    if (op.t === '{') {
      const { nodes, closeNl } = this.nodes(depth + 1, true);
      return { kind: 'section', name, children: nodes, blankBefore, blankBeforeClose: closeNl >= 2 };
    }
    if (op.t !== '=') throw corrupt(`expected '=' or '{' after "${name}"`);
    return { kind: 'value', name, value: this.value(), blankBefore };
  }

  private value(): ConfigValue {
    const t = this.next();
    if (t.t !== '[') return scalarFromToken(t);
    const arr: ConfigArray = { kind: 'array', items: [], breaks: [], breakBeforeClose: false };
    for (;;) {
      const e = this.next();
      if (e.t === ']') {
        arr.breakBeforeClose = e.nl > 0;
        return arr;
      }
      if (e.t === ',') continue;
      arr.breaks.push(e.nl > 0);
      arr.items.push(scalarFromToken(e));
    }
  }
}

/** Parse LVM config text (stops at the first NUL). Throws E_LVM_CORRUPT on bad syntax. */
export function parseConfigText(text: string): ConfigNode[] {
  return new Parser(tokenize(text)).nodes(0, false).nodes;
}

/** `dm_escape_double_quotes`: only `"` and `\` are escaped. */
export function quoteString(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

function writeKey(name: string): string {
  return /^[^\s#={}[\],"'\0]+$/.test(name) ? name : quoteString(name);
}

function writeScalar(v: ConfigScalar): string {
  switch (v.kind) {
    case 'int':
      return String(v.value);
    case 'string':
      return quoteString(v.value);
    case 'raw':
      return v.text;
  }
}

function writeValue(v: ConfigValue): string {
  if (v.kind !== 'array') return writeScalar(v);
  let s = '[';
  v.items.forEach((item, i) => {
    const brk = v.breaks[i] === true;
    if (i > 0) s += brk ? ',\n' : ', ';
    else if (brk) s += '\n';
    s += writeScalar(item);
  });
  return s + (v.breakBeforeClose ? '\n]' : ']');
}

/** Serialize nodes in LVM's raw form (no indentation). */
export function writeConfigNodes(nodes: readonly ConfigNode[]): string {
  let s = '';
  for (const n of nodes) {
    if (n.blankBefore) s += '\n';
    if (n.kind === 'value') {
      s += `${writeKey(n.name)} = ${writeValue(n.value)}\n`;
    } else {
      s += `${writeKey(n.name)} {\n${writeConfigNodes(n.children)}${n.blankBeforeClose ? '\n' : ''}}\n`;
    }
  }
  return s;
}

// ---- small typed accessors used by the VG model ----

export function findNode(nodes: readonly ConfigNode[], name: string): ConfigNode | undefined {
  return nodes.find((n) => n.name === name);
}

export function findSection(nodes: readonly ConfigNode[], name: string): ConfigSection | undefined {
  const n = findNode(nodes, name);
  return n?.kind === 'section' ? n : undefined;
}

export function findValue(nodes: readonly ConfigNode[], name: string): ConfigValue | undefined {
  const n = findNode(nodes, name);
  return n?.kind === 'value' ? n.value : undefined;
}

export function intNode(name: string, value: number, blankBefore = false): ConfigValueNode {
  return { kind: 'value', name, value: { kind: 'int', value }, blankBefore };
}

export function stringNode(name: string, value: string, blankBefore = false): ConfigValueNode {
  return { kind: 'value', name, value: { kind: 'string', value }, blankBefore };
}

export function stringArrayNode(name: string, values: readonly string[], blankBefore = false): ConfigValueNode {
  return {
    kind: 'value',
    name,
    value: { kind: 'array', items: values.map((value) => ({ kind: 'string', value })), breaks: values.map(() => false), breakBeforeClose: false },
    blankBefore,
  };
}

/** Set (or append) an integer value, keeping the node's place and layout. */
export function setInt(section: ConfigSection, name: string, value: number): void {
  const n = findNode(section.children, name);
  if (n?.kind === 'value') n.value = { kind: 'int', value };
  else section.children.push(intNode(name, value));
}
