/**
 * The command table: every LabApi command once — how a caller's arguments become the
 * command's one JSON wire argument and how the lab checks it (the validators of
 * ./schemas.ts), its HTTP route, how the HTTP status follows from the answer, and (by its
 * name, `lab:<name>`) its IPC channel. LabApi is derived from this table, and so is
 * everything that carries it: the headless host's routes (web/http-host.ts), the Electron
 * IPC handlers, dispatch and preload (electron/), the renderer's LabClient and its test
 * fake. Adding a command is one row here, the LabService method that does it, and the UI
 * that uses it.
 *
 * The wire argument is the same on every transport: IPC sends it as it is; HTTP puts its
 * `:params` in the path, its query fields (GET) in the query string and the rest in the
 * body (./http-routes.ts). Pure: no Node or DOM API, so the backend and the renderer both
 * load it.
 */
import type { NodeId } from '../core/types';
import type { WhyAnswer } from './explain/types';
import type {
  BalanceAlgorithm,
  CheckVerdict,
  ClusterSettings,
  ClusterView,
  DamageKind,
  DamageResult,
  ExportResult,
  FencedWriteRequest,
  HistoryOp,
  HistoryQuery,
  KvRequest,
  KvResponse,
  LabEvent,
  LoadRequest,
  LoadSummary,
  LockRequest,
  MessageBody,
  NodeInspect,
  PauseOn,
  ProtocolName,
  RenewRequest,
  RunLogRecord,
  SavedRun,
  UnlockRequest,
} from './contract';
import {
  isRecord,
  show,
  validateBalance,
  validateClusterSettings,
  validateDamage,
  validateFencedWrite,
  validateKvRequest,
  validateLinkRule,
  validateLoadRequest,
  validateLogIndex,
  validateLockRequest,
  validateNodeId,
  validatePartition,
  validatePauseOn,
  validateRenewRequest,
  validateRunName,
  validateSince,
  validateTimeScale,
  validateTransfer,
  validateUnlockRequest,
  validateAddNode,
  type AddNodeInput,
  type Checked,
  type LinkRuleInput,
} from './schemas';
import { validateHistoryQuery } from './history-window';
import { validateShardGroup, validateShardMove, type ShardMove, type ShardsView } from './shards';
import {
  validatePresetRequest,
  validateScenarioAction,
  validateScenarioStart,
  type PresetRequest,
  type ScenarioAction,
  type ScenarioInfo,
  type ScenarioStartRequest,
  type ScenarioState,
} from './scenario-api';

// ----- the parts of a row ----------------------------------------------------------------

/** ArgCodec packs a caller's arguments into the wire argument, and checks a wire argument from outside back into arguments. */
export interface ArgCodec<A extends unknown[]> {
  /** encode: the caller's side (the renderer's LabClient). */
  encode(...args: A): unknown;
  /** decode: the lab's side; `command` names the command in messages. Never throws. */
  decode(wire: unknown, command: string): Checked<A>;
}

/** HttpMethod is a method a route answers. */
export type HttpMethod = 'GET' | 'POST' | 'DELETE';

/** HttpRoute is a command's HTTP address: methods (a client uses the first), path with `:params`, and the query fields a GET reads. */
export interface HttpRoute {
  readonly methods: readonly [HttpMethod, ...HttpMethod[]];
  readonly path: string;
  readonly query: readonly string[];
}

/** Returns names a command's result type; it holds no value. */
export interface Returns<R> {
  readonly result?: R;
}

/** Command is one row of the table: A is the LabApi method's parameter list, R what it resolves to. */
export interface Command<A extends unknown[], R> {
  readonly http: HttpRoute;
  readonly args: ArgCodec<A>;
  readonly returns: Returns<R>;
  /** status derives the HTTP status of an answer (absent: 200). */
  status?(result: R): number;
}

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const bad = <T>(error: string): Checked<T> => ({ ok: false, error });

function returns<R>(): Returns<R> {
  return {};
}

function command<A extends unknown[], R>(row: Command<A, R>): Command<A, R> {
  return row;
}

const get = (path: string, query: readonly string[] = []): HttpRoute => ({ methods: ['GET'], path, query });
const post = (path: string): HttpRoute => ({ methods: ['POST'], path, query: [] });

/** args builds a row's codec from how the arguments are packed and the decoder that unpacks them; the two must agree on A. */
export function args<A extends unknown[]>(
  encode: (...a: A) => unknown,
  decode: (wire: unknown, command: string) => Checked<NoInfer<A>>,
): ArgCodec<A> {
  return { encode, decode };
}

/** single adapts a validator of ./schemas.ts into the decoder of a one-argument command. */
export function single<T>(validate: (x: unknown) => Checked<T>): (wire: unknown) => Checked<[T]> {
  return (wire) => {
    const c = validate(wire);
    return c.ok ? ok<[T]>([c.value]) : c;
  };
}

/** noArgs: the command takes nothing (an empty object is accepted, as an empty body is). */
const noArgs: ArgCodec<[]> = {
  encode: () => undefined,
  decode: (wire, name) =>
    wire === undefined || wire === null || (isRecord(wire) && Object.keys(wire).length === 0)
      ? ok<[]>([])
      : bad(`${name} takes no argument`),
};

/** nodeArgs: one node id, sent as {id} (over HTTP: the path's :id). */
const nodeArgs = args(
  (id: NodeId) => ({ id }),
  (wire) => (isRecord(wire) ? single(validateNodeId)(wire.id) : bad('expected { id: "n1" }')),
);

function decodeBalance(wire: unknown): Checked<[BalanceAlgorithm, Record<NodeId, number> | undefined]> {
  const b = validateBalance(wire);
  return b.ok ? ok<[BalanceAlgorithm, Record<NodeId, number> | undefined]>([b.value.algorithm, b.value.weights]) : b;
}

/** decodeLog reads {since, limit} (numbers over IPC, strings from a query); limit 0 means no limit. */
function decodeLog(wire: unknown): Checked<[number, number | undefined]> {
  const o = isRecord(wire) ? wire : { since: wire };
  const since = validateSince(o.since);
  if (!since.ok) return since;
  const limit = validateSince(o.limit);
  if (!limit.ok) return bad(`limit must be a non-negative integer, got ${show(o.limit)}`);
  return ok<[number, number | undefined]>([since.value, limit.value === 0 ? undefined : limit.value]);
}

/** decodeMessageId reads {id} (a number over IPC, the path's text over HTTP): a message id from the run log. */
function decodeMessageId(wire: unknown): Checked<[number]> {
  const raw = isRecord(wire) ? wire.id : undefined;
  const n = typeof raw === 'string' && /^[0-9]{1,15}$/.test(raw) ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1)
    return bad(`message id must be a positive integer (the id of a send record in the run log), got ${show(raw)}`);
  return ok<[number]>([n]);
}

/** decodeWhy reads {id, entry?}: a node id and, for the entry question, a log index (a number, or its text from a query). */
function decodeWhy(wire: unknown): Checked<[NodeId, number | undefined]> {
  if (!isRecord(wire)) return bad('expected { id: "n1", entry?: 7 }');
  const extra = Object.keys(wire).find((k) => k !== 'id' && k !== 'entry');
  if (extra !== undefined) return bad(`why: unknown field '${extra}' (only id and entry)`);
  const id = validateNodeId(wire.id);
  if (!id.ok) return id;
  const entry = validateLogIndex(wire.entry);
  return entry.ok ? ok<[NodeId, number | undefined]>([id.value, entry.value]) : entry;
}

function decodeOpen(wire: unknown): Checked<[string]> {
  const d = validateRunName(wire, true);
  if (!d.ok) return d;
  return typeof d.value === 'string'
    ? ok<[string]>([d.value])
    : bad("name is required: the name of a saved run in the lab's data folder");
}

/** decodeHistoryQuery reads GET /api/history's window; an empty one is no argument (the whole history). */
function decodeHistoryQuery(wire: unknown): Checked<[q?: HistoryQuery]> {
  const q = validateHistoryQuery(wire);
  if (!q.ok) return q;
  return ok<[q?: HistoryQuery]>(q.value === undefined ? [] : [q.value]);
}

/** withoutUndefined drops absent fields, so an absent optional argument never reaches the wire. */
function withoutUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/**
 * kvStatus maps a client answer to its HTTP status: 200 ok, 409 refused, 507 the store is
 * full, 503 certainly not applied, 504 unknown.
 */
export function kvStatus(r: KvResponse): number {
  if (r.outcome === 'ok') return 200;
  if (r.outcome === 'unknown') return 504;
  if (r.error === 'store-full') return 507;
  const refused = ['cas-mismatch', 'lock-held', 'lock-not-held', 'stale-token'];
  return r.error !== undefined && refused.includes(r.error) ? 409 : 503;
}

function kvCommand<T>(path: string, validate: (x: unknown) => Checked<T>): Command<[T], KvResponse> {
  return command({
    http: post(path),
    args: args((req: T) => req, single(validate)),
    returns: returns(),
    status: kvStatus,
  });
}

function nodeCommand(action: 'crash' | 'restart' | 'pause' | 'resume'): Command<[id: NodeId], ClusterView> {
  return command({ http: post(`/api/nodes/:id/${action}`), args: nodeArgs, returns: returns<ClusterView>() });
}

/** LabVersion is GET /api/version: which lab this is and what it runs on. */
export interface LabVersion {
  /** lab: the Quorum Lab version (package.json). */
  lab: string;
  /** node / electron: the runtime versions of the process that hosts the lab (electron null outside the desktop app). */
  node: string;
  electron: string | null;
  protocols: ProtocolName[];
}

// ----- the table ---------------------------------------------------------------------------

const ROWS = {
  cluster: command({ http: get('/api/cluster'), args: noArgs, returns: returns<ClusterView>() }),
  createCluster: command({
    http: post('/api/cluster'),
    args: args((settings: Partial<ClusterSettings>) => settings, single(validateClusterSettings)),
    returns: returns<ClusterView>(),
  }),
  crash: nodeCommand('crash'),
  restart: nodeCommand('restart'),
  pause: nodeCommand('pause'),
  resume: nodeCommand('resume'),
  damage: command({
    http: post('/api/nodes/:id/damage'),
    args: args(
      (id: NodeId, kind: DamageKind) => ({ id, kind }),
      (wire) => {
        const d = validateDamage(wire);
        return d.ok ? ok<[NodeId, DamageKind]>([d.value.id, d.value.kind]) : d;
      },
    ),
    returns: returns<DamageResult>(),
  }),
  addNode: command({
    http: post('/api/nodes'),
    args: args((req: AddNodeInput) => req, single(validateAddNode)),
    returns: returns<{ id: NodeId }>(),
  }),
  removeNode: command({
    http: { methods: ['DELETE'], path: '/api/nodes/:id', query: [] },
    args: nodeArgs,
    returns: returns<ClusterView>(),
  }),
  transfer: command({
    http: post('/api/transfer'),
    args: args((to: NodeId) => ({ to }), single(validateTransfer)),
    returns: returns<ClusterView>(),
  }),
  inspect: command({
    http: { methods: ['GET', 'POST'], path: '/api/nodes/:id/inspect', query: [] },
    args: nodeArgs,
    returns: returns<NodeInspect>(),
  }),
  partition: command({
    http: post('/api/partition'),
    args: args((groups: NodeId[][]) => ({ groups }), single(validatePartition)),
    returns: returns<ClusterView>(),
  }),
  heal: command({ http: post('/api/heal'), args: noArgs, returns: returns<ClusterView>() }),
  partitionPreset: command({
    http: post('/api/partition/preset'),
    args: args((req: PresetRequest) => req, single(validatePresetRequest)),
    returns: returns<ClusterView>(),
  }),
  setLink: command({
    http: post('/api/links'),
    args: args((rule: LinkRuleInput) => rule, single(validateLinkRule)),
    returns: returns<ClusterView>(),
  }),
  setTimeScale: command({
    http: post('/api/time-scale'),
    args: args((scale: number) => ({ scale }), single(validateTimeScale)),
    returns: returns<ClusterView>(),
  }),
  setPauseOn: command({
    http: post('/api/pause-on'),
    args: args((on: PauseOn) => on, single(validatePauseOn)),
    returns: returns<ClusterView>(),
  }),
  continueRun: command({ http: post('/api/continue'), args: noArgs, returns: returns<ClusterView>() }),
  setBalance: command({
    http: post('/api/balance'),
    args: args(
      (algorithm: BalanceAlgorithm, weights?: Record<NodeId, number>) =>
        weights ? { algorithm, weights } : { algorithm },
      decodeBalance,
    ),
    returns: returns<ClusterView>(),
  }),
  kv: kvCommand<KvRequest>('/api/kv', validateKvRequest),
  lock: kvCommand<LockRequest>('/api/lock', validateLockRequest),
  renew: kvCommand<RenewRequest>('/api/lock/renew', validateRenewRequest),
  unlock: kvCommand<UnlockRequest>('/api/unlock', validateUnlockRequest),
  fencedWrite: kvCommand<FencedWriteRequest>('/api/fenced', validateFencedWrite),
  load: command({
    http: post('/api/load'),
    args: args((req: LoadRequest) => req, single(validateLoadRequest)),
    returns: returns<LoadSummary>(),
  }),
  stopLoad: command({ http: post('/api/load/stop'), args: noArgs, returns: returns<LoadSummary>() }),
  log: command({
    http: get('/api/log', ['since', 'limit']),
    args: args((sinceSeq?: number, limit?: number) => withoutUndefined({ since: sinceSeq, limit }), decodeLog),
    returns: returns<RunLogRecord[]>(),
  }),
  history: command({
    http: get('/api/history', ['key', 'from', 'to', 'limit']),
    args: args((q?: HistoryQuery) => (q === undefined ? undefined : withoutUndefined({ ...q })), decodeHistoryQuery),
    returns: returns<HistoryOp[]>(),
  }),
  check: command({ http: get('/api/check'), args: noArgs, returns: returns<CheckVerdict>() }),
  message: command({
    http: get('/api/messages/:id'),
    args: args((id: number) => ({ id }), decodeMessageId),
    returns: returns<MessageBody>(),
  }),
  exportRun: command({
    http: post('/api/export'),
    args: args(
      (name?: string) => (name === undefined ? {} : { name }),
      single((w) => validateRunName(w ?? {}, false)),
    ),
    returns: returns<ExportResult>(),
  }),
  openRun: command({
    http: post('/api/open'),
    args: args((name?: string) => (name === undefined ? {} : { name }), decodeOpen),
    returns: returns<SavedRun>(),
  }),
  version: command({ http: get('/api/version'), args: noArgs, returns: returns<LabVersion>() }),
  scenarios: command({ http: get('/api/scenarios'), args: noArgs, returns: returns<ScenarioInfo[]>() }),
  scenario: command({ http: get('/api/scenario'), args: noArgs, returns: returns<ScenarioState | null>() }),
  scenarioStart: command({
    http: post('/api/scenario'),
    args: args((req: ScenarioStartRequest) => req, single(validateScenarioStart)),
    returns: returns<ScenarioState>(),
  }),
  scenarioControl: command({
    http: post('/api/scenario/control'),
    args: args((action: ScenarioAction) => ({ action }), single(validateScenarioAction)),
    returns: returns<ScenarioState | null>(),
  }),
  shards: command({ http: get('/api/shards'), args: noArgs, returns: returns<ShardsView>() }),
  moveShard: command({
    http: post('/api/shards/move'),
    args: args((req: ShardMove) => req, single(validateShardMove)),
    returns: returns<ShardsView>(),
  }),
  joinGroup: command({
    http: post('/api/shards/join'),
    args: args((group: string) => ({ group }), single(validateShardGroup)),
    returns: returns<ShardsView>(),
  }),
  leaveGroup: command({
    http: post('/api/shards/leave'),
    args: args((group: string) => ({ group }), single(validateShardGroup)),
    returns: returns<ShardsView>(),
  }),
  why: command({
    http: get('/api/nodes/:id/why', ['entry']),
    args: args((id: NodeId, entry?: number) => withoutUndefined({ id, entry }), decodeWhy),
    returns: returns<WhyAnswer>(),
  }),
};

// ----- what the table derives ----------------------------------------------------------------

type Rows = typeof ROWS;

/** CommandName names one command (one LabApi method). */
export type CommandName = keyof Rows;

type Parts<K extends CommandName> = Rows[K] extends Command<infer A, infer R> ? { args: A; result: R } : never;

/** ArgsOf is command K's parameter list. */
export type ArgsOf<K extends CommandName> = Parts<K>['args'];

/** ResultOf is what command K resolves to. */
export type ResultOf<K extends CommandName> = Parts<K>['result'];

/** CommandTable is the table's type, written per key so generic code over K sees each row's own types. */
export type CommandTable = { readonly [K in CommandName]: Command<ArgsOf<K>, ResultOf<K>> };

/** LabApi is the whole control surface of the lab: one method per row. LabService implements it; the renderer's LabClient extends it. */
export type LabApi = { [K in CommandName]: (...args: ArgsOf<K>) => Promise<ResultOf<K>> };

/** HostedLab is what a transport's host serves: the commands and the event stream (LabService is one). */
export type HostedLab = LabApi & { on(listener: (e: LabEvent) => void): () => void };

/** COMMANDS is the command table. */
export const COMMANDS: CommandTable = ROWS;

/** COMMAND_NAMES lists every command, in table order. */
// Object.keys loses the key type; the keys are exactly the table's.
export const COMMAND_NAMES: readonly CommandName[] = Object.keys(COMMANDS) as CommandName[];

/** IPC_CHANNEL_PREFIX prefixes every command's IPC channel ('lab:crash', …). */
export const IPC_CHANNEL_PREFIX = 'lab:';

/** channelOf is command `name`'s IPC channel. */
export function channelOf(name: CommandName): string {
  return IPC_CHANNEL_PREFIX + name;
}

/** decodeArgs checks an untrusted wire argument for command `name` with its row's validator. */
export function decodeArgs<K extends CommandName>(name: K, wire: unknown): Checked<ArgsOf<K>> {
  return COMMANDS[name].args.decode(wire, name);
}

/** encodeArgs packs a caller's arguments into command `name`'s wire argument. */
export function encodeArgs<K extends CommandName>(name: K, a: ArgsOf<K>): unknown {
  return COMMANDS[name].args.encode(...a);
}

/** callLab calls `lab`'s method for command `name` with checked arguments. */
export function callLab<K extends CommandName>(lab: LabApi, name: K, a: ArgsOf<K>): Promise<ResultOf<K>> {
  return lab[name](...a);
}

/** statusOf is the HTTP status of command `name`'s answer. */
export function statusOf<K extends CommandName>(name: K, result: ResultOf<K>): number {
  return COMMANDS[name].status?.(result) ?? 200;
}

/** perCommand builds one value per command (the preload's bridge methods, a transport's handlers). */
export function perCommand<T>(make: (name: CommandName) => T): Record<CommandName, T> {
  // Filled for every key just below.
  const out = {} as Record<CommandName, T>;
  for (const name of COMMAND_NAMES) out[name] = make(name);
  return out;
}
