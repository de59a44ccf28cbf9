// The helper's session logic over in-memory streams with a fake job runner: protocol, one job,
// refusals, cancellation, and stopping when the parent goes away.
import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { runHelper, type JobRunner, type HelperOptions } from '../../../../main/helper/helper.js';
import { decodeHelperMessage, decodeParentMessage, HELPER_EXIT, PROTOCOL_VERSION, type HelperMessage } from '../../../../main/helper/protocol.js';
import type { JobPlan } from '../../../../provisioning/plan/plan.js';
import type { PlanSummary, PlanTargetResult } from '../../../../provisioning/plan/run-plan.js';
import { planLaunch, shQuote, winQuote } from '../../../../main/helper/elevation.js';
import { parseHelperArgs } from '../../../../main/helper/args.js';

const TOKEN = 'a'.repeat(64);

const targetsOf = (plan: JobPlan): string[] => (plan.kind === 'flash' ? plan.targets.map((t) => t.path) : [plan.target]);
const summaryOf = (plan: JobPlan, results: PlanTargetResult[]): PlanSummary => ({
  kind: plan.kind,
  image: plan.kind === 'flash' || plan.kind === 'repair' ? plan.image : '',
  format: 'raw',
  imageSize: 20,
  sha256: undefined,
  results,
  warnings: [],
});
const okResult = (target: string): PlanTargetResult => ({ target, ok: true, bytesWritten: 20, verified: true, seconds: 1 });
/** What the runner reports for a target the guard refused: phase open, nothing written. */
const refusedResult = (target: string, code: 'E_TARGET_SYSTEM' | 'E_TARGET_BUSY'): PlanTargetResult => ({
  target,
  ok: false,
  bytesWritten: 0,
  verified: false,
  seconds: 0,
  error: { code, message: `${target} refused; nothing was written`, target, phase: 'open' },
});

const fakeRunner: JobRunner = (plan, onEvent) => {
  const [t] = targetsOf(plan);
  onEvent({ kind: 'progress', target: t ?? '', phase: 'write', bytes: 10, total: 20, speed: 5, eta: 2 });
  return Promise.resolve(summaryOf(plan, targetsOf(plan).map(okResult)));
};

/** A runner that reports the given results, each also as a `done` event (as runPlan does). */
const reporting =
  (results: (t: string, i: number) => PlanTargetResult): JobRunner =>
  (plan, onEvent) => {
    const rs = targetsOf(plan).map(results);
    for (const r of rs) onEvent({ kind: 'done', ...r });
    return Promise.resolve(summaryOf(plan, rs));
  };

function session(over: Partial<HelperOptions> = {}): { input: PassThrough; got: HelperMessage[]; exit: Promise<number>; send: (o: unknown) => void } {
  const input = new PassThrough();
  const output = new PassThrough();
  const got: HelperMessage[] = [];
  let buf = '';
  output.on('data', (d: Buffer) => {
    buf += d.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const d2 = decodeHelperMessage(buf.slice(0, i));
      buf = buf.slice(i + 1);
      if (!d2.ok) throw new Error(`helper sent an invalid message: ${d2.error}`);
      got.push(d2.message);
    }
  });
  const exit = runHelper({ input, output, token: TOKEN, runJob: fakeRunner, log: () => undefined, ...over });
  return { input, got, exit, send: (o) => input.write(`${typeof o === 'string' ? o : JSON.stringify(o)}\n`) };
}

const plan = { kind: 'flash', image: '/tmp/a.img', targets: [{ path: '/tmp/out.img' }], verify: true, grow: false, eject: false } as const;
const job = { type: 'job', token: TOKEN, job: plan };
const twoTargets = { ...job, job: { ...plan, targets: [{ path: '/tmp/a.out' }, { path: '/tmp/b.out' }] } };

describe('runHelper', () => {
  it('hello, events, result, exit 0', async () => {
    let got: JobPlan | undefined;
    const s = session({ runJob: (p, e, sig) => ((got = p), fakeRunner(p, e, sig)) });
    s.send(job);
    expect(await s.exit).toBe(HELPER_EXIT.OK);
    expect(s.got.map((m) => m.type)).toEqual(['hello', 'event', 'result']);
    expect(s.got[0]).toMatchObject({ type: 'hello', token: TOKEN, protocol: 2 });
    expect(PROTOCOL_VERSION).toBe(2);
    expect(got).toEqual(plan);
    expect(s.got.at(-1)).toMatchObject({ type: 'result', summary: { kind: 'flash', results: [{ target: '/tmp/out.img', ok: true }] } });
  });

  it('runs every kind of plan (grow, seed, slot, repair) through the one runner', async () => {
    const plans: JobPlan[] = [
      { kind: 'grow', target: '/tmp/d.img', unmount: true },
      { kind: 'seed', target: '/tmp/d.img', seed: { files: [{ path: '3os/config.yaml', base64: 'eDogMQo=' }] } },
      { kind: 'slot', target: '/tmp/d.img', slot: 'b', tries: 3 },
      { kind: 'repair', image: '/tmp/a.img', target: '/tmp/d.img' },
    ];
    for (const p of plans) {
      let got: JobPlan | undefined;
      const s = session({ runJob: (x, e, sig) => ((got = x), fakeRunner(x, e, sig)) });
      s.send({ type: 'job', token: TOKEN, job: p });
      expect(await s.exit).toBe(HELPER_EXIT.OK);
      expect(got).toEqual(p);
      expect(s.got.at(-1)).toMatchObject({ type: 'result', summary: { kind: p.kind, results: [{ target: '/tmp/d.img', ok: true }] } });
    }
  });

  const bad: [string, unknown][] = [
    ['not JSON', '{oops'],
    ['unknown type', { type: 'format-disk' }],
    ['job without token', { type: 'job', job: job.job }],
    ['job with extra field', { ...job, job: { ...job.job, rm: '-rf' } }],
    ['job with no targets', { ...job, job: { ...job.job, targets: [] } }],
    ['job with a bare string target (protocol 1)', { ...job, job: { ...job.job, targets: ['/tmp/out.img'] } }],
    ['protocol-1 job without a kind', { ...job, job: { image: '/tmp/a.img', targets: ['/tmp/out.img'] } }],
    ['unknown plan kind', { ...job, job: { kind: 'format', target: '/dev/sdb' } }],
    ['bad sha256', { ...job, job: { ...job.job, sha256: 'xyz' } }],
    ['bad slot', { ...job, job: { kind: 'slot', target: '/dev/sdb', slot: 'c' } }],
    ['wrong token', { ...job, token: 'b'.repeat(64) }],
  ];
  for (const [name, msg] of bad) {
    it(`malformed: ${name} -> E_HELPER error, exit PROTOCOL, runner never called`, async () => {
      let ran = false;
      const s = session({ runJob: (a, b, c) => ((ran = true), fakeRunner(a, b, c)) });
      s.send(msg);
      expect(await s.exit).toBe(HELPER_EXIT.PROTOCOL);
      expect(s.got.at(-1)).toMatchObject({ type: 'error', error: { code: 'E_HELPER' } });
      expect(ran).toBe(false);
    });
  }

  it('every target refused: done events and a result with the refusals, exit REFUSED', async () => {
    const s = session({ runJob: reporting((t) => refusedResult(t, t.startsWith('/tmp/a') ? 'E_TARGET_SYSTEM' : 'E_TARGET_BUSY')) });
    s.send(twoTargets);
    expect(await s.exit).toBe(HELPER_EXIT.REFUSED);
    expect(s.got.map((m) => m.type)).toEqual(['hello', 'event', 'event', 'result']);
    expect(s.got[1]).toMatchObject({ type: 'event', event: { kind: 'done', target: '/tmp/a.out', ok: false, error: { code: 'E_TARGET_SYSTEM', phase: 'open' } } });
    expect(s.got.at(-1)).toMatchObject({
      type: 'result',
      summary: {
        results: [
          { target: '/tmp/a.out', ok: false, bytesWritten: 0, error: { code: 'E_TARGET_SYSTEM', phase: 'open' } },
          { target: '/tmp/b.out', ok: false, bytesWritten: 0, error: { code: 'E_TARGET_BUSY', phase: 'open' } },
        ],
      },
    });
  });

  it('one target refused, the other written: the refusal is in the result, exit JOB_FAILED', async () => {
    const s = session({ runJob: reporting((t, i) => (i === 0 ? refusedResult(t, 'E_TARGET_BUSY') : okResult(t))) });
    s.send(twoTargets);
    expect(await s.exit).toBe(HELPER_EXIT.JOB_FAILED);
    expect(s.got.at(-1)).toMatchObject({ type: 'result', summary: { results: [{ ok: false, error: { code: 'E_TARGET_BUSY' } }, { ok: true }] } });
  });

  it('one target refused, the other failed while writing: not REFUSED (a target was touched), exit JOB_FAILED', async () => {
    const s = session({
      runJob: reporting((t, i) =>
        i === 0
          ? refusedResult(t, 'E_TARGET_BUSY')
          : { target: t, ok: false, bytesWritten: 4 << 20, verified: false, seconds: 1, error: { code: 'E_WRITE_IO', message: 'EIO', target: t, phase: 'write' } },
      ),
    });
    s.send(twoTargets);
    expect(await s.exit).toBe(HELPER_EXIT.JOB_FAILED);
  });

  it('a second job is a protocol error', async () => {
    const s = session({ runJob: (_plan, _e, signal) => new Promise((_r, rej) => signal?.addEventListener('abort', () => rej(new Error('aborted')))) });
    s.send(job);
    s.send(job);
    expect(await s.exit).toBe(HELPER_EXIT.PROTOCOL);
  });

  it('ping gets pong; cancel aborts the running job', async () => {
    const s = session({
      runJob: (p, _e, signal) =>
        new Promise((resolve) =>
          signal?.addEventListener('abort', () =>
            resolve(summaryOf(p, [{ target: '/tmp/out.img', ok: false, bytesWritten: 0, verified: false, seconds: 0, error: { code: 'E_CANCELLED', message: 'cancelled' } }])),
          ),
        ),
    });
    s.send({ type: 'ping' });
    s.send(job);
    await new Promise((r) => setTimeout(r, 50));
    s.send({ type: 'cancel' });
    expect(await s.exit).toBe(HELPER_EXIT.CANCELLED);
    expect(s.got.map((m) => m.type)).toEqual(['hello', 'pong', 'result']);
  });

  it('cancel before any job: E_CANCELLED, exit CANCELLED, runner never called', async () => {
    let ran = false;
    const s = session({ runJob: (a, b, c) => ((ran = true), fakeRunner(a, b, c)) });
    s.send({ type: 'cancel' });
    expect(await s.exit).toBe(HELPER_EXIT.CANCELLED);
    expect(s.got.at(-1)).toMatchObject({ type: 'error', error: { code: 'E_CANCELLED' } });
    expect(ran).toBe(false);
  });

  it('parent closes the channel mid-job: job aborted, exit PARENT_GONE', async () => {
    let aborted = false;
    const s = session({ runJob: (_s, _e, signal) => new Promise((_r, rej) => signal?.addEventListener('abort', () => ((aborted = true), rej(new Error('x'))))) });
    s.send(job);
    await new Promise((r) => setTimeout(r, 50));
    s.input.end();
    expect(await s.exit).toBe(HELPER_EXIT.PARENT_GONE);
    expect(aborted).toBe(true);
  });

  it('parent pid gone: exit PARENT_GONE even with the channel open', async () => {
    let alive = true;
    const s = session({ isParentAlive: () => alive, parentCheckMs: 20 });
    setTimeout(() => (alive = false), 60);
    expect(await s.exit).toBe(HELPER_EXIT.PARENT_GONE);
  });

  it('no heartbeat: exit PARENT_GONE after the idle timeout', async () => {
    const t0 = Date.now();
    const s = session({ idleTimeoutMs: 150, parentCheckMs: 20 });
    expect(await s.exit).toBe(HELPER_EXIT.PARENT_GONE);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
  });

  it('a job that stays stuck after abort still ends within the grace time', async () => {
    let stuck = false;
    const s = session({ runJob: () => new Promise(() => undefined), abortGraceMs: 100, onStuckJob: () => (stuck = true) });
    s.send(job);
    await new Promise((r) => setTimeout(r, 30));
    const t0 = Date.now();
    s.input.end();
    expect(await s.exit).toBe(HELPER_EXIT.PARENT_GONE);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(stuck).toBe(true);
  });

  it('a FlashError from the runner becomes an error message and exit JOB_FAILED', async () => {
    const { FlashError } = await import('../../../../flasher/errors.js');
    const s = session({ runJob: () => Promise.reject(new FlashError('E_CHECKSUM', 'sha256 mismatch')) });
    s.send(job);
    expect(await s.exit).toBe(HELPER_EXIT.JOB_FAILED);
    expect(s.got.at(-1)).toMatchObject({ type: 'error', error: { code: 'E_CHECKSUM', message: 'sha256 mismatch' } });
  });
});

describe('protocol, args, elevation plans', () => {
  it('parent messages are validated', () => {
    expect(decodeParentMessage(JSON.stringify(job)).ok).toBe(true);
    expect(decodeParentMessage(JSON.stringify({ ...job, job: { ...job.job, targets: [{ path: '/dev/sd\0b' }] } })).ok).toBe(false);
    expect(decodeParentMessage('x'.repeat(300 * 1024)).ok).toBe(false);
  });
  it('helper messages are validated', () => {
    expect(decodeHelperMessage(JSON.stringify({ type: 'event', event: { kind: 'progress', target: 'a', phase: 'write', bytes: -1, speed: 0 } })).ok).toBe(false);
    expect(decodeHelperMessage(JSON.stringify({ type: 'error', error: { code: 'E_NOPE', message: 'x' } })).ok).toBe(false);
  });
  it('parses helper argv strictly', () => {
    expect(parseHelperArgs(['--session', TOKEN, '--parent-pid', '42'])).toEqual({ session: TOKEN, parentPid: 42, pipe: undefined });
    expect(parseHelperArgs(['--session', 'short'])).toBeUndefined();
    expect(parseHelperArgs(['--session', TOKEN, '--evil'])).toBeUndefined();
    expect(parseHelperArgs(['--session', TOKEN, '--parent-pid', '-1'])).toBeUndefined();
  });
  const base = { helperCommand: ['/opt/3os/app', '/opt/3os/resources/entry.js'], session: TOKEN, parentPid: 77 };
  it('linux: pkexec with env through /usr/bin/env; stdio transport', () => {
    const p = planLaunch({ ...base, platform: 'linux', elevate: true, helperEnv: { ELECTRON_RUN_AS_NODE: '1' } });
    expect(p).toEqual({
      command: 'pkexec',
      args: ['/usr/bin/env', 'ELECTRON_RUN_AS_NODE=1', '/opt/3os/app', '/opt/3os/resources/entry.js', '--session', TOKEN, '--parent-pid', '77'],
      transport: 'stdio',
    });
    expect(planLaunch({ ...base, platform: 'linux', elevate: false }).command).toBe('/opt/3os/app');
  });
  it('macOS: osascript with administrator privileges, background helper on a socket', () => {
    const p = planLaunch({ ...base, helperCommand: ["/Applications/3os Flasher.app/x", "/it's/entry.js"], platform: 'darwin', elevate: true, pipePath: '/tmp/d/helper.sock' });
    expect(p.command).toBe('/usr/bin/osascript');
    expect(p.transport).toBe('socket');
    expect(p.args[1]).toBe(`do shell script "'/Applications/3os Flasher.app/x' '/it'\\\\''s/entry.js' --session ${TOKEN} --parent-pid 77 --pipe /tmp/d/helper.sock </dev/null >/dev/null 2>&1 &" with administrator privileges`);
  });
  it('windows: Start-Process -Verb RunAs with a named pipe', () => {
    const p = planLaunch({ ...base, helperCommand: ['C:\\Program Files\\3os\\3os.exe', 'C:\\x\\entry.js'], platform: 'win32', elevate: true, pipePath: '\\\\.\\pipe\\3os-flash-1' });
    expect(p.command).toBe('powershell.exe');
    expect(p.args.at(-1)).toBe(`Start-Process -FilePath 'C:\\Program Files\\3os\\3os.exe' -ArgumentList 'C:\\x\\entry.js --session ${TOKEN} --parent-pid 77 --pipe \\\\.\\pipe\\3os-flash-1' -Verb RunAs -WindowStyle Hidden`);
  });
  it('quoting helpers', () => {
    expect(shQuote('a b')).toBe("'a b'");
    expect(shQuote('plain/path')).toBe('plain/path');
    expect(winQuote('C:\\a b\\')).toBe('"C:\\a b\\\\"');
    expect(winQuote('say "hi"')).toBe('"say \\"hi\\""');
  });
});
