/**
 * How the lab starts a node process on this host: the SpawnNode hook (fork with an IPC
 * channel, the node entry chosen by ./node-entry.ts), the token-free launch config, and the
 * set of live node processes that a process 'exit' hook SIGKILLs so no node outlives the host.
 * The Supervisor (./supervisor.ts) is the only owner of these processes.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { NodeConfig, NodeLaunchConfig } from '../node/contract';
import { TEST_THROW_ENV } from '../node/fatal';
import { chooseNodeEntry, NODE_SOURCE, type NodeEntry } from './node-entry';

/** SpawnNode starts a node process for `cfg` (no token); it must have an IPC channel (fork-like). */
export type SpawnNode = (cfg: NodeLaunchConfig) => ChildProcess;

/** launchConfig is a node's config without its token: what may appear on a command line. */
export function launchConfig(cfg: NodeConfig): NodeLaunchConfig {
  const { token: _token, ...rest } = cfg;
  return rest;
}

/** NODE_MAIN is the node process entry in TypeScript (run through tsx). */
export const NODE_MAIN = NODE_SOURCE;

/** ForkOptions say how to run the node entry: which runtime, its flags, extra environment. */
export interface ForkOptions {
  /** execPath: the runtime (default: this process's; Electron passes a system `node`, or itself with ELECTRON_RUN_AS_NODE=1). */
  execPath?: string;
  /** execArgv: runtime flags (default: what the chosen entry needs, e.g. ['--import', 'tsx'] for the .ts entry). */
  execArgv?: string[];
  /** script: the node entry (default: the bundle when it is up to date, else NODE_MAIN; see ./node-entry.ts). */
  script?: string;
  /** env: added to this process's environment (e.g. QUORUM_SQLITE_BINDING). */
  env?: Record<string, string>;
}

/**
 * nodeEnv is a node's environment: this process's, less the test-only variable that makes
 * a node fail on purpose (node/fatal.ts) — a node gets that only when a test's spawner
 * names it in `extra` — plus `extra`.
 */
export function nodeEnv(extra: Record<string, string> = {}, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const { [TEST_THROW_ENV]: _test, ...inherited } = env;
  return { ...inherited, ...extra };
}

let defaultEntry: NodeEntry | null = null;

/** forkSpawner returns a SpawnNode that forks the node entry with an IPC channel; node stdout/stderr are piped. */
export function forkSpawner(o: ForkOptions = {}): SpawnNode {
  return (cfg) => {
    // Chosen once per host, at the first spawn: every node of a lab runs the same code.
    const entry = o.script === undefined ? (defaultEntry ??= chooseNodeEntry()) : null;
    return fork(o.script ?? entry!.script, ['--config', JSON.stringify(cfg)], {
      execArgv: o.execArgv ?? entry?.execArgv ?? ['--import', 'tsx'],
      ...(o.execPath ? { execPath: o.execPath } : {}),
      env: nodeEnv(o.env),
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
  };
}

/** defaultSpawnNode forks the node entry (bundled when up to date, else the .ts one under tsx) with this process's runtime. */
export const defaultSpawnNode: SpawnNode = forkSpawner();

/** DAMAGE_RUN_MS bounds a damage run (it opens one SQLite file and rewrites a few rows). */
export const DAMAGE_RUN_MS = 30_000;

/** liveNodes holds every node process of this host that has not exited yet. */
export const liveNodes = new Set<ChildProcess>();
let hooked = false;

/** killAllNodes SIGKILLs every node process of this host (sync; safe in an 'exit' hook). */
export function killAllNodes(): void {
  for (const p of liveNodes) {
    try {
      p.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
  liveNodes.clear();
}

/** hookExit installs, once per host process, the 'exit' hook that SIGKILLs every live node. */
export function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', killAllNodes);
}
