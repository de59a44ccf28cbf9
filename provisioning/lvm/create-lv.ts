/**
 * A new linear LV as lvcreate writes it into the VG text (status, flags, creation_time/host).
 *
 * The LV section gets the same key order and blank lines as LVM's exporter; its segments are
 * filled in later by applySegments. New LVs go at the end of logical_volumes, as in LVM.
 */
import { intNode, stringArrayNode, stringNode, type ConfigSection } from './config-text.js';
import { createLvmIdText } from './lvm-id.js';
import { toByteString } from './metadata-text.js';

export function newLvNode(name: string, creationTime: Date, creationHost: string, id = createLvmIdText()): ConfigSection {
  return {
    kind: 'section',
    name,
    blankBefore: true,
    blankBeforeClose: false,
    children: [
      stringNode('id', id),
      stringArrayNode('status', ['READ', 'WRITE', 'VISIBLE']),
      stringArrayNode('flags', []),
      intNode('creation_time', Math.floor(creationTime.getTime() / 1000)),
      stringNode('creation_host', toByteString(creationHost.replace(/[\r\n\0]/g, ' '))),
      intNode('segment_count', 0),
    ],
  };
}

/** Append an LV section to the VG's logical_volumes (made after physical_volumes if missing). */
export function addLogicalVolume(vg: ConfigSection, lv: ConfigSection): void {
  let lvs = vg.children.find((n): n is ConfigSection => n.kind === 'section' && n.name === 'logical_volumes');
  if (lvs === undefined) {
    lvs = { kind: 'section', name: 'logical_volumes', children: [], blankBefore: true, blankBeforeClose: false };
    const pvIdx = vg.children.findIndex((n) => n.name === 'physical_volumes');
    vg.children.splice(pvIdx + 1, 0, lvs);
  }
  lvs.children.push(lv);
}
