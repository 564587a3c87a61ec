/**
 * The parts of a remote node's link that both of its ends run (the lab's RemoteNodes and
 * the agent on the other host, RemoteAgent): the control session's message loop — a ping
 * every PING_MS, the session declared lost after SILENCE_MS without a word, length-prefixed
 * frames each validated before it is handed on — and the byte pipe that joins two sockets.
 * The wire itself is node/remote-contract.ts.
 */
import type { Socket } from 'node:net';
import { FrameDecoder } from '../node/frames';
import { MAX_CONTROL_FRAME_BYTES, PING_MS, SILENCE_MS } from '../node/remote-contract';

/** ControlLoopOptions say whom a control session talks to and what to do with what it hears. */
export interface ControlLoopOptions<In> {
  sock: Socket;
  /** head: bytes that arrived with the upgrade answer, before the socket's first 'data'. */
  head: Buffer;
  /** peer names the other end in the silence message ("the lab", a host name). */
  peer: string;
  /** closed: the reason given when the socket closes. */
  closed: string;
  /** validate turns one decoded frame into a message, or says in a string what is wrong with it. */
  validate: (frame: unknown) => In | string;
  onMessage: (m: In) => void;
  /** ping sends the keep-alive (each end knows its own message type). */
  ping: () => void;
  /** onLost is called once: silence, a bad frame or stream, or the socket closed. */
  onLost: (why: string) => void;
}

/** ControlLoop is a running control session loop. */
export interface ControlLoop {
  /** stop ends the keep-alive timer; onLost is not called after it. */
  stop(): void;
}

/** runControlLoop reads, validates and hands on a control session's frames and keeps it alive (see the file comment). */
export function runControlLoop<In>(o: ControlLoopOptions<In>): ControlLoop {
  let lastHeard = Date.now();
  let done = false;
  const stop = (): void => {
    done = true;
    clearInterval(timer);
  };
  const lost = (why: string): void => {
    if (done) return;
    stop();
    o.onLost(why);
  };
  const timer = setInterval(() => {
    if (Date.now() - lastHeard > SILENCE_MS) lost(`no word from ${o.peer} for ${SILENCE_MS} ms`);
    else o.ping();
  }, PING_MS);
  const dec = new FrameDecoder(MAX_CONTROL_FRAME_BYTES);
  const onData = (chunk: Buffer): void => {
    lastHeard = Date.now();
    const { frames, error } = dec.push(chunk);
    for (const f of frames) {
      const m = o.validate(f);
      if (typeof m === 'string') return lost(`bad control frame: ${m}`);
      o.onMessage(m);
    }
    if (error) lost(`bad control stream: ${error}`);
  };
  o.sock.on('data', onData);
  o.sock.on('error', () => o.sock.destroy());
  o.sock.on('close', () => lost(o.closed));
  if (o.head.length > 0) onData(o.head);
  return { stop };
}

/** pipeBoth joins two sockets both ways and tracks them in `track`; either closing ends both. */
export function pipeBoth(a: Socket, b: Socket, track: Set<Socket>): void {
  track.add(a);
  track.add(b);
  const done = (): void => {
    a.destroy();
    b.destroy();
    track.delete(a);
    track.delete(b);
  };
  for (const s of [a, b]) {
    s.on('error', done);
    s.on('close', done);
  }
  a.pipe(b);
  b.pipe(a);
}
