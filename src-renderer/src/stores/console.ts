/**
 * useConsoleStore runs console lines: parse (pure), then call the lab through the other
 * stores or the LabClient, and print one answer per command that says which node served
 * it and how long it took. Keeps the input history (↑/↓) and the load progress.
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { KvResponse } from '../../../src-main/api/contract';
import { assertNever } from '../../../src-main/core/types';
import { errorText, labClient } from '../api/lab-client';
import { complete as completeLine, HELP, parse, type Command } from '../console/parse';
// eslint-disable-next-line import-x/no-cycle -- until the renderer reaches the lab only through src-main/api (structure work in progress)
import { useClusterStore } from './cluster';
import { useReplayStore } from './replay';

/** LineKind styles a console line. */
export type LineKind = 'input' | 'ok' | 'fail' | 'unknown' | 'error' | 'info';

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
  const loadProgress = ref<{ done: number; total: number } | null>(null);
  const lastCompletion = ref<string[]>([]);
  let nextId = 1;

  function print(kind: LineKind, text: string, node: string | null = null, latencyMs: number | null = null): void {
    lines.value.push({ id: nextId++, kind, text, node, latencyMs });
    if (lines.value.length > MAX_LINES) lines.value.splice(0, lines.value.length - MAX_LINES);
  }

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

  /** complete is Tab: extends the line to a command or node id; lists the options when ambiguous. */
  function complete(line: string): string {
    const c = completeLine(line, useClusterStore().nodeIds);
    lastCompletion.value = c.options;
    return c.line;
  }

  function kvAnswer(r: KvResponse, okText: string): void {
    switch (r.outcome) {
      case 'ok':
        print('ok', okText, r.node, r.latencyMs);
        return;
      case 'fail':
        print('fail', `failed: ${r.error ?? 'refused'}`, r.node, r.latencyMs);
        return;
      case 'unknown':
        print('unknown', `unknown: ${r.error ?? 'no answer in time'} (it may have taken effect)`, r.node, r.latencyMs);
        return;
      default:
        assertNever(r.outcome, 'outcome');
    }
  }

  /** run executes one line and prints its answer; nothing typed can throw out of here. */
  async function run(line: string): Promise<void> {
    const trimmed = line.trim();
    if (trimmed === '') return;
    lastCompletion.value = [];
    remember(trimmed);
    print('input', trimmed);
    const cluster = useClusterStore();
    const parsed = parse(trimmed, { nodes: cluster.nodeIds });
    if (!parsed.ok) {
      print('error', parsed.error);
      return;
    }
    running.value = true;
    try {
      await execute(parsed.command);
    } catch (e) {
      print('error', errorText(e));
    } finally {
      running.value = false;
    }
  }

  /** control runs a cluster-store action and prints its outcome, timed here. */
  async function control(fn: () => Promise<boolean>, okText: string, node: string | null): Promise<void> {
    const cluster = useClusterStore();
    const t0 = now();
    const ok = await fn();
    const ms = now() - t0;
    if (ok) print('ok', okText, node, ms);
    else print('error', cluster.error ?? 'the lab refused', node, ms);
  }

  async function execute(c: Command): Promise<void> {
    const cluster = useClusterStore();
    const client = labClient();
    if (useReplayStore().active && !['help', 'clear'].includes(c.cmd)) {
      print('error', 'replaying a saved run: close the replay to talk to the live cluster');
      return;
    }
    switch (c.cmd) {
      case 'put':
        kvAnswer(await client.kv({ op: 'put', key: c.key, value: c.value }), 'OK');
        return;
      case 'get': {
        const r = await client.kv({ op: 'get', key: c.key });
        kvAnswer(r, r.value === null ? '(nil)' : r.value);
        return;
      }
      case 'delete':
        kvAnswer(await client.kv({ op: 'delete', key: c.key }), 'deleted');
        return;
      case 'cas': {
        const r = await client.kv({ op: 'cas', key: c.key, expected: c.expected, value: c.value });
        kvAnswer(r, 'swapped');
        return;
      }
      case 'crash':
        return control(() => cluster.crash(c.node), `${c.node} crashed`, c.node);
      case 'restart':
        return control(() => cluster.restart(c.node), `${c.node} restarted`, c.node);
      case 'pause':
        return control(() => cluster.pause(c.node), `${c.node} paused`, c.node);
      case 'resume':
        return control(() => cluster.resume(c.node), `${c.node} resumed`, c.node);
      case 'inspect':
        cluster.selectNode(c.node);
        print('info', `inspecting ${c.node}`);
        return;
      case 'partition':
        return control(
          () => cluster.partition(c.groups),
          `partitioned ${c.groups.map((g) => g.join(',')).join(' | ')}`,
          null,
        );
      case 'heal':
        return control(() => cluster.heal(), 'healed: every cut and link rule removed', null);
      case 'latency':
        return control(
          () => cluster.setLink({ from: c.from, to: c.to, both: c.both, latencyMs: c.latencyMs, jitterMs: c.jitterMs }),
          `${c.from}${c.both ? '<->' : '->'}${c.to} latency ${c.latencyMs} ms ±${c.jitterMs} ms`,
          null,
        );
      case 'loss':
        return control(
          () => cluster.setLink({ from: c.from, to: c.to, both: c.both, loss: c.loss }),
          `${c.from}${c.both ? '<->' : '->'}${c.to} loss ${Math.round(c.loss * 1000) / 10}%`,
          null,
        );
      case 'duplicate':
        return control(
          () => cluster.setLink({ from: c.from, to: c.to, both: c.both, duplicate: c.duplicate }),
          `${c.from}${c.both ? '<->' : '->'}${c.to} duplication ${Math.round(c.duplicate * 1000) / 10}%`,
          null,
        );
      case 'block':
      case 'unblock':
        return control(
          () => cluster.setLink({ from: c.from, to: c.to, both: c.both, blocked: c.cmd === 'block' }),
          `${c.from}${c.both ? '<->' : '->'}${c.to} ${c.cmd === 'block' ? 'cut' : 'restored'}`,
          null,
        );
      case 'load': {
        loadProgress.value = { done: 0, total: c.count };
        try {
          const s = await client.load({ op: c.op, count: c.count, clients: c.clients });
          print(
            s.ok === s.count ? 'ok' : 'unknown',
            `load ${c.op} ×${s.count}: ${s.ok} ok, ${s.fail} fail, ${s.unknown} unknown in ${s.seconds.toFixed(2)} s — ` +
              `${Math.round(s.opsPerSec)} ops/s, p50 ${s.p50Ms.toFixed(2)} ms, p99 ${s.p99Ms.toFixed(2)} ms`,
          );
        } finally {
          loadProgress.value = null;
        }
        return;
      }
      case 'export': {
        const t0 = now();
        const r = await client.exportRun(c.dir ?? undefined);
        print('ok', `exported to ${r.dir} (${r.files.map(baseName).join(', ')})`, null, now() - t0);
        return;
      }
      case 'help':
        for (const h of HELP) if (c.topic === null || h.name === c.topic) print('info', `${h.usage} — ${h.about}`);
        if (c.topic === null) print('info', 'Tab completes commands and node ids; ↑/↓ walk the history.');
        return;
      case 'balance':
        return control(() => cluster.setBalance(c.algorithm, c.weights ?? undefined), `balancer: ${c.algorithm}`, null);
      case 'lock': {
        const r = await client.lock({ name: c.name, ttlMs: c.ttlMs, owner: c.owner });
        kvAnswer(r, `locked ${c.name} for ${c.owner}, token ${r.token ?? '?'}`);
        return;
      }
      case 'renew': {
        const r = await client.renew({ name: c.name, ttlMs: c.ttlMs, owner: c.owner, token: c.token });
        kvAnswer(r, `renewed ${c.name}, token ${r.token ?? c.token}`);
        return;
      }
      case 'unlock':
        kvAnswer(await client.unlock({ name: c.name, token: c.token }), `unlocked ${c.name}`);
        return;
      case 'fenced':
        kvAnswer(
          await client.fencedWrite({ key: c.key, value: c.value, token: c.token }),
          `wrote ${c.key} with token ${c.token}`,
        );
        return;
      case 'speed':
        return control(() => cluster.setTimeScale(c.scale), `timers at ${c.scale}× speed`, null);
      case 'clear':
        lines.value = [];
        return;
      default:
        assertNever(c, 'command');
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
