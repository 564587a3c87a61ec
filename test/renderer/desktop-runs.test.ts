/**
 * In the desktop app the window never names a folder for Export or Open: the stores call
 * exportRun/openRun without a name and the main process asks the user in a dialog. In a
 * browser they pass the run's name.
 */
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import type { LabBridge } from '../../src-main/api/bridge';
import { setLabClient } from '../../src-renderer/src/api/lab-client';
import { ipcTransport } from '../../src-renderer/src/api/ipc-transport';
import { TableClient } from '../../src-renderer/src/api/table-client';
import { useReplayStore } from '../../src-renderer/src/stores/replay';
import { useRunStore } from '../../src-renderer/src/stores/run';

const SETTINGS = { nodes: 3, protocol: 'raft', heartbeatMs: 100, electionMs: 1000, seed: 1 };

describe('runs in the desktop app', () => {
  let sent: [string, unknown][];
  beforeEach(() => {
    setActivePinia(createPinia());
    sent = [];
    const bridge = new Proxy<LabBridge>({} as LabBridge, {
      get: (_t, name: string) =>
        name === 'on'
          ? () => () => undefined
          : async (wire: unknown) => {
              sent.push([name, wire]);
              const value =
                name === 'openRun' ? { settings: SETTINGS, log: [], history: [] } : { dir: '/picked/r', files: [] };
              return { ok: true, value };
            },
    });
    setLabClient(new TableClient(ipcTransport(bridge)));
  });

  it('export and open send no name: the main process shows its dialog', async () => {
    expect(await useRunStore().exportRun('my-run')).toBe(true);
    expect(await useReplayStore().open('/home/me/runs/r1')).toBe(true);
    expect(sent).toEqual([
      ['exportRun', {}],
      ['openRun', {}],
    ]);
  });
});
