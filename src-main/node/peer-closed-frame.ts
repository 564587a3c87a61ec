/**
 * The router's "peer closed" frame: `{t: 'peer-closed', peer}`, a JSON frame the router
 * sends a node when the process of `peer`, a node it had a link to, has exited and its
 * connection closed — what a real TCP peer would see as the connection closing
 * (lab/peer-closes.ts). The node hands it to its core (ProtocolNode.peerClosed), which may
 * then campaign early (core/peer-closed.ts).
 */
import { nodeId } from '../core/message-checks';
import type { NodeId } from '../core/types';
import { record, valueOrError } from '../core/validate';
import { encodeFrame } from './frames';

/** PeerClosedFrame tells a node that `peer`'s process is gone. */
export interface PeerClosedFrame {
  t: 'peer-closed';
  peer: NodeId;
}

/** encodePeerClosed is the frame telling a node that `peer` closed. */
export function encodePeerClosed(peer: NodeId): Buffer {
  const f: PeerClosedFrame = { t: 'peer-closed', peer };
  return encodeFrame(f);
}

/** isPeerClosed tells whether a decoded frame claims to be a peer-closed frame (validate it next). */
export function isPeerClosed(f: Record<string, unknown>): boolean {
  return f.t === 'peer-closed';
}

/** validatePeerClosed checks a peer-closed frame; returns it or what is wrong. */
export function validatePeerClosed(x: unknown): PeerClosedFrame | string {
  return valueOrError((): PeerClosedFrame => {
    const o = record(x, 'peer-closed frame');
    return { t: 'peer-closed', peer: nodeId(o.peer, 'peer-closed.peer') };
  });
}
