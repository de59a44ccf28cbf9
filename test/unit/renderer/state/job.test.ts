// The job reducer: rows follow their own target's events; one target failing leaves the
// others' rows running and then done; the end carries each failed target's error in words.
import { describe, expect, it } from 'vitest';
import { jobReducer, newJob, rowFraction } from '../../../../renderer/src/state/job.js';
import { buildReport, reportCsv } from '../../../../renderer/src/state/report.js';
import type { FlashUpdate } from '../../../../main/ipc/contract-types.js';

const up = (update: FlashUpdate) => ({ type: 'update' as const, update });

describe('jobReducer', () => {
  it('keeps each target on its own row and isolates a failure', () => {
    let s = jobReducer(newJob(['/dev/a', '/dev/b']), { type: 'started', jobId: 'j1' });
    s = jobReducer(s, up({ type: 'event', jobId: 'j1', event: { kind: 'progress', target: '/dev/a', phase: 'write', bytes: 50, total: 100, speed: 10, eta: 5 } }));
    s = jobReducer(s, up({ type: 'event', jobId: 'j1', event: { kind: 'done', target: '/dev/b', ok: false, bytesWritten: 0, verified: false, seconds: 1, error: { code: 'E_TOO_SMALL', message: '/dev/b is full at byte 4096' } } }));
    expect(s.rows['/dev/a']?.phase).toBe('write');
    expect(rowFraction(s.rows['/dev/a'] ?? newJob(['x']).rows.x!)).toBe(0.5);
    expect(s.rows['/dev/b']).toMatchObject({ phase: 'failed', error: { code: 'E_TOO_SMALL', title: 'The drive is too small for this image.', detail: '/dev/b is full at byte 4096' } });
    s = jobReducer(s, up({ type: 'event', jobId: 'j1', event: { kind: 'progress', target: '/dev/b', phase: 'write', bytes: 9, total: 9, speed: 1, eta: 0 } }));
    expect(s.rows['/dev/b']?.phase).toBe('failed');
    s = jobReducer(s, up({ type: 'event', jobId: 'j1', event: { kind: 'done', target: '/dev/a', ok: true, bytesWritten: 100, verified: true, seconds: 2, seeded: { files: ['3os/config.yaml'], hostname: 'edge-01' } } }));
    expect(s.rows['/dev/a']?.phase).toBe('done');
    expect(s.finished).toBe(false);
  });
  it('ignores events of another job and ends with the summary', () => {
    let s = jobReducer(newJob(['/dev/a']), { type: 'started', jobId: 'j1' });
    s = jobReducer(s, up({ type: 'event', jobId: 'other', event: { kind: 'progress', target: '/dev/a', phase: 'verify', bytes: 1, total: 2, speed: 1, eta: 1 } }));
    expect(s.rows['/dev/a']?.phase).toBe('waiting');
    const summary = { image: 'x', format: 'raw', imageSize: 2, sha256: 'ff', results: [{ target: '/dev/a', ok: true, bytesWritten: 2, verified: true, seconds: 1, grown: { diskSize: 4, dataBytes: 3, changed: true } }] };
    s = jobReducer(s, up({ type: 'end', jobId: 'j1', summary, errors: {} }));
    expect(s.finished).toBe(true);
    const csv = reportCsv(buildReport(s, '/img/x.img', new Date(0)));
    expect(csv.split('\n')[1]).toBe('/dev/a,true,true,2,4,3,false,,1.0,,/img/x.img,ff');
  });
  it('marks every unfinished row failed when the whole job fails', () => {
    let s = jobReducer(newJob(['/dev/a', '/dev/b']), { type: 'started', jobId: 'j1' });
    s = jobReducer(s, up({ type: 'failed', jobId: 'j1', error: { code: 'E_SOURCE_MISSING', title: 'The image file was not found.', detail: 'x' } }));
    expect(Object.values(s.rows).map((r) => r.phase)).toEqual(['failed', 'failed']);
    expect(s.failure?.code).toBe('E_SOURCE_MISSING');
  });
});
