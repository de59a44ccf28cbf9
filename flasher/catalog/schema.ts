/**
 * The image catalog format, version 1, as a zod schema: the one source of truth in code. The
 * TypeScript types are derived from it, and assets/catalog/catalog.schema.json is generated from it
 * (`catalogJsonSchema()`; a unit test fails when the committed file drifts). docs/catalog.md
 * explains every field.
 */
import { z } from 'zod';

const ID = /^[a-z0-9][a-z0-9._-]{0,79}$/;
const HEX64 = /^[0-9a-f]{64}$/;

export const ARCHES = ['x86_64', 'aarch64', 'armv7'] as const;
export const FIRMWARES = ['uefi', 'rpi', 'uboot'] as const;
export const FIRST_BOOT_FORMATS = ['3os-native', 'cloud-init', 'ignition'] as const;

const id = z.string().regex(ID, 'lower-case letters, digits, ".", "_" or "-", at most 80, starting with a letter or digit');
/** A URL, absolute or relative to the catalog's own location. */
const url = z.string().min(1).max(2048).meta({ description: 'absolute http(s)/file URL, or relative to the catalog\'s location' });
const sha256 = z.string().regex(HEX64, '64 lower-case hex digits');
const size = z.number().int().positive().max(2 ** 50);

export const archSchema = z.enum(ARCHES);
export type Arch = z.infer<typeof archSchema>;

export const PARTITION_TABLES = ['gpt', 'mbr'] as const;
export const partitionTableSchema = z.enum(PARTITION_TABLES);
export type PartitionTableKind = z.infer<typeof partitionTableSchema>;

/** Present on every unit (true), on none (false), or only on some variants (Compute Modules, carriers). */
const availability = z.union([z.boolean(), z.literal('model-dependent')]);
export type Availability = z.infer<typeof availability>;

export const boardSchema = z
  .object({
    id,
    name: z.string().min(1).max(120),
    arch: archSchema,
    soc: id.optional().meta({ description: 'the SoC, e.g. bcm2711' }),
    firmware: z.enum(FIRMWARES).meta({ description: 'how the board boots: UEFI, Raspberry Pi firmware, or U-Boot' }),
    // One table, or the list of those the firmware boots (read it through bootableTables()).
    partitionTable: z
      .union([partitionTableSchema, z.array(partitionTableSchema).min(1)])
      .meta({ description: 'the partition table(s) its firmware can boot: "gpt", "mbr" or a list (mbr only: Pi 3 / Zero 2 W)' }),
    capabilities: z
      .object({
        serialConsole: z.string().regex(/^tty[A-Za-z0-9]+$/).optional().meta({ description: 'device-side console name, e.g. ttyS0, ttyAMA0' }),
        usbBoot: z.boolean().optional().meta({ description: 'boots from a USB drive (USB mass storage)' }),
        rpiboot: z.boolean().optional().meta({ description: 'USB device boot: a host exposes its eMMC with rpiboot (Compute Modules)' }),
        usbGadget: availability.optional().meta({ description: 'has a USB OTG/peripheral port the agent can serve its console on (USB gadget ACM)' }),
        wifi: availability.optional(),
        emmc: availability.optional(),
      })
      .strict()
      .default({}),
    description: z.string().max(2000).optional(),
  })
  .strict();
export type Board = z.infer<typeof boardSchema>;

/** The partition tables a board's firmware boots, as a list (the catalog may give one or several). */
export function bootableTables(board: Pick<Board, 'partitionTable'>): readonly PartitionTableKind[] {
  return typeof board.partitionTable === 'string' ? [board.partitionTable] : board.partitionTable;
}

const fileFacts = z
  .object({
    size: size.optional().meta({ description: 'bytes; absent until the image build publishes it' }),
    sha256: sha256.optional().meta({ description: 'absent until the image build publishes it' }),
  })
  .strict();

export const imageSchema = z
  .object({
    id,
    name: z.string().min(1).max(120),
    flavor: id.meta({ description: 'the base distribution: debian, fedora, opensuse, ubuntu, ...' }),
    version: z.string().min(1).max(64),
    arch: archSchema,
    boards: z.array(id).min(1).meta({ description: 'board ids this image boots on' }),
    category: id.optional(),
    released: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).meta({ description: 'release date, YYYY-MM-DD' }),
    description: z.string().max(4000).default(''),
    icon: url.optional(),
    url,
    download: fileFacts.meta({ description: 'the file as downloaded (compressed): what the signature and the cache check' }),
    decoded: fileFacts.default({}).meta({ description: 'the raw disk image after decompression: what the write verifies' }),
    bmapUrl: url.optional(),
    signatureUrl: url.optional().meta({ description: 'minisign signature (.minisig) of the downloaded file' }),
    firstBoot: z.enum(FIRST_BOOT_FORMATS).default('3os-native'),
    partitionTable: partitionTableSchema.optional().meta({ description: 'the image\'s partition table (gpt, or mbr for the MBR variant); checked against the board' }),
  })
  .strict();
export type CatalogImage = z.infer<typeof imageSchema>;

export const categorySchema = z
  .object({
    id,
    name: z.string().min(1).max(120),
    description: z.string().max(2000).optional(),
  })
  .strict();
export type Category = z.infer<typeof categorySchema>;

export const catalogSchema = z
  .object({
    $schema: z.string().optional(),
    version: z.literal(1),
    name: z.string().min(1).max(120),
    updated: z.string().regex(/^\d{4}-\d{2}-\d{2}/).optional(),
    notes: z.string().max(4000).optional(),
    categories: z.array(categorySchema).default([]),
    boards: z.array(boardSchema).default([]),
    images: z.array(imageSchema).default([]),
  })
  .strict()
  .meta({ title: '3os image catalog, version 1' });
export type Catalog = z.infer<typeof catalogSchema>;

/** The JSON schema of the catalog (draft 2020-12), as committed in assets/catalog/catalog.schema.json. */
export function catalogJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(catalogSchema, { io: 'input', target: 'draft-2020-12' });
}
