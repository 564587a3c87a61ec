/**
 * useConsoleStore runs console lines: each line is read against the command table
 * (console/commands.ts) and its entry's run calls the store action and prints one answer
 * that says which node served it and how long it took. Keeps the scrollback, the input
 * history (↑/↓), Tab's last candidates and the load progress, and prints the outcome of
 * every export of the run, whichever button or command started it.
 */
import { defineStore } from 'pinia';
import { ref, watch } from 'vue';
import type { KvResponse } from '../../../src-main/api/contract';
import { assertNever } from '../../../src-main/core/types';
import { errorText } from '../api/lab-client';
import { exportText, failText, unknownText, type RequestDesc } from '../console/answers';
import type { ConsoleIO, LineKind, LoadProgress } from '../console/io';
import { complete as completeLine, prepare } from '../console/parse';
import { useClusterStore } from './cluster';
import { useReplayStore } from './replay';
import { useRunStore, type ExportOutcome } from './run';

export type { LineKind } from '../console/io';

/** ConsoleLine is one printed line; node/latencyMs say who served an answer and how fast. */
export interface ConsoleLine {
  id: number;
  kind: LineKind;
  text: string;
  node: string | null;
  latencyMs: number | null;
}

/** MAX_LINES bounds the console's scrollback. */
export const MAX_LINES = 500;
/** MAX_HISTORY bounds the ↑/↓ history. */
export const MAX_HISTORY = 200;

const baseName = (p: string): string => p.split(/[\\/]/).pop() ?? p;
const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

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

  function print(kind: LineKind, text: string, node: string | null = null, latencyMs: number | null = null): void {
    lines.value.push({ id: nextId++, kind, text, node, latencyMs });
    if (lines.value.length > MAX_LINES) lines.value.splice(0, lines.value.length - MAX_LINES);
  }

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

  function answer(r: KvResponse, okText: string, req?: RequestDesc): void {
    switch (r.outcome) {
      case 'ok':
        print('ok', okText, r.node, r.latencyMs);
        return;
      case 'fail':
        print('fail', req ? failText(req, r) : `failed: ${r.error ?? 'refused'}`, r.node, r.latencyMs);
        return;
      case 'unknown':
        print(
          'unknown',
          req ? unknownText(req, r) : `unknown: ${r.error ?? 'no answer in time'} (it may have taken effect)`,
          r.node,
          r.latencyMs,
        );
        return;
      default:
        assertNever(r.outcome, 'outcome');
    }
  }

  async function control(action: () => Promise<boolean>, okText: string, node: string | null): Promise<void> {
    const t0 = now();
    const ok = await action();
    const ms = now() - t0;
    if (ok) print('ok', okText, node, ms);
    else print('error', cluster.error ?? 'the lab refused', node, ms);
  }

  const io: ConsoleIO = {
    print,
    answer,
    control,
    clear: () => void (lines.value = []),
    setLoadProgress: (p) => void (loadProgress.value = p),
  };

  /** run executes one line and prints its answer; nothing typed can throw out of here. */
  async function run(line: string): Promise<void> {
    const trimmed = line.trim();
    if (trimmed === '') return;
    lastCompletion.value = [];
    remember(trimmed);
    print('input', trimmed);
    const p = prepare(trimmed, { nodes: cluster.nodeIds });
    if (!p.ok) return print('error', p.error);
    if (replay.active && !p.local)
      return print('error', 'replaying a saved run: close the replay to talk to the live cluster');
    running.value = true;
    try {
      await p.run(io);
    } catch (e) {
      print('error', errorText(e));
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
    print,
    run,
    historyUp,
    historyDown,
    complete,
  };
});
