/** Emitter is a tiny typed listener set, shared by both transports. */
export class Emitter<T> {
  private readonly listeners = new Set<(v: T) => void>();

  /** on adds a listener and returns its remover. */
  on(cb: (v: T) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** emit calls every listener; one throwing listener does not starve the others. */
  emit(v: T): void {
    for (const cb of [...this.listeners]) {
      try {
        cb(v);
      } catch (e) {
        console.error('listener failed', e);
      }
    }
  }
}
