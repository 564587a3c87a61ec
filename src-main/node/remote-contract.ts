/**
 * The contract between a lab that listens for remote nodes (`serve --listen-nodes ADDR`,
 * lab/remote-nodes.ts) and a node on another host (`quorum-lab node --join`,
 * node/join.ts). The remote host runs a small agent that connects OUT to the lab; the
 * lab never dials the remote host.
 *
 * Every connection is an HTTP/1.1 upgrade to `quorum-lab-node` on the lab's listen address,
 * carrying `Authorization: Bearer <join token>`:
 *   GET /nodes/<id|any>/control   the agent's control session (frames below; X-Quorum-Host: its host name)
 *   GET /nodes/<id>/router        a byte pipe to the lab's router (the node's own Hello follows inside)
 *   GET /nodes/<id>/client/<n>    a byte pipe from the lab's gateway to the node's client port,
 *                                 opened by the agent when the control session asks ('open-client')
 * After the 101 answer, control connections carry length-prefixed JSON frames (frames.ts);
 * router and client pipes carry the router's and client port's own frames unchanged, so
 * the cluster token, the Hello checks and every router rule apply as for a local node.
 *
 * Liveness: both ends send a 'ping' every PING_MS; a side that hears nothing for
 * SILENCE_MS ends the session and every pipe of that node (a cut cable is otherwise
 * invisible to TCP for minutes). The lab then shows the node down; the agent keeps its
 * node process running and reconnects.
 *
 * Crash and pause are commands the agent obeys on its own host (SIGKILL / SIGSTOP of the
 * node process it started), so a remote node crashes and pauses like a local one.
 */
import type { NodeStatus } from '../core/types';
import {
  array,
  bool,
  describe,
  fail,
  int,
  isRecord,
  nullable,
  num,
  oneOf,
  optional,
  record,
  str,
  valueOrError,
  type Rec,
} from '../core/validate';
import { PROTOCOLS, type ProtocolName } from '../core/protocols';
import type { NodeFatal, NodeInspect } from './contract';
import { fatalOf } from './fatal';

/** NODE_TOKEN_ENV names the environment variable that may hold the node token (`serve` and `node`; unlike a flag, not shown by ps). */
export const NODE_TOKEN_ENV = 'QUORUM_LAB_NODE_TOKEN';
/** UPGRADE_PROTOCOL is the HTTP Upgrade token of every remote-node connection. */
export const UPGRADE_PROTOCOL = 'quorum-lab-node';
/** PING_MS: how often each end of a control session says it is alive. */
export const PING_MS = 400;
/** SILENCE_MS: a control session silent this long is dead (its node shows down; the agent reconnects). */
export const SILENCE_MS = 2000;
/** MAX_CONTROL_FRAME_BYTES bounds one control frame (an inspect reply is the largest). */
export const MAX_CONTROL_FRAME_BYTES = 8 * 1024 * 1024;
/** MAX_HOST_NAME_BYTES bounds the host name an agent reports. */
export const MAX_HOST_NAME_BYTES = 255;
/** REMOTE_ID: what a remote slot id may look like (the node config's id rule). */
export const REMOTE_ID = /^[A-Za-z0-9_.-]{1,64}$/;
/** CLUSTER_NAME: the cluster's folder name, which names the agent's data folder for it. */
const CLUSTER_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

/** RemoteNodeSettings are the cluster settings a remote node needs (the lab's NodeConfig minus local paths and ports). */
export interface RemoteNodeSettings {
  peers: string[];
  protocol: ProtocolName;
  heartbeatMs: number;
  electionMs: number;
  tickMs: number;
  timeScale: number;
  seed: number;
  snapshotEvery: number;
  maxStoreBytes: number;
}

/** LabToAgent is a control frame from the lab to a remote agent. */
export type LabToAgent =
  | { t: 'welcome'; id: string; cluster: string; token: string; settings: RemoteNodeSettings }
  | { t: 'ping' }
  | { t: 'start' }
  | { t: 'crash' }
  | { t: 'pause' }
  | { t: 'resume' }
  | { t: 'inspect'; reqId: number; lastN: number }
  | { t: 'time-scale'; scale: number }
  | { t: 'open-client'; stream: number }
  /** stop: the cluster this node belonged to is closed; stop the node process and reconnect for the next one. */
  | { t: 'stop'; reason: string }
  /** shutdown: the lab is stopping; stop the node process and exit. */
  | { t: 'shutdown' };

/** AgentToLab is a control frame from a remote agent to the lab. */
export type AgentToLab =
  | { t: 'ping' }
  | { t: 'ready'; pid: number; paused: boolean }
  | { t: 'status'; status: NodeStatus; lastApplied: number; damaged: boolean }
  | { t: 'event'; kind: string; detail: Record<string, unknown> }
  | { t: 'inspect-reply'; reqId: number; inspect: NodeInspect }
  /** exit: the node process is gone; `fatal`, the error it reported dying of (node/fatal.ts). */
  | { t: 'exit'; code: number | null; signal: string | null; expected: boolean; fatal?: NodeFatal };

const ROLES = ['follower', 'candidate', 'precandidate', 'leader', 'learner'] as const;
const id = (x: unknown, path: string): string => str(x, path, { min: 1, max: 64, pattern: REMOTE_ID });
const index = (x: unknown, path: string): number => int(x, path, 0, Number.MAX_SAFE_INTEGER);

function settingsOf(x: unknown): RemoteNodeSettings {
  const o = record(x, 'welcome.settings');
  return {
    peers: array(o.peers, 'peers', { min: 1, max: 64 }, id),
    protocol: oneOf(o.protocol, 'protocol', PROTOCOLS),
    heartbeatMs: num(o.heartbeatMs, 'heartbeatMs', 1, 60_000),
    electionMs: num(o.electionMs, 'electionMs', 1, 600_000),
    tickMs: num(o.tickMs, 'tickMs', 1, 10_000),
    timeScale: num(o.timeScale, 'timeScale', 0.001, 1000),
    seed: int(o.seed, 'seed', 0, 2 ** 32 - 1),
    snapshotEvery: int(o.snapshotEvery, 'snapshotEvery', 0, 1e9),
    maxStoreBytes: int(o.maxStoreBytes, 'maxStoreBytes', 1, 64 * 1024 ** 3),
  };
}

/** validateLabToAgent checks a control frame the agent received; returns it or what is wrong. */
export function validateLabToAgent(x: unknown): LabToAgent | string {
  return valueOrError((): LabToAgent => {
    const o = record(x, 'control frame');
    switch (o.t) {
      case 'welcome':
        return {
          t: 'welcome',
          id: id(o.id, 'id'),
          cluster: str(o.cluster, 'cluster', { min: 1, max: 128, pattern: CLUSTER_NAME }),
          token: str(o.token, 'token', { min: 1, max: 256 }),
          settings: settingsOf(o.settings),
        };
      case 'ping':
      case 'start':
      case 'crash':
      case 'pause':
      case 'resume':
      case 'shutdown':
        return { t: o.t };
      case 'inspect':
        return { t: 'inspect', reqId: index(o.reqId, 'reqId'), lastN: int(o.lastN, 'lastN', 0, 1000) };
      case 'time-scale':
        return { t: 'time-scale', scale: num(o.scale, 'scale', 0.001, 1000) };
      case 'open-client':
        return { t: 'open-client', stream: index(o.stream, 'stream') };
      case 'stop':
        return { t: 'stop', reason: str(o.reason, 'reason', { max: 256 }) };
      default:
        return fail(`unknown control frame t=${describe(o.t)}`);
    }
  });
}

function statusOf(x: unknown): NodeStatus {
  const o = record(x, 'status');
  const conf = record(o.conf, 'status.conf');
  return {
    id: id(o.id, 'status.id'),
    role: oneOf(o.role, 'status.role', ROLES),
    term: index(o.term, 'status.term'),
    vote: nullable(o.vote, (v) => id(v, 'status.vote')),
    leader: nullable(o.leader, (v) => id(v, 'status.leader')),
    commitIndex: index(o.commitIndex, 'status.commitIndex'),
    lastIndex: index(o.lastIndex, 'status.lastIndex'),
    lastTerm: index(o.lastTerm, 'status.lastTerm'),
    firstIndex: index(o.firstIndex, 'status.firstIndex'),
    // The lab reads only the fields above; conf and progress are shown as they came, bounded by the frame.
    conf: conf as unknown as NodeStatus['conf'],
    progress: nullable(o.progress, (v) => array(v, 'status.progress', { max: 64 }, (p) => record(p, 'progress'))) as
      NodeStatus['progress'] | null,
  };
}

/** validateAgentToLab checks a control frame the lab received from a remote agent; returns it or what is wrong. */
export function validateAgentToLab(x: unknown): AgentToLab | string {
  return valueOrError((): AgentToLab => {
    const o: Rec = record(x, 'control frame');
    switch (o.t) {
      case 'ping':
        return { t: 'ping' };
      case 'ready':
        return { t: 'ready', pid: index(o.pid, 'pid'), paused: bool(o.paused, 'paused') };
      case 'status':
        return {
          t: 'status',
          status: statusOf(o.status),
          lastApplied: index(o.lastApplied, 'lastApplied'),
          damaged: bool(o.damaged, 'damaged'),
        };
      case 'event': {
        const detail = optional(o.detail, (v) => record(v, 'detail')) ?? {};
        return { t: 'event', kind: str(o.kind, 'kind', { min: 1, max: 64, pattern: /^[a-z-]+$/ }), detail };
      }
      case 'inspect-reply':
        if (!isRecord(o.inspect)) fail('inspect must be an object');
        return { t: 'inspect-reply', reqId: index(o.reqId, 'reqId'), inspect: o.inspect as unknown as NodeInspect };
      case 'exit':
        return {
          t: 'exit',
          code: nullable(o.code, (v) => int(v, 'code', -1e9, 1e9)),
          signal: nullable(o.signal, (v) => str(v, 'signal', { max: 32 })),
          expected: bool(o.expected, 'expected'),
          ...fatalField(o.fatal),
        };
      default:
        return fail(`unknown control frame t=${describe(o.t)}`);
    }
  });
}

/** fatalField is an exit frame's `fatal`, checked and clipped (fatal.ts); a malformed one is refused. */
function fatalField(x: unknown): { fatal?: NodeFatal } {
  if (x === undefined) return {};
  const f = fatalOf(x);
  if (f === null) fail('exit.fatal must be {origin, message, stack}');
  return { fatal: f };
}

/** cleanHostName keeps a reported host name to letters, digits and `.-_` (it is shown in the UI and the log). */
export function cleanHostName(raw: string | undefined): string {
  const s = (raw ?? '').replace(/[^A-Za-z0-9._-]/g, '').slice(0, MAX_HOST_NAME_BYTES);
  return s === '' ? 'unknown-host' : s;
}
