/**
 * ListMachine: the state machine of the core tests' network (test/core/network.ts). It
 * keeps the data of every applied normal entry in order, and refuses an index out of order.
 */
import type { StateMachine } from '../../src-main/core/host';
import type { NodeId } from '../../src-main/core/types';

/** ListMachine is the tests' state machine: the data of every applied normal entry, in order. */
export class ListMachine implements StateMachine<null> {
  values: string[] = [];
  appliedIndex = 0;

  constructor(private readonly owner: NodeId) {}

  apply(index: number, data: string): null {
    this.next(index);
    this.values.push(data);
    return null;
  }

  skipTo(index: number): void {
    this.next(index);
  }

  snapshot(): string {
    return JSON.stringify({ values: this.values, appliedIndex: this.appliedIndex });
  }

  restore(data: string, index: number): void {
    const s = JSON.parse(data) as { values: string[]; appliedIndex: number };
    this.values = s.values.slice();
    this.appliedIndex = Math.max(s.appliedIndex, index);
  }

  private next(index: number): void {
    // Entries come once each, in order, without gaps: anything else is a core or host bug.
    if (index !== this.appliedIndex + 1) throw new Error(`${this.owner} applied ${index} after ${this.appliedIndex}`);
    this.appliedIndex = index;
  }
}
