// The Electron app's writes go through the privileged helper as a job plan: the plan the app
// builds carries each target's rendered settings as files and its own storage policy, lets the
// guard unmount (the app's dialog asked), and passes the helper's own wire schema.
import { describe, expect, it } from 'vitest';
import { renderBatch } from '../../../../provisioning/config/batch.js';
import { jobPlanSchema } from '../../../../provisioning/plan/plan.js';
import { parentMessageSchema } from '../../../../main/helper/protocol.js';
import { appFlashPlan } from '../../../../main/backend/app-plan.js';
import { helperCommand, HELPER_FLAG } from '../../../../main/electron/helper-runner.js';

describe('appFlashPlan', () => {
  const rendered = renderBatch(
    { version: 1, hostname: 'edge-{index:02}', storage: { volumes: [{ name: 'containers', size: '50%FREE' }] } },
    [{ index: 1 }, { index: 2 }],
    'storage.volumes.0.size\n50%FREE\n25%FREE\n',
  ).map((b) => b.rendered);
  const plan = appFlashPlan({ image: '/img/3os.img', targets: ['/dev/sdb', '/dev/sdc'], verify: true, grow: true, allowSystemDrive: false, rendered });
  const wire = (p: unknown): unknown => JSON.parse(JSON.stringify(p));

  it('passes the plan schema and the helper job message schema', () => {
    expect(jobPlanSchema.safeParse(wire(plan)).success).toBe(true);
    expect(parentMessageSchema.safeParse({ type: 'job', token: 'a'.repeat(64), job: wire(plan) }).success).toBe(true);
  });
  it('is a flash plan of every target, in order, that lets the guard unmount and keeps the job flags', () => {
    expect(plan).toMatchObject({ kind: 'flash', image: '/img/3os.img', verify: true, grow: true, eject: false, unmount: true, allowSystemDrive: false });
    expect(plan.targets.map((t) => t.path)).toEqual(['/dev/sdb', '/dev/sdc']);
  });
  it('carries one seed per target, in order, with the exact rendered bytes', () => {
    expect(plan.targets.map((t) => t.seed?.hostname)).toEqual(['edge-01', 'edge-02']);
    plan.targets.forEach((t, i) => {
      const yaml = t.seed?.files.find((f) => f.path === '3os/config.yaml');
      expect(Buffer.from(yaml?.base64 ?? '', 'base64').toString('utf8')).toBe(rendered[i]?.configYaml);
      expect(t.seed?.digest).toBe(rendered[i]?.digest);
    });
  });
  it("carries each target's own storage policy", () => {
    expect(plan.targets.map((t) => t.policy)).toEqual([{ volumes: [{ name: 'containers', size: '50%FREE' }] }, { volumes: [{ name: 'containers', size: '25%FREE' }] }]);
  });
  it('sends no seed and no policy when there are no settings; verify defaults to on', () => {
    const plain = appFlashPlan({ image: '/img/x.img', targets: ['/dev/sdb'], grow: false, allowSystemDrive: false, sha256: 'ab'.repeat(32), bmap: '/img/x.bmap' });
    expect(plain.targets).toEqual([{ path: '/dev/sdb', seed: undefined, policy: undefined }]);
    expect(plain).toMatchObject({ verify: true, grow: false, sha256: 'ab'.repeat(32), bmap: '/img/x.bmap' });
    expect(jobPlanSchema.safeParse(wire(plain)).success).toBe(true);
  });
  it('a plan the helper would not accept is rejected by the schema (the test is not vacuous)', () => {
    expect(jobPlanSchema.safeParse(wire({ ...plan, targets: [] })).success).toBe(false);
    expect(jobPlanSchema.safeParse(wire({ ...plan, sha256: 'xyz' })).success).toBe(false);
    expect(jobPlanSchema.safeParse(wire({ ...plan, rm: '-rf' })).success).toBe(false);
  });
});

describe('helperCommand', () => {
  it('packaged: the app itself with the helper flag; dev: the app dir too', () => {
    expect(helperCommand('/opt/3os/app', '/opt/3os/resources/app', true)).toEqual(['/opt/3os/app', HELPER_FLAG, '--no-sandbox']);
    expect(helperCommand('/usr/bin/electron', '/src/app', false)).toEqual(['/usr/bin/electron', '/src/app', HELPER_FLAG, '--no-sandbox']);
  });
});
