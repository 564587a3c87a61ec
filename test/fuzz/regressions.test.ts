/**
 * The inputs the fuzz tests (test/fuzz/*.test.ts) found wrong, one test each, kept as
 * plain cases so a regression is named by what it broke rather than by a seed.
 */
import { describe, expect, it } from 'vitest';
import { bundledScenarios } from '../../src-main/scenario/bundled';
import { parseScenario } from '../../src-main/scenario/validate';

describe('fuzz regressions: scenario files', () => {
  // Found by files.test.ts (seed 61, case 485): the schema interpreter looked fields up
  // with `props[k]`, so a field named like a member of Object.prototype found that member
  // — a function or Object.prototype itself, which conformed to nothing and so accepted
  // any value — and the unknown field was let through, at any level of the file.
  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'])(
    'refuses a field named %s as unknown, in a step and at the top',
    (k) => {
      const text = JSON.stringify(bundledScenarios()[0]);
      const inStep = parseScenario(text.replace('"steps":[{', `"steps":[{"${k}":{"polluted":1},`), 'x.json');
      expect(inStep.ok ? 'accepted' : inStep.error).toMatch(new RegExp(`steps\\[0\\]: unknown field '${k}'`));
      const atTop = parseScenario(text.replace('{', `{"${k}":7,`), 'x.json');
      expect(atTop.ok ? 'accepted' : atTop.error).toMatch(new RegExp(`the scenario: unknown field '${k}'`));
    },
  );
});
