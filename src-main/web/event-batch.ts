/**
 * EventBatcher gathers the lab's live events for the batched event stream
 * (../api/event-batch.ts): each event is turned into JSON once, and the batch is handed to
 * `flush` after EVENT_BATCH_MS, or at once when it reaches EVENT_BATCH_MAX events or
 * EVENT_BATCH_MAX_BYTES. Order is kept: one queue, flushed whole.
 */
import type { LabEvent } from '../api/contract';
import { EVENT_BATCH_MAX, EVENT_BATCH_MAX_BYTES, EVENT_BATCH_MS } from '../api/event-batch';

/** EventBatch is one batch: the events, and each one's JSON text. */
export interface EventBatch {
  events: LabEvent[];
  texts: string[];
}

/** batchText is a batch's WebSocket message: a JSON array of its events (only those `keep` keeps). */
export function batchText(b: EventBatch, keep: (e: LabEvent) => boolean = () => true): string {
  const parts: string[] = [];
  b.events.forEach((e, i) => {
    if (keep(e)) parts.push(b.texts[i]!);
  });
  return `[${parts.join(',')}]`;
}

/** EventBatcher queues events and hands them on in batches. */
export class EventBatcher {
  private events: LabEvent[] = [];
  private texts: string[] = [];
  private bytes = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly flushTo: (b: EventBatch) => void,
    private readonly ms = EVENT_BATCH_MS,
  ) {}

  /** add queues one event; `text` is its JSON when the caller has made it already. */
  add(e: LabEvent, text = JSON.stringify(e)): void {
    this.events.push(e);
    this.texts.push(text);
    this.bytes += text.length;
    if (this.events.length >= EVENT_BATCH_MAX || this.bytes >= EVENT_BATCH_MAX_BYTES) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.ms);
  }

  /** flush hands on whatever is queued now (nothing: no call). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.events.length === 0) return;
    const b: EventBatch = { events: this.events, texts: this.texts };
    this.events = [];
    this.texts = [];
    this.bytes = 0;
    this.flushTo(b);
  }

  /** close drops what is queued and stops the timer. */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.events = [];
    this.texts = [];
    this.bytes = 0;
  }
}
