/** What a console command's `run` may do to the console: print answers, time lab actions, clear, show load progress. */
import type { KvResponse } from '../../../src-main/api/contract';
import type { RequestDesc } from './answers';

/** LineKind styles a console line. */
export type LineKind = 'input' | 'ok' | 'fail' | 'unknown' | 'error' | 'info';

/** LoadProgress is a running load's operations done out of its total. */
export interface LoadProgress {
  done: number;
  total: number;
}

/** ConsoleIO is the console as a command's `run` sees it (the console store implements it). */
export interface ConsoleIO {
  /** print adds one line; node and latencyMs say who served an answer and how fast. */
  print(kind: LineKind, text: string, node?: string | null, latencyMs?: number | null): void;
  /** answer prints a client request's answer: okText when ok, else what was found and what it means (req: what was asked). */
  answer(r: KvResponse, okText: string, req?: RequestDesc): void;
  /** control times a store action that answers whether the lab accepted it, and prints okText or the lab's refusal. */
  control(action: () => Promise<boolean>, okText: string, node: string | null): Promise<void>;
  /** clear empties the scrollback. */
  clear(): void;
  /** setLoadProgress shows (or, with null, hides) the load progress bar. */
  setLoadProgress(p: LoadProgress | null): void;
}
