/**
 * The desktop transport never sends a folder from the window for Export or Open: the main
 * process asks the user in a native dialog and refuses any argument from the renderer.
 */
import { describe, expect, it } from 'vitest';
import type { LabBridge } from '../../src-main/api/bridge';
import { ipcTransport } from '../../src-renderer/src/api/ipc-transport';
import { TableClient } from '../../src-renderer/src/api/table-client';

describe('ipc transport', () => {
  it('drops the name of exportRun/openRun and passes every other argument', async () => {
    const sent: [string, unknown][] = [];
    const bridge = new Proxy<LabBridge>({} as LabBridge, {
      get: (_t, name: string) =>
        name === 'on'
          ? () => () => undefined
          : async (wire: unknown) => {
              sent.push([name, wire]);
              return { ok: true, value: name === 'openRun' ? { settings: {}, log: [], history: [] } : {} };
            },
    });
    const c = new TableClient(ipcTransport(bridge));
    await c.exportRun('my-run');
    await c.openRun('/home/me/runs/r1');
    await c.crash('n2');
    expect(sent).toEqual([
      ['exportRun', undefined],
      ['openRun', undefined],
      ['crash', { id: 'n2' }],
    ]);
  });
});
