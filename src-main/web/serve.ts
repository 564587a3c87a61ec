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
import { LabService } from '../lab/lab-service';
import { DEFAULT_WEB_ROOT, HttpHost } from './http-host';
import { ensureWebBuilt } from './web-build';
import { isLoopbackBind, SHORT_TOKEN, tokenError } from './guard';
import { intOpt, parseCli, stringOpt, UsageError } from '../cli-args';

/** TOKEN_ENV names the environment variable that may hold the launch token (not shown by ps, unlike --token). */
export const TOKEN_ENV = 'QUORUM_LAB_TOKEN';

const USAGE = `usage: quorum-lab serve [options]

  --port N           HTTP port (default 4400; 0 picks a free one)
  --host H           address to bind (default 127.0.0.1; anything else is reachable
                     from other machines, and serve warns)
  --token T          the launch token every /api/* call must send as
                     Authorization: Bearer T (default: a new random one; also read
                     from $QUORUM_LAB_TOKEN, which other users cannot see in ps)
  --nodes N          cluster size, 1..15 (default 3)
  --protocol P       raft or paxos (default raft)
  --data DIR         keep clusters (DIR/clusters) and exported runs in DIR; a
                     restart with the same DIR reopens the last cluster, its
                     committed data intact (default: a temporary folder, removed
                     when serve stops)
  --heartbeat-ms N   heartbeat interval (default 100)
  --election-ms N    election timeout, randomized up to 2x (default 1000)
  --seed N           seed of the router's and balancers' randomness (default 1)
  --web DIR          the built browser UI (default dist-web/; built on first use)`;

/** ServeArgs are the parsed command-line options. */
export interface ServeArgs {
  port: number;
  host: string;
  data?: string;
  web?: string;
  /** token: the launch token chosen on the command line or in the environment (absent: a random one). */
  token?: string;
  settings: Partial<ClusterSettings>;
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
  help: { type: 'boolean', short: 'h' },
} as const;

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
    for (const k of Object.keys(raw)) if (raw[k] === undefined) delete raw[k];
    // The lab's own settings check has the last word on ranges (and election > heartbeat).
    const s = validateClusterSettings(raw);
    if (!s.ok) return s.error;
    out.settings = s.value;
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
export async function dataLines(lab: LabService, args: Pick<ServeArgs, 'data' | 'settings'>): Promise<string[]> {
  const current = (await lab.keptClusters()).find((k) => k.current);
  const out: string[] = [];
  if (args.data === undefined)
    out.push(
      `data: ${lab.dataDirectory} (temporary: removed with its clusters and exports when serve stops; use --data DIR to keep them)`,
    );
  else out.push(`data: ${lab.dataDirectory} (kept: serve --data ${args.data} again reopens the last cluster)`);
  if (!current) return out;
  const what = `${current.settings.protocol}, ${current.settings.nodes} nodes`;
  if (current.openedAt !== current.createdAt) {
    out.push(`cluster: ${current.name} (${what}) reopened from ${current.dir} with its nodes' SQLite files`);
    if (Object.keys(args.settings).length > 0)
      out.push(
        'note: --nodes, --protocol and the timer options apply to new clusters; this one keeps its own settings',
      );
  } else out.push(`cluster: ${current.name} (${what}) in ${current.dir}`);
  return out;
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
  const lab = new LabService({ settings: args.settings, dataDir, resume: args.data !== undefined });
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
