/**
 * The command line of every bench entry point that takes flags: `--help`/`-h` prints the
 * usage and exits 0; an unknown flag, a missing value or a value out of range prints one
 * plain line and the usage and exits 2, before anything starts (a profiling or load run
 * must never start on a mistyped flag).
 */
import { parseCli, UsageError, type OptionSpec, type ParsedCli } from '../src-main/cli-args';

/** BenchArgs is a parsed command line (`opts`) or the exit code to end with now (`exit`). */
export type BenchArgs<T> = { opts: T; exit?: undefined } | { exit: 0 | 2; opts?: undefined };

/**
 * benchArgs parses `argv` against `options` (names without `--`; `help` is added) and reads
 * them with `read`, which may throw a UsageError for a value it refuses. `name` prefixes the
 * error line.
 */
export function benchArgs<T>(
  name: string,
  argv: string[],
  options: Record<string, OptionSpec>,
  usage: string,
  read: (p: ParsedCli) => T,
): BenchArgs<T> {
  try {
    const p = parseCli(argv, { ...options, help: { type: 'boolean', short: 'h' } });
    if (p.values.help === true) {
      console.log(usage);
      return { exit: 0 };
    }
    return { opts: read(p) };
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`${name}: ${e.message}\n\n${usage}`);
    return { exit: 2 };
  }
}

/** runMain runs a bench's `main(argv)` on this process's arguments: its code is the exit code; a throw prints its stack and exits 1. */
export function runMain(main: (argv: string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      console.error((e as Error | undefined)?.stack ?? e);
      process.exitCode = 1;
    },
  );
}
