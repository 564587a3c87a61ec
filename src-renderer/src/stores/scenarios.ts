/**
 * useScenariosStore backs the Scenarios panel: the bundled scenarios, the one picked, and
 * the state of the one playing in the lab (from scenarioStart's answer and the lab's
 * 'scenario' events). Run, Next, Do it for me, Stop, Back, Again and "run again with
 * <contrast>" are calls to the lab; Back replays the scenario on a fresh cluster up to the
 * step before the current one, since real processes cannot be rewound.
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { ProtocolName } from '../../../src-main/api/contract';
import type { ScenarioAction, ScenarioInfo, ScenarioState } from '../../../src-main/api/scenario-api';
import { errorText, labClient } from '../api/lab-client';

export const useScenariosStore = defineStore('scenarios', () => {
  /** open: the panel is showing (the header's Scenarios button toggles it). */
  const open = ref(false);
  const list = ref<ScenarioInfo[]>([]);
  const picked = ref<string | null>(null);
  const protocol = ref<ProtocolName | null>(null);
  const state = ref<ScenarioState | null>(null);
  const error = ref<string | null>(null);
  const busy = ref(false);

  const pickedInfo = computed(() => list.value.find((s) => s.name === picked.value) ?? null);
  const playing = computed(() => {
    const st = state.value?.status;
    return st === 'starting' || st === 'running' || st === 'paused' || st === 'waiting-user';
  });

  /** load fetches the list (once per opening). */
  async function load(): Promise<void> {
    try {
      list.value = await labClient().scenarios();
      state.value = await labClient().scenario();
      error.value = null;
    } catch (e) {
      error.value = errorText(e);
    }
  }

  /** toggle opens or closes the panel, loading the list on open. */
  function toggle(): void {
    open.value = !open.value;
    if (open.value && list.value.length === 0) void load();
  }

  /** pick selects a scenario (and its first protocol). */
  function pick(name: string): void {
    picked.value = name;
    protocol.value = list.value.find((s) => s.name === name)?.protocols[0] ?? null;
  }

  async function call(f: () => Promise<ScenarioState | null>): Promise<void> {
    busy.value = true;
    try {
      const s = await f();
      if (s) state.value = s;
      error.value = null;
    } catch (e) {
      error.value = errorText(e);
    } finally {
      busy.value = false;
    }
  }

  /** run plays the picked scenario (optionally one of its contrasts, 1-based). */
  function run(contrast?: number): Promise<void> {
    const name = picked.value ?? state.value?.name;
    if (!name) return Promise.resolve();
    const p = protocol.value ?? state.value?.protocol;
    return call(() =>
      labClient().scenarioStart({ name, ...(p ? { protocol: p } : {}), ...(contrast ? { contrast } : {}) }),
    );
  }

  /** again plays the current scenario from the start, with the same protocol, seed and contrast. */
  function again(): Promise<void> {
    const s = state.value;
    if (!s) return Promise.resolve();
    const contrast = s.contrastLabel ? s.contrast.findIndex((c) => c.label === s.contrastLabel) + 1 : 0;
    return call(() =>
      labClient().scenarioStart({
        name: s.name,
        protocol: s.protocol,
        seed: s.seed,
        ...(contrast ? { contrast } : {}),
      }),
    );
  }

  /** back replays up to the step before the current one and holds there. */
  function back(): Promise<void> {
    const s = state.value;
    if (!s) return Promise.resolve();
    const target = s.current - 2;
    if (target < 0) return again();
    const contrast = s.contrastLabel ? s.contrast.findIndex((c) => c.label === s.contrastLabel) + 1 : 0;
    return call(() =>
      labClient().scenarioStart({
        name: s.name,
        protocol: s.protocol,
        seed: s.seed,
        until: target,
        ...(contrast ? { contrast } : {}),
      }),
    );
  }

  /** control sends next / auto / stop. */
  function control(action: ScenarioAction): Promise<void> {
    return call(() => labClient().scenarioControl(action));
  }

  /** apply takes a 'scenario' event. */
  function apply(s: ScenarioState): void {
    state.value = s;
    if (!picked.value) picked.value = s.name;
  }

  return {
    open,
    list,
    picked,
    protocol,
    state,
    error,
    busy,
    pickedInfo,
    playing,
    load,
    toggle,
    pick,
    run,
    again,
    back,
    control,
    apply,
  };
});
