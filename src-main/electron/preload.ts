/**
 * The preload: exposes one domain object through contextBridge, window.lab — one method
 * per command of the command table (each sends its wire argument on that command's own
 * channel; the main process checks the sender and validates the argument) and `on` for
 * the two event channels. The renderer never sees ipcRenderer, so it can reach no other
 * channel.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { BRIDGE_EVENT_CHANNELS, type IpcReply, type LabBridge } from '../api/bridge';
import { channelOf, perCommand } from '../api/commands';

const commands = perCommand(
  (name) =>
    (wire?: unknown): Promise<IpcReply> =>
      ipcRenderer.invoke(channelOf(name), wire) as Promise<IpcReply>,
);

const bridge: LabBridge = {
  ...commands,
  on(event, cb) {
    // The renderer is not trusted to pass only known names ('toString' is no event).
    if (!Object.prototype.hasOwnProperty.call(BRIDGE_EVENT_CHANNELS, event))
      throw new Error(`unknown event '${String(event)}'`);
    const channel = BRIDGE_EVENT_CHANNELS[event];
    const listener = (_e: IpcRendererEvent, payload: unknown): void => cb(payload as never);
    ipcRenderer.on(channel, listener);
    return () => {
      ipcRenderer.removeListener(channel, listener);
    };
  },
};

contextBridge.exposeInMainWorld('lab', bridge);
