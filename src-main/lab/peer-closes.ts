/**
 * Peer closes: what a real network tells a process's peers when it dies. Its kernel closes
 * every connection it had, so each peer with a link to it reads the close at once; the
 * lab's nodes all talk through the router, so the router passes the close on, as a
 * `peer-closed` frame (node/peer-closed-frame.ts), and each node's core may campaign early
 * (core/peer-closed.ts says why that is safe).
 *
 * The router sends it only when both have happened: the supervisor saw the process exit
 * (a paused process, SIGSTOP, keeps its connection and is never reported; nor is a live
 * node whose connection dropped for another reason), and the node's router connection has
 * closed — so the close follows every frame the node sent, as a FIN follows the data on a
 * TCP stream. Each peer gets it under the link's rules of that moment, as a FIN would: not
 * at all across a partition or a cut of the link from the dead node (it then relies on
 * its election timer), after the link's latency plus its worst jitter and its rate-limited
 * queue (behind what is still in flight), held while the lab freezes the cluster, and
 * dropped if the link is cut before it arrives. Every close delivered or withheld is in
 * the run log (`peer-closed`, `peer-closed-dropped`).
 */
import type { NodeId } from '../core/types';
import { encodePeerClosed } from '../node/peer-closed-frame';

/** CloseLinks is what PeerCloses needs of the router. */
export interface CloseLinks {
  /** cutBy names the rule that cuts the link from → to now, or null when it is open. */
  cutBy(from: NodeId, to: NodeId): string | null;
  /** delayMs: how long a close takes on from → to, behind what is in flight there. */
  delayMs(from: NodeId, to: NodeId): number;
  /** connected lists the nodes with an open router connection. */
  connected(): Iterable<NodeId>;
  /** write sends `to` a frame on its connection; false when it has none. */
  write(to: NodeId, bytes: Buffer): boolean;
  /** frozen tells whether the lab holds every delivery now (a frozen cluster). */
  frozen(): boolean;
  record(kind: string, fields: Record<string, unknown>): void;
}

/** PeerCloses tells the peers of a node whose process exited that its connection closed (see the file comment). */
export class PeerCloses {
  /** linked: nodes that said Hello since their last close went out (their peers have a link to them). */
  private readonly linked = new Set<NodeId>();
  /** exited: nodes whose process exited while their router connection was still open. */
  private readonly gone = new Set<NodeId>();
  /** held: closes due while the cluster was frozen, [dead, to], in order. */
  private held: [NodeId, NodeId][] = [];
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly links: CloseLinks) {}

  /** connected: `id` said Hello. A close still owed for its previous process goes out first. */
  connected(id: NodeId): void {
    if (this.gone.delete(id)) this.announce(id);
    this.linked.add(id);
  }

  /** exited: `id`'s process exited; its close goes out now, or when its connection (`open`) has closed. */
  exited(id: NodeId, open: boolean): void {
    if (open) this.gone.add(id);
    else this.announce(id);
  }

  /** socketClosed: `id`'s router connection closed; if its process has exited, the close goes out. */
  socketClosed(id: NodeId): void {
    if (this.gone.delete(id)) this.announce(id);
  }

  /** release delivers the closes held while the cluster was frozen (after the messages held with them). */
  release(): void {
    const due = this.held;
    this.held = [];
    for (const [dead, to] of due) this.deliver(dead, to, true);
  }

  /** stop drops the closes in flight. */
  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.held = [];
  }

  private announce(dead: NodeId): void {
    // A node that never connected in this life had no link to anyone: nobody sees a close.
    if (!this.linked.delete(dead)) return;
    for (const to of [...this.links.connected()]) if (to !== dead) this.send(dead, to);
  }

  private send(dead: NodeId, to: NodeId): void {
    const cut = this.links.cutBy(dead, to);
    if (cut !== null) return this.withheld(dead, to, cut, false);
    const delay = this.links.delayMs(dead, to);
    if (delay < 0.5) return this.deliver(dead, to, false);
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.deliver(dead, to, true);
    }, delay);
    this.timers.add(t);
  }

  private deliver(dead: NodeId, to: NodeId, delayed: boolean): void {
    if (this.links.frozen()) {
      this.held.push([dead, to]);
      return;
    }
    // A cut made while the close was on its way stops it, as it would a message.
    const cut = delayed ? this.links.cutBy(dead, to) : null;
    if (cut !== null) return this.withheld(dead, to, cut, true);
    // A peer that has no connection now (it died too) has no link to close.
    if (this.links.write(to, encodePeerClosed(dead))) this.links.record('peer-closed', { node: to, peer: dead });
  }

  private withheld(dead: NodeId, to: NodeId, reason: string, inFlight: boolean): void {
    this.links.record('peer-closed-dropped', { node: to, peer: dead, reason, ...(inFlight ? { inFlight } : {}) });
  }
}
