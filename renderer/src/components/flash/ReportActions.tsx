/** Save the finished job's report (JSON or CSV) and say where it went. */
import { useState, type ReactNode } from 'react';
import { useApi } from '../../api/context.js';
import { userErrorOf } from '../../api/client.js';
import type { JobState } from '../../state/job.js';
import { buildReport, reportCsv, reportJson } from '../../state/report.js';

export function ReportActions({ job, image }: { readonly job: JobState; readonly image: string }): ReactNode {
  const api = useApi();
  const [status, setStatus] = useState('');
  const save = (format: 'json' | 'csv'): void => {
    const now = new Date();
    const report = buildReport(job, image, now);
    const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
    api.saveReport({ fileName: `flash-report-${stamp}.${format}`, content: format === 'json' ? reportJson(report) : reportCsv(report) }).then(
      (r) => setStatus(r.path === undefined ? 'Not saved.' : `Report saved: ${r.path}`),
      (e: unknown) => setStatus(userErrorOf(e).title),
    );
  };
  return (
    <div className="row report">
      <button type="button" className="secondary" onClick={() => save('json')}>
        Save report (JSON)
      </button>
      <button type="button" className="secondary" onClick={() => save('csv')}>
        Save report (CSV)
      </button>
      <span className="status" role="status">
        {status}
      </span>
    </div>
  );
}
