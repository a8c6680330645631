// What `npm run bench` (scripts/bench.ts) is asked to measure, and how it judges the figures against
// issue 12's targets: the PASS/MISS it prints goes into the README, so a wrong bound would mislead.
import { describe, expect, it } from 'vitest';
import { CASES, judge, median, parseBenchArgs, targetsFor } from '../../scripts/bench.ts';

describe('the benchmark command line', () => {
  it('measures every case at 10,000 and 100,000 items, 20% failing, 50 ms a request, once, by default', () => {
    expect(parseBenchArgs([])).toEqual({ items: [10_000, 100_000], latencyMs: 50, runs: 1, failing: 0.2, cases: [...CASES] });
  });

  it('takes a quick check of 2,000 items, and the figures it is given', () => {
    expect(parseBenchArgs(['--quick']).items).toEqual([2000]);
    expect(parseBenchArgs(['--quick', '--items', '500'])).toMatchObject({ items: [500] });
    expect(parseBenchArgs(['--items', '100_000', '--latency-ms', '0', '--runs', '3', '--failing', '0.05'])).toMatchObject({ items: [100_000], latencyMs: 0, runs: 3, failing: 0.05 });
    expect(parseBenchArgs(['--failing', '5%']).failing).toBeCloseTo(0.05);
  });

  it('keeps the chosen cases in the order of the table', () => {
    expect(parseBenchArgs(['--cases', 'gate-failing+baseline,naive-20']).cases).toEqual(['naive-20', 'gate-failing+baseline']);
  });

  it.each([
    [['--items', '10k'], /--items .* got 10k/],
    [['--items', '0'], /--items/],
    [['--latency-ms=-1'], /--latency-ms .* got -1/],
    [['--runs', '1.5'], /--runs .* got 1\.5/],
    [['--failing', '120%'], /--failing .* got 120%/],
    [['--failing', ''], /--failing/],
    [['--cases', 'gate'], /--cases: gate is not one of naive-20, /],
    [['--cases', ','], /--cases names no case/],
  ])('refuses %j, naming the flag', (args, message) => {
    expect(() => parseBenchArgs(args)).toThrow(message);
  });
});

describe("issue 12's targets", () => {
  const measured = (itemRequests: number, wallMs: number, maxRss: number) => ({ itemRequests, wallMs, maxRss });

  it('bound the failing-only read at 100,000 items, 20% failing, 50 ms: 210 requests, 420 with a baseline, 15 s, 200 MB', () => {
    const alone = targetsFor('gate-failing', 100_000, 0.2, 50);
    expect(alone.map((t) => [t.what, t.limit])).toEqual([['item-list requests', 210], ['wall time', 15_000], ['peak RSS', 200e6]]);
    expect(targetsFor('gate-failing+baseline', 100_000, 0.2, 50).map((t) => t.limit)).toEqual([420, 15_000, 200e6]);
  });

  it('hold only the memory bound for the full read, and nothing for the naive loops or another size', () => {
    expect(targetsFor('gate-full', 100_000, 0.2, 50).map((t) => t.what)).toEqual(['peak RSS']);
    expect(targetsFor('gate-full+baseline', 100_000, 0.2, 50).map((t) => t.what)).toEqual(['peak RSS']);
    expect(targetsFor('naive-100', 100_000, 0.2, 50)).toEqual([]);
    expect(targetsFor('gate-failing', 10_000, 0.2, 50)).toEqual([]);
  });

  it('bound requests and time only under the conditions the issue set them for', () => {
    expect(targetsFor('gate-failing', 100_000, 0.05, 50).map((t) => t.what)).toEqual(['peak RSS']);
    expect(targetsFor('gate-failing', 100_000, 0.2, 20).map((t) => t.what)).toEqual(['peak RSS']);
  });

  it('pass at the bound and miss past it', () => {
    const targets = targetsFor('gate-failing', 100_000, 0.2, 50);
    expect(judge(targets, [measured(210, 15_000, 200e6)])).toBe('requests ≤ 210 PASS, time ≤ 15.0 s PASS, RSS ≤ 200 MB PASS');
    expect(judge(targets, [measured(211, 15_001, 200e6 + 1)])).toBe('requests ≤ 210 MISS, time ≤ 15.0 s MISS, RSS ≤ 200 MB MISS');
  });

  it('judge the median of several runs, not the best one', () => {
    const [rss] = targetsFor('gate-full', 100_000, 0.2, 50);
    if (!rss) throw new Error('no RSS target');
    expect(judge([rss], [measured(0, 0, 150e6), measured(0, 0, 240e6), measured(0, 0, 260e6)])).toBe('RSS ≤ 200 MB MISS');
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});
