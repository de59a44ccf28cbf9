/** Numbers as people read them: sizes (GB as drives are sold, GiB for partitions), speeds, times. */
export function bytesText(n: number | undefined): string {
  if (n === undefined) return '?';
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = -1;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[u] ?? 'TB'}`;
}

export function gibText(n: number): string {
  const g = n / 2 ** 30;
  return g >= 10 ? `${g.toFixed(0)} GiB` : g >= 1 ? `${g.toFixed(1)} GiB` : `${(n / 2 ** 20).toFixed(0)} MiB`;
}

export function speedText(bytesPerSecond: number): string {
  return bytesPerSecond <= 0 ? '' : `${bytesText(bytesPerSecond)}/s`;
}

export function etaText(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s left`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${s % 60} s left` : `${Math.floor(m / 60)} h ${m % 60} min left`;
}

export const PHASE_TEXT: Readonly<Record<string, string>> = {
  waiting: 'Waiting',
  decompress: 'Decompressing',
  write: 'Writing',
  verify: 'Verifying',
  finalize: 'Writing partition table',
  grow: 'Growing data volume',
  seed: 'Writing settings',
  done: 'Done',
  failed: 'Failed',
};
