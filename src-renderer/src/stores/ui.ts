/** useUiStore holds view-only state: open dialogs and the last notice (the connection store routes menu actions here). */
import { defineStore } from 'pinia';
import { ref } from 'vue';

export const useUiStore = defineStore('ui', () => {
  const showSetup = ref(false);
  const showShortcuts = ref(false);
  const notice = ref<string | null>(null);

  return { showSetup, showShortcuts, notice };
});
