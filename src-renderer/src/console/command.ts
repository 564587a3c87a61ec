/**
 * What one console command is: the shape of a table entry (name, aliases, argument
 * grammar, help, completion, run) and `command`, which turns an entry into the form the
 * console reads lines with.
 */
import { BALANCE_ALGORITHMS } from '../../../src-main/core/balance/types';
import type { Args, ParseContext } from './grammar';
import type { ConsoleIO } from './io';

/** Completer says what Tab offers for the word being typed after a command's name. */
export interface Completer {
  /** options lists every candidate (filtered by the typed prefix afterwards). */
  options(ctx: ParseContext): readonly string[];
  /** word matches the word being typed at the end of the line. */
  word: RegExp;
  /** space: a single match is followed by a space (not for node ids, which may be followed by , | or ->). */
  space: boolean;
}

/** NODE_IDS completes node ids after spaces, commas, pipes and arrows. */
export const NODE_IDS: Completer = { options: (ctx) => ctx.nodes, word: /([^\s,|<>-]*)$/, space: false };
/** ALGORITHMS completes the gateway's balancing algorithms. */
export const ALGORITHMS: Completer = { options: () => BALANCE_ALGORITHMS, word: /(\S*)$/, space: true };

/** CommandSpec is one console command as written in the table: C is the parsed command's tag, A its arguments. */
export interface CommandSpec<N extends string, C extends string, A extends object> {
  name: N;
  /** cmd tags the parsed command (defaults to the name). */
  cmd?: C;
  aliases?: readonly string[];
  usage: string;
  about: string;
  details?: readonly string[];
  complete?: Completer;
  /** local: touches no live cluster, so it also runs while a saved run is replayed. */
  local?: boolean;
  parse(a: Args, ctx: ParseContext): A;
  run(a: A, io: ConsoleIO): Promise<void> | void;
}

/** Bound is a parsed line: the command (plain data, for tests and logs) and its run, bound to it. */
export interface Bound<P> {
  command: P;
  run(io: ConsoleIO): Promise<void>;
}

/** ConsoleCommand is one entry of COMMANDS; `read` parses the arguments and binds `run` to them. */
export interface ConsoleCommand<P = { cmd: string }> {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly usage: string;
  readonly about: string;
  readonly details: readonly string[];
  readonly complete: Completer | null;
  readonly local: boolean;
  read(a: Args, ctx: ParseContext): Bound<P>;
}

/** command turns a table entry into a ConsoleCommand whose parsed command is tagged `cmd` (the name by default). */
export function command<N extends string, A extends object, C extends string = N>(
  s: CommandSpec<N, C, A>,
): ConsoleCommand<{ cmd: C } & A> {
  const cmd = (s.cmd ?? s.name) as C;
  return {
    name: s.name,
    aliases: s.aliases ?? [],
    usage: s.usage,
    about: s.about,
    details: s.details ?? [],
    complete: s.complete ?? null,
    local: s.local ?? false,
    read(a, ctx) {
      const args = s.parse(a, ctx);
      return { command: { cmd, ...args }, run: async (io) => s.run(args, io) };
    },
  };
}
