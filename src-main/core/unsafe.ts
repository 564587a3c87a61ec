/**
 * Unsafe modes: one safety rule of a cluster broken on purpose, chosen when the cluster
 * is created, so a user can watch the checker (or an invariant) catch what the rule was
 * there for. The one place that names the modes, their safe defaults and their checks:
 * the API (POST /api/cluster {unsafe}), the node's launch config, the simulator, the
 * scenario runner, the console and the New-cluster dialog all read them from here.
 *
 * Where each rule is broken (the real code path, the same in the node process and, where
 * it runs the same code, the simulator):
 * - reads "lease": the leader answers a read from its lease (no ReadIndex heartbeat round;
 *   etcd's ReadOnlyLeaseBased) — wrong once its clock stalls (a pause) or drifts;
 *   "local": every node answers a read from its own state machine at once (node/requests.ts).
 * - commitRule "count-old-terms": a Raft leader commits an older term's entry by counting
 *   its replicas (Figure 8 of the Raft paper).
 * - fsync false: the node acknowledges before its write is on disk: writes reach SQLite
 *   (synchronous=OFF) only every UNSYNCED_FLUSH_MS, so a SIGKILL loses what came since.
 * - sessions false: the state machine keeps no client sessions, so a retried command applies twice.
 * - fencing false: the fenced demo resource accepts a write with a stale token.
 * - prevote false / checkQuorum false: Raft's pre-vote and the leader's quorum check (and
 *   its lease on votes) are off.
 * - adoptHighestAccepted false: a new Multi-Paxos leader ignores the values its promisers
 *   accepted and proposes no-ops instead (P2c broken).
 *
 * Pure: the renderer and core/ both import it.
 */
import { assertNever, type ProtocolConfig } from './types';
import { bool, checked, fail, oneOf, onlyFields, optional, record, type Checked } from './validate';

/** READ_MODES are the ways a read may be served: read-index (safe), lease, local. */
export const READ_MODES = ['read-index', 'lease', 'local'] as const;
/** ReadMode is one of READ_MODES. */
export type ReadMode = (typeof READ_MODES)[number];

/** COMMIT_RULES are Raft's commit rules: the paper's (safe) and counting older terms' replicas. */
export const COMMIT_RULES = ['paper', 'count-old-terms'] as const;
/** CommitRule is one of COMMIT_RULES. */
export type CommitRule = (typeof COMMIT_RULES)[number];

/** UnsafeSettings says which safety rules a cluster breaks (every field at its safe value: none). */
export interface UnsafeSettings {
  reads: ReadMode;
  commitRule: CommitRule;
  fsync: boolean;
  sessions: boolean;
  fencing: boolean;
  prevote: boolean;
  checkQuorum: boolean;
  adoptHighestAccepted: boolean;
}

/** UnsafeKey names one unsafe setting. */
export type UnsafeKey = keyof UnsafeSettings;

/** UNSAFE_DEFAULTS is every rule kept: what an omitted field means. */
export const UNSAFE_DEFAULTS: Readonly<UnsafeSettings> = Object.freeze({
  reads: 'read-index',
  commitRule: 'paper',
  fsync: true,
  sessions: true,
  fencing: true,
  prevote: true,
  checkQuorum: true,
  adoptHighestAccepted: true,
});

/** UNSAFE_KEYS lists the settings in the order they are shown. */
export const UNSAFE_KEYS: readonly UnsafeKey[] = [
  'reads',
  'commitRule',
  'fsync',
  'sessions',
  'fencing',
  'prevote',
  'checkQuorum',
  'adoptHighestAccepted',
];

/** UNSYNCED_FLUSH_MS: with fsync off, a node's writes reach its file this long after they were acknowledged. */
export const UNSYNCED_FLUSH_MS = 1000;

/** UNSAFE_HELP says in a line what breaking each rule does (the dialog's and the console's help). */
export const UNSAFE_HELP: Readonly<Record<UnsafeKey, string>> = {
  reads:
    'lease: the leader answers reads from its lease (stale after a pause); local: any node answers from its own state',
  commitRule: 'count-old-terms: a Raft leader commits an older term by counting replicas (Figure 8)',
  fsync: "false: writes are acknowledged before they are on disk (a kill loses the last second's)",
  sessions: 'false: no client sessions, so a retried write applies twice',
  fencing: 'false: the fenced resource accepts stale tokens',
  prevote: 'false: Raft without pre-vote (a node back from a partition deposes the leader)',
  checkQuorum: 'false: a leader cut off from a majority never steps down',
  adoptHighestAccepted: 'false: a new Paxos leader ignores values already accepted (a chosen value is lost)',
};

/** RAFT_ONLY / PAXOS_ONLY: settings that only one protocol has (the other has no such rule to break). */
const RAFT_ONLY: readonly UnsafeKey[] = ['commitRule', 'prevote'];
const PAXOS_ONLY: readonly UnsafeKey[] = ['adoptHighestAccepted'];

/** unsafeAt checks an `unsafe` object at `path` (omitted fields are safe) and returns the complete settings; throws Invalid. */
export function unsafeAt(x: unknown, path: string): UnsafeSettings {
  if (x === undefined || x === null) return { ...UNSAFE_DEFAULTS };
  const o = record(x, path, `an object of unsafe settings (${UNSAFE_KEYS.join(', ')})`);
  onlyFields(o, UNSAFE_KEYS, path);
  const flag = (k: UnsafeKey): boolean | undefined => optional(o[k], (v) => bool(v, `${path}.${k}`, 'true or false'));
  return {
    reads: optional(o.reads, (v) => oneOf(v, `${path}.reads`, READ_MODES)) ?? UNSAFE_DEFAULTS.reads,
    commitRule:
      optional(o.commitRule, (v) => oneOf(v, `${path}.commitRule`, COMMIT_RULES)) ?? UNSAFE_DEFAULTS.commitRule,
    fsync: flag('fsync') ?? UNSAFE_DEFAULTS.fsync,
    sessions: flag('sessions') ?? UNSAFE_DEFAULTS.sessions,
    fencing: flag('fencing') ?? UNSAFE_DEFAULTS.fencing,
    prevote: flag('prevote') ?? UNSAFE_DEFAULTS.prevote,
    checkQuorum: flag('checkQuorum') ?? UNSAFE_DEFAULTS.checkQuorum,
    adoptHighestAccepted: flag('adoptHighestAccepted') ?? UNSAFE_DEFAULTS.adoptHighestAccepted,
  };
}

/** parseUnsafe checks an untrusted `unsafe` value: complete settings (omitted = safe), or what is wrong. */
export function parseUnsafe(x: unknown): Checked<UnsafeSettings> {
  return checked(() => unsafeAt(x, 'unsafe'));
}

/** unsafeProtocolError says why `u` does not fit `protocol` (a rule that protocol does not have), or null. */
export function unsafeProtocolError(protocol: 'raft' | 'paxos', u: UnsafeSettings): string | null {
  const other = protocol === 'raft' ? PAXOS_ONLY : RAFT_ONLY;
  for (const k of other) {
    if (u[k] !== UNSAFE_DEFAULTS[k]) {
      const has = protocol === 'raft' ? 'Multi-Paxos' : 'Raft';
      return `unsafe.${k} applies to ${has} only: a ${protocol} cluster has no such rule to break`;
    }
  }
  return null;
}

/** checkUnsafeFor throws Invalid when `u` does not fit `protocol` (see unsafeProtocolError). */
export function checkUnsafeFor(protocol: 'raft' | 'paxos', u: UnsafeSettings): UnsafeSettings {
  const err = unsafeProtocolError(protocol, u);
  if (err !== null) fail(err);
  return u;
}

/** unsafeLabel is how one broken rule is written: `reads=local`, `fsync=false`. */
export function unsafeLabel(k: UnsafeKey, u: UnsafeSettings): string {
  return `${k}=${String(u[k])}`;
}

/** brokenKeys lists the settings of `u` that break their rule, in UNSAFE_KEYS order (absent = safe). */
export function brokenKeys(u: Partial<UnsafeSettings> | null | undefined): UnsafeKey[] {
  if (!u) return [];
  return UNSAFE_KEYS.filter((k) => u[k] !== undefined && u[k] !== UNSAFE_DEFAULTS[k]);
}

/** activeUnsafe lists the rules `u` breaks, as labels in UNSAFE_KEYS order ([] = a safe cluster; absent = safe). */
export function activeUnsafe(u: Partial<UnsafeSettings> | null | undefined): string[] {
  const full = { ...UNSAFE_DEFAULTS, ...u };
  return brokenKeys(u).map((k) => unsafeLabel(k, full));
}

/** parseUnsafeValue reads one setting from text (the console's `reads=local`, `fsync=off`); throws Invalid. */
export function parseUnsafeValue(k: UnsafeKey, text: string): UnsafeSettings[UnsafeKey] {
  switch (k) {
    case 'reads':
      return oneOf(text, k, READ_MODES);
    case 'commitRule':
      return oneOf(text, k, COMMIT_RULES);
    case 'fsync':
    case 'sessions':
    case 'fencing':
    case 'prevote':
    case 'checkQuorum':
    case 'adoptHighestAccepted': {
      const t = text.toLowerCase();
      if (t === 'true' || t === 'on') return true;
      if (t === 'false' || t === 'off') return false;
      return fail(`${k} must be true or false (on/off), got ${JSON.stringify(text.slice(0, 40))}`);
    }
    default:
      return assertNever(k, 'unsafe setting');
  }
}

/** CoreFlags are the ProtocolConfig fields an unsafe mode sets. */
export type CoreFlags = Required<
  Pick<ProtocolConfig, 'preVote' | 'checkQuorum' | 'leaseReads' | 'countOldTerms' | 'ignoreAccepted'>
>;

/** coreFlags maps unsafe settings onto a protocol core's config (the node process and the simulator alike). */
export function coreFlags(u: UnsafeSettings): CoreFlags {
  return {
    preVote: u.prevote,
    checkQuorum: u.checkQuorum,
    leaseReads: u.reads === 'lease',
    countOldTerms: u.commitRule === 'count-old-terms',
    ignoreAccepted: !u.adoptHighestAccepted,
  };
}
