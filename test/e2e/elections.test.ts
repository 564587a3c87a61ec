/**
 * Repeated elections folded in the timeline, in a real Chromium on a real 5-node lab: cut
 * off from the majority, Multi-Paxos runs phase 1 again with a higher ballot every election
 * timeout, and Raft without PreVote stands again in a higher term (two cut-off nodes taking
 * turns). Each campaign reads as one row that counts its rounds ("n2 ran phase 1 (prepare)
 * 7× (ballots 3.n2–9.n2, …)", "n1 stood for election 4× (terms 3–8, …)") instead of a term row
 * and an answer row every half second, and, selected, lists its rounds with what the
 * partition dropped. The Paxos lab speaks Paxos everywhere: the header, the chips, the
 * legend and every row say ballot and promise, never term or vote. Screenshots land in
 * artifacts/e2e/elections/.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { ClusterView } from '../../src-main/api/contract';
import { LARGE, labInBrowser, resize, screenshot, shootOnFailure, waitFor } from './helpers';

/**
 * rowsSince pages the paused timeline back from its newest rows to the row `from` matches,
 * and returns the sentence of every row from there on (the list draws only the rows in view;
 * a row's title is its time ("3.452 s"), " · ", its sentence).
 */
async function rowsSince(page: Page, from: RegExp): Promise<string[]> {
  const rows = page.getByTestId('timeline-rows');
  await page.getByRole('button', { name: 'Pause view' }).click();
  try {
    const seen = new Map<number, string>();
    await rows.evaluate((el) => (el.scrollTop = el.scrollHeight));
    for (let i = 0; i < 60; i++) {
      await page.waitForTimeout(50);
      const got = await rows
        .locator('.ev')
        .evaluateAll((els) =>
          els.map(
            (e) =>
              [
                Number(e.getAttribute('data-ord')),
                (e.getAttribute('title') ?? '').split('\n')[0]!.replace(/^.*? · /, ''),
              ] as const,
          ),
        );
      for (const [ord, text] of got) seen.set(ord, text);
      if ([...seen.values()].some((t) => from.test(t))) break;
      await rows.evaluate((el) => (el.scrollTop = Math.max(0, el.scrollTop - el.clientHeight / 2)));
    }
    const sorted = [...seen].sort((a, b) => a[0] - b[0]);
    const start = sorted.findIndex(([, t]) => from.test(t));
    return start < 0 ? [] : sorted.slice(start).map(([, t]) => t);
  } finally {
    await page.getByRole('button', { name: 'Resume view' }).click();
  }
}

/** SPLIT is the partition's own row: n1 and n2 cut off from n3, n4 and n5. */
const SPLIT = /^network split into 2 sides: n1 n2 \| n3 n4 n5/;

describe('repeated elections fold into one row each', () => {
  const lab = labInBrowser('elections', ['--nodes', '5', '--heartbeat-ms', '50', '--election-ms', '300']);

  /** fresh makes a new 5-node cluster and waits for its leader. */
  async function fresh(body: Record<string, unknown>): Promise<void> {
    await lab.api('/api/cluster', { nodes: 5, ...body });
    await waitFor(
      'a leader',
      async () => (await lab.api<ClusterView>('/api/cluster')).nodes.some((n) => n.role === 'leader'),
      30_000,
    );
  }

  /** campaign cuts n1 and n2 off and waits until a row folds `min` rounds; the rows since the split. */
  async function campaign(folded: RegExp, min: number): Promise<string[]> {
    const page = lab.page;
    await lab.api('/api/partition', {
      groups: [
        ['n1', 'n2'],
        ['n3', 'n4', 'n5'],
      ],
    });
    let rows: string[] = [];
    await waitFor(
      `a row folding ${min} rounds`,
      async () => {
        rows = await rowsSince(page, SPLIT);
        return rows.some((t) => Number(folded.exec(t)?.[1] ?? 0) >= min);
      },
      30_000,
      500,
    );
    return rows;
  }

  /** selectFolded clicks the first row `folded` matches and returns its steps. */
  async function selectFolded(folded: RegExp): Promise<string[]> {
    const page = lab.page;
    const rows = page.getByTestId('timeline-rows');
    // A row's text begins with its time, and a long sentence ends in "…" (whole in its title):
    // the sentence's pattern, unanchored and without its tail (from its terms or ballots on).
    const head = new RegExp(folded.source.replace(/^\^/, '').replace(/ \\\((ballots|terms) .*$/, ''));
    const row = rows.locator('.ev', { hasText: head }).first();
    await page.getByRole('button', { name: 'Pause view' }).click();
    // From the newest rows up: rowsSince left the list held at the split, and the folded row
    // (after it) may be more than a list's height below there, where paging up never reaches.
    await rows.evaluate((el) => (el.scrollTop = el.scrollHeight));
    await waitFor(
      'the folded row in view',
      async () => {
        if (await row.isVisible()) return true;
        await rows.evaluate((el) => (el.scrollTop = Math.max(0, el.scrollTop - el.clientHeight / 2)));
        return false;
      },
      10_000,
    );
    await row.click();
    await row.scrollIntoViewIfNeeded();
    return page.getByTestId('timeline-steps').locator('li').allTextContents();
  }

  it('Multi-Paxos: phase 1 run again and again reads as one row with its ballots', { timeout: 120_000 }, async () => {
    const errors = await lab.open('elections');
    const page = lab.page;
    shootOnFailure(page, 'elections-paxos');
    await resize(page, LARGE);
    await fresh({ protocol: 'paxos' });
    const folded = /^n[12] ran phase 1 \(prepare\) (\d+)× \(ballots \d+\.n\d–\d+\.n\d, [\d.]+–[\d.]+ s\), /;
    const rows = await campaign(folded, 3);
    // One row a campaign, and neither the new ballots' promise rows nor their answers again and again.
    for (const n of ['n1', 'n2'])
      expect(
        rows.filter((t) => new RegExp(`promised ballot \\d+\\.n\\d to ${n}`).test(t)).length,
        `answers to ${n}`,
      ).toBeLessThanOrEqual(2);
    // The promise rows do not grow with the rounds: one for each side's first campaign, and
    // when the leader was on the cut-off side, two more for the majority electing a new one.
    expect(
      rows.filter((t) => /promised ballot \d+\.n\d$/.test(t)).length,
      `promise rows of:\n${rows.join('\n')}`,
    ).toBeLessThanOrEqual(4);
    // Paxos words only: no row says term or vote, nor writes a ballot as its raw integer (301).
    expect(rows.filter((t) => /\bterms?\b|\bvot(e|es|ed)\b|\bt\d+\b|\bb\d{3}\b/.test(t))).toEqual([]);
    await expect.poll(() => page.getByTestId('leader').textContent()).toMatch(/^leader n\d · ballot \d+\.n\d$/);
    expect(await page.getByTestId('legend-chip-key').textContent()).toMatch(/B = ballot \(round\.node\)/);
    expect((await page.getByTestId('legend').locator('[data-kind="vote"]').textContent())?.trim()).toBe('prepare');
    // The legend keys only the roles Multi-Paxos has (no pre-candidate), in its words.
    const states = await page.getByTestId('legend').locator('[data-state] .name').allTextContents();
    expect(states.map((t) => t.trim())).toEqual([
      'leader',
      'follower (acceptor)',
      'candidate (phase 1)',
      'learner',
      'paused',
      'down',
    ]);
    const chips = (await page.getByTestId('node-chip').allTextContents()).map((c) => c.trim());
    expect(chips.length).toBe(5);
    for (const c of chips) expect(c).toMatch(/^B\d+\.n\d · (C\d+|promises \d, need \d)$/);
    try {
      const steps = await selectFolded(folded);
      expect(steps.join('\n')).toMatch(
        /asked n\d(, n\d)* and n\d again \(round 2, ballot \d+\.n\d\): \d dropped \(partition\)/,
      );
      expect(steps.join('\n')).not.toMatch(/\bterms?\b|\bvot(e|es|ed)\b/);
      await screenshot(page, 'elections-paxos-1400x900');
      await page.getByLabel('Clear the cursor').click();
    } finally {
      await page.getByRole('button', { name: 'Resume view' }).click();
    }
    await lab.api('/api/heal', {});
    expect(errors).toEqual([]);
  });

  it('Raft without PreVote: two cut-off nodes taking turns keep a row each', { timeout: 120_000 }, async () => {
    const page = lab.page;
    shootOnFailure(page, 'elections-raft');
    await fresh({ protocol: 'raft', unsafe: { prevote: false } });
    const folded = /^n[12] stood for election (\d+)× \(terms \d+–\d+, [\d.]+–[\d.]+ s\), /;
    const rows = await campaign(folded, 3);
    expect(rows.filter((t) => folded.test(t)).length, 'folded rows').toBeLessThanOrEqual(2);
    for (const n of ['n1', 'n2'])
      expect(
        rows.filter((t) => new RegExp(`granted ${n}'s vote`).test(t)).length,
        `answers to ${n}`,
      ).toBeLessThanOrEqual(2);
    expect(rows.filter((t) => /^term \d+:/.test(t)).length, 'term rows').toBeLessThanOrEqual(4);
    try {
      const steps = await selectFolded(folded);
      expect(steps.join('\n')).toMatch(/again \(round 2, term \d+\)/);
      await screenshot(page, 'elections-raft-noprevote-1400x900');
      await page.getByLabel('Clear the cursor').click();
    } finally {
      await page.getByRole('button', { name: 'Resume view' }).click();
    }
    await lab.api('/api/heal', {});
  });
});
