/**
 * The catalog/cache/trust flags shared by `write`, `catalog` and `cache`, their help text, and how
 * a download's progress is shown (JSON lines with --json, a throttled line on stderr otherwise).
 */
import { readFileSync } from 'node:fs';
import { parseSize, resolveSource, type CatalogOptions, type DownloadProgress } from '../../../flasher/catalog/index.js';
import { readImageInfo } from '../../../provisioning/detect/image-info.js';
import { usageError, type CliIO } from '../io.js';
import { isPlainWriteSource, type CatalogFlagValues } from './catalog-flags.js';
import { humanBytes } from '../../../common/bytes.js';

export { catalogFlags, catalogFlagsHelp, usesCatalogFlags, type CatalogFlagValues } from './catalog-flags.js';

export function catalogOptionsFrom(v: CatalogFlagValues, io: CliIO, onInfo: (msg: string) => void): CatalogOptions {
  let limit: number | undefined;
  if (v['cache-limit'] !== undefined) {
    limit = parseSize(v['cache-limit']);
    if (limit === undefined) throw usageError(`--cache-limit takes a size such as 20G, not "${v['cache-limit']}"`);
  }
  // An extra CA for https (a company proxy, a test server), as a PEM file.
  const caFile = io.env.THREEOS_CA_FILE;
  let ca: string | undefined;
  if (caFile !== undefined && caFile !== '') {
    try {
      ca = readFileSync(caFile, 'utf8');
    } catch {
      throw usageError(`cannot read THREEOS_CA_FILE ${caFile}`);
    }
  }
  return {
    catalogs: v.catalog ?? [],
    bundled: v['no-default-catalog'] !== true,
    trustedKeys: v['trusted-key'] ?? [],
    cacheDir: v['cache-dir'],
    cacheLimitBytes: limit,
    env: io.env,
    offline: v.offline === true,
    trustUnsigned: v['trust-unsigned'] === true,
    ca,
    onInfo,
  };
}

/** Show download progress: every event as a JSON line, or a line on stderr every 2 s / 10 %. */
export function downloadReporter(io: CliIO, json: boolean): (e: DownloadProgress) => void {
  let lastT = 0;
  let lastPct = -1;
  return (e) => {
    const now = performance.now();
    if (json) {
      if (now - lastT < 200 && e.bytes !== e.total) return;
      lastT = now;
      io.out.write(`${JSON.stringify(e)}\n`);
      return;
    }
    const pct = e.total === undefined ? undefined : Math.floor((e.bytes / e.total) * 100);
    const step = pct !== undefined && Math.floor(pct / 10) !== Math.floor(lastPct / 10);
    if (!step && now - lastT < 2000 && e.bytes !== e.total) return;
    lastT = now;
    lastPct = pct ?? lastPct;
    io.err.write(`downloading ${e.url}: ${humanBytes(e.bytes)}${e.total === undefined ? '' : ` of ${humanBytes(e.total)} (${pct ?? 0}%)`}\n`);
  };
}

/**
 * The `write` verb's hook: a catalog id, or any catalog/trust option, is resolved to a verified
 * local file (downloaded into the cache with progress) before anything is written. Without them,
 * `write` keeps its original behaviour (any file or URL), which factory scripts rely on.
 */
export async function resolveWriteSource(
  given: string,
  values: CatalogFlagValues & { readonly sha256?: string | undefined },
  io: CliIO,
  json: boolean,
): Promise<{ image: string; sha256: string | undefined }> {
  if (isPlainWriteSource(given, values)) return { image: given, sha256: values.sha256 };
  const info = (message: string): void => {
    if (json) io.out.write(`${JSON.stringify({ kind: 'info', message })}\n`);
    else io.err.write(`${message}\n`);
  };
  const r = await resolveSource(given, { ...catalogOptionsFrom(values, io, info), board: values.board, sha256: values.sha256, onDownload: downloadReporter(io, json), readImageInfo });
  const trust = r.trust.kind === 'signed' ? `signed by key ${r.trust.keyId}` : 'unsigned, trusted by you (--trust-unsigned)';
  info(`${given}: ${trust}${r.downloaded ? ', downloaded' : ', from the cache'}; writing ${r.image}`);
  return { image: r.image, sha256: r.sha256 ?? values.sha256 };
}
