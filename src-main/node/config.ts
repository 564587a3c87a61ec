/**
 * The node process's start-up config: parsing `--config <json>` and validating every field
 * (the config comes from outside the process, so a bad one gets a clear message and exit
 * code 2 rather than a crash deep inside).
 */
import { PROTOCOLS, type ProtocolName } from '../core/protocols';
import type { NodeConfig } from './contract';
import { describe, isObject } from './frames';

/** DEFAULTS fills fields a host may leave out (etcd's heartbeat/election defaults). */
export const DEFAULTS = {
  heartbeatMs: 100,
  electionMs: 1000,
  tickMs: 10,
  timeScale: 1,
  seed: 1,
  snapshotEvery: 10_000,
  clientPort: 0,
  routerHost: '127.0.0.1',
} as const;

const ID = /^[A-Za-z0-9_.-]{1,64}$/;

/** validateNodeConfig returns a complete NodeConfig or a string naming the first bad field. */
export function validateNodeConfig(x: unknown): NodeConfig | string {
  if (!isObject(x)) return 'config must be a JSON object';
  const id = x.id;
  if (typeof id !== 'string' || !ID.test(id)) return `id must match ${ID} (got ${describe(id)})`;
  const peers = x.peers;
  if (
    !Array.isArray(peers) ||
    peers.length === 0 ||
    peers.length > 15 ||
    !peers.every((p) => typeof p === 'string' && ID.test(p))
  )
    return 'peers must be a list of 1..15 node ids';
  if (new Set(peers).size !== peers.length) return 'peers must not repeat';
  if (!peers.includes(id)) return `peers must include the node's own id ${id}`;
  if (!PROTOCOLS.includes(x.protocol as ProtocolName)) return `protocol must be one of ${PROTOCOLS.join(', ')}`;
  if (typeof x.dataFile !== 'string' || x.dataFile.length === 0) return 'dataFile must be a file path';
  if (typeof x.token !== 'string' || x.token.length === 0 || x.token.length > 256)
    return 'token must be a string of 1..256 chars';
  const num = (f: string, lo: number, hi: number, int: boolean, dflt?: number): number | string => {
    const v = x[f] === undefined ? dflt : x[f];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi || (int && !Number.isInteger(v)))
      return `${f} must be ${int ? 'an integer' : 'a number'} in [${lo}, ${hi}] (got ${describe(x[f])})`;
    return v;
  };
  const routerPort = num('routerPort', 1, 65535, true);
  const clientPort = num('clientPort', 0, 65535, true, DEFAULTS.clientPort);
  const heartbeatMs = num('heartbeatMs', 1, 60_000, false, DEFAULTS.heartbeatMs);
  const electionMs = num('electionMs', 1, 600_000, false, DEFAULTS.electionMs);
  const tickMs = num('tickMs', 1, 10_000, false, DEFAULTS.tickMs);
  const timeScale = num('timeScale', 0.001, 1000, false, DEFAULTS.timeScale);
  const seed = num('seed', 0, 2 ** 32 - 1, true, DEFAULTS.seed);
  const snapshotEvery = num('snapshotEvery', 0, 1e9, true, DEFAULTS.snapshotEvery);
  for (const v of [routerPort, clientPort, heartbeatMs, electionMs, tickMs, timeScale, seed, snapshotEvery]) {
    if (typeof v === 'string') return v;
  }
  const routerHost = x.routerHost === undefined ? DEFAULTS.routerHost : x.routerHost;
  if (typeof routerHost !== 'string' || routerHost.length === 0) return 'routerHost must be a host name';
  if ((heartbeatMs as number) < (tickMs as number)) return 'heartbeatMs must be at least tickMs';
  if ((electionMs as number) < 2 * (heartbeatMs as number)) return 'electionMs must be at least twice heartbeatMs';
  return {
    id,
    peers: peers as string[],
    protocol: x.protocol as ProtocolName,
    dataFile: x.dataFile,
    routerHost,
    routerPort: routerPort as number,
    clientPort: clientPort as number,
    token: x.token,
    heartbeatMs: heartbeatMs as number,
    electionMs: electionMs as number,
    tickMs: tickMs as number,
    timeScale: timeScale as number,
    seed: seed as number,
    snapshotEvery: snapshotEvery as number,
  };
}

/** parseConfigArgs reads `--config <json>` from argv; returns the config or an error message. */
export function parseConfigArgs(argv: string[]): NodeConfig | string {
  const i = argv.indexOf('--config');
  const raw = i >= 0 ? argv[i + 1] : undefined;
  if (raw === undefined) return 'usage: main.ts --config <json>';
  let x: unknown;
  try {
    x = JSON.parse(raw);
  } catch (e) {
    return `--config is not valid JSON: ${(e as Error).message}`;
  }
  return validateNodeConfig(x);
}

/** nodeNumber is the number in an id like "n3" (else its position in peers, from 1); it spreads the seed across nodes. */
export function nodeNumber(id: string, peers: string[]): number {
  const m = /(\d+)$/.exec(id);
  return m ? Number(m[1]) : peers.indexOf(id) + 1;
}
