/**
 * Which partition plays which 3os role (docs/3os-image-standard.md §1).
 *
 * GPT: by PARTLABEL only, never by index (images may number their partitions differently).
 * MBR (boards whose firmware cannot boot GPT): by position and type: p1 boot 0x0c, p2 config
 * 0x0c, p3 root-a 0x83, p4 extended holding p5 root-b 0x83 and p6 data 0x8e. On a disk that is
 * not 3os, whatever matches is returned and the rest stays undefined.
 */
import { FlashError } from '../../flasher/errors.js';
import { ROLE_LABELS, type MbrPartition, type PartitionPlace, type PartitionTable, type Role, type ThreeOsLayout } from './types.js';

const LABEL_TO_ROLE: ReadonlyMap<string, Role> = new Map(Object.entries(ROLE_LABELS).map(([role, label]) => [label, role as Role]));

export function roleOfLabel(name: string): Role | undefined {
  return LABEL_TO_ROLE.get(name);
}

/** FAT types a boot/config partition may carry (0x0c is what the standard writes). */
const FAT_TYPES: ReadonlySet<number> = new Set([0x0b, 0x0c, 0x0e]);

/** The MBR role of partition number `index` with type byte `type`, by the standard's fixed order. */
export function mbrRole(p: Pick<MbrPartition, 'index' | 'typeByte' | 'placement'>): Role | undefined {
  if (p.placement === 'primary') {
    if (p.index === 1 && FAT_TYPES.has(p.typeByte)) return 'boot';
    if (p.index === 2 && FAT_TYPES.has(p.typeByte)) return 'config';
    if (p.index === 3 && p.typeByte === 0x83) return 'rootA';
  } else if (p.placement === 'logical') {
    if (p.index === 5 && p.typeByte === 0x83) return 'rootB';
    if (p.index === 6 && p.typeByte === 0x8e) return 'data';
  }
  return undefined;
}

/** Byte places of the 3os partitions. Two GPT partitions with the same 3os label are refused. */
export function find3osPartitions(t: PartitionTable): ThreeOsLayout {
  const found: Partial<Record<Role, PartitionPlace>> = {};
  for (const p of t.partitions) {
    if (p.role === undefined) continue;
    const prev = found[p.role];
    if (prev !== undefined) {
      throw new FlashError('E_PARTITION_TABLE', `partitions ${prev.index} and ${p.index} are both labelled ${ROLE_LABELS[p.role]}`);
    }
    found[p.role] = { index: p.index, start: p.start, size: p.size };
  }
  return { kind: t.kind, sectorSize: t.sectorSize, ...found };
}
