/**
 * What is on a disk, read without mounting and without writing: the partition table, whether it
 * is a 3os disk, its 3os/image.json, its first-boot config (secrets masked, and whether the agent
 * form still matches it), the device's 3os/result.json after a boot, and the grow record.
 */
import { parse } from 'yaml';
import type { DiskIO } from '../../flasher/disk-io.js';
import { isFlashError } from '../../flasher/errors.js';
import { IMAGE_JSON_PATH, parseImageJson, type ImageInfo } from '../../flasher/catalog/image-json.js';
import { agentDigestMatches, maskSecrets, parseAgentForm, CONFIG_AGENT_PATH, CONFIG_YAML_PATH } from '../config/index.js';
import { find3osPartitions, readPartitionTable, type PartitionTable } from '../partition/index.js';
import { GROW_RECORD_PATH } from '../grow/grow-record.js';
import { openConfigPartition } from './config-partition.js';
import { RESULT_PATH } from './config-partition.js';

export interface DiskReport {
  readonly path: string;
  readonly size: number;
  readonly sectorSize: number;
  readonly table?: { readonly kind: 'gpt' | 'mbr'; readonly partitions: readonly { readonly index: number; readonly name?: string | undefined; readonly type: string; readonly start: number; readonly size: number; readonly role?: string | undefined }[] } | undefined;
  readonly is3os: boolean;
  /** 3os/image.json, parsed (undefined when absent or invalid; invalid is listed in problems). */
  readonly image?: ImageInfo | undefined;
  readonly config?: unknown;
  /** False when config.yaml was edited after seeding (the agent form's digest no longer matches). */
  readonly configConsistent?: boolean | undefined;
  readonly result?: unknown;
  readonly grow?: unknown;
  readonly problems: readonly string[];
}

function parseJson(buf: Buffer | undefined, what: string, problems: string[]): unknown {
  if (buf === undefined) return undefined;
  try {
    return JSON.parse(buf.toString('utf8')) as unknown;
  } catch {
    problems.push(`${what} is not valid JSON`);
    return undefined;
  }
}

function readImageJson(buf: Buffer | undefined, problems: string[]): ImageInfo | undefined {
  if (buf === undefined) return undefined;
  try {
    return parseImageJson(buf);
  } catch (e) {
    if (!isFlashError(e)) throw e;
    problems.push(e.message);
    return undefined;
  }
}

function tableSummary(t: PartitionTable): DiskReport['table'] {
  return { kind: t.kind, partitions: t.partitions.map((p) => ({ index: p.index, name: p.name, type: p.type, start: p.start, size: p.size, role: p.role })) };
}

export async function inspectDisk(disk: DiskIO): Promise<DiskReport> {
  const base = { path: disk.path, size: disk.size, sectorSize: disk.sectorSize };
  const problems: string[] = [];
  let table: PartitionTable;
  try {
    table = await readPartitionTable(disk);
  } catch (e) {
    if (isFlashError(e)) return { ...base, is3os: false, problems: [e.message] };
    throw e;
  }
  const layout = find3osPartitions(table);
  if (layout.config === undefined || layout.data === undefined) return { ...base, table: tableSummary(table), is3os: false, problems };
  let vol;
  try {
    vol = (await openConfigPartition(disk)).volume;
  } catch (e) {
    if (isFlashError(e)) return { ...base, table: tableSummary(table), is3os: false, problems: [e.message] };
    throw e;
  }
  const image = readImageJson(await vol.readFile(IMAGE_JSON_PATH), problems);
  const yamlBytes = await vol.readFile(CONFIG_YAML_PATH);
  let config: unknown;
  let configConsistent: boolean | undefined;
  if (yamlBytes !== undefined) {
    try {
      config = maskSecrets(parse(yamlBytes.toString('utf8')) as object);
    } catch {
      problems.push(`${CONFIG_YAML_PATH} is not valid YAML`);
    }
    const agent = await vol.readFile(CONFIG_AGENT_PATH);
    if (agent !== undefined) {
      try {
        configConsistent = agentDigestMatches(parseAgentForm(agent.toString('utf8')), yamlBytes);
      } catch {
        problems.push(`${CONFIG_AGENT_PATH} is malformed`);
      }
    }
    if (configConsistent === false) problems.push(`${CONFIG_YAML_PATH} was edited after it was seeded: the device will refuse it`);
  }
  const result = parseJson(await vol.readFile(RESULT_PATH), RESULT_PATH, problems);
  const grow = parseJson(await vol.readFile(GROW_RECORD_PATH), GROW_RECORD_PATH, problems);
  return { ...base, table: tableSummary(table), is3os: true, image, config, configConsistent, result, grow, problems };
}
