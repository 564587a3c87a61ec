/**
 * The recovery rules of a node whose store was damaged, shared by the node process and the
 * simulator (pure: no I/O, no clock):
 *  - store-image.ts: a store as plain data and the load-time scan that judges it;
 *  - damage.ts: the three disk faults (hardstate, log-tail, file) and how they break a store;
 *  - recovery.ts: when recovery ends, and what a recovering node may send;
 *  - image-storage.ts: an in-memory Storage with the same scan (the simulator's disk).
 * The cores take `recovering` in their config (ProtocolConfig) and end it on endRecovery().
 */
export * from './damage';
export * from './image-storage';
export * from './recovery';
export * from './store-image';
