/**
 * Past the validator: a message the protocol's validator accepts reaches a core's step,
 * then its host loop (ready, persist, send, apply, advance). The node host refuses a
 * message whose step throws (node-host.ts onMessage), but nothing guards the loop after
 * it: a throw there ends the node process. So well-formed but hostile messages — mutated
 * real ones, from members or strangers, with any term, index or commit — are stepped
 * into a live 3-node cluster on the core tests' in-memory network, and the host loops,
 * ticks and deliveries that follow must not throw. (A forged message from a member may
 * break safety — Raft and Paxos trust their peers — so safety is not checked here; the
 * router's authentication is what keeps strangers out.) FUZZ_CASES=N raises the cases.
 */
import { describe, expect, it } from 'vitest';
import { validateMessage, type ProtocolName } from '../../src-main/core/protocols';
import type { MessageBase } from '../../src-main/core/types';
import { PaxosNetwork } from '../core/paxos/helpers';
import { RaftNetwork } from '../core/raft/helpers';
import { Rand, fuzzCases, fuzzSeed, mutate, show } from './fuzz-kit';
import { harvestMessages } from './samples';

const IDS = ['n1', 'n2', 'n3'];

describe.each(['raft', 'paxos'] as const)(
  'fuzz: %s cores stepping hostile but well-formed messages',
  (protocol: ProtocolName) => {
    it('never throws from the host loop, a tick or a delivery after a validated message', () => {
      const samples = harvestMessages(protocol, [3]);
      const r = new Rand(fuzzSeed(protocol === 'raft' ? 301 : 302));
      const net = protocol === 'raft' ? new RaftNetwork(IDS, { seed: 5 }) : new PaxosNetwork(3, { seed: 5 });
      net.waitLeader();
      let stepped = 0;
      for (let i = 0; i < fuzzCases(800); i++) {
        const leader = net.leader();
        if (leader && r.chance(0.2)) net.node(leader).propose(`v${i}`);
        const m = mutate(r, r.pick(samples), {
          keys: ['from', 'to', 'term', 'commit', 'index', 'entries'],
          strings: IDS,
        }) as MessageBase;
        const v = validateMessage(protocol, m);
        if (typeof v === 'string') continue;
        // Addressed to a member (else the router would not carry it), from a member or not.
        const msg = { ...v, to: r.pick(IDS), from: r.chance(0.8) ? r.pick(IDS) : v.from } as MessageBase;
        if (msg.from === msg.to) continue;
        const again = validateMessage(protocol, JSON.parse(JSON.stringify(msg)));
        if (typeof again === 'string') continue;
        const node = net.node(again.to);
        try {
          node.step(again as never);
        } catch {
          continue; // the host refuses it: nothing was applied
        }
        stepped++;
        try {
          net.drain();
          net.tick(1 + r.int(5));
          if (r.chance(0.1)) net.deliverAll(20_000);
        } catch (e) {
          expect.fail(
            `${protocol} case ${i}: after stepping ${show(again)}, the host loop threw ${(e as Error).stack?.slice(0, 1500)}`,
          );
        }
      }
      expect(stepped).toBeGreaterThan(0);
    });
  },
);
