/**
 * The `quorum-lab` command: `sim` (deterministic simulator), `serve` (headless lab host),
 * `node` (one node on this host for a lab on another),
 * `compare` (Raft and Multi-Paxos under one workload and fault schedule), `check`
 * (is a client history linearizable?), `run` (a guided scenario on real processes).
 * Each subcommand lives in its own module and is loaded on demand.
 */

const USAGE = `usage: quorum-lab <command> [options]

commands:
  sim     run the deterministic simulator (one seed, or a sweep of seeds)
  serve   start a cluster and the lab's HTTP/WebSocket host
  node    run one node on this host for a lab on another (serve --listen-nodes)
  compare run one workload and fault schedule against Raft and Multi-Paxos, side by side
  check   check a client history for linearizability (lab, Jepsen log or EDN history)
  run     play a guided scenario on real processes (run --list shows them)
  help    show this text

Run 'quorum-lab <command> --help' for a command's options.`;

/** main runs the CLI and returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'sim': {
      const { simMain } = await import('./sim/cli');
      return simMain(rest);
    }
    case 'serve': {
      const { serveMain } = await import('./web/serve');
      return serveMain(rest);
    }
    case 'node': {
      const { nodeMain } = await import('./lab/node-cli');
      return nodeMain(rest);
    }
    case 'compare': {
      const { compareMain } = await import('./lab/compare-cli');
      return compareMain(rest);
    }
    case 'run': {
      const { runMain } = await import('./scenario/run-cli');
      return runMain(rest);
    }
    case 'check': {
      const { checkMain } = await import('./check-cli');
      return checkMain(rest);
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return 0;
    default:
      console.error(`quorum-lab: unknown command '${cmd}'\n\n${USAGE}`);
      return 2;
  }
}
