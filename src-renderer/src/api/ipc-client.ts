/**
 * IpcLabClient carries LabApi over the preload's window.lab bridge in the desktop app.
 * Each call sends the same JSON argument as the HTTP route; the main process validates
 * it with the shared schemas and answers { ok, value | error }.
 */
import type {
  BalanceAlgorithm,
  ClusterSettings,
  ClusterView,
  ExportResult,
  FencedWriteRequest,
  HistoryOp,
  KvRequest,
  KvResponse,
  LabEvent,
  LinkRule,
  LoadRequest,
  LoadSummary,
  LockRequest,
  RenewRequest,
  RunLogRecord,
  SavedRun,
  UnlockRequest,
} from '../../../src-main/api/contract';
// eslint-disable-next-line no-restricted-imports -- until the renderer reaches the lab only through src-main/api (structure work in progress)
import type { NodeInspect } from '../../../src-main/node/contract';
// eslint-disable-next-line no-restricted-imports -- until the renderer reaches the lab only through src-main/api (structure work in progress)
import type { IpcCommand, LabBridge, MenuAction } from '../../../src-main/electron/ipc-commands';
import { Emitter } from './emitter';
import { LabError, isLabEvent, type Connection, type LabClient } from './lab-client';

/** IpcLabClient implements LabClient over window.lab. */
export class IpcLabClient implements LabClient {
  readonly transport = 'ipc' as const;
  private readonly conn = new Emitter<Connection>();

  constructor(private readonly bridge: LabBridge) {}

  private async call<T>(cmd: IpcCommand, arg?: unknown): Promise<T> {
    const reply = await this.bridge.invoke(cmd, arg);
    if (!reply.ok) throw new LabError(reply.error);
    return reply.value as T;
  }

  onEvent(cb: (e: LabEvent) => void): () => void {
    // IPC is always connected while the window lives; say so once for the status badge.
    queueMicrotask(() => this.conn.emit('open'));
    return this.bridge.on('event', (e) => {
      if (isLabEvent(e)) cb(e);
    });
  }
  onConnection(cb: (c: Connection) => void): () => void {
    return this.conn.on(cb);
  }
  onMenu(cb: (m: MenuAction) => void): () => void {
    return this.bridge.on('menu', cb);
  }

  cluster(): Promise<ClusterView> {
    return this.call('cluster');
  }
  createCluster(s: Partial<ClusterSettings>): Promise<ClusterView> {
    return this.call('createCluster', s);
  }
  crash(id: string): Promise<ClusterView> {
    return this.call('crash', { id });
  }
  restart(id: string): Promise<ClusterView> {
    return this.call('restart', { id });
  }
  pause(id: string): Promise<ClusterView> {
    return this.call('pause', { id });
  }
  resume(id: string): Promise<ClusterView> {
    return this.call('resume', { id });
  }
  inspect(id: string): Promise<NodeInspect> {
    return this.call('inspect', { id });
  }
  partition(groups: string[][]): Promise<ClusterView> {
    return this.call('partition', { groups });
  }
  heal(): Promise<ClusterView> {
    return this.call('heal');
  }
  setLink(rule: Partial<LinkRule> & { from: string; to: string; both?: boolean }): Promise<ClusterView> {
    return this.call('setLink', rule);
  }
  setTimeScale(scale: number): Promise<ClusterView> {
    return this.call('setTimeScale', { scale });
  }
  setBalance(algorithm: BalanceAlgorithm, weights?: Record<string, number>): Promise<ClusterView> {
    return this.call('setBalance', weights ? { algorithm, weights } : { algorithm });
  }
  kv(req: KvRequest): Promise<KvResponse> {
    return this.call('kv', req);
  }
  lock(req: LockRequest): Promise<KvResponse> {
    return this.call('lock', req);
  }
  renew(req: RenewRequest): Promise<KvResponse> {
    return this.call('renew', req);
  }
  unlock(req: UnlockRequest): Promise<KvResponse> {
    return this.call('unlock', req);
  }
  fencedWrite(req: FencedWriteRequest): Promise<KvResponse> {
    return this.call('fencedWrite', req);
  }
  load(req: LoadRequest): Promise<LoadSummary> {
    return this.call('load', req);
  }
  log(sinceSeq?: number): Promise<RunLogRecord[]> {
    return this.call('log', sinceSeq === undefined ? {} : { since: sinceSeq });
  }
  history(): Promise<HistoryOp[]> {
    return this.call('history');
  }
  exportRun(dir?: string): Promise<ExportResult> {
    return this.call('exportRun', dir === undefined ? {} : { dir });
  }
  openRun(dir: string): Promise<SavedRun> {
    return this.call('openRun', { dir });
  }
}
