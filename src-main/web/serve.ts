/**
 * `quorum-lab serve`: start a cluster and the HTTP/WebSocket host, print the URL, and run
 * until SIGINT/SIGTERM/SIGHUP (or until the parent process goes away); then stop every
 * node process and return. A node never outlives the host: the supervisor SIGKILLs the
 * nodes from a process 'exit' hook too, and nodes exit when their IPC channel closes.
 *
 * With `--data DIR` the lab keeps its clusters there (DIR/clusters/<name>: node files,
 * settings, run log) and its exports; a later `serve --data DIR` reopens the last cluster
 * on its own files. Without it, everything goes to a new temporary folder that serve
 * names at start and removes when it stops. The browser UI is built on first use
 * (./web-build.ts).
 */
import type { ClusterSettings } from '../api/contract';
import { validateClusterSettings } from '../api/schemas';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SETTINGS, LabService } from '../lab/lab-service';
import { DEFAULT_WEB_ROOT, HttpHost } from './http-host';
import { ensureWebBuilt } from './web-build';
import { isLoopbackBind, makeToken, SHORT_TOKEN, tokenError } from './guard';
import { NODE_TOKEN_ENV } from '../node/remote-contract';
import { clip, intOpt, parseCli, stringOpt, UsageError, type ParsedCli } from '../cli-args';

/** MAX_MEMBERS bounds a cluster's members, local and remote (a node's config allows 15 peers). */
const MAX_MEMBERS = 15;

/** TOKEN_ENV names the environment variable that may hold the launch token (not shown by ps, unlike --token). */
export const TOKEN_ENV = 'QUORUM_LAB_TOKEN';

const USAGE = `usage: quorum-lab serve [options]

  --port N           HTTP port (default 4400; 0 picks a free one)
  --host H           address to bind (default 127.0.0.1; anything else is reachable
                     from other machines, and serve warns)
  --token T          the launch token every /api/* call must send as
                     Authorization: Bearer T (default: a new random one; also read
                     from $QUORUM_LAB_TOKEN, which other users cannot see in ps)
  --nodes N          cluster size, 1..15 (default 3); with --groups, the size of
                     each group and of the shard controller's group
  --protocol P       raft or paxos (default raft)
  --groups G         a sharded cluster: a shard controller group and G replica
                     groups (1..7) of --nodes each, at most 24 processes
  --spare-groups N   with --groups: N more groups started but not joined, for
                     'join g4' (POST /api/shards/join) to bring in
  --shards S         with --groups: the number of shards, 1..64 (default 12)
  --scheme K         with --groups: how keys map to shards, range (equal hash
                     ranges, default) or ring (consistent hashing)
  --vnodes V         with --scheme ring: virtual nodes per shard (default 64)
  --data DIR         keep clusters (DIR/clusters) and exported runs in DIR; a
                     restart with the same DIR reopens the last cluster, its
                     committed data intact (default: a temporary folder, removed
                     when serve stops)
  --heartbeat-ms N   heartbeat interval (default 100)
  --election-ms N    election timeout, randomized up to 2x (default 1000)
  --seed N           seed of the router's and balancers' randomness (default 1)
  --web DIR          the built browser UI (default dist-web/; built on first use)
  --listen-nodes A   listen on A (HOST:PORT) for nodes on other hosts
                     ('quorum-lab node --join http://A --token T'); needs
                     --remote-slots; serve warns: any host that reaches A and
                     knows the node token runs a member of the cluster
  --remote-slots L   ids of the members other hosts run, e.g. n4,n5: the
                     cluster is --nodes local nodes plus these, which stay down
                     until their node joins
  --node-token T     the token remote nodes must present (default: a new random
                     one, printed; also read from $QUORUM_LAB_NODE_TOKEN)`;

/** ServeArgs are the parsed command-line options. */
export interface ServeArgs {
  port: number;
  host: string;
  data?: string;
  web?: string;
  /** token: the launch token chosen on the command line or in the environment (absent: a random one). */
  token?: string;
  settings: Partial<ClusterSettings>;
  /** remote: where to listen for nodes on other hosts, and the slots they fill (absent: none). */
  remote?: { host: string; port: number; slots: string[]; token?: string };
}

/** SERVE_OPTIONS are the options `serve` takes (names without `--`). */
const SERVE_OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  nodes: { type: 'string' },
  protocol: { type: 'string' },
  data: { type: 'string' },
  'heartbeat-ms': { type: 'string' },
  'election-ms': { type: 'string' },
  seed: { type: 'string' },
  web: { type: 'string' },
  token: { type: 'string' },
  'listen-nodes': { type: 'string' },
  'remote-slots': { type: 'string' },
  'node-token': { type: 'string' },
  groups: { type: 'string' },
  'spare-groups': { type: 'string' },
  shards: { type: 'string' },
  scheme: { type: 'string' },
  vnodes: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** parseRemote reads --listen-nodes, --remote-slots and --node-token (all or none); local ids are n1..n<nodes>. */
function parseRemote(p: ParsedCli, env: NodeJS.ProcessEnv, nodes: number): ServeArgs['remote'] | string {
  const listen = stringOpt(p, 'listen-nodes', undefined);
  const slotsRaw = stringOpt(p, 'remote-slots', undefined);
  const token = stringOpt(p, 'node-token', undefined) ?? (env[NODE_TOKEN_ENV] || undefined);
  if (listen === undefined) {
    if (slotsRaw !== undefined) return '--remote-slots needs --listen-nodes HOST:PORT (where remote nodes connect)';
    return undefined;
  }
  const m = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]]+):(\d{1,5})$/.exec(listen);
  if (!m || Number(m[2]) > 65535) return `--listen-nodes must be HOST:PORT, got '${clip(listen)}'`;
  if (slotsRaw === undefined) return '--listen-nodes needs --remote-slots, e.g. --remote-slots n4,n5';
  const slots = slotsRaw.split(',').map((x) => x.trim());
  for (const id of slots)
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(id)) return `--remote-slots: '${clip(id)}' is not a node id (A-Z a-z 0-9 . _ -)`;
  if (new Set(slots).size !== slots.length) return '--remote-slots must not repeat an id';
  const local = Array.from({ length: nodes }, (_, i) => `n${i + 1}`);
  const clash = slots.find((id) => local.includes(id));
  if (clash) return `--remote-slots: ${clash} is already a local node (local nodes are ${local.join(', ')})`;
  if (nodes + slots.length > MAX_MEMBERS) return `--nodes plus --remote-slots is at most ${MAX_MEMBERS} members`;
  if (token !== undefined) {
    const bad = tokenError(token);
    if (bad) return `--node-token: ${bad}`;
  }
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]), slots, ...(token ? { token } : {}) };
}

/** shardOptions reads --groups, --shards, --scheme and --vnodes into the `shards` setting (undefined: not sharded). */
function shardOptions(p: ParsedCli): Record<string, unknown> | string | undefined {
  const groups = intOpt(p, 'groups', 0, Number.MAX_SAFE_INTEGER);
  const shards = intOpt(p, 'shards', 0, Number.MAX_SAFE_INTEGER);
  const scheme = stringOpt(p, 'scheme', undefined);
  const vnodes = intOpt(p, 'vnodes', 0, Number.MAX_SAFE_INTEGER);
  const spare = intOpt(p, 'spare-groups', 0, Number.MAX_SAFE_INTEGER);
  if (groups === undefined) {
    const given: [string, unknown][] = [
      ['--shards', shards],
      ['--scheme', scheme],
      ['--vnodes', vnodes],
      ['--spare-groups', spare],
    ];
    const stray = given.find(([, v]) => v !== undefined)?.[0] ?? null;
    return stray ? `${stray} needs --groups G (a sharded cluster)` : undefined;
  }
  if (vnodes !== undefined && scheme !== 'ring') return '--vnodes needs --scheme ring';
  const out: Record<string, unknown> = { groups, scheme: scheme ?? 'range' };
  if (shards !== undefined) out.shards = shards;
  if (vnodes !== undefined) out.vnodes = vnodes;
  if (spare !== undefined) out.spare = spare;
  return out;
}

/** parseServeArgs parses argv (and the token's environment variable); returns the options or a message saying what is wrong. */
export function parseServeArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): ServeArgs | string {
  try {
    const p = parseCli(argv, SERVE_OPTIONS);
    const out: ServeArgs = {
      port: intOpt(p, 'port', 0, 65535, 4400),
      host: stringOpt(p, 'host', '127.0.0.1'),
      settings: {},
    };
    const data = stringOpt(p, 'data', undefined);
    const web = stringOpt(p, 'web', undefined);
    if (data !== undefined) out.data = data;
    if (web !== undefined) out.web = web;
    const token = stringOpt(p, 'token', undefined) ?? (env[TOKEN_ENV] || undefined);
    if (token !== undefined) {
      const bad = tokenError(token);
      if (bad) return `--token: ${bad}`;
      out.token = token;
    }
    const raw: Record<string, unknown> = {
      protocol: stringOpt(p, 'protocol', undefined),
      nodes: intOpt(p, 'nodes', 0, Number.MAX_SAFE_INTEGER),
      heartbeatMs: intOpt(p, 'heartbeat-ms', 0, Number.MAX_SAFE_INTEGER),
      electionMs: intOpt(p, 'election-ms', 0, Number.MAX_SAFE_INTEGER),
      seed: intOpt(p, 'seed', 0, Number.MAX_SAFE_INTEGER),
    };
    const shards = shardOptions(p);
    if (typeof shards === 'string') return shards;
    if (shards) raw.shards = shards;
    for (const k of Object.keys(raw)) if (raw[k] === undefined) delete raw[k];
    // The lab's own settings check has the last word on ranges (and election > heartbeat).
    const s = validateClusterSettings(raw);
    if (!s.ok) return s.error;
    out.settings = s.value;
    const remote = parseRemote(p, env, out.settings.nodes ?? DEFAULT_SETTINGS.nodes);
    if (typeof remote === 'string') return remote;
    if (remote) out.remote = remote;
    if (remote && out.settings.shards)
      return '--groups runs only local nodes: it cannot be combined with --listen-nodes';
    return out;
  } catch (e) {
    if (e instanceof UsageError) return e.message;
    throw e;
  }
}

/** exposureWarnings says when the lab can be reached from elsewhere, or its chosen token is short (serve prints them on stderr). */
export function exposureWarnings(args: Pick<ServeArgs, 'host' | 'token'>, port: number): string[] {
  const out: string[] = [];
  if (!isLoopbackBind(args.host))
    out.push(
      `WARNING: listening on ${args.host}:${port}, not loopback only. Anyone who can reach this port and ` +
        'knows the token controls the lab and its processes, and the traffic (token included) is plain HTTP.',
    );
  if (args.token !== undefined && args.token.length < SHORT_TOKEN)
    out.push(`WARNING: the token is shorter than ${SHORT_TOKEN} characters and easy to guess.`);
  return out;
}

/** dataLines say where the lab keeps its data, which cluster runs, and whether it was reopened. */
export async function dataLines(
  lab: LabService,
  args: Pick<ServeArgs, 'data' | 'settings' | 'remote'>,
): Promise<string[]> {
  const current = (await lab.keptClusters()).find((k) => k.current);
  const out: string[] = [];
  if (args.data === undefined)
    out.push(
      `data: ${lab.dataDirectory} (temporary: removed with its clusters and exports when serve stops; use --data DIR to keep them)`,
    );
  else out.push(`data: ${lab.dataDirectory} (kept: serve --data ${args.data} again reopens the last cluster)`);
  if (!current) return out;
  const remote = args.remote ? ` + remote ${args.remote.slots.join(', ')}` : '';
  const sh = current.settings.shards;
  const size = sh
    ? `${sh.groups} groups of ${current.settings.nodes} nodes and a shard controller`
    : `${current.settings.nodes} nodes`;
  const what = `${current.settings.protocol}, ${size}${remote}`;
  if (current.openedAt !== current.createdAt) {
    out.push(`cluster: ${current.name} (${what}) reopened from ${current.dir} with its nodes' SQLite files`);
    if (Object.keys(args.settings).length > 0)
      out.push(
        'note: --nodes, --protocol and the timer options apply to new clusters; this one keeps its own settings',
      );
  } else out.push(`cluster: ${current.name} (${what}) in ${current.dir}`);
  return out;
}

/** remoteLines warn that the lab takes nodes from other hosts, and say how a host joins. */
export function remoteLines(r: { host: string; slots: string[]; token: string }, port: number): string[] {
  const shown = r.host.includes(':') ? `[${r.host}]` : r.host;
  return [
    `WARNING: listening for remote nodes on ${shown}:${port}. Any host that reaches it and knows the node token ` +
      'runs a member of the cluster (it votes, stores the data, answers clients), and the traffic (token and data) ' +
      'is plain TCP, not encrypted: use it on a network you trust.',
    `remote slots ${r.slots.join(', ')} are down until a node joins; on each host run:`,
    `  quorum-lab node --join http://${shown}:${port} --token ${r.token} --id ${r.slots[0] ?? 'ID'}`,
  ];
}

/** serveMain runs `quorum-lab serve` and resolves with the exit code once it has stopped. */
export async function serveMain(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const args = parseServeArgs(argv);
  if (typeof args === 'string') {
    console.error(`quorum-lab serve: ${args}\n\n${USAGE}`);
    return 2;
  }
  // Without --data the lab's files live in a temporary folder that goes when serve stops.
  const dataDir = args.data ?? mkdtempSync(join(tmpdir(), 'quorum-lab-'));
  const remote = args.remote ? { ...args.remote, token: args.remote.token ?? makeToken() } : undefined;
  const lab = new LabService({
    settings: args.settings,
    dataDir,
    resume: args.data !== undefined,
    ...(remote ? { remote } : {}),
  });
  const webRoot = args.web ?? DEFAULT_WEB_ROOT;
  const host = new HttpHost({ lab, webRoot, ...(args.token ? { token: args.token } : {}) });
  let stopping: Promise<void> | null = null;
  let wake: () => void = () => undefined;
  const stopped = new Promise<void>((r) => (wake = r));
  const stop = (why: string): Promise<void> => {
    stopping ??= (async () => {
      console.error(`quorum-lab serve: stopping (${why})`);
      await host.close().catch(() => undefined);
      await lab.stop().catch(() => undefined);
      if (args.data === undefined) rmSync(dataDir, { recursive: true, force: true, maxRetries: 3 });
      wake();
    })();
    return stopping;
  };
  const onSignal = (sig: NodeJS.Signals): void => void stop(sig);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  // The parent going away (our IPC channel closes, or we are re-parented) ends the lab too.
  const onDisconnect = (): void => void stop('parent disconnected');
  if (process.send) process.on('disconnect', onDisconnect);
  const ppid = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid !== ppid) void stop('parent exited');
  }, 1000);
  watch.unref();
  try {
    const say = (line: string): void => console.error(`quorum-lab serve: ${line}`);
    const [, web] = await Promise.all([lab.start(), ensureWebBuilt(webRoot, args.web === undefined, say)]);
    if (web.built) say(`browser UI built in ${(web.ms / 1000).toFixed(1)} s`);
    else if (web.why) say(`the browser UI is not built (${web.why}): the page says how to build it`);
    const port = await host.listen(args.port, args.host);
    for (const w of exposureWarnings(args, port)) say(w);
    const shown = args.host === '0.0.0.0' || args.host === '::' ? '127.0.0.1' : args.host;
    console.log(`Quorum Lab on http://${shown.includes(':') ? `[${shown}]` : shown}:${port}/?token=${host.token}`);
    for (const line of await dataLines(lab, args)) console.log(line);
    if (remote && lab.remote?.address) for (const line of remoteLines(remote, lab.remote.address.port)) say(line);
  } catch (e) {
    console.error(`quorum-lab serve: ${(e as Error).message}`);
    await stop('start-up failed');
    return 1;
  }
  await stopped;
  clearInterval(watch);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.off('SIGHUP', onSignal);
  process.off('disconnect', onDisconnect);
  return 0;
}
