/**
 * The Messages diagram's fault bands, told apart in time: a window can hold a partition
 * that is over beside the one in force, and two bands that both say "partition: n1 | n2 n3"
 * read as the same thing. Each band's label gets its time span — "(since 12.3 s, now)"
 * or "(3.2–6.1 s, over)" — and the ones that are over are listed so the diagram can dim
 * them. Pure.
 */
import type { FaultPeriod } from '../../../src-main/report/faults';

/** TimedFaults are the periods with their labels timed, and the band labels of those already over. */
export interface TimedFaults {
  faults: FaultPeriod[];
  /** past: the band labels (`lane: label`, as the diagram writes them) of faults over by `now`. */
  past: Set<string>;
}

const sec = (ns: number): string => `${(ns / 1e9).toFixed(1)} s`;

/** timedFaults labels each period with its span as of `nowNs` (run time, ns) and collects the ones that are over. */
export function timedFaults(periods: readonly FaultPeriod[], nowNs: number): TimedFaults {
  const past = new Set<string>();
  const faults = periods.map((p) => {
    const over = p.end !== null && p.end <= nowNs;
    const when = over ? `${sec(p.start)}–${sec(p.end!)}`.replace(/ s–/, '–') + ', over' : `since ${sec(p.start)}, now`;
    const label = `${p.label} (${when})`;
    if (over) past.add(`${p.lane}: ${label}`);
    return { ...p, label };
  });
  return { faults, past };
}
