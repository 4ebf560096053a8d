// The chat benchmark's client script, the same for every server: a fixed number of logged-in
// clients in pairs, each sending one-to-one chat messages (with a receipt request and a marker,
// as the product's clients do) to its partner at an even share of a target rate. Latency is
// send -> partner's receipt of the message, both measured in this process (one clock).
import { performance } from 'node:perf_hooks';
import { ChatClient, chatMessage, connectClient } from '@openline/chat';

export interface LoadTarget {
  name: string;
  service: string;
  domain: string;
  users: ReadonlyArray<{ username: string; password: string }>;
}

export interface StepResult {
  rate: number;
  sent: number;
  received: number;
  /** Messages per second delivered during the step. */
  throughput: number;
  p50: number;
  p99: number;
  max: number;
}

export async function connectAll(t: LoadTarget): Promise<ChatClient[]> {
  const clients: ChatClient[] = [];
  // In small batches: a thundering login herd measures SASL/scrypt, not messaging.
  for (let i = 0; i < t.users.length; i += 5) {
    const batch = t.users.slice(i, i + 5).map((u) => connectClient({ service: t.service, domain: t.domain, username: u.username, password: u.password, resource: 'bench', timeoutMs: 20000 }));
    clients.push(...await Promise.all(batch));
  }
  return clients;
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return Infinity;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * Sends at `rate` messages/s for `durationMs`, spread over every client (client 2i talks to 2i+1
 * and back), then waits up to `drainMs` for the last ones. Lost messages count as infinitely late.
 */
export async function runStep(clients: ChatClient[], rate: number, durationMs: number, tag: string, drainMs = 2000): Promise<StepResult> {
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let firstRecv = Infinity;
  let lastRecv = 0;
  const prefix = `${tag}-`;
  const listeners = clients.map(() => (el: { name: string; attrs: Record<string, string | undefined> }) => {
    if (el.name !== 'message') return;
    const id = el.attrs.id;
    if (!id || !id.startsWith(prefix)) return;
    const t0 = sentAt.get(id);
    if (t0 === undefined) return;
    sentAt.delete(id);
    const now = performance.now();
    latencies.push(now - t0);
    firstRecv = Math.min(firstRecv, now);
    lastRecv = Math.max(lastRecv, now);
  });
  const off = clients.map((c, i) => c.onStanza(listeners[i]));
  const partner = (i: number): ChatClient => clients[i % 2 === 0 ? i + 1 : i - 1];
  const start = performance.now();
  let sent = 0;
  let next = 0;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const elapsed = performance.now() - start;
      const due = Math.min(Math.floor((rate * Math.min(elapsed, durationMs)) / 1000), Math.floor((rate * durationMs) / 1000));
      while (sent < due) {
        const i = next++ % clients.length;
        const id = `${prefix}${sent}`;
        sentAt.set(id, performance.now());
        void clients[i].send(chatMessage(partner(i).jid, `bench message ${sent} 🙂`, id)).catch(() => undefined);
        sent++;
      }
      if (elapsed >= durationMs) resolve(); else setTimeout(tick, 2);
    };
    tick();
  });
  const drainEnd = performance.now() + drainMs;
  while (sentAt.size > 0 && performance.now() < drainEnd) await new Promise((r) => setTimeout(r, 20));
  for (const stop of off) stop();
  for (let i = 0; i < sentAt.size; i++) latencies.push(Infinity);
  latencies.sort((a, b) => a - b);
  const received = latencies.filter(Number.isFinite).length;
  const span = Math.max(lastRecv - firstRecv, 1);
  return {
    rate, sent, received,
    throughput: received > 1 ? Math.round(((received - 1) * 1000) / span) : 0,
    p50: Math.round(percentile(latencies, 50) * 10) / 10,
    p99: Math.round(percentile(latencies, 99) * 10) / 10,
    max: Math.round(percentile(latencies, 100) * 10) / 10,
  };
}
