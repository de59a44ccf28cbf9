/**
 * The flash report a technician saves (JSON or CSV): one entry per target with what happened
 * to it. Pure: built from the job's summary and rows.
 */
import type { JobState } from './job.js';

export interface ReportEntry {
  readonly target: string;
  readonly ok: boolean;
  readonly verified: boolean;
  readonly bytesWritten: number;
  readonly diskBytes: number | undefined;
  readonly dataBytes: number | undefined;
  readonly seeded: boolean;
  readonly hostname: string | undefined;
  readonly seconds: number;
  readonly error: string | undefined;
}

export interface FlashReport {
  readonly createdAt: string;
  readonly image: string;
  readonly imageSha256: string | undefined;
  readonly targets: readonly ReportEntry[];
}

export function buildReport(job: JobState, image: string, now: Date): FlashReport {
  const targets = job.order.map((t): ReportEntry => {
    const row = job.rows[t];
    const r = row?.result;
    return {
      target: t,
      ok: r?.ok ?? false,
      verified: r?.verified ?? false,
      bytesWritten: r?.bytesWritten ?? 0,
      diskBytes: r?.grown?.diskSize,
      dataBytes: r?.grown?.dataBytes,
      seeded: r?.seeded !== undefined,
      hostname: r?.seeded?.hostname,
      seconds: r?.seconds ?? 0,
      error: row?.error === undefined ? undefined : `${row.error.code}: ${row.error.detail}`,
    };
  });
  return { createdAt: now.toISOString(), image, imageSha256: job.summary?.sha256, targets };
}

function cell(v: string | number | boolean | undefined): string {
  const s = v === undefined ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function reportCsv(r: FlashReport): string {
  const head = 'target,ok,verified,bytes_written,disk_bytes,data_bytes,seeded,hostname,seconds,error,image,image_sha256';
  const lines = r.targets.map((t) =>
    [t.target, t.ok, t.verified, t.bytesWritten, t.diskBytes, t.dataBytes, t.seeded, t.hostname, t.seconds.toFixed(1), t.error, r.image, r.imageSha256].map(cell).join(','),
  );
  return `${[head, ...lines].join('\n')}\n`;
}

export function reportJson(r: FlashReport): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}
