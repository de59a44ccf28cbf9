/**
 * The config archive carried by a serial push: both files of the config partition in one
 * payload, so the device stores exactly what a flashed card would hold.
 * Format (docs/serial-protocol.md §5): "3OSCFG1\n", then per file "<name> <length>\n<bytes>".
 */
export const ARCHIVE_MAGIC = '3OSCFG1\n';
export const ARCHIVE_NAMES = ['config.yaml', 'config.agent'] as const;
export type ArchiveName = (typeof ARCHIVE_NAMES)[number];

export function packConfigArchive(files: Readonly<Record<ArchiveName, Buffer>>): Buffer {
  const parts: Buffer[] = [Buffer.from(ARCHIVE_MAGIC)];
  for (const name of ARCHIVE_NAMES) {
    parts.push(Buffer.from(`${name} ${files[name].length}\n`), files[name]);
  }
  return Buffer.concat(parts);
}

/** Inverse of packConfigArchive; undefined when the bytes are not an archive. */
export function unpackConfigArchive(data: Buffer): Record<ArchiveName, Buffer> | undefined {
  if (!data.subarray(0, ARCHIVE_MAGIC.length).equals(Buffer.from(ARCHIVE_MAGIC))) return undefined;
  const out: Partial<Record<ArchiveName, Buffer>> = {};
  let off = ARCHIVE_MAGIC.length;
  while (off < data.length) {
    const nl = data.indexOf(0x0a, off);
    if (nl < 0) return undefined;
    const m = /^(config\.yaml|config\.agent) (\d+)$/.exec(data.subarray(off, nl).toString('latin1'));
    if (m === null) return undefined;
    const len = Number(m[2]);
    if (nl + 1 + len > data.length) return undefined;
    out[m[1] as ArchiveName] = data.subarray(nl + 1, nl + 1 + len);
    off = nl + 1 + len;
  }
  const yaml = out['config.yaml'];
  const agent = out['config.agent'];
  return yaml && agent ? { 'config.yaml': yaml, 'config.agent': agent } : undefined;
}
