import { describe, expect, it } from 'vitest';
import { describeUnknownThresholds, unknownThresholdNames } from '../../../src/analysis/threshold-names.ts';

const CRITERIA = [
  { name: 'Exact match', id: 'Exact match-0d3f9a2e-1b2c-4d5e-8f90-123456789abc' },
  { name: 'qa', id: null },
];
const min = (name: string) => ({ name, min: 0.9 });

describe('unknownThresholdNames', () => {
  it('accepts a name, a full grader id, another uuid on a known name, and name/metric', () => {
    expect(
      unknownThresholdNames(
        [min('Exact match'), min('Exact match-0d3f9a2e-1b2c-4d5e-8f90-123456789abc'), min('qa-11111111-2222-4333-8444-555555555555'), min('qa/coherence')],
        CRITERIA,
      ),
    ).toEqual([]);
  });

  it('names every threshold that matches nothing, in order', () => {
    expect(unknownThresholdNames([min('Exact mach'), min('qa'), min('fluency/qa'), min('/qa')], CRITERIA)).toEqual(['Exact mach', 'fluency/qa', '/qa']);
  });

  it('says which criteria there are', () => {
    expect(describeUnknownThresholds(['Exact mach'], CRITERIA, 'eval eval_1')).toBe('"Exact mach" is not a criterion of eval eval_1 (its criteria: "Exact match", "qa").');
    expect(describeUnknownThresholds(['a', 'b'], [], 'x.yaml')).toBe('"a", "b" are not criteria of x.yaml (its criteria: none).');
  });
});
