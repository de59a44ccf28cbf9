/**
 * A deliberately small XML reader for bmap files: elements, attributes, text, comments, the XML
 * declaration and the five predefined entities. No DOCTYPE, no external entities, no CDATA (a bmap
 * never has them), so there is nothing to exploit and no XML dependency to carry.
 */
export interface XmlElement {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: XmlElement[];
  /** Concatenated direct text content (entities decoded). */
  text: string;
}

export class XmlError extends Error {}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
    if (e.startsWith('#x') || e.startsWith('#X')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(parseInt(e.slice(1), 10));
    const v = ENTITIES[e];
    if (v === undefined) throw new XmlError(`unknown entity ${m}`);
    return v;
  });
}

const NAME = /^[A-Za-z_][\w.-]*/;

/** Parse a document and return its root element. */
export function parseXml(src: string): XmlElement {
  let i = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const fail = (msg: string): never => {
    const line = src.slice(0, i).split('\n').length;
    throw new XmlError(`${msg} (line ${line})`);
  };
  while (i < src.length) {
    const lt = src.indexOf('<', i);
    const text = src.slice(i, lt < 0 ? src.length : lt);
    const top = stack[stack.length - 1];
    if (top !== undefined) top.text += decode(text);
    else if (text.trim() !== '') fail('text outside the root element');
    if (lt < 0) break;
    i = lt;
    if (src.startsWith('<!--', i)) {
      const end = src.indexOf('-->', i + 4);
      if (end < 0) fail('unterminated comment');
      i = end + 3;
    } else if (src.startsWith('<?', i)) {
      const end = src.indexOf('?>', i + 2);
      if (end < 0) fail('unterminated declaration');
      i = end + 2;
    } else if (src.startsWith('<!', i)) {
      fail('DOCTYPE and CDATA are not allowed');
    } else if (src.startsWith('</', i)) {
      const m = NAME.exec(src.slice(i + 2));
      const name = m?.[0] ?? fail('bad closing tag');
      const close = src.indexOf('>', i);
      if (close < 0 || src.slice(i + 2 + name.length, close).trim() !== '') fail('bad closing tag');
      const open = stack.pop();
      if (open?.name !== name) fail(`closing tag </${name}> does not match <${open?.name ?? ''}>`);
      i = close + 1;
    } else {
      const m = NAME.exec(src.slice(i + 1));
      const name = m?.[0] ?? fail('bad tag');
      i += 1 + name.length;
      const attrs: Record<string, string> = {};
      for (;;) {
        const ws = /^\s*/.exec(src.slice(i))?.[0].length ?? 0;
        i += ws;
        if (src.startsWith('/>', i) || src.startsWith('>', i)) break;
        if (ws === 0) fail('expected whitespace between attributes');
        const am = /^([A-Za-z_][\w.:-]*)\s*=\s*("([^"]*)"|'([^']*)')/.exec(src.slice(i));
        if (am === null) fail(`bad attribute in <${name}>`);
        const [all, an, , dq, sq] = am as RegExpExecArray;
        if (an! in attrs) fail(`duplicate attribute ${an}`);
        attrs[an!] = decode(dq ?? sq ?? '');
        i += all.length;
      }
      const el: XmlElement = { name, attrs, children: [], text: '' };
      const parent = stack[stack.length - 1];
      if (parent !== undefined) parent.children.push(el);
      else if (root === undefined) root = el;
      else fail('more than one root element');
      if (src.startsWith('/>', i)) {
        i += 2;
      } else {
        i += 1;
        stack.push(el);
      }
    }
  }
  if (stack.length > 0) fail(`unclosed element <${stack[stack.length - 1]!.name}>`);
  return root ?? fail('no root element');
}
