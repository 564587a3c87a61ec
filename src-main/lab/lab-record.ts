/**
 * LabRecord reads the running cluster's record: the run log, the client history, the live
 * checker's verdict, the bodies of recent messages, and the "why" explanations built from
 * them. LabService delegates its record calls here.
 */
import type { CheckVerdict, ClusterView, HistoryOp, HistoryQuery, MessageBody, RunLogRecord } from '../api/contract';
import type { WhyAnswer } from '../api/explain/types';
import type { NodeId } from '../core/types';
import { decodeMsgFrame } from '../node/msg-frame';
import type { Cluster } from './cluster';
import { LabError } from './lab-error';
import type { LiveCheck } from './live-check';
import { whyAnswer } from './why';

/** LabRecordDeps is what the record reads need from the lab: its running cluster and live checker. */
export interface LabRecordDeps {
  /** need is the running cluster, or a 409. */
  need(): Cluster;
  /** node checks that `id` is one of the cluster's nodes (404 otherwise). */
  node(id: NodeId): unknown;
  /** checker is the running cluster's live checker, or null. */
  checker(): LiveCheck | null;
  view(): ClusterView;
}

/** LabRecord reads the run's record (see the file comment). */
export class LabRecord {
  constructor(private readonly d: LabRecordDeps) {}

  /** log is the run log from `sinceSeq`, at most `limit` records. */
  async log(sinceSeq = 0, limit?: number): Promise<RunLogRecord[]> {
    return this.d.need().recorder.log(sinceSeq, limit);
  }

  /**
   * why answers "why is entry `entry` (not) committed on `id`" or, without an entry, "why is
   * `id` in its role" (GET /api/nodes/:id/why?entry=N): from the nodes' state, asked now, and
   * the run log. 404 for an unknown node or an entry no node has.
   */
  async why(id: NodeId, entry?: number): Promise<WhyAnswer> {
    this.d.node(id);
    const r = await whyAnswer(this.d.need(), this.d.view(), id, entry);
    if (!r.ok) throw new LabError(r.status, r.error);
    return r.answer;
  }

  /** history is the client history in memory, or the window a query asks for (api/history-window.ts). */
  async history(q?: HistoryQuery): Promise<HistoryOp[]> {
    return this.d.need().recorder.history(q);
  }

  /** check is the live linearizability verdict of this run's client history (lab/live-check.ts). */
  async check(): Promise<CheckVerdict> {
    this.d.need();
    const checker = this.d.checker();
    if (!checker) throw new LabError(409, 'no cluster is running');
    return checker.verdict();
  }

  /** checkSettled waits until the live checker has caught up (tests, the bench); resolves with its verdict. */
  async checkSettled(timeoutMs = 10_000): Promise<CheckVerdict> {
    const checker = this.d.checker();
    if (!checker) throw new LabError(409, 'no cluster is running');
    return checker.settled(timeoutMs);
  }

  /** message returns a recent message's body by its run-log id (404 when the lab no longer keeps it). */
  async message(id: number): Promise<MessageBody> {
    const found = this.d.need().recorder.bodies.get(id);
    if (!found.kept) throw new LabError(404, `message ${id}: ${found.why}`);
    // The kept bytes are the frame the router forwarded as it came (node/msg-frame.ts). The
    // router reads only its header, so the message is checked here as a receiving node would.
    const b = found.bytes;
    const frame = decodeMsgFrame(Buffer.from(b.buffer, b.byteOffset, b.length));
    if (typeof frame === 'string') throw new LabError(422, `message ${id}: its body is not a valid message: ${frame}`);
    return { id, bytes: b.length, message: frame.msg };
  }
}
