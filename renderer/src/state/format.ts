/** Numbers as people read them: sizes and speeds (common/bytes.ts, the same words as the CLI), times. */
import { humanBytes, humanRate } from '../../../common/bytes.js';

export function bytesText(n: number | undefined): string {
  return n === undefined ? '?' : humanBytes(n);
}

export function speedText(bytesPerSecond: number): string {
  return bytesPerSecond <= 0 ? '' : humanRate(bytesPerSecond);
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
