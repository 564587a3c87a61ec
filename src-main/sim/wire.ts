/**
 * Wire carries a cluster's messages: each one is counted, logged, checked against the
 * network (cuts, loss, duplication, a link's rate limit and queue, latency and a link's
 * jitter), and delivered later, or queued while its receiver is paused, or dropped if it
 * is down or the link was cut meanwhile.
 *
 * No core writes to a message it sent or received, so by default the receiver gets the
 * sender's object (a deep copy per delivery cost ~5% of a run's CPU, plus the garbage
 * it made). The sweep tests hold the cores to that: with `messages: 'freeze'`
 * every message is deep-frozen as it is sent, and a core that writes to one throws.
 *
 * It also carries the close of a crashed node's connections (closeLinks), as the lab's
 * router does (lab/peer-closes.ts): each peer whose link from it is up learns it
 * (ProtocolNode.peerClosed), behind every message the dead node sent (a FIN follows the
 * data), not across a cut, and queued while the peer is paused.
 */
import type { MessageBase, NodeId } from '../core/types';
import { utf8Length } from '../core/validate';
import type { MessagePassing } from './cluster-options';
import { cloneData, deepFreeze } from './clone';
import type { Cluster } from './cluster';
import type { SimNode } from './sim-node';

/** Wire is the message path of one Cluster (see the file comment). */
export class Wire {
  private msgId = 0;
  /** lastDue[i]: when the last message node i sent is due (a close of its connections comes after it). */
  private readonly lastDue: number[] = [];

  constructor(
    private readonly c: Cluster,
    private readonly countBytes: boolean,
    private readonly passing: MessagePassing = 'share',
  ) {}

  /** send puts one message from `from` on the wire. */
  send(from: SimNode, m: MessageBase): void {
    const c = this.c;
    const id = ++this.msgId;
    const st = c.stats;
    st.sent++;
    from.sent++;
    if (this.countBytes) st.bytes += JSON.stringify(m).length;
    const logging = c.log.enabled;
    if (this.passing === 'freeze') deepFreeze(m);
    if (logging) {
      const mk = from.core ? from.core.messageKind(m) : 'other';
      c.log.write(c.now, 'send', { id, from: m.from, to: m.to, type: m.type, term: m.term, mk });
    }
    // The receiver is looked up once here; its delivery carries it (a node's id never changes hands).
    const to = m.from === from.id ? c.member(m.to) : undefined;
    if (to === undefined) return this.drop(id, m, `bad address ${m.from}->${m.to}`);
    if (!c.net.linkUp(m.from, m.to)) return this.drop(id, m, 'cut');
    if (c.net.drawDrop(m.from, m.to)) return this.drop(id, m, 'loss');
    this.transmit(id, m, from.index, to);
    if (c.net.drawDuplicate(m.from, m.to)) {
      st.duplicated++;
      if (logging) c.log.write(c.now, 'duplicate', { id, from: m.from, to: m.to, type: m.type });
      this.transmit(id, m, from.index, to);
    }
    if (m.type === 'readIndex' && c.triggers.wantsReads() && !isRecoveryRead(m)) c.triggers.readForwarded(from, m);
  }

  /**
   * transmit puts one copy of a message on its link: through the link's rate limit and
   * queue if it has one (core/link-queue.ts, the lab router's model), then its latency. A
   * message's size is its JSON's UTF-8 length, about what the router's frame is.
   */
  private transmit(id: number, m: MessageBase, sender: number, to: SimNode): void {
    const c = this.c;
    let wire = 0;
    if (c.net.bandwidth(m.from, m.to) > 0) {
      const w = c.net.wireMs(c.now, m.from, m.to, utf8Length(JSON.stringify(m)));
      if (w === null) return this.drop(id, m, 'queue-full');
      wire = w;
    }
    const sent = this.passing === 'copy' ? cloneData(m) : m;
    const due = wire + this.delay(m);
    if (c.now + due > (this.lastDue[sender] ?? 0)) this.lastDue[sender] = c.now + due;
    c.callAfter(due, this.deliver, sent, to, undefined, id);
  }

  /** closeLinks: `dead` crashed, its connections close; each peer it had an open link to learns it (file comment). */
  closeLinks(dead: SimNode): void {
    const c = this.c;
    const behind = (this.lastDue[dead.index] ?? 0) - c.now;
    for (const to of c.nodes) {
      if (to === dead || to.state === 'down') continue;
      if (!c.net.linkUp(dead.id, to.id)) {
        this.closeDropped(dead.id, to);
        continue;
      }
      const inc = to.incarnation;
      const delay = Math.max(behind, c.net.drawDelay(dead.id, to.id) + c.net.extraDelay(dead.id, to.id, c.now));
      c.after(delay, () => this.closeArrives(dead.id, to, inc));
    }
  }

  private closeArrives(dead: NodeId, to: SimNode, inc: number): void {
    // A peer that crashed meanwhile lost that connection with everything else.
    if (to.incarnation !== inc || to.state === 'down') return;
    if (!this.c.net.linkUp(dead, to.id)) return this.closeDropped(dead, to);
    if (to.state === 'paused') {
      to.inbox.push(() => {
        if (to.incarnation === inc) this.closeNow(dead, to);
      });
      return;
    }
    this.closeNow(dead, to);
  }

  private closeNow(dead: NodeId, to: SimNode): void {
    const c = this.c;
    if (c.log.enabled) c.log.write(c.now, 'peer-closed', { node: to.id, peer: dead });
    to.peerClosed(dead);
    c.observe(to);
  }

  private closeDropped(dead: NodeId, to: SimNode): void {
    if (this.c.log.enabled) this.c.log.write(this.c.now, 'peer-closed-dropped', { node: to.id, peer: dead });
  }

  /** delay draws one message's latency: the network's model, plus its link's jitter. */
  private delay(m: MessageBase): number {
    return this.c.net.drawDelay(m.from, m.to) + this.c.net.extraDelay(m.from, m.to, this.c.now);
  }

  private drop(id: number, m: MessageBase, reason: string): void {
    const c = this.c;
    c.stats.dropped++;
    if (c.log.enabled) c.log.write(c.now, 'drop', { id, from: m.from, to: m.to, type: m.type, reason });
  }

  /** deliver is a message's arrival at `to`, its receiver (an event: deliver(message, to, _, id)). */
  private readonly deliver = (m: MessageBase, to: SimNode, _c: unknown, id: number): void => {
    // A cut that began while the message was in flight loses it, as on a real link.
    if (!this.c.net.linkUp(m.from, m.to)) return this.drop(id, m, 'cut');
    if (to.state === 'down') return this.drop(id, m, 'down');
    if (to.state === 'paused') return this.queueWhilePaused(id, to, m);
    this.deliverNow(id, to, m);
  };

  /**
   * queueWhilePaused holds a message for a paused receiver. Its own method: a closure in
   * deliver would make every delivery allocate the context the closure captures from.
   */
  private queueWhilePaused(id: number, to: SimNode, m: MessageBase): void {
    const inc = to.incarnation;
    to.inbox.push(() => {
      if (to.incarnation === inc) this.deliverNow(id, to, m);
    });
  }

  private deliverNow(id: number, to: SimNode, m: MessageBase): void {
    const c = this.c;
    c.stats.delivered++;
    if (c.log.enabled) c.log.write(c.now, 'deliver', { id, from: m.from, to: m.to, type: m.type });
    to.step(m);
    c.observe(to);
  }
}

/** isRecoveryRead: a read a recovering node issues for itself (core/recovery's context), not a client's. */
function isRecoveryRead(m: MessageBase): boolean {
  const ctx = (m as MessageBase & { ctx?: unknown }).ctx;
  return typeof ctx === 'string' && ctx.includes(':recover:');
}
