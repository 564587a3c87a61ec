/**
 * The router's peer-closed frame (node/peer-closed-frame.ts) is validated like every frame
 * from the wire: a well-formed one round-trips through the frame codec; a missing, empty,
 * oversized or non-string peer is refused with a message saying what is wrong.
 */
import { describe, expect, it } from 'vitest';
import { FrameDecoder } from '../../src-main/node/frames';
import { encodePeerClosed, isPeerClosed, validatePeerClosed } from '../../src-main/node/peer-closed-frame';

describe('peer-closed frame', () => {
  it('round-trips through the frame codec', () => {
    const { frames, error } = new FrameDecoder().push(encodePeerClosed('n3'));
    expect(error).toBeNull();
    expect(frames).toHaveLength(1);
    expect(isPeerClosed(frames[0]!)).toBe(true);
    expect(validatePeerClosed(frames[0])).toEqual({ t: 'peer-closed', peer: 'n3' });
  });

  it('refuses a frame whose peer is not a node id', () => {
    expect(validatePeerClosed({ t: 'peer-closed' })).toMatch(/peer-closed\.peer/);
    expect(validatePeerClosed({ t: 'peer-closed', peer: '' })).toMatch(/peer-closed\.peer/);
    expect(validatePeerClosed({ t: 'peer-closed', peer: 7 })).toMatch(/peer-closed\.peer/);
    expect(validatePeerClosed({ t: 'peer-closed', peer: 'x'.repeat(300) })).toMatch(/peer-closed\.peer/);
    expect(validatePeerClosed('nope')).toMatch(/peer-closed frame/);
  });
});
