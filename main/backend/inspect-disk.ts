/**
 * "Inspect disk": what a drive (or image file) holds, read-only: its partition table and 3os
 * partitions, 3os/image.json, 3os/config.yaml with every secret masked, and 3os/result.json
 * (what the first boot applied). Nothing is written; a disk that is not 3os is described as such.
 */
import { parse, stringify } from 'yaml';
import { openDisk } from '../../flasher/disk-io.js';
import { maskSecrets } from '../../provisioning/config/mask.js';
import { openFat } from '../../provisioning/fat/index.js';
import { find3osPartitions, readPartitionTable, ROLE_LABELS } from '../../provisioning/partition/index.js';
import type { DiskInspection, PartitionView } from '../ipc/contract-types.js';

type Role = keyof typeof ROLE_LABELS;

function maskYaml(text: string, notes: string[]): string {
  try {
    const parsed: unknown = parse(text);
    const masked = maskSecrets(parsed);
    // Keep the file's own comment header; re-print the body masked.
    const header = text.split('\n').filter((l) => l.startsWith('#')).join('\n');
    return `${header}${header === '' ? '' : '\n'}${stringify(masked, { lineWidth: 0 })}`;
  } catch {
    notes.push('3os/config.yaml is not valid YAML: shown with every line that looks like a secret hidden');
    return text
      .split('\n')
      .map((l) => (/(password|psk|key|secret|hash)/i.test(l) ? l.replace(/:.*/, ': ********') : l))
      .join('\n');
  }
}

function parseJson(raw: Buffer | undefined, name: string, notes: string[]): unknown {
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    notes.push(`${name} is not valid JSON`);
    return undefined;
  }
}

export async function inspectDisk(target: string): Promise<DiskInspection> {
  const disk = await openDisk(target);
  try {
    const table = await readPartitionTable(disk);
    const layout = find3osPartitions(table);
    const partitions: PartitionView[] = [];
    for (const role of Object.keys(ROLE_LABELS) as Role[]) {
      const p = layout[role];
      if (p !== undefined) partitions.push({ role, label: ROLE_LABELS[role], start: p.start, size: p.size });
    }
    const notes: string[] = [];
    let image: Record<string, unknown> | undefined;
    let configYaml: string | undefined;
    let result: unknown;
    if (layout.config === undefined) notes.push('no 3os config partition: this is not a 3os disk');
    else {
      const fat = await openFat(disk, layout.config.start, layout.config.size);
      const img = parseJson(await fat.readFile('3os/image.json'), '3os/image.json', notes);
      if (typeof img === 'object' && img !== null && !Array.isArray(img)) image = img as Record<string, unknown>;
      const yaml = await fat.readFile('3os/config.yaml');
      if (yaml === undefined) notes.push('no 3os/config.yaml: the disk has not been given settings');
      else configYaml = maskYaml(yaml.toString('utf8'), notes);
      result = parseJson(await fat.readFile('3os/result.json'), '3os/result.json', notes);
      if (result === undefined && yaml !== undefined) notes.push('no 3os/result.json: the device has not booted with these settings yet');
    }
    return { target, size: disk.size, table: table.kind, partitions, is3os: layout.rootA !== undefined || layout.config !== undefined, image, configYaml, result, notes };
  } finally {
    await disk.close();
  }
}
