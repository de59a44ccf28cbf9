// Every engine error code has words for the user (app and CLI): none falls back to "internal error".
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, FlashError, type ErrorCode } from '../../../../flasher/errors.js';
import { cliHint, errorText, INTERNAL_ERROR_TEXT, userError } from '../../../../main/ipc/error-text.js';
import { reportError, type CliIO } from '../../../../main/cli/io.js';

const CODES = Object.keys(ERROR_CODES) as ErrorCode[];

describe('error codes to user text', () => {
  it.each(CODES)('%s has its own title', (code) => {
    const t = errorText(code);
    expect(t.title.trim()).not.toBe('');
    expect(t.title).not.toBe(INTERNAL_ERROR_TEXT.title);
    for (const words of [t.hint, t.cli]) if (words !== undefined) expect(words.trim()).not.toBe('');
    const u = userError(code, 'the exact message');
    expect(u).toMatchObject({ code, title: t.title, detail: 'the exact message' });
  });

  it('a user-caused failure has a next step', () => {
    const withoutHint = CODES.filter((c) => cliHint(c) === undefined);
    expect(withoutHint).toEqual(['E_CANCELLED']);
  });

  it('anything else is an internal error', () => {
    expect(userError('E_INTERNAL', 'boom')).toMatchObject({ title: INTERNAL_ERROR_TEXT.title, hint: INTERNAL_ERROR_TEXT.hint });
    expect(userError('E_NO_SUCH_CODE', 'boom').title).toBe(INTERNAL_ERROR_TEXT.title);
    expect(userError('toString', 'boom').title).toBe(INTERNAL_ERROR_TEXT.title);
  });
});

describe('the CLI prints the same table\'s hint', () => {
  function run(e: unknown): { code: number; err: string } {
    let err = '';
    const sink = new Writable({ write: (chunk: Buffer, _enc, cb) => ((err += chunk.toString()), cb()) });
    const io = { out: new Writable({ write: (_c, _e, cb) => cb() }), err: sink, stdin: process.stdin, env: {} } as unknown as CliIO;
    return { code: reportError(e, io, false), err };
  }

  it('message first, then the hint', () => {
    const r = run(new FlashError('E_TARGET_BUSY', '/dev/sdb is busy: mounted or held by another program'));
    expect(r.code).toBe(ERROR_CODES.E_TARGET_BUSY);
    expect(r.err).toBe(`3os-flash: /dev/sdb is busy: mounted or held by another program\n  hint: ${cliHint('E_TARGET_BUSY') ?? ''}\n`);
    expect(r.err).toMatch(/Unmount it first/);
  });

  it('no hint line for a code without one', () => {
    expect(run(new FlashError('E_CANCELLED', 'cancelled')).err).toBe('3os-flash: cancelled\n');
  });
});
