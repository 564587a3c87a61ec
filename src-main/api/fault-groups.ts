/**
 * The Report's and the Charts' fault lanes, grouped for reading: the run's fault log keeps
 * one lane per link ("link n1↔n2 · 10% lost"), so one `loss n1 * 10%` or a lossy-network
 * preset draws four or ten lanes that say the same thing and push the rest out of sight.
 * Links that carry the same rule become one lane named by the links it covers
 * ("links n1↔n2,n3,n4,n5 · 10% lost"); each period keeps its own span and hover text. Pure:
 * the renderer's Report and Charts tabs and the exported run's figures (report/run-report.ts)
 * group by this one rule, so a run looks the same in the app and in its folder.
 */

/** GroupableFault is what grouping reads of a fault period (report/faults.ts's FaultPeriod has it). */
export interface GroupableFault {
  lane: string;
  kind: string;
  label: string;
  nodes: readonly string[];
}

/** linksText names a set of node pairs briefly: "n1↔n2", "n1↔n2,n3,n4", "links among n1 n2 n3", or "n1↔n2, n3↔n4 +2". */
export function linksText(pairs: readonly (readonly [string, string])[]): string {
  if (pairs.length === 1) return `link ${pairs[0]![0]}↔${pairs[0]![1]}`;
  const count = new Map<string, number>();
  for (const [a, b] of pairs) for (const n of [a, b]) count.set(n, (count.get(n) ?? 0) + 1);
  const nodes = [...count.keys()].sort(byId);
  // Every pair among a set of nodes (a lossy network): name the set.
  if (nodes.length >= 3 && pairs.length === (nodes.length * (nodes.length - 1)) / 2)
    return `links among ${nodes.join(' ')}`;
  // Every pair shares one node (a node's links): name it once.
  const hub = nodes.find((n) => count.get(n) === pairs.length);
  if (hub !== undefined) {
    const others = pairs.map(([a, b]) => (a === hub ? b : a)).sort(byId);
    return `links ${hub}↔${others.join(',')}`;
  }
  const shown = pairs.slice(0, 2).map(([a, b]) => `${a}↔${b}`);
  return `links ${shown.join(', ')}${pairs.length > 2 ? ` +${pairs.length - 2}` : ''}`;
}

/** byId orders node ids as people count them (n2 before n10). */
function byId(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/** pairOf is a link lane's pair of nodes (its first two nodes, in order). */
function pairOf(p: GroupableFault): [string, string] | null {
  const [a, b] = p.nodes;
  return a !== undefined && b !== undefined ? (byId(a, b) <= 0 ? [a, b] : [b, a]) : null;
}

/**
 * groupLinkFaults returns `periods` with the link periods that share a rule (their label)
 * moved into one lane per rule; other faults, and a rule only one link carries, are kept as
 * they are. Order is kept, so lanes appear where their first period did.
 */
export function groupLinkFaults<T extends GroupableFault>(periods: readonly T[]): T[] {
  const lanesByRule = new Map<string, Map<string, [string, string]>>();
  for (const p of periods) {
    if (p.kind !== 'link') continue;
    const pair = pairOf(p);
    if (!pair) continue;
    let lanes = lanesByRule.get(p.label);
    if (!lanes) lanesByRule.set(p.label, (lanes = new Map()));
    lanes.set(p.lane, pair);
  }
  const names = new Map<string, string>();
  for (const [rule, lanes] of lanesByRule)
    if (lanes.size > 1) names.set(rule, linksText([...lanes.values()].sort((x, y) => byId(x.join(), y.join()))));
  if (names.size === 0) return [...periods];
  return periods.map((p) => {
    const lane = p.kind === 'link' ? names.get(p.label) : undefined;
    return lane === undefined ? p : { ...p, lane };
  });
}
