/**
 * useConsoleStore runs console lines: each line is read against the command table
 * (console/commands.ts) and its entry's run calls the store action and prints one answer
 * that says which node served it and how long it took. Keeps the scrollback, the input
 * history (↑/↓), Tab's last candidates and the load progress, and prints the outcome of
 * every export of the run, whichever button or command started it.
 */
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import type { KvResponse } from '../../../src-main/api/contract';
import { assertNever } from '../../../src-main/core/types';
import { errorText } from '../api/lab-client';
import { exportText, failText, unknownText, type RequestDesc } from '../console/answers';
import type { ConsoleIO, LineKind, LoadProgress } from '../console/io';
import { complete as completeLine, prepare } from '../console/parse';
import { answersState, epochOf, staleText, type Epoch } from '../model/console-epoch';
import { useClusterStore } from './cluster';
import { useReplayStore } from './replay';
import { useRunStore, type ExportOutcome } from './run';
import { useShardsStore } from './shards';

export type { LineKind } from '../console/io';

/** ConsoleLine is one printed line; node/latencyMs say who served an answer and how fast. */
export interface ConsoleLine {
  id: number;
  kind: LineKind;
  text: string;
  node: string | null;
  latencyMs: number | null;
  /** entry: the id of the input line this line answers (its own id when it answers none, e.g. an export's outcome). */
  entry: number;
  /** at: wall-clock ms when it was printed. */
  at: number;
  /** epoch: the cluster's configuration and leaders when it was printed (null: no cluster shown). */
  epoch: Epoch | null;
}

/** MAX_LINES bounds the console's scrollback. */
export const MAX_LINES = 500;
/** MAX_HISTORY bounds the ↑/↓ history. */
export const MAX_HISTORY = 200;

const baseName = (p: string): string => p.split(/[\\/]/).pop() ?? p;
const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

type Out = (kind: LineKind, text: string, node?: string | null, latencyMs?: number | null) => void;

/** answer prints a client request's outcome in words (ok, refused, or unknown: it may have taken effect). */
function answer(out: Out, r: KvResponse, okText: string, req?: RequestDesc): void {
  switch (r.outcome) {
    case 'ok':
      return out('ok', okText, r.node, r.latencyMs);
    case 'fail':
      return out('fail', req ? failText(req, r) : `failed: ${r.error ?? 'refused'}`, r.node, r.latencyMs);
    case 'unknown':
      return out(
        'unknown',
        req ? unknownText(req, r) : `unknown: ${r.error ?? 'no answer in time'} (it may have taken effect)`,
        r.node,
        r.latencyMs,
      );
    default:
      assertNever(r.outcome, 'outcome');
  }
}

export const useConsoleStore = defineStore('console', () => {
  const lines = ref<ConsoleLine[]>([]);
  const history = ref<string[]>([]);
  /** cursor: position in history while browsing with ↑/↓ (history.length = the fresh line). */
  const cursor = ref(0);
  const draft = ref('');
  const running = ref(false);
  const loadProgress = ref<LoadProgress | null>(null);
  const lastCompletion = ref<string[]>([]);
  let nextId = 1;
  const cluster = useClusterStore();
  const replay = useReplayStore();
  const runStore = useRunStore();
  const shards = useShardsStore();
  /** epoch: the state the cluster is in now, as an answer would report it. */
  const epoch = computed(() =>
    epochOf(cluster.displayed, cluster.displayed?.settings.shards ? (shards.view?.config ?? null) : null),
  );

  /** add prints one line as part of entry `of` (null: an entry of its own) and returns its id. */
  function add(kind: LineKind, text: string, node: string | null, latencyMs: number | null, of: number | null): number {
    const id = nextId++;
    lines.value.push({ id, kind, text, node, latencyMs, entry: of ?? id, at: Date.now(), epoch: epoch.value });
    if (lines.value.length > MAX_LINES) lines.value.splice(0, lines.value.length - MAX_LINES);
    return id;
  }

  function print(kind: LineKind, text: string, node: string | null = null, latencyMs: number | null = null): void {
    add(kind, text, node, latencyMs, null);
  }

  /**
   * stale maps each console entry (an input line and its answers) that read state in an older
   * state than now to what changed since ("as of configuration 2; now configuration 3, g3
   * leader n12 (term 5)"); an entry is judged by its newest line (its answer). Writes and
   * actions are not stamped: what they did stays true (answersState).
   */
  const stale = computed<Map<number, string>>(() => {
    const newest = new Map<number, Epoch | null>();
    const reads = new Set<number>();
    for (const l of lines.value) {
      newest.set(l.entry, l.epoch);
      if (l.kind === 'input' && answersState(l.text)) reads.add(l.entry);
    }
    const out = new Map<number, string>();
    for (const [id, e] of newest) {
      if (!reads.has(id)) continue;
      const t = staleText(e, epoch.value);
      if (t !== null) out.set(id, t);
    }
    return out;
  });

  function printExport(o: ExportOutcome | null): void {
    if (!o) return;
    if (o.ok) {
      const r = o.result;
      print(r.check?.ok === false ? 'fail' : 'ok', exportText(r.dir, r.files.map(baseName), r.check), null, o.ms);
    } else print('error', o.error);
  }
  // Synchronous, so the answer lands right after the line that asked for it.
  watch(() => runStore.last, printExport, { flush: 'sync' });

  function remember(line: string): void {
    if (history.value[history.value.length - 1] !== line) history.value.push(line);
    if (history.value.length > MAX_HISTORY) history.value.splice(0, history.value.length - MAX_HISTORY);
    cursor.value = history.value.length;
    draft.value = '';
  }

  /** historyUp returns the previous line to show in the input (keeps the unsent draft). */
  function historyUp(current: string): string {
    if (cursor.value === history.value.length) draft.value = current;
    if (cursor.value > 0) cursor.value--;
    return history.value[cursor.value] ?? current;
  }

  /** historyDown returns the next line, or the draft after the newest. */
  function historyDown(current: string): string {
    if (cursor.value >= history.value.length) return current;
    cursor.value++;
    return cursor.value === history.value.length ? draft.value : (history.value[cursor.value] ?? current);
  }

  /** complete is Tab: extends the line to a command or what the command completes; lists the options when ambiguous. */
  function complete(line: string): string {
    const c = completeLine(line, cluster.nodeIds);
    lastCompletion.value = c.options;
    return c.line;
  }

  /** ioFor is the console's output for one entry: every line a command prints belongs to the line that asked for it. */
  function ioFor(of: number | null): ConsoleIO {
    const out = (kind: LineKind, text: string, node: string | null = null, latencyMs: number | null = null): void =>
      void add(kind, text, node, latencyMs, of);
    return {
      print: out,
      answer: (r, okText, req) => answer(out, r, okText, req),
      control: async (action, okText, node) => {
        const t0 = now();
        const ok = await action();
        const ms = now() - t0;
        if (ok) out('ok', okText, node, ms);
        else out('error', cluster.error ?? 'the lab refused', node, ms);
      },
      clear: () => void (lines.value = []),
      setLoadProgress: (p) => void (loadProgress.value = p),
    };
  }

  /** run executes one line and prints its answer; nothing typed can throw out of here. */
  async function run(line: string): Promise<void> {
    const trimmed = line.trim();
    if (trimmed === '') return;
    lastCompletion.value = [];
    remember(trimmed);
    const io = ioFor(add('input', trimmed, null, null, null));
    const p = prepare(trimmed, { nodes: cluster.nodeIds });
    if (!p.ok) return io.print('error', p.error);
    if (replay.active && !p.local)
      return io.print('error', 'replaying a saved run: close the replay to talk to the live cluster');
    running.value = true;
    try {
      await p.run(io);
    } catch (e) {
      io.print('error', errorText(e));
    } finally {
      running.value = false;
    }
  }

  return {
    lines,
    history,
    cursor,
    running,
    loadProgress,
    lastCompletion,
    stale,
    print,
    run,
    historyUp,
    historyDown,
    complete,
  };
});
