/**
 * startPutLoad: the lab's put load for the host and wake-up A/B tools (bench/host-ab.ts,
 * bench/wakes.ts): `clients` closed-loop clients, each on its own keep-alive connection,
 * putting the bench's 256-byte value under random keys of KEY_SPACE; with `rate`, paced so
 * that each client sends at most rate/clients puts a second, on its own schedule (clients
 * spread over one gap), else as fast as answers come.
 */
import { performance } from 'node:perf_hooks';
import { clientAgent, parseJson, request, type Endpoint } from './http';
import { sleep } from './procs';
import { KEY_SPACE, keyOf, makeValue, Rng } from './workload';

/** PutLoad: a running load; what it measured since the last mark. */
export interface PutLoad {
  /** mark starts a new window: latencies and errors from now on. */
  mark(): void;
  /** take: the window so far — the acknowledged puts' latencies (ms, a copy) and the errors. */
  take(): { lat: number[]; errors: number };
  /** stop lets every client finish its put in flight and close its connection. */
  stop(): Promise<void>;
}

/** startPutLoad starts the load (see the file comment). */
export function startPutLoad(ep: Endpoint, clients: number, rate: number | null): PutLoad {
  const rng = new Rng(7);
  const value = makeValue(rng);
  let lat: number[] = [];
  let errors = 0;
  let running = true;
  const start = performance.now();
  const gapMs = rate === null ? 0 : (1000 * clients) / rate;
  const loop = async (c: number): Promise<void> => {
    const agent = clientAgent(1);
    let next = start + (gapMs * c) / clients;
    while (running) {
      if (gapMs > 0) {
        const wait = next - performance.now();
        if (wait > 0) await sleep(wait);
        next += gapMs;
      }
      const t = performance.now();
      const body = JSON.stringify({ op: 'put', key: keyOf(rng.int(KEY_SPACE)), value });
      const r = await request(agent, ep, 'POST', '/api/kv', body, 10_000);
      const j = parseJson(r.body) as { outcome?: string } | null;
      if (r.status === 200 && j?.outcome === 'ok') lat.push(performance.now() - t);
      else errors++;
    }
    agent.destroy();
  };
  const all = Promise.all(Array.from({ length: clients }, (_, c) => loop(c)));
  return {
    mark: () => {
      lat = [];
      errors = 0;
    },
    take: () => ({ lat: [...lat], errors }),
    stop: async () => {
      running = false;
      await all;
    },
  };
}
