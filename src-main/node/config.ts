/**
 * The node process's start-up config: parsing `--config <json>` and validating every field
 * (the config comes from outside the process, so a bad one gets a clear message and exit
 * code 2 rather than a crash deep inside). The cluster token is not part of the command
 * line: it arrives over IPC and completes the config (parseConfigArgs' `token`).
 */
import { DEFAULT_MAX_STORE_BYTES } from '../core/kv/state-machine';
import { PROTOCOLS } from '../core/protocols';
import { groupId, shardScheme } from '../core/shard/config';
import { DAMAGE_KINDS } from '../core/recovery';
import { checkUnsafeFor, unsafeAt } from '../core/unsafe';
import {
  array,
  bool,
  fail,
  int,
  num,
  oneOf,
  optional,
  parseJsonBounded,
  record,
  str,
  valueOrError,
  type Rec,
} from '../core/validate';
import type { NodeConfig } from './contract';

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
  maxStoreBytes: DEFAULT_MAX_STORE_BYTES,
} as const;

/** MAX_STORE_BYTES_RANGE bounds maxStoreBytes: at least 1 MiB, at most 64 GiB. */
export const MAX_STORE_BYTES_RANGE = [1024 * 1024, 64 * 1024 ** 3] as const;

/** ID is what a node id may look like here: it names files and log lines, so no separators or spaces. */
const ID = /^[A-Za-z0-9_.-]{1,64}$/;
/** MAX_PEERS bounds the initial membership. */
const MAX_PEERS = 15;
/** MAX_CONFIG_BYTES bounds --config (a real one is a few hundred bytes). */
const MAX_CONFIG_BYTES = 64 * 1024;

function id(x: unknown, path: string): string {
  return str(x, path, { min: 1, max: 64, pattern: ID, what: `an id matching ${String(ID)}` });
}

/** numbers checks the numeric fields, each optional with a default except routerPort. */
function numbers(
  o: Rec,
): Pick<
  NodeConfig,
  | 'routerPort'
  | 'clientPort'
  | 'heartbeatMs'
  | 'electionMs'
  | 'tickMs'
  | 'timeScale'
  | 'seed'
  | 'snapshotEvery'
  | 'maxStoreBytes'
> {
  const [minStore, maxStore] = MAX_STORE_BYTES_RANGE;
  const or = <T>(x: unknown, dflt: T, check: (v: unknown) => T): T => optional(x, check) ?? dflt;
  return {
    routerPort: int(o.routerPort, 'routerPort', 1, 65535),
    clientPort: or(o.clientPort, DEFAULTS.clientPort, (v) => int(v, 'clientPort', 0, 65535)),
    heartbeatMs: or(o.heartbeatMs, DEFAULTS.heartbeatMs, (v) => num(v, 'heartbeatMs', 1, 60_000)),
    electionMs: or(o.electionMs, DEFAULTS.electionMs, (v) => num(v, 'electionMs', 1, 600_000)),
    tickMs: or(o.tickMs, DEFAULTS.tickMs, (v) => num(v, 'tickMs', 1, 10_000)),
    timeScale: or(o.timeScale, DEFAULTS.timeScale, (v) => num(v, 'timeScale', 0.001, 1000)),
    seed: or(o.seed, DEFAULTS.seed, (v) => int(v, 'seed', 0, 2 ** 32 - 1)),
    snapshotEvery: or(o.snapshotEvery, DEFAULTS.snapshotEvery, (v) => int(v, 'snapshotEvery', 0, 1e9)),
    maxStoreBytes: or(o.maxStoreBytes, DEFAULTS.maxStoreBytes, (v) => int(v, 'maxStoreBytes', minStore, maxStore)),
  };
}

function nodeConfig(x: unknown): NodeConfig {
  const o = record(x, 'config', 'a JSON object');
  const self = id(o.id, 'id');
  const peers = array(o.peers, 'peers', { min: 1, max: MAX_PEERS, what: `a list of 1..${MAX_PEERS} node ids` }, id);
  if (new Set(peers).size !== peers.length) fail('peers must not repeat');
  const joining = optional(o.joining, (v) => bool(v, 'joining', 'true or false')) ?? false;
  // A joining node is not a member of the cluster it was created with: it must not count
  // itself among the first configuration, or it would campaign for a seat nobody gave it.
  if (joining && peers.includes(self)) fail(`a joining node's peers (the first members) must not include ${self}`);
  if (!joining && !peers.includes(self)) fail(`peers must include the node's own id ${self}`);
  const protocol = oneOf(o.protocol, 'protocol', PROTOCOLS);
  const dataFile = str(o.dataFile, 'dataFile', { min: 1, max: 4096, what: 'a file path' });
  const token = str(o.token, 'token', { min: 1, max: 256, what: 'a string of 1..256 bytes' });
  const n = numbers(o);
  if (n.heartbeatMs < n.tickMs) fail('heartbeatMs must be at least tickMs');
  if (n.electionMs < 2 * n.heartbeatMs) fail('electionMs must be at least twice heartbeatMs');
  const unsafe = optional(o.unsafe, (v) => checkUnsafeFor(protocol, unsafeAt(v, 'unsafe')));
  return {
    id: self,
    peers,
    ...(joining ? { joining } : {}),
    protocol,
    dataFile,
    routerHost:
      optional(o.routerHost, (v) => str(v, 'routerHost', { min: 1, max: 255, what: 'a host name' })) ??
      DEFAULTS.routerHost,
    token,
    ...n,
    ...damageField(o),
    ...(unsafe ? { unsafe } : {}),
    ...machineField(o),
  };
}

/** machineField reads the optional sharded-cluster state machine (NodeConfig.machine). */
function machineField(o: Rec): Pick<NodeConfig, 'machine'> {
  const m = optional(o.machine, (v) => {
    const r = record(v, 'machine');
    const kind = oneOf(r.kind, 'machine.kind', ['shard-group', 'shard-controller'] as const);
    return kind === 'shard-group'
      ? { kind, group: groupId(r.group, 'machine.group') }
      : { kind, scheme: shardScheme(r.scheme, 'machine.scheme') };
  });
  return m === undefined ? {} : { machine: m };
}

/** damageField reads the optional one-shot damage run (NodeConfig.damage). */
function damageField(o: Rec): Pick<NodeConfig, 'damage'> {
  const d = optional(o.damage, (v) => oneOf(v, 'damage', DAMAGE_KINDS));
  return d === undefined ? {} : { damage: d };
}

/** validateNodeConfig returns a complete NodeConfig or a string naming the first bad field. */
export function validateNodeConfig(x: unknown): NodeConfig | string {
  return valueOrError(() => nodeConfig(x));
}

/**
 * parseConfigArgs reads `--config <json>` from argv and completes it with `token` (which
 * comes over IPC); returns the config or an error message. A config that carries a token
 * itself is refused: a secret on a command line is readable by every local user.
 */
export function parseConfigArgs(argv: string[], token: string): NodeConfig | string {
  const i = argv.indexOf('--config');
  const raw = i >= 0 ? argv[i + 1] : undefined;
  if (raw === undefined) return 'usage: main.ts --config <json>';
  const parsed = parseJsonBounded(raw, { maxBytes: MAX_CONFIG_BYTES });
  if (!parsed.ok) return `--config is ${parsed.error}`;
  const x = parsed.value;
  if (typeof x === 'object' && x !== null && !Array.isArray(x) && 'token' in x)
    return 'token must not be on the command line: the host hands it over the IPC channel';
  return validateNodeConfig(typeof x === 'object' && x !== null && !Array.isArray(x) ? { ...x, token } : x);
}

/** nodeNumber is the number in an id like "n3" (else its position in peers, from 1); it spreads the seed across nodes. */
export function nodeNumber(id: string, peers: string[]): number {
  const m = /(\d+)$/.exec(id);
  return m ? Number(m[1]) : peers.indexOf(id) + 1;
}
