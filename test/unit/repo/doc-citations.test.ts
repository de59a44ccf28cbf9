/**
 * Every document the code and the docs cite is in this repository: each `docs/NAME.md` named in a
 * source file, script, README or doc exists (and a `§N.M` after it is a heading there), every
 * relative link in README.md and docs/*.md points at a file that exists, and nothing cites the
 * design folder outside the repository.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const self = relative(repo, fileURLToPath(import.meta.url));

const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', 'coverage', '.cache', 'fixtures']);
const TEXT = /\.(ts|tsx|mts|cts|js|mjs|cjs|sh|md|yml|yaml|json\.in|html|css)$|^run$/;
const ROOTS = ['README.md', 'docs', 'common', 'flasher', 'provisioning', 'main', 'renderer', 'bench', 'test', 'testkit', 'assets', '.ci', 'eslint.config.js', '.dependency-cruiser.mjs', 'vitest.config.ts', 'vitest.e2e.config.mjs', 'electron-builder.yml'];

function walk(path: string, out: string[]): void {
  const abs = join(repo, path);
  if (!existsSync(abs)) return;
  if (statSync(abs).isDirectory()) {
    for (const name of readdirSync(abs)) if (!SKIP_DIRS.has(name)) walk(join(path, name), out);
  } else if (TEXT.test(path.split('/').pop() ?? '') && path !== self) {
    out.push(path);
  }
}

function files(): string[] {
  const out: string[] = [];
  for (const r of ROOTS) walk(r, out);
  return out;
}

/** `## 3. GPT`, `### 3.7 Growing ...`: is there a heading numbered `section` in this markdown? */
function hasSection(markdown: string, section: string): boolean {
  const n = section.replace(/\./g, '\\.');
  return new RegExp(`^#{1,6}\\s+${n}(\\.?\\s)`, 'm').test(markdown);
}

function lineOf(text: string, index: number): number {
  return text.slice(0, index).split('\n').length;
}

describe('documents cited in this repository', () => {
  const all = files();

  it('scans the sources and the docs', () => {
    expect(all).toContain('README.md');
    expect(all.some((f) => f.startsWith('provisioning/partition/'))).toBe(true);
    expect(all.some((f) => f.startsWith('docs/'))).toBe(true);
  });

  it('every docs/NAME.md named anywhere exists, and its cited sections are headings there', () => {
    const problems: string[] = [];
    for (const f of all) {
      const text = readFileSync(join(repo, f), 'utf8');
      for (const m of text.matchAll(/\bdocs\/([\w./-]+?\.md)(?:\s*§\s*(\d+(?:\.\d+)*))?/g)) {
        const doc = join(repo, 'docs', m[1] ?? '');
        const where = `${f}:${lineOf(text, m.index)}`;
        if (!existsSync(doc)) {
          problems.push(`${where}: docs/${m[1]} does not exist`);
          continue;
        }
        if (m[2] !== undefined && !hasSection(readFileSync(doc, 'utf8'), m[2])) problems.push(`${where}: docs/${m[1]} has no section ${m[2]}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('every relative link in README.md and docs/*.md points at a file in the repository', () => {
    const problems: string[] = [];
    for (const f of all.filter((x) => x === 'README.md' || (x.startsWith('docs/') && x.endsWith('.md')))) {
      const text = readFileSync(join(repo, f), 'utf8');
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = (m[1] ?? '').split('#')[0] ?? '';
        if (target === '' || /^[a-z]+:/i.test(target)) continue;
        const abs = join(repo, dirname(f), target);
        if (!abs.startsWith(repo) || !existsSync(abs)) problems.push(`${f}:${lineOf(text, m.index)}: ${m[1]} is not a file in this repository`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('nothing cites the design folder outside the repository', () => {
    const outside = new RegExp(['\\.\\./shared/', 'shared/design/'].join('|'));
    const hits = all.flatMap((f) => {
      const text = readFileSync(join(repo, f), 'utf8');
      const m = outside.exec(text);
      return m === null ? [] : [`${f}:${lineOf(text, m.index)}`];
    });
    expect(hits).toEqual([]);
  });
});
