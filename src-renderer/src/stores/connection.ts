/**
 * useConnectionStore connects the renderer to the lab: it loads the cluster and the run
 * log so far, follows the live event stream and the desktop menu, and hands each event
 * or menu action to the store that owns it. It is the only store that subscribes to the
 * LabClient, and no store imports it, so the stores it feeds never import each other in
 * a circle.
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { LabEvent } from '../../../src-main/api/contract';
import { assertNever } from '../../../src-main/core/types';
import type { MenuAction } from '../../../src-main/api/bridge';
import { errorText, labClient, type Connection } from '../api/lab-client';
import { useCheckStore } from './check';
import { useClusterStore } from './cluster';
import { useConsoleStore } from './console';
import { useReplayStore } from './replay';
import { useScenariosStore } from './scenarios';
import { useTimelineStore } from './timeline';
import { useUiStore } from './ui';

export const useConnectionStore = defineStore('connection', () => {
  /** status: the event stream's state, shown in the header. */
  const status = ref<Connection>('connecting');
  /** error: why the run log so far could not be loaded (the cluster's own errors stay in its store). */
  const error = ref<string | null>(null);
  /** transport: 'ipc' in the desktop app (which picks run folders in native dialogs), 'http' in a browser. */
  const transport = labClient().transport;
  const unsubscribers: (() => void)[] = [];
  const cluster = useClusterStore();
  const timeline = useTimelineStore();
  const con = useConsoleStore();
  const replay = useReplayStore();
  const ui = useUiStore();
  const check = useCheckStore();
  const scenarios = useScenariosStore();

  /** onEvent routes one live event to the store that owns it. */
  function onEvent(e: LabEvent): void {
    switch (e.type) {
      case 'cluster':
        cluster.applyView(e.cluster);
        return;
      case 'log':
        timeline.enqueue(e.record);
        return;
      case 'load-progress':
        con.loadProgress = { done: e.done, total: e.total };
        return;
      case 'load-done':
        con.loadProgress = null;
        return;
      case 'check':
        check.apply(e.check);
        return;
      case 'scenario':
        scenarios.apply(e.scenario);
        return;
      default:
        assertNever(e, 'event');
    }
  }

  /** onMenu routes an app-menu action sent by the desktop shell. */
  function onMenu(m: MenuAction): void {
    switch (m.action) {
      case 'new-cluster':
        ui.showSetup = true;
        return;
      case 'exported':
        con.print('ok', `exported to ${m.result.dir} (${m.result.files.join(', ')})`);
        ui.notice = `Run exported to ${m.result.dir}`;
        return;
      case 'opened':
        try {
          replay.load(m.run, m.dir);
        } catch (e) {
          ui.notice = `Could not open ${m.dir}: ${e instanceof Error ? e.message : String(e)}`;
        }
        return;
      case 'error':
      case 'notice':
        ui.notice = m.message;
        return;
      case 'shortcuts':
        ui.showShortcuts = true;
        return;
      case 'about':
        ui.notice = `Quorum Lab ${m.version} — a laboratory for Raft, Multi-Paxos and the faults that test them.`;
        return;
      default:
        assertNever(m, 'menu action');
    }
  }

  /** connect follows the lab's events and menu, then loads the current cluster and the run log so far. */
  async function connect(): Promise<void> {
    const client = labClient();
    unsubscribers.push(client.onConnection((c) => (status.value = c)));
    unsubscribers.push(client.onEvent(onEvent));
    unsubscribers.push(client.onMenu(onMenu));
    await cluster.refresh();
    void check.refresh();
    try {
      timeline.ingestBacklog(await client.log());
      error.value = null;
    } catch (e) {
      error.value = errorText(e);
    }
  }

  /** disconnect stops following events and the menu (tests, teardown). */
  function disconnect(): void {
    for (const u of unsubscribers.splice(0)) u();
  }

  return { status, error, transport, onEvent, onMenu, connect, disconnect };
});
