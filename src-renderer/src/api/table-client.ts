/**
 * TableClient is the renderer's one LabClient: a method per row of the command table
 * (src-main/api/commands.ts), each packing its arguments into the row's wire argument and
 * handing it to a LabTransport. The desktop (IPC), the browser (HTTP + WebSocket) and the
 * renderer tests' fake all use it, so none of them can drift from the API.
 */
import {
  COMMAND_NAMES,
  encodeArgs,
  type ArgsOf,
  type CommandName,
  type LabApi,
  type ResultOf,
} from '../../../src-main/api/commands';
import type { LabClient, LabEvents, LabTransport } from './lab-client';

/** commandMethod is the client method of command `name`. */
function commandMethod<K extends CommandName>(t: LabTransport, name: K): (...args: ArgsOf<K>) => Promise<ResultOf<K>> {
  return async (...args: ArgsOf<K>): Promise<ResultOf<K>> => {
    const answer = await t.send(name, encodeArgs(name, args));
    // The lab answers each command with its row's result type; the transport only carried it.
    return answer as ResultOf<K>;
  };
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- the constructor installs one method per row; this declares them
export interface TableClient extends LabApi, LabEvents {}

/** TableClient implements LabClient over `transport`: the table's commands, the transport's events. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- see the interface above
export class TableClient implements LabClient {
  readonly transport: LabTransport['kind'];
  readonly #t: LabTransport;

  constructor(transport: LabTransport) {
    this.#t = transport;
    this.transport = transport.kind;
    // Plain writable properties, as if assigned: a test may stand in for one method.
    for (const name of COMMAND_NAMES) {
      Object.defineProperty(this, name, {
        value: commandMethod(transport, name),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }

  onEvent(cb: Parameters<LabClient['onEvent']>[0]): () => void {
    return this.#t.onEvent(cb);
  }
  onConnection(cb: Parameters<LabClient['onConnection']>[0]): () => void {
    return this.#t.onConnection(cb);
  }
  onMenu(cb: Parameters<LabClient['onMenu']>[0]): () => void {
    return this.#t.onMenu(cb);
  }
}
