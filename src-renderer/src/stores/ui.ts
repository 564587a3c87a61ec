/** useUiStore holds view-only state: open dialogs and the last notice (menu actions land here). */
import { defineStore } from 'pinia';
import { ref } from 'vue';
// eslint-disable-next-line no-restricted-imports -- until the renderer reaches the lab only through src-main/api (structure work in progress)
import type { MenuAction } from '../../../src-main/electron/ipc-commands';
import { assertNever } from '../../../src-main/core/types';
import { useReplayStore } from './replay';
// eslint-disable-next-line import-x/no-cycle -- until the renderer reaches the lab only through src-main/api (structure work in progress)
import { useConsoleStore } from './console';

export const useUiStore = defineStore('ui', () => {
  const showSetup = ref(false);
  const showShortcuts = ref(false);
  const notice = ref<string | null>(null);

  /** onMenu handles an app-menu action sent by the desktop shell. */
  function onMenu(m: MenuAction): void {
    switch (m.action) {
      case 'new-cluster':
        showSetup.value = true;
        return;
      case 'exported':
        useConsoleStore().print('ok', `exported to ${m.result.dir} (${m.result.files.join(', ')})`);
        notice.value = `Run exported to ${m.result.dir}`;
        return;
      case 'opened':
        try {
          useReplayStore().load(m.run, m.dir);
        } catch (e) {
          notice.value = `Could not open ${m.dir}: ${e instanceof Error ? e.message : String(e)}`;
        }
        return;
      case 'error':
        notice.value = m.message;
        return;
      case 'shortcuts':
        showShortcuts.value = true;
        return;
      case 'about':
        notice.value = `Quorum Lab ${m.version} — a laboratory for Raft, Multi-Paxos and the faults that test them.`;
        return;
      default:
        assertNever(m, 'menu action');
    }
  }

  return { showSetup, showShortcuts, notice, onMenu };
});
