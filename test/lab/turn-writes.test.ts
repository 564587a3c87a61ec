/**
 * The router's write batching (lab/turn-writes.ts): frames to one socket leave in one
 * write (cork/uncork), at the end of the event-loop turn while reads share turns, and at
 * the end of each read when they do not (one sequential client); nothing is lost or
 * reordered, and a read-end mode still looks for shared turns every PROBE_EVERY flushes.
 */
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { PROBE_EVERY, TurnWrites } from '../../src-main/lab/turn-writes';

/** FakeSocket records what leaves: one entry per uncork (or uncorked write), the frames it carried. */
class FakeSocket {
  writableCorked = 0;
  destroyed = false;
  private buffered: string[] = [];
  sent: string[][] = [];
  cork(): void {
    this.writableCorked++;
  }
  uncork(): void {
    this.writableCorked--;
    if (this.writableCorked === 0 && this.buffered.length > 0) {
      this.sent.push(this.buffered);
      this.buffered = [];
    }
  }
  write(b: Buffer): void {
    if (this.writableCorked > 0) this.buffered.push(b.toString());
    else this.sent.push([b.toString()]);
  }
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));
const as = (s: FakeSocket): Socket => s as unknown as Socket;

/** read routes one read that writes `frames` to `sock`. */
function read(w: TurnWrites, sock: FakeSocket, ...frames: string[]): void {
  w.readStart();
  for (const f of frames) w.write(as(sock), Buffer.from(f));
  w.readEnd();
}

describe('router write batching', () => {
  it('two reads in one turn share one write per socket, sent at the turn end', async () => {
    const w = new TurnWrites();
    const leader = new FakeSocket();
    read(w, leader, 'ack-a');
    read(w, leader, 'ack-b');
    expect(leader.sent).toEqual([]);
    await turn();
    expect(leader.sent).toEqual([['ack-a', 'ack-b']]);
    // Reads keep sharing turns: it stays at the turn's end.
    read(w, leader, 'ack-c');
    read(w, leader, 'ack-d');
    expect(leader.sent.length).toBe(1);
    await turn();
    expect(leader.sent).toEqual([
      ['ack-a', 'ack-b'],
      ['ack-c', 'ack-d'],
    ]);
  });

  it('one read a turn: after a turn-end flush of one read, each read leaves at its end, one write per socket', async () => {
    const w = new TurnWrites();
    const f1 = new FakeSocket();
    const f2 = new FakeSocket();
    read(w, f1, 'append-1');
    await turn();
    expect(f1.sent).toEqual([['append-1']]);
    // Now a read's frames go at once, still one write per socket.
    read(w, f1, 'append-2', 'heartbeat');
    read(w, f2, 'append-2');
    expect(f1.sent).toEqual([['append-1'], ['append-2', 'heartbeat']]);
    expect(f2.sent).toEqual([['append-2']]);
    expect(w.readFlushes).toBe(2);
  });

  it('in read-end mode it probes the turn end every PROBE_EVERY flushes and goes back when reads share turns', async () => {
    const w = new TurnWrites();
    const s = new FakeSocket();
    read(w, s, 'x');
    await turn();
    for (let i = 0; i < PROBE_EVERY; i++) read(w, s, `r${i}`);
    expect(w.readFlushes).toBe(PROBE_EVERY);
    // The probe: the next reads wait for the turn's end, and two of them share it.
    read(w, s, 'p1');
    read(w, s, 'p2');
    expect(s.sent.at(-1)).toEqual([`r${PROBE_EVERY - 1}`]);
    await turn();
    expect(s.sent.at(-1)).toEqual(['p1', 'p2']);
    read(w, s, 'q');
    expect(s.sent.at(-1)).toEqual(['p1', 'p2']);
    await turn();
    expect(s.sent.at(-1)).toEqual(['q']);
  });

  it('frames written outside a read wait for the turn end, and every frame leaves once, in order', async () => {
    const w = new TurnWrites();
    const s = new FakeSocket();
    read(w, s, 'a');
    await turn();
    w.write(as(s), Buffer.from('timer'));
    read(w, s, 'b');
    expect(s.sent).toEqual([['a']]);
    await turn();
    expect(s.sent.flat()).toEqual(['a', 'timer', 'b']);
  });
});
