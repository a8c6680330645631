import { describe, expect, it } from 'vitest';
import { EXIT, exitCode } from '../../../src/cli/run-command.ts';
import { makeResult, makeRun } from '../../support/report-fixtures.ts';

const failed = { result: 'fail' as const, reasons: ['x'] };

describe('the CLI exit code', () => {
  it('is 0 for a pass and 1 for a failed verdict on a judged run', () => {
    expect(exitCode(makeResult())).toBe(EXIT.pass);
    expect(exitCode(makeResult({ verdict: failed }))).toBe(EXIT.fail);
  });

  it.each([
    ['failed', { status: 'failed' as const }],
    ['canceled', { status: 'canceled' as const }],
    ['timed out', { status: 'timeout' as const }],
    ['without items', { counts: { total: 0, passed: 0, failed: 0, errored: 0, skipped: 0 } }],
    ['with every item skipped', { counts: { total: 3, passed: 0, failed: 0, errored: 0, skipped: 3 } }],
  ])('is 2 ("could not run") for a run that %s', (_, overrides) => {
    expect(exitCode(makeResult({ run: makeRun(), verdict: failed, ...overrides }))).toBe(EXIT.error);
  });
});
