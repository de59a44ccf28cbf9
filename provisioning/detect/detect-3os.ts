/**
 * The default `detect3os` hook: does this drive hold a 3os install? Reads the partition table
 * (GPT names / MBR order, provisioning/partition) and, when there is a config partition, its
 * 3os/image.json (provisioning/fat). Read-only; any failure means "not 3os".
 */
import { openDisk } from '../../flasher/disk-io.js';
import { find3osPartitions, readPartitionTable, ROLE_LABELS } from '../partition/index.js';
import { openFat } from '../fat/index.js';
import type { ThreeOsInfo } from '../../flasher/drives/types.js';
import { IMAGE_JSON_PATH, imageLabel, parseImageJson } from '../../flasher/catalog/image-json.js';

type Role = keyof typeof ROLE_LABELS;

export async function detect3os(path: string): Promise<ThreeOsInfo | undefined> {
  let disk;
  try {
    disk = await openDisk(path);
  } catch {
    return undefined;
  }
  try {
    const layout = find3osPartitions(await readPartitionTable(disk));
    const roles = (Object.keys(ROLE_LABELS) as Role[]).filter((r) => layout[r] !== undefined);
    if (layout.rootA === undefined && layout.config === undefined) return undefined;
    const partitions = roles.map((r) => ROLE_LABELS[r]);
    let version: string | undefined;
    let board: string | undefined;
    if (layout.config !== undefined) {
      try {
        const fat = await openFat(disk, layout.config.start, layout.config.size);
        const raw = await fat.readFile(IMAGE_JSON_PATH);
        if (raw !== undefined) {
          const info = parseImageJson(raw);
          version = imageLabel(info);
          board = info.boards?.join(',') || undefined;
        }
      } catch {
        // config partition or image.json unreadable: still a 3os layout
      }
    }
    return { version, board, partitions };
  } catch {
    return undefined;
  } finally {
    await disk.close();
  }
}
