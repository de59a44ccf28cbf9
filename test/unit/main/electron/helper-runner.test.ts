// The Electron app's writes go through the privileged helper: the job it sends carries each
// target's rendered settings as files, and passes the helper's own wire schema.
import { describe, expect, it } from 'vitest';
import { renderBatch } from '../../../../provisioning/config/batch.js';
import { writeJobSpecSchema } from '../../../../main/helper/protocol.js';
import { helperJob } from '../../../../main/electron/helper-runner.js';

describe('helperJob', () => {
  const rendered = renderBatch(
    { version: 1, hostname: 'edge-{index:02}', storage: { volumes: [{ name: 'containers', size: '50%FREE' }] } },
    [{ index: 1 }, { index: 2 }],
  ).map((b) => b.rendered);
  const job = helperJob({ image: '/img/3os.img', targets: ['/dev/sdb', '/dev/sdc'], verify: true, grow: true, allowSystemDrive: false, rendered });

  it('passes the helper protocol schema', () => {
    expect(writeJobSpecSchema.safeParse(JSON.parse(JSON.stringify(job))).success).toBe(true);
  });
  it('carries one seed per target, in order, with the exact rendered bytes', () => {
    expect(job.seeds?.map((s) => s?.hostname)).toEqual(['edge-01', 'edge-02']);
    const first = job.seeds?.[0]?.files.find((f) => f.path === '3os/config.yaml');
    expect(Buffer.from(first?.base64 ?? '', 'base64').toString('utf8')).toBe(rendered[0]?.configYaml);
    expect(job.policy).toEqual({ volumes: [{ name: 'containers', size: '50%FREE' }] });
    expect(job.grow).toBe(true);
  });
  it('sends no seeds when there are no settings', () => {
    const plain = helperJob({ image: '/img/x.img', targets: ['/dev/sdb'], verify: true, grow: false, allowSystemDrive: false });
    expect(plain.seeds).toBeUndefined();
    expect(writeJobSpecSchema.safeParse(JSON.parse(JSON.stringify(plain))).success).toBe(true);
  });
});
