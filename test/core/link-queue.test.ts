/**
 * The rate-limit model every slow link uses (the lab's router and the simulator): messages
 * leave one after the other at the link's rate, each waits for the ones before it, the
 * queue is bounded in bytes and messages, an empty queue takes one message of any size,
 * and what waits is reported until it has left.
 */
import { describe, expect, it } from 'vitest';
import { formatBandwidth, parseBandwidth } from '../../src-main/api/bandwidth';
import {
  LinkQueue,
  MAX_QUEUE_BYTES,
  MAX_QUEUE_MESSAGES,
  MIN_QUEUE_BYTES,
  queueCapacityBytes,
} from '../../src-main/core/link-queue';

describe('LinkQueue', () => {
  it('sends back to back at the rate: each message waits for the ones queued before it', () => {
    const q = new LinkQueue(1000); // 1000 B/s: 1 ms a byte
    expect(q.offer(0, 100)).toBe(100);
    expect(q.offer(10, 100)).toBe(200); // waits for the first
    expect(q.offer(10, 50)).toBe(250);
    // The link is idle again after 250 ms: a later message starts when it is offered.
    expect(q.offer(1000, 100)).toBe(1100);
  });

  it('reports the bytes and messages waiting, and forgets them once they have left', () => {
    const q = new LinkQueue(1000);
    q.offer(0, 100);
    q.offer(0, 300);
    expect(q.backlog(0)).toEqual({ bytes: 400, messages: 2 });
    expect(q.backlog(100)).toEqual({ bytes: 300, messages: 1 });
    expect(q.backlog(399)).toEqual({ bytes: 300, messages: 1 });
    expect(q.backlog(400)).toEqual({ bytes: 0, messages: 0 });
  });

  it('refuses a message that would overfill the queue, and takes it again once room is made', () => {
    const q = new LinkQueue(1000, 250);
    expect(q.offer(0, 100)).not.toBeNull();
    expect(q.offer(0, 100)).not.toBeNull();
    expect(q.offer(0, 100)).toBeNull(); // 300 > 250
    expect(q.offer(0, 50)).toBe(250); // exactly full is allowed
    expect(q.backlog(0)).toEqual({ bytes: 250, messages: 3 });
    // After the first has left there is room for 100 more.
    expect(q.offer(100, 100)).toBe(350);
  });

  it('an empty queue takes one message larger than its bound, so a big snapshot can still cross', () => {
    const q = new LinkQueue(1000, 100);
    expect(q.offer(0, 5000)).toBe(5000);
    expect(q.offer(1, 1)).toBeNull(); // everything behind it is dropped until it has left
    expect(q.offer(5000, 1)).toBe(5001);
  });

  it('bounds the number of messages however small they are', () => {
    const q = new LinkQueue(1, 1e12);
    for (let i = 0; i < MAX_QUEUE_MESSAGES; i++) expect(q.offer(0, 1)).not.toBeNull();
    expect(q.offer(0, 1)).toBeNull();
  });

  it('a new rate applies to messages offered afterwards; queued ones keep their times', () => {
    const q = new LinkQueue(1000);
    expect(q.offer(0, 1000)).toBe(1000);
    q.setRate(100);
    expect(q.offer(0, 100)).toBe(2000);
    expect(q.backlog(1000)).toEqual({ bytes: 100, messages: 1 });
  });

  it('keeps working over many messages (its arrays are compacted)', () => {
    const q = new LinkQueue(1_000_000);
    let t = 0;
    for (let i = 0; i < 20_000; i++) {
      const done = q.offer(t, 100)!;
      expect(done).toBeCloseTo(t + 0.1, 9);
      t += 1;
    }
    expect(q.backlog(t)).toEqual({ bytes: 0, messages: 0 });
  });

  it('sizes its queue at two seconds of traffic, within 64 KiB .. 16 MiB', () => {
    expect(queueCapacityBytes(1024)).toBe(MIN_QUEUE_BYTES);
    expect(queueCapacityBytes(1024 * 1024)).toBe(2 * 1024 * 1024);
    expect(queueCapacityBytes(1024 * 1024 * 1024)).toBe(MAX_QUEUE_BYTES);
  });
});

describe('parseBandwidth / formatBandwidth', () => {
  it('reads binary and decimal units, with or without /s', () => {
    expect(parseBandwidth('64KiB/s')).toBe(65536);
    expect(parseBandwidth('64 KiB/s')).toBe(65536);
    expect(parseBandwidth('1.5MiB/s')).toBe(1572864);
    expect(parseBandwidth('500B/s')).toBe(500);
    expect(parseBandwidth('2mb')).toBe(2_000_000);
    expect(parseBandwidth('1000')).toBe(1000);
    expect(parseBandwidth('1GiB/s')).toBe(1024 ** 3);
  });

  it('reads 0, off and unlimited as no limit', () => {
    for (const s of ['0', 'off', 'unlimited', '0KiB/s']) expect(parseBandwidth(s)).toBe(0);
  });

  it('refuses what is not a rate, with a message that says what is expected', () => {
    expect(parseBandwidth('fast')).toMatch(/expected a rate like 64KiB\/s/);
    expect(parseBandwidth('10 furlongs/s')).toMatch(/unknown unit "furlongs"/);
    expect(parseBandwidth('-5KiB/s')).toMatch(/expected a rate/);
    expect(parseBandwidth('2GiB/s')).toMatch(/at most 1GiB\/s/);
    expect(parseBandwidth('0.1B/s')).toMatch(/at least 1 B\/s/);
  });

  it('writes a rate so that the console reads it back', () => {
    for (const r of [500, 65536, 1572864, 1024 ** 3]) {
      const text = formatBandwidth(r);
      expect(parseBandwidth(text)).toBe(r);
    }
    expect(formatBandwidth(65536)).toBe('64 KiB/s');
    expect(formatBandwidth(0)).toBe('unlimited');
  });
});
