/**
 * Serial throughput benchmark for the integrator's bench runner: pushes a 64 KiB payload
 * (transfer kind "probe": checked by SHA-256 on the device, then discarded) to the real agent
 * over a socat pty pair paced at 115200 baud 8N1 by LinkSim, and reports bytes per second of
 * payload (target: >= 60% of the 11 520 B/s line rate).
 */
import { randomBytes } from 'node:crypto';
import { LinkSim } from './link-sim.js';
import { openSerialPort } from './port.js';
import { SerialClient } from './client.js';
import { sendPayload } from './transfer.js';
import { FrameTransport } from './transport.js';
import { startAgentHarness, type AgentShell } from './testing/agent-harness.js';

export interface SerialBenchResult {
  readonly bytes: number;
  readonly seconds: number;
  readonly bytesPerSecond: number;
  /** bytesPerSecond / (baud / 10). */
  readonly lineUtilisation: number;
  readonly retransmits: number;
}

export async function benchSerialThroughput(opts: { bytes?: number; baud?: number; shell?: AgentShell } = {}): Promise<SerialBenchResult> {
  const bytes = opts.bytes ?? 65536;
  const baud = opts.baud ?? 115200;
  const h = await startAgentHarness({ shell: opts.shell ?? 'ash', env: { THREEOS_MAX_TRANSFER: String(Math.max(bytes, 1 << 20)) } });
  try {
    const port = await openSerialPort(h.hostPath, { baud });
    const link = new LinkSim(port.stream, baud);
    try {
      const client = new SerialClient(new FrameTransport(link), { port: h.hostPath, baud });
      await client.hello();
      const r = await sendPayload(client, randomBytes(bytes), 'probe');
      if (r.answer.type !== 'RESULT' || r.answer.args !== 'ok') throw new Error(`probe transfer not confirmed: ${r.answer.type} ${r.answer.args}`);
      const bytesPerSecond = bytes / r.seconds;
      return { bytes, seconds: r.seconds, bytesPerSecond, lineUtilisation: bytesPerSecond / (baud / 10), retransmits: r.retransmits };
    } finally {
      link.destroy();
      await port.close();
    }
  } finally {
    await h.stop();
  }
}
