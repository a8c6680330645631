// Builders shared by the history tests: records as a run would write them, and artifacts as GitHub lists them.
import type { StoredArtifact } from '../../src/github/artifacts.ts';
import type { ItemRecord } from '../../src/evals-api/run-types.ts';
import type { RecordHeader, RecordItem } from '../../src/history/record-format.ts';
import { RecordItems } from '../../src/history/record-items.ts';
import { type RecordFacts, recordHeader, recordText } from '../../src/history/write-record.ts';
import { grade } from './analysis-fixtures.ts';

export const REPOSITORY = 'octo-org/octo-repo';
export const REPOSITORY_ID = 5001;
export const FORK_ID = 6001;

/** Item `i` of a two-criteria eval: passing both, or failing both. */
export function item(i: number, outcome: 'pass' | 'fail' | 'error' = 'pass'): ItemRecord {
  const passed = outcome === 'error' ? null : outcome === 'pass';
  return {
    id: `outputitem_${i}`,
    datasourceItemId: String(i),
    contentHash: `hash${String(i).padStart(12, '0')}`,
    outcome,
    input: `Question ${i}?`,
    expected: null,
    output: null,
    error: outcome === 'error' ? 'boom' : null,
    grades: [grade('Exact answer', passed), grade('Mentions', passed)],
  };
}

export function facts(overrides: Partial<RecordFacts> = {}): RecordFacts {
  return {
    gateKey: 'support',
    repository: REPOSITORY,
    event: 'push',
    ref: 'refs/heads/main',
    branch: 'main',
    sha: 'a'.repeat(40),
    pr: null,
    workflowRunId: '100',
    workflowRunAttempt: 1,
    createdAt: new Date('2026-12-01T03:00:00Z'),
    engine: 'local',
    evalId: 'eval_local_1',
    evalName: 'Support answers',
    definitionFingerprint: 'def0123456789abc',
    runId: 'evalrun_1',
    runName: 'main · aaaaaaa',
    datasetKind: 'jsonl',
    counts: { total: 0, passed: 0, failed: 0, errored: 0, skipped: 0 },
    score: 0.8,
    threshold: 0.75,
    verdict: 'pass',
    criteria: [],
    ...overrides,
  };
}

/** A record of `records` with `overrides`; its counts follow the items. */
export function record(records: ItemRecord[], overrides: Partial<RecordFacts> = {}): { header: RecordHeader; items: RecordItem[]; text: string } {
  const items = new RecordItems();
  for (const entry of records) items.add(entry);
  const passed = records.filter((entry) => entry.outcome === 'pass').length;
  const errored = records.filter((entry) => entry.outcome === 'error').length;
  const counts = { total: records.length, passed, failed: records.length - passed - errored, errored, skipped: 0 };
  const header = recordHeader(facts({ counts, score: records.length ? passed / records.length : 0, ...overrides }), items);
  const padded = items.padded();
  return { header, items: padded, text: recordText(header, padded) };
}

/** An artifact of run `runId` on `branch` of this repository (or a fork), created `day` days into December. */
export function artifact(id: number, overrides: { day?: number; branch?: string; sha?: string; runId?: number; fork?: boolean; expired?: boolean; name?: string } = {}): StoredArtifact {
  const day = overrides.day ?? 1;
  return {
    id,
    name: overrides.name ?? 'evals-gate-support.jsonl',
    sizeInBytes: 100,
    expired: overrides.expired ?? false,
    createdAt: `2026-12-${String(day).padStart(2, '0')}T03:00:00Z`,
    expiresAt: '2027-03-01T03:00:00Z',
    workflowRun: {
      id: overrides.runId ?? id * 10,
      repositoryId: REPOSITORY_ID,
      headRepositoryId: overrides.fork ? FORK_ID : REPOSITORY_ID,
      headBranch: overrides.branch ?? 'main',
      headSha: overrides.sha ?? 'a'.repeat(40),
    },
  };
}

/** `text` in chunks of `size` bytes, as a download delivers it. */
export async function* chunked(text: string, size = 7): AsyncGenerator<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  for (let start = 0; start < bytes.length; start += size) yield bytes.slice(start, start + size);
}
