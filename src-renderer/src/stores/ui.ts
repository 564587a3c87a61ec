/** useUiStore holds view-only state: open dialogs, the last notice (the connection store routes menu actions here) and which lab this is (the header's tooltip). */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { labClient } from '../api/lab-client';

export const useUiStore = defineStore('ui', () => {
  const showSetup = ref(false);
  const showShortcuts = ref(false);
  const notice = ref<string | null>(null);
  /** about: which lab this window is talking to (the header's tooltip); null until the lab says. */
  const about = ref<string | null>(null);

  /** loadAbout asks the lab for its version and runtime; without an answer the tooltip stays empty. */
  async function loadAbout(): Promise<void> {
    try {
      const v = await labClient().version();
      const runtime = v.electron === null ? `Node ${v.node}` : `Electron ${v.electron}, Node ${v.node}`;
      about.value = `Quorum Lab ${v.lab} · ${runtime} · ${v.protocols.join(', ')}`;
    } catch {
      about.value = null;
    }
  }

  return { showSetup, showShortcuts, notice, about, loadAbout };
});
