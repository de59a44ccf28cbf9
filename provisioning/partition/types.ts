/**
 * The shapes the partition-table code hands to the rest of the tool.
 *
 * One discriminated union (`kind: 'gpt' | 'mbr'`) so callers can treat both table kinds alike
 * (every partition carries byte `start`/`size`), and still reach the kind-specific fields.
 * LBAs are in units of the disk's logical sector size; bytes are bytes. All numbers are plain
 * `number`s: they stay exact up to 2^53 bytes (8 PiB), and the readers refuse anything larger.
 */

/** The partition roles of the 3os image standard (docs/3os-image-standard.md §1). */
export type Role = 'boot' | 'config' | 'rootA' | 'rootB' | 'data';

/** GPT PARTLABEL of each role. */
export const ROLE_LABELS: Readonly<Record<Role, string>> = {
  boot: '3os-boot',
  config: '3os-config',
  rootA: '3os-root-a',
  rootB: '3os-root-b',
  data: '3os-data',
};

interface PartitionBase {
  /** Partition number as Linux and sgdisk/sfdisk count it (GPT: entry number; MBR: 1-4 primary, 5+ logical). */
  readonly index: number;
  /** 3os role, if the partition is one. */
  readonly role?: Role | undefined;
  /** GPT PARTLABEL (MBR partitions have none). */
  readonly name?: string | undefined;
  /** GPT: type GUID in lower case; MBR: the type byte as `0x8e`. */
  readonly type: string;
  readonly firstLba: number;
  /** Inclusive. */
  readonly lastLba: number;
  /** Byte offset of the partition on the disk. */
  readonly start: number;
  /** Size in bytes. */
  readonly size: number;
}

export interface GptPartition extends PartitionBase {
  readonly uniqueGuid: string;
  readonly attributes: bigint;
  readonly name: string;
}

export interface MbrPartition extends PartitionBase {
  readonly typeByte: number;
  readonly bootable: boolean;
  /** primary: in sector 0; extended: the container in sector 0; logical: inside the container. */
  readonly placement: 'primary' | 'extended' | 'logical';
  /** LBA of the sector holding this partition's record (0 for primary/extended, the EBR for logical). */
  readonly recordLba: number;
  /** Record slot (0-3) in that sector. */
  readonly recordSlot: number;
}

/** The state of one GPT copy (primary at LBA 1, backup at the primary's AlternateLBA). */
export type GptCopyStatus =
  | { readonly ok: true; readonly lba: number }
  | { readonly ok: false; readonly lba: number | undefined; readonly problem: string };

export interface GptHeaderFields {
  readonly revision: number;
  readonly headerSize: number;
  readonly myLba: number;
  readonly alternateLba: number;
  readonly firstUsableLba: number;
  readonly lastUsableLba: number;
  readonly diskGuid: string;
  readonly entryLba: number;
  readonly entryCount: number;
  readonly entrySize: number;
  readonly entryArrayCrc: number;
}

export interface GptTable {
  readonly kind: 'gpt';
  readonly sectorSize: number;
  /** Disk size in bytes. */
  readonly diskSize: number;
  readonly diskGuid: string;
  /** Header of the copy the table was read from (the primary when it is valid). */
  readonly header: GptHeaderFields;
  readonly primary: GptCopyStatus;
  readonly backup: GptCopyStatus;
  /** Non-fatal findings (primary/backup disagree, PMBR size wrong, backup not at the end ...). */
  readonly warnings: readonly string[];
  /** Used entries, in entry order. */
  readonly partitions: readonly GptPartition[];
}

export interface MbrTable {
  readonly kind: 'mbr';
  readonly sectorSize: number;
  readonly diskSize: number;
  /** The 32-bit disk signature at byte 440 (PARTUUID prefix), as 8 hex digits. */
  readonly diskSignature: string;
  readonly warnings: readonly string[];
  /** Primary, extended container and logical partitions, in Linux numbering order. */
  readonly partitions: readonly MbrPartition[];
}

export type PartitionTable = GptTable | MbrTable;

export interface PartitionPlace {
  readonly index: number;
  /** Byte offset on the disk. */
  readonly start: number;
  /** Bytes. */
  readonly size: number;
}

export interface ThreeOsLayout {
  readonly kind: 'gpt' | 'mbr';
  readonly sectorSize: number;
  readonly boot?: PartitionPlace | undefined;
  readonly config?: PartitionPlace | undefined;
  readonly rootA?: PartitionPlace | undefined;
  readonly rootB?: PartitionPlace | undefined;
  readonly data?: PartitionPlace | undefined;
}

/** One planned write, in the order it happens. */
export interface PlannedWrite {
  readonly offset: number;
  readonly data: Buffer;
  /** What it is, for logs and dry-run output: "backup GPT entries", "EBR at LBA 94208" ... */
  readonly what: string;
  /** Flush the disk after this write (a power-loss barrier). */
  readonly flushAfter: boolean;
}

export interface GrowTableResult {
  /** False when the partition already fills the disk and the tables are already right. */
  readonly changed: boolean;
  readonly kind: 'gpt' | 'mbr';
  readonly sectorSize: number;
  /** Partition number that was grown. */
  readonly index: number;
  readonly before: { readonly start: number; readonly size: number };
  readonly after: { readonly start: number; readonly size: number };
  readonly diskSize: number;
  /** GPT: the backup header/array were (or would be) moved to the end of the disk. */
  readonly backupMoved: boolean;
  /** GPT copy rebuilt from the other, valid one. */
  readonly repaired?: 'primary' | 'backup' | undefined;
  readonly dryRun: boolean;
  /** The writes, in order (with sizes; the data itself is not part of the report). */
  readonly writes: readonly { readonly offset: number; readonly length: number; readonly what: string }[];
}
