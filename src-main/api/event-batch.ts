/**
 * The batched form of the live event stream. A page asks for it with
 * `GET /api/events?batch=1`; each WebSocket message is then a JSON array of LabEvents, in
 * the order the lab emitted them, gathered for at most EVENT_BATCH_MS (or until
 * EVENT_BATCH_MAX events or EVENT_BATCH_MAX_BYTES are waiting). A busy cluster writes
 * thousands of run-log records a second; one message each costs the page a task, a mojo
 * message and a JSON.parse per record, which is most of its main thread under load.
 */

/** EVENT_BATCH_PARAM is the query parameter of /api/events that asks for batches (`?batch=1`). */
export const EVENT_BATCH_PARAM = 'batch';
/** EVENT_BATCH_MS: how long the host gathers events before it sends them (one frame at 60 Hz). */
export const EVENT_BATCH_MS = 16;
/** EVENT_BATCH_MAX: the most events one batch carries; a reader drops a longer array as malformed. */
export const EVENT_BATCH_MAX = 512;
/** EVENT_BATCH_MAX_BYTES: a batch is sent early once its events' JSON passes this size. */
export const EVENT_BATCH_MAX_BYTES = 256 * 1024;
