/** The write verb's exit code: the error's own code for one target, 100 + failures for a batch. */
import { describe, expect, it } from 'vitest';
import { exitCodeFor } from '../../../../main/cli/commands/write.js';
import { ERROR_CODES } from '../../../../flasher/errors.js';
import type { JobSummary, TargetResult } from '../../../../flasher/write/job-types.js';

const ok = (t: string): TargetResult => ({ target: t, ok: true, bytesWritten: 1, verified: true, seconds: 1 });
const bad = (t: string, code: 'E_TOO_SMALL' | 'E_VERIFY_MISMATCH'): TargetResult => ({ target: t, ok: false, bytesWritten: 0, verified: false, seconds: 1, error: { code, message: 'x' } });
const job = (results: TargetResult[]): JobSummary => ({ image: 'i', format: 'raw', imageSize: 1, sha256: undefined, results });

describe('exitCodeFor', () => {
  it.each([
    [[ok('a')], 0],
    [[ok('a'), ok('b')], 0],
    [[bad('a', 'E_TOO_SMALL')], ERROR_CODES.E_TOO_SMALL],
    [[bad('a', 'E_VERIFY_MISMATCH'), bad('b', 'E_VERIFY_MISMATCH')], ERROR_CODES.E_VERIFY_MISMATCH],
    [[bad('a', 'E_TOO_SMALL'), ok('b')], 101],
    [[bad('a', 'E_TOO_SMALL'), bad('b', 'E_VERIFY_MISMATCH'), ok('c')], 102],
  ] as const)('%#', (results, code) => {
    expect(exitCodeFor(job([...results]))).toBe(code);
  });
});
