/**
 * The console's commands about time: slow motion (speed) and freezing the whole cluster
 * when a role changes or it commits (freeze-on, continue). Entries of the command table
 * (./commands.ts), written like the others.
 */
import { useClusterStore } from '../stores/cluster';
import { command } from './command';
import { exactly, fail } from './grammar';

const PAUSE_EVENTS = ['role', 'commit'] as const;

/** TIME_COMMANDS are the speed, freeze-on and continue entries. */
export const TIME_COMMANDS = [
  command({
    name: 'freeze-on',
    usage: 'freeze-on <role|commit|role,commit|off>',
    about: 'freeze the whole cluster when a role changes or it commits',
    details: [
      'Every node is stopped and the network holds its messages, so you can read that moment; continue runs on.',
      'freeze-on off stops freezing (and continues a frozen cluster). Not pause, which stops one node.',
    ],
    complete: { options: () => ['role', 'commit', 'role,commit', 'off'], word: /(\S*)$/, space: false },
    parse: (a) => {
      exactly(a.words, 1, a.usage);
      const w = a.words[0]!.toLowerCase();
      if (w === 'off') return { role: false, commit: false };
      const parts = w.split(',');
      for (const p of parts)
        if (!(PAUSE_EVENTS as readonly string[]).includes(p))
          fail(`freeze on role, commit or both, or off: ${a.usage}`);
      return { role: parts.includes('role'), commit: parts.includes('commit') };
    },
    run: (c, io) => {
      const what = [c.role ? 'a role change' : '', c.commit ? 'a commit' : ''].filter((s) => s !== '').join(' or ');
      return io.control(
        () => useClusterStore().setPauseOn(c),
        what === '' ? 'no longer freezing' : `the cluster freezes on ${what}`,
        null,
      );
    },
  }),
  command({
    name: 'continue',
    usage: 'continue',
    about: 'let a frozen cluster run on (to the next event it pauses on)',
    parse: (a) => {
      exactly(a.words, 0, a.usage);
      return {};
    },
    run: (_c, io) => io.control(() => useClusterStore().continueRun(), 'running on', null),
  }),
  command({
    name: 'speed',
    usage: 'speed 0.1',
    about: "scale the cluster's timers (1, 0.1, 0.01: slow motion)",
    details: [
      'Between 0.001 and 1; 1 is real time.',
      'Messages slow down too: at scale s < 1 each takes (latency + 30 ms) / s, 300 ms at 0.1×.',
    ],
    parse: (a) => {
      exactly(a.words, 1, a.usage);
      const m = /^(\d+(?:\.\d+)?)x?$/.exec(a.words[0]!);
      const scale = m ? Number(m[1]) : NaN;
      if (!(scale >= 0.001 && scale <= 1)) fail(`speed must be between 0.001 and 1 (e.g. 0.1), got '${a.words[0]}'`);
      return { scale };
    },
    run: (c, io) => io.control(() => useClusterStore().setTimeScale(c.scale), `timers at ${c.scale}× speed`, null),
  }),
];
