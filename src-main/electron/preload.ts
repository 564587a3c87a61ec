/**
 * The preload: exposes one domain object, window.lab = { invoke, on }, through
 * contextBridge. The renderer never sees ipcRenderer; invoke only reaches the 'lab:'
 * channels of known commands, and on only the two event channels.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC_CHANNEL_PREFIX, IPC_COMMANDS, type BridgeEvents, type IpcReply, type LabBridge } from './ipc-commands';

const commands = new Set<string>(IPC_COMMANDS);
const channels: Record<keyof BridgeEvents, string> = { event: 'lab:event', menu: 'lab:menu' };

const bridge: LabBridge = {
  invoke(cmd, arg) {
    if (!commands.has(cmd)) return Promise.resolve<IpcReply>({ ok: false, error: `unknown command '${String(cmd)}'` });
    return ipcRenderer.invoke(IPC_CHANNEL_PREFIX + cmd, arg) as Promise<IpcReply>;
  },
  on(event, cb) {
    const channel = channels[event];
    if (!channel) throw new Error(`unknown event '${String(event)}'`);
    const listener = (_e: IpcRendererEvent, payload: unknown): void => cb(payload as never);
    ipcRenderer.on(channel, listener);
    return () => {
      ipcRenderer.removeListener(channel, listener);
    };
  },
};

contextBridge.exposeInMainWorld('lab', bridge);
