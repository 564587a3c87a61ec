/**
 * The console's link-rate command: `bandwidth n1->n2 64KiB/s` limits a link to a rate in
 * bytes a second, with a bounded queue in front of it (src-main/core/link-queue.ts). An
 * entry of the command table (./commands.ts), written like the others.
 */
import { formatBandwidth, parseBandwidth } from '../../../src-main/api/bandwidth';
import { useClusterStore } from '../stores/cluster';
import { command, NODE_IDS } from './command';
import { arrowOf, fail, link } from './grammar';

/** LINK_COMMANDS are the bandwidth entry. */
export const LINK_COMMANDS = [
  command({
    name: 'bandwidth',
    aliases: ['bw'],
    usage: 'bandwidth n1->n2 64KiB/s',
    about: "limit a link's rate in bytes per second (n1<->n2 for both directions)",
    details: [
      'Units B, KiB, MiB, GiB (or kB, MB, GB), with or without /s; 0 or off lifts the limit.',
      'Messages wait in a queue of two seconds of traffic (64 KiB–16 MiB); past it they are dropped as queue-full.',
      'The link on the graph shows what waits in its queue.',
    ],
    complete: NODE_IDS,
    parse: (a, ctx) => {
      const l = link(a.raw, ctx, a.usage);
      if (l.rest.length === 0) fail(`missing rate: ${a.usage}`);
      const rate = parseBandwidth(l.rest.join(' '));
      if (typeof rate === 'string') fail(rate);
      return { from: l.from, to: l.to, both: l.both, bandwidth: rate };
    },
    run: (c, io) =>
      io.control(
        () => useClusterStore().setLink(c),
        c.bandwidth > 0 ? `${arrowOf(c)} limited to ${formatBandwidth(c.bandwidth)}` : `${arrowOf(c)} rate unlimited`,
        null,
      ),
  }),
];
