/**
 * Repair: rewrite the OS of a used 3os disk from an image while its data stays. The image's
 * 3os-boot, 3os-root-a and 3os-root-b are copied over the disk's partitions of the same names;
 * 3os-data (the LVM volume group with /etc, /home, containers) is never written, and on
 * 3os-config only 3os/image.json is replaced (the config, its agent form and the device's
 * result stay). Rewriting 3os-boot also resets the slot choice to the image's (slot A).
 * Everything is checked before the first write: both are 3os disks with the same sector size
 * and every image partition fits the disk's. Written ranges are read back and compared.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { openDisk, type DiskIO } from '../../flasher/disk-io.js';
import { FlashError } from '../../flasher/errors.js';
import { IMAGE_JSON_PATH, parseImageJson } from '../../flasher/catalog/image-json.js';
import { openImage } from '../../flasher/source/open-image.js';
import { openFat } from '../fat/index.js';
import { find3osPartitions, readPartitionTable, ROLE_LABELS, type PartitionPlace, type Role, type ThreeOsLayout } from '../partition/index.js';

export const REPAIR_ROLES: readonly Role[] = ['boot', 'rootA', 'rootB'];
const CHUNK = 4 * 1024 * 1024;

export interface RepairedPartition {
  readonly role: Role;
  readonly name: string;
  readonly bytes: number;
  readonly sha256: string;
}

export interface RepairResult {
  readonly target: string;
  readonly partitions: readonly RepairedPartition[];
  readonly imageJsonUpdated: boolean;
  /** What was left as it was. */
  readonly kept: readonly string[];
}

export interface RepairProgress {
  readonly role: Role;
  readonly done: number;
  readonly total: number;
}

function layoutOf(what: string, l: ThreeOsLayout, roles: readonly Role[]): Record<Role, PartitionPlace | undefined> {
  const need: Role[] = [...roles, 'data'];
  const missing = need.filter((r) => l[r] === undefined).map((r) => ROLE_LABELS[r]);
  if (missing.length > 0) throw new FlashError('E_NOT_3OS', `${what}: not a 3os disk (no ${missing.join(', ')} partition)`, { target: what, phase: 'repair' });
  return { boot: l.boot, config: l.config, rootA: l.rootA, rootB: l.rootB, data: l.data };
}

async function copyRange(src: DiskIO, from: PartitionPlace, dst: DiskIO, to: PartitionPlace, onChunk: (done: number) => void): Promise<string> {
  const hash = createHash('sha256');
  for (let off = 0; off < from.size; off += CHUNK) {
    const buf = await src.read(from.start + off, Math.min(CHUNK, from.size - off));
    hash.update(buf);
    await dst.write(to.start + off, buf);
    onChunk(off + buf.length);
  }
  return hash.digest('hex');
}

async function hashRange(disk: DiskIO, start: number, size: number): Promise<string> {
  const hash = createHash('sha256');
  for (let off = 0; off < size; off += CHUNK) hash.update(await disk.read(start + off, Math.min(CHUNK, size - off)));
  return hash.digest('hex');
}

/** Repair TARGET from an already decoded raw image (a DiskIO over it). */
export async function repairFromDisk(image: DiskIO, target: DiskIO, onProgress: (p: RepairProgress) => void = () => undefined, roles: readonly Role[] = REPAIR_ROLES): Promise<RepairResult> {
  if (image.sectorSize !== target.sectorSize) {
    throw new FlashError('E_PARTITION_TABLE', `the image has ${image.sectorSize}-byte sectors, ${target.path} has ${target.sectorSize}`, { target: target.path, phase: 'repair' });
  }
  const src = layoutOf('the image', find3osPartitions(await readPartitionTable(image)), roles);
  const dst = layoutOf(target.path, find3osPartitions(await readPartitionTable(target)), roles);
  const plan: { role: Role; from: PartitionPlace; to: PartitionPlace }[] = [];
  for (const role of roles) {
    const from = src[role];
    const to = dst[role];
    if (from === undefined || to === undefined) continue;
    if (from.size > to.size) {
      throw new FlashError('E_TOO_SMALL', `${target.path}: ${ROLE_LABELS[role]} holds ${to.size} bytes, the image's needs ${from.size}`, { target: target.path, phase: 'repair' });
    }
    plan.push({ role, from, to });
  }
  // overlap with the data volume would destroy data: refuse (layouts of other flavors)
  const data = dst.data;
  if (data !== undefined && plan.some((p) => p.to.start < data.start + data.size && data.start < p.to.start + p.from.size)) {
    throw new FlashError('E_PARTITION_TABLE', `${target.path}: a partition to rewrite overlaps 3os-data`, { target: target.path, phase: 'repair' });
  }
  const imageJson = src.config === undefined || dst.config === undefined ? undefined : await (await openFat(image, src.config.start, src.config.size)).readFile(IMAGE_JSON_PATH);
  // The copy must be readable on the target afterwards: check it before anything is written.
  if (imageJson !== undefined) parseImageJson(imageJson);

  const partitions: RepairedPartition[] = [];
  for (const { role, from, to } of plan) {
    const sha256 = await copyRange(image, from, target, to, (done) => onProgress({ role, done, total: from.size }));
    partitions.push({ role, name: ROLE_LABELS[role], bytes: from.size, sha256 });
  }
  await target.flush();
  for (const p of plan) {
    const want = partitions.find((x) => x.role === p.role)?.sha256;
    if ((await hashRange(target, p.to.start, p.from.size)) !== want) {
      throw new FlashError('E_VERIFY_MISMATCH', `${target.path}: ${ROLE_LABELS[p.role]} reads back differently after the repair`, { target: target.path, phase: 'repair' });
    }
  }
  let imageJsonUpdated = false;
  if (imageJson !== undefined && dst.config !== undefined) {
    const vol = await openFat(target, dst.config.start, dst.config.size);
    await vol.writeFile(IMAGE_JSON_PATH, imageJson, { mkdirs: true });
    await vol.flush();
    await target.flush();
    imageJsonUpdated = true;
  }
  return { target: target.path, partitions, imageJsonUpdated, kept: ['3os-data', '3os-config (config, result; image.json updated)'] };
}

/**
 * Repair TARGET from IMAGE (a path or URL in any format the write verb takes): the image is
 * decoded to a temporary file first (its partition table is read from there), then copied.
 */
export async function repairDisk(imageSpec: string, target: DiskIO, onProgress?: (p: RepairProgress) => void): Promise<RepairResult> {
  const dir = await mkdtemp(join(tmpdir(), '3os-repair-'));
  try {
    const raw = join(dir, 'image.img');
    const opened = await openImage(imageSpec, { hashRaw: false });
    try {
      await pipeline(opened.stream, createWriteStream(raw));
    } finally {
      await opened.close();
    }
    const image = await openDisk(raw, { writable: false, sectorSize: target.sectorSize });
    try {
      return await repairFromDisk(image, target, onProgress);
    } finally {
      await image.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
