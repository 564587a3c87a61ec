/**
 * `quorum-lab node --join http://HOST:PORT --token T [--id n4] [--data DIR]`: run one
 * cluster node on this host for a lab started elsewhere with `serve --listen-nodes`
 * (./remote-agent.ts). Runs until SIGINT/SIGTERM or until the lab stops (exit 0); a wrong
 * token or a slot the lab does not have ends it with exit code 2.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { clip, parseCli, stringOpt, UsageError } from '../cli-args';
import { NODE_TOKEN_ENV, REMOTE_ID, cleanHostName } from '../node/remote-contract';
import { tokenError } from '../web/guard';
import { RemoteAgent } from './remote-agent';

const USAGE = `usage: quorum-lab node --join http://HOST:PORT --token T [--id n4] [--data DIR]

Run one cluster node on this host for a lab on another, started with
'quorum-lab serve --listen-nodes HOST:PORT --remote-slots n4,n5'.

  --join URL         the lab's node address (its --listen-nodes), http://HOST:PORT
  --token T          the lab's node token (serve prints it; also read from
                     $${NODE_TOKEN_ENV}, which other users cannot see in ps)
  --id ID            the remote slot to fill (default: the first free one)
  --data DIR         keep the node's SQLite files in DIR/<cluster>/ (default: a
                     temporary folder, removed when this command stops)
  --host-name NAME   the name the lab's topology shows (default: this host's name)`;

/** NodeArgs are the parsed options of `quorum-lab node`. */
export interface NodeArgs {
  labHost: string;
  labPort: number;
  token: string;
  id?: string;
  data?: string;
  hostName: string;
}

const NODE_OPTIONS = {
  join: { type: 'string' },
  token: { type: 'string' },
  id: { type: 'string' },
  data: { type: 'string' },
  'host-name': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** parseJoinUrl reads http://HOST:PORT (no path, no credentials); returns host and port or what is wrong. */
export function parseJoinUrl(raw: string): { host: string; port: number } | string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return `--join must be a URL like http://HOST:PORT, got '${clip(raw)}'`;
  }
  if (u.protocol !== 'http:') return `--join must start with http:// (got ${clip(u.protocol)})`;
  if (u.username || u.password) return '--join must not carry a user name or password: use --token';
  if (u.pathname !== '/' || u.search || u.hash) return '--join takes only http://HOST:PORT, no path';
  if (u.port === '') return "--join needs the port of the lab's --listen-nodes address, e.g. http://10.0.0.5:7400";
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port) };
}

/** parseNodeArgs parses argv (and the token's environment variable); returns the options or a message saying what is wrong. */
export function parseNodeArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): NodeArgs | string {
  try {
    const p = parseCli(argv, NODE_OPTIONS);
    const join = stringOpt(p, 'join', undefined);
    if (join === undefined) return '--join http://HOST:PORT is required';
    const at = parseJoinUrl(join);
    if (typeof at === 'string') return at;
    const token = stringOpt(p, 'token', undefined) ?? (env[NODE_TOKEN_ENV] || undefined);
    if (token === undefined) return `--token is required (or set $${NODE_TOKEN_ENV})`;
    const bad = tokenError(token);
    if (bad) return `--token: ${bad}`;
    const out: NodeArgs = { labHost: at.host, labPort: at.port, token, hostName: cleanHostName(hostname()) };
    const id = stringOpt(p, 'id', undefined);
    if (id !== undefined) {
      if (!REMOTE_ID.test(id)) return `--id must be 1..64 of A-Z a-z 0-9 . _ -, got '${clip(id)}'`;
      out.id = id;
    }
    const data = stringOpt(p, 'data', undefined);
    if (data !== undefined) out.data = data;
    const name = stringOpt(p, 'host-name', undefined);
    if (name !== undefined) out.hostName = cleanHostName(name);
    return out;
  } catch (e) {
    if (e instanceof UsageError) return e.message;
    throw e;
  }
}

/** nodeMain runs `quorum-lab node` and resolves with the exit code once it has stopped. */
export async function nodeMain(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const args = parseNodeArgs(argv);
  if (typeof args === 'string') {
    console.error(`quorum-lab node: ${args}\n\n${USAGE}`);
    return 2;
  }
  const say = (line: string): void => console.log(`quorum-lab node: ${line}`);
  const dataDir = args.data ?? mkdtempSync(join(tmpdir(), 'quorum-node-'));
  if (args.data === undefined) say(`data: ${dataDir} (temporary: removed when this stops; use --data DIR to keep it)`);
  let wake: () => void = () => undefined;
  let code = 0;
  const done = new Promise<void>((r) => (wake = r));
  const agent = new RemoteAgent({
    labHost: args.labHost,
    labPort: args.labPort,
    token: args.token,
    ...(args.id !== undefined ? { id: args.id } : {}),
    dataDir,
    hostName: args.hostName,
    say,
    onShutdown: () => wake(),
    onFatal: () => {
      code = 2;
      wake();
    },
  });
  const onSignal = (sig: NodeJS.Signals): void => {
    say(`stopping (${sig})`);
    wake();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  say(`host ${args.hostName}: joining the lab at ${args.labHost}:${args.labPort}`);
  await agent.start();
  await done;
  await agent.stop();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  if (args.data === undefined) rmSync(dataDir, { recursive: true, force: true, maxRetries: 3 });
  return code;
}
