// Factory station rules and tally as pure functions: which inserted drive is accepted, how the
// state moves with each device, and the CSV line of the report.
import { describe, expect, it } from 'vitest';
import type { Drive } from '../../../../main/ipc/contract-types.js';
import { CSV_HEADER, factoryReducer, initialFactoryState, lineToCsv, ruleRejects } from '../../../../main/backend/factory-state.js';

const drive = (over: Partial<Drive>): Drive => ({
  kind: 'disk',
  id: '/dev/sdx',
  device: '/dev/sdx',
  size: 32e9,
  sectorSize: 512,
  description: 'Card',
  model: undefined,
  vendor: undefined,
  serial: 'S1',
  bus: 'usb',
  removable: true,
  readOnly: false,
  system: false,
  systemReasons: [],
  mountpoints: [],
  partitions: [],
  holders: [],
  partitionTable: undefined,
  ...over,
});

const rule = { minBytes: 8e9, maxBytes: 64e9, buses: [] };

describe('ruleRejects', () => {
  it('accepts a removable drive in range', () => {
    expect(ruleRejects(drive({}), rule)).toBeUndefined();
    expect(ruleRejects(drive({ bus: 'sd' }), rule)).toBeUndefined();
  });
  it.each([
    [{ system: true }, /system/],
    [{ readOnly: true }, /read-only/],
    [{ size: 4e9 }, /smaller/],
    [{ size: 128e9 }, /larger/],
    [{ bus: 'sata' as const }, /bus sata/],
    [{ bus: 'loop' as const, kind: 'loop' as const }, /bus loop/],
    [{ kind: 'file' as const, bus: 'file' as const }, /image file/],
  ])('refuses %o', (over, why) => {
    expect(ruleRejects(drive(over), rule)).toMatch(why);
  });
  it('takes the rule\'s buses when given, and no upper limit when max is 0', () => {
    expect(ruleRejects(drive({ bus: 'loop', kind: 'loop', size: 1e12 }), { minBytes: 0, maxBytes: 0, buses: ['loop'] })).toBeUndefined();
    expect(ruleRejects(drive({ bus: 'usb' }), { ...rule, buses: ['sd'] })).toMatch(/bus usb/);
  });
});

describe('factoryReducer', () => {
  it('counts devices and keeps the newest line first', () => {
    let s = factoryReducer(initialFactoryState, { type: 'started', reportPath: '/r.jsonl' });
    s = factoryReducer(s, { type: 'begin', device: '/dev/sdb', hostname: 'edge-01' });
    s = factoryReducer(s, { type: 'begin', device: '/dev/sdc', hostname: 'edge-02' });
    s = factoryReducer(s, { type: 'progress', device: '/dev/sdb', phase: 'write', fraction: 0.5 });
    expect(s.active).toEqual([
      { device: '/dev/sdb', hostname: 'edge-01', phase: 'write', fraction: 0.5 },
      { device: '/dev/sdc', hostname: 'edge-02', phase: 'starting', fraction: 0 },
    ]);
    const line = { time: 't', device: '/dev/sdb', serial: 'S1', hostname: 'edge-01', imageDigest: 'ab', verified: true, ok: true, seconds: 3 };
    s = factoryReducer(s, { type: 'finished', line });
    s = factoryReducer(s, { type: 'finished', line: { ...line, device: '/dev/sdc', ok: false, verified: false, error: 'E_WRITE_IO: x' } });
    s = factoryReducer(s, { type: 'skipped', device: '/dev/sdd', reason: 'system drive' });
    expect([s.flashed, s.failed, s.skipped, s.active.length]).toEqual([1, 1, 1, 0]);
    expect(s.lines.map((l) => l.device)).toEqual(['/dev/sdc', '/dev/sdb']);
    expect(factoryReducer(s, { type: 'stopped' }).running).toBe(false);
  });
  it('writes CSV lines that match the header and quote what needs it', () => {
    const csv = lineToCsv({ time: 't', device: '/dev/sdb', serial: 'A,B', hostname: 'h', imageDigest: 'ab', verified: true, ok: false, seconds: 2.25, error: 'said "no"' });
    expect(csv).toBe('t,/dev/sdb,"A,B",h,ab,true,false,2.3,"said ""no"""');
    expect(CSV_HEADER.split(',')).toHaveLength(9);
  });
});
