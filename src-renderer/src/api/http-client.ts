/**
 * HttpLabClient speaks the headless host's HTTP routes (/api/*) and follows the live
 * event stream on the /api/events WebSocket, reconnecting with backoff when it drops.
 */
import type {
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
  BalanceAlgorithm,
} from '../../../src-main/api/contract';
// eslint-disable-next-line no-restricted-imports -- until the renderer reaches the lab only through src-main/api (structure work in progress)
import type { NodeInspect } from '../../../src-main/node/contract';
// eslint-disable-next-line no-restricted-imports -- until the renderer reaches the lab only through src-main/api (structure work in progress)
import type { MenuAction } from '../../../src-main/electron/ipc-commands';
import { Emitter } from './emitter';
import { isRecord } from '../../../src-main/api/schemas';
import { LabError, isLabEvent, type Connection, type LabClient } from './lab-client';

/** HttpLabClient implements LabClient over fetch + WebSocket against `base` (same origin by default). */
export class HttpLabClient implements LabClient {
  readonly transport = 'http' as const;
  private readonly events = new Emitter<LabEvent>();
  private readonly conn = new Emitter<Connection>();
  private ws: WebSocket | null = null;
  private retryMs = 250;
  private closed = false;

  constructor(private readonly base: string = '') {}

  /** connect opens the event stream (idempotent). */
  connect(): void {
    if (this.ws || this.closed) return;
    const url = new URL('/api/events', this.base || window.location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(url);
    this.ws = ws;
    this.conn.emit('connecting');
    ws.onopen = () => {
      this.retryMs = 250;
      this.conn.emit('open');
    };
    ws.onmessage = (m) => {
      if (typeof m.data !== 'string') return;
      let e: unknown;
      try {
        e = JSON.parse(m.data);
      } catch {
        return; // a garbled frame is dropped, not fatal
      }
      if (isLabEvent(e)) this.events.emit(e);
    };
    ws.onclose = () => {
      this.ws = null;
      this.conn.emit('closed');
      if (this.closed) return;
      setTimeout(() => this.connect(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 5000);
    };
  }

  /** close stops the event stream for good. */
  close(): void {
    this.closed = true;
    this.ws?.close();
  }

  onEvent(cb: (e: LabEvent) => void): () => void {
    this.connect();
    return this.events.on(cb);
  }
  onConnection(cb: (c: Connection) => void): () => void {
    return this.conn.on(cb);
  }
  onMenu(_cb: (m: MenuAction) => void): () => void {
    return () => undefined;
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.base + path, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? null : JSON.stringify(body),
      });
    } catch (e) {
      throw new LabError(`the lab is unreachable (${e instanceof Error ? e.message : String(e)})`);
    }
    const text = await res.text();
    let data: unknown = null;
    if (text !== '') {
      try {
        data = JSON.parse(text);
      } catch {
        throw new LabError(`the lab answered ${res.status} with something that is not JSON`, res.status);
      }
    }
    if (!res.ok) {
      const msg = isRecord(data) && typeof data.error === 'string' ? data.error : `HTTP ${res.status}`;
      throw new LabError(msg, res.status);
    }
    return data as T;
  }

  cluster(): Promise<ClusterView> {
    return this.call('GET', '/api/cluster');
  }
  createCluster(s: Partial<ClusterSettings>): Promise<ClusterView> {
    return this.call('POST', '/api/cluster', s);
  }
  crash(id: string): Promise<ClusterView> {
    return this.call('POST', `/api/nodes/${encodeURIComponent(id)}/crash`);
  }
  restart(id: string): Promise<ClusterView> {
    return this.call('POST', `/api/nodes/${encodeURIComponent(id)}/restart`);
  }
  pause(id: string): Promise<ClusterView> {
    return this.call('POST', `/api/nodes/${encodeURIComponent(id)}/pause`);
  }
  resume(id: string): Promise<ClusterView> {
    return this.call('POST', `/api/nodes/${encodeURIComponent(id)}/resume`);
  }
  inspect(id: string): Promise<NodeInspect> {
    return this.call('GET', `/api/nodes/${encodeURIComponent(id)}/inspect`);
  }
  partition(groups: string[][]): Promise<ClusterView> {
    return this.call('POST', '/api/partition', { groups });
  }
  heal(): Promise<ClusterView> {
    return this.call('POST', '/api/heal');
  }
  setLink(rule: Partial<LinkRule> & { from: string; to: string; both?: boolean }): Promise<ClusterView> {
    return this.call('POST', '/api/links', rule);
  }
  setTimeScale(scale: number): Promise<ClusterView> {
    return this.call('POST', '/api/time-scale', { scale });
  }
  setBalance(algorithm: BalanceAlgorithm, weights?: Record<string, number>): Promise<ClusterView> {
    return this.call('POST', '/api/balance', weights ? { algorithm, weights } : { algorithm });
  }
  kv(req: KvRequest): Promise<KvResponse> {
    return this.call('POST', '/api/kv', req);
  }
  lock(req: LockRequest): Promise<KvResponse> {
    return this.call('POST', '/api/lock', req);
  }
  renew(req: RenewRequest): Promise<KvResponse> {
    return this.call('POST', '/api/lock/renew', req);
  }
  unlock(req: UnlockRequest): Promise<KvResponse> {
    return this.call('POST', '/api/unlock', req);
  }
  fencedWrite(req: FencedWriteRequest): Promise<KvResponse> {
    return this.call('POST', '/api/fenced', req);
  }
  load(req: LoadRequest): Promise<LoadSummary> {
    return this.call('POST', '/api/load', req);
  }
  log(sinceSeq?: number): Promise<RunLogRecord[]> {
    return this.call('GET', `/api/log${sinceSeq === undefined ? '' : `?since=${sinceSeq}`}`);
  }
  history(): Promise<HistoryOp[]> {
    return this.call('GET', '/api/history');
  }
  exportRun(dir?: string): Promise<ExportResult> {
    return this.call('POST', '/api/export', dir === undefined ? {} : { dir });
  }
  openRun(dir: string): Promise<SavedRun> {
    return this.call('POST', '/api/open', { dir });
  }
}
