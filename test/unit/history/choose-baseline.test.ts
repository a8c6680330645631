import { describe, expect, it } from 'vitest';
import type { ArtifactDownload, StoredArtifact } from '../../../src/github/artifacts.ts';
import { ArtifactsPermissionError } from '../../../src/github/artifacts.ts';
import { artifactNameProblem, autoArtifactName } from '../../../src/history/artifact-name.ts';
import { orderCandidates, type RecordWanted, rejectRecord } from '../../../src/history/choose-baseline.ts';
import { ArtifactListing, BASELINE_DOWNLOADS, findBaselineRecord, findTrendRecords, noBaselineNote, type RecordSource } from '../../../src/history/find-records.ts';
import { recordLabel, trendPoints } from '../../../src/history/trend-points.ts';
import type { RecordFacts } from '../../../src/history/write-record.ts';
import { artifact, chunked, item, record, REPOSITORY, REPOSITORY_ID } from '../../support/history-fixtures.ts';

const BASE_SHA = 'b'.repeat(40);

function wanted(overrides: Partial<RecordWanted> = {}): RecordWanted {
  return { gateKey: 'support', repository: REPOSITORY, repositoryId: REPOSITORY_ID, branch: 'main', datasetKind: 'jsonl', preferSha: null, excludeRunId: null, ...overrides };
}

/** An artifact and the record in it, consistent with each other unless `facts` says otherwise. */
function stored(id: number, options: Parameters<typeof artifact>[1] = {}, facts: Partial<RecordFacts> = {}) {
  const listed = artifact(id, options);
  const text = record([item(0), item(1)], {
    workflowRunId: String(listed.workflowRun.id),
    sha: listed.workflowRun.headSha,
    branch: listed.workflowRun.headBranch,
    createdAt: new Date(listed.createdAt ?? 0),
    ...facts,
  }).text;
  return { listed, text };
}

/** A source holding `entries`, listed `perPage` at a time, counting what it is asked. */
function source(entries: { listed: StoredArtifact; text: string; contentType?: string }[], perPage = 100) {
  const calls = { pages: 0, downloads: [] as number[] };
  const src: RecordSource = {
    async *pages() {
      for (let start = 0; start < entries.length; start += perPage) {
        calls.pages++;
        yield entries.slice(start, start + perPage).map((entry) => entry.listed);
      }
    },
    async download(id: number): Promise<ArtifactDownload> {
      calls.downloads.push(id);
      const entry = entries.find((candidate) => candidate.listed.id === id);
      if (!entry) throw new Error(`no artifact ${id}`);
      return { contentType: entry.contentType ?? 'application/octet-stream', body: chunked(entry.text, 64) };
    },
  };
  return { src, calls };
}

async function baseline(entries: Parameters<typeof source>[0], want: RecordWanted = wanted(), perPage = 100) {
  const { src, calls } = source(entries, perPage);
  const found = await findBaselineRecord(src, new ArtifactListing(src, 'evals-gate-support.jsonl'), want);
  return { found, calls };
}

describe('orderCandidates', () => {
  it('passes over expired artifacts, forks, other branches and this workflow run, and counts why', () => {
    const { candidates, passedOver } = orderCandidates(
      [
        artifact(1, { expired: true }),
        artifact(2, { fork: true }),
        artifact(3, { branch: 'feature' }),
        artifact(4, { runId: 999 }),
        artifact(5),
        { ...artifact(6), workflowRun: { ...artifact(6).workflowRun, headRepositoryId: null } },
      ],
      wanted({ excludeRunId: 999 }),
    );
    expect(candidates.map((entry) => entry.id)).toEqual([5]);
    expect(passedOver).toEqual({ expired: 1, foreign: 2, elsewhere: 2 });
  });

  it('never takes a fork pull request artifact, even named alike on a branch called main and newest', () => {
    const { candidates } = orderCandidates([artifact(9, { fork: true, day: 9 }), artifact(1, { day: 1 })], wanted());
    expect(candidates.map((entry) => entry.id)).toEqual([1]);
  });

  it('takes only artifacts of this repository when its id is known', () => {
    const other = artifact(1);
    const moved = { ...other, workflowRun: { ...other.workflowRun, repositoryId: 77, headRepositoryId: 77 } };
    expect(orderCandidates([moved], wanted()).candidates).toEqual([]);
    expect(orderCandidates([moved], wanted({ repositoryId: null })).candidates).toEqual([moved]);
  });

  it('puts the base commit first, then the rest newest first', () => {
    const { candidates } = orderCandidates([artifact(1, { day: 1 }), artifact(3, { day: 3 }), artifact(2, { day: 2, sha: BASE_SHA })], wanted({ preferSha: BASE_SHA }));
    expect(candidates.map((entry) => entry.id)).toEqual([2, 3, 1]);
  });
});

describe('rejectRecord', () => {
  const check = (facts: Partial<RecordFacts>, want = wanted(), listed = artifact(1)) =>
    rejectRecord(record([item(0)], { workflowRunId: '10', sha: listed.workflowRun.headSha, ...facts }).header, listed, want);

  it('accepts a push, schedule or workflow_dispatch record of the same gate, branch and kind of data', () => {
    for (const event of ['push', 'schedule', 'workflow_dispatch']) expect(check({ event })).toBeNull();
  });

  it('refuses pull request records, whatever their branch says', () => {
    expect(check({ event: 'pull_request', pr: 7 })).toBe('event');
    expect(check({ event: 'pull_request_target' })).toBe('event');
    expect(check({ pr: 7 })).toBe('event');
  });

  it('refuses another gate, branch, repository, kind of data, and a record that is not its artifact run\'s', () => {
    expect(check({ gateKey: 'other' })).toBe('gate');
    expect(check({ branch: 'release' })).toBe('branch');
    expect(check({ repository: 'someone/else' })).toBe('repository');
    expect(check({ datasetKind: 'completions' })).toBe('dataset');
    expect(check({ workflowRunId: '11' })).toBe('run');
    expect(check({ sha: 'c'.repeat(40) })).toBe('run');
  });
});

describe('findBaselineRecord', () => {
  it('takes the newest record on the branch, from one page and one download', async () => {
    const { found, calls } = await baseline([stored(3, { day: 3 }), stored(2, { day: 2 }), stored(1, { day: 1 })]);
    expect(found.kind).toBe('found');
    if (found.kind !== 'found') return;
    expect(found.artifact.id).toBe(3);
    expect(found.baseCommit).toBe(false);
    expect(found.record.items).toHaveLength(2);
    expect(calls).toEqual({ pages: 1, downloads: [3] });
  });

  it('prefers the record of the pull request base commit to a newer one, and says so', async () => {
    const { found } = await baseline([stored(3, { day: 3 }), stored(2, { day: 2, sha: BASE_SHA }), stored(1, { day: 1 })], wanted({ preferSha: BASE_SHA }));
    expect(found).toMatchObject({ kind: 'found', baseCommit: true, artifact: { id: 2 } });
  });

  it('falls back to the newest when the base commit has no record', async () => {
    const { found } = await baseline([stored(3, { day: 3 }), stored(1, { day: 1 })], wanted({ preferSha: BASE_SHA }));
    expect(found).toMatchObject({ kind: 'found', baseCommit: false, artifact: { id: 3 } });
  });

  it('reads further pages only while no candidate has turned up', async () => {
    const forks = Array.from({ length: 5 }, (_, i) => stored(100 + i, { fork: true, day: 20 }));
    const { found, calls } = await baseline([...forks, stored(1, { day: 1 })], wanted(), 2);
    expect(found).toMatchObject({ kind: 'found', artifact: { id: 1 } });
    expect(calls.pages).toBe(3);
  });

  it('passes over a record whose header says it is a pull request run and takes the next one', async () => {
    const { found, calls } = await baseline([stored(3, { day: 3 }, { event: 'pull_request', pr: 7 }), stored(2, { day: 2 })]);
    expect(found).toMatchObject({ kind: 'found', artifact: { id: 2 } });
    expect(calls.downloads).toEqual([3, 2]);
  });

  it(`downloads at most ${BASELINE_DOWNLOADS} records`, async () => {
    const entries = Array.from({ length: 6 }, (_, i) => stored(10 - i, { day: 10 - i }, { gateKey: 'other' }));
    const { found, calls } = await baseline(entries);
    expect(found).toMatchObject({ kind: 'none', cause: 'no-record' });
    expect(calls.downloads).toHaveLength(BASELINE_DOWNLOADS);
  });

  it('tells each cause apart: nothing yet, expired, another kind of data, unreadable, no permission', async () => {
    expect((await baseline([])).found).toMatchObject({ kind: 'none', cause: 'no-record' });
    expect((await baseline([stored(1, { fork: true })])).found).toMatchObject({ kind: 'none', cause: 'no-record' });
    expect((await baseline([stored(1, { expired: true })])).found).toMatchObject({ kind: 'none', cause: 'expired' });
    expect((await baseline([stored(1, {}, { datasetKind: 'completions' })])).found).toMatchObject({ kind: 'none', cause: 'dataset' });
    const future = stored(1);
    future.text = future.text.replace('"version":1', '"version":7');
    const unreadable = (await baseline([future])).found;
    expect(unreadable).toMatchObject({ kind: 'none', cause: 'unreadable' });
    expect(unreadable.notes.join('\n')).toMatch(/version 7/);
    const zipped = (await baseline([{ ...stored(1), contentType: 'application/zip' }])).found;
    expect(zipped.notes.join('\n')).toMatch(/zip archive/);

    const denied: RecordSource = {
      // eslint-disable-next-line require-yield
      async *pages() {
        throw new ArtifactsPermissionError('list artifacts', 403, 'needs actions: read');
      },
      download: () => Promise.reject(new Error('not reached')),
    };
    expect(await findBaselineRecord(denied, new ArtifactListing(denied, 'x'), wanted())).toEqual({ kind: 'none', cause: 'permission', notes: [] });
  });

  it('words a note for each cause', () => {
    const context = { ref: 'main', gateKey: 'support', datasetKind: 'jsonl', artifactName: 'evals-gate-support.jsonl' };
    expect(noBaselineNote('permission', context)).toMatch(/`permissions: actions: read`/);
    expect(noBaselineNote('expired', context)).toMatch(/have expired/);
    expect(noBaselineNote('dataset', context)).toMatch(/the dataset changed/);
    expect(noBaselineNote('no-record', context)).toMatch(/no record of this gate .* on main yet/);
  });
});

describe('findTrendRecords and trendPoints', () => {
  it('reads only the headers of the newest records it shows, sharing the baseline\'s', async () => {
    const entries = [5, 4, 3, 2, 1].map((day) => stored(day, { day }));
    const { src, calls } = source(entries);
    const listing = new ArtifactListing(src, 'evals-gate-support.jsonl');
    await findBaselineRecord(src, listing, wanted());
    const trend = await findTrendRecords(src, listing, wanted(), 3);
    expect(trend.map((entry) => entry.artifact.id)).toEqual([5, 4, 3]);
    expect(calls).toEqual({ pages: 1, downloads: [5, 4, 3] });
    const points = trendPoints(trend, 'https://github.com');
    expect(points.map((point) => point.label)).toEqual(['12-03 aaaaaaa', '12-04 aaaaaaa', '12-05 aaaaaaa']);
    expect(points[0]).toMatchObject({ runId: '30', score: 1, status: 'pass', url: `https://github.com/${REPOSITORY}/actions/runs/30` });
  });

  it('labels a record by its date and commit', () => {
    expect(recordLabel({ created_at: '2026-12-24T23:59:00Z', sha: '1234567890' })).toBe('12-24 1234567');
    expect(recordLabel({ created_at: 'never', sha: null })).toBe('');
  });
});

describe('artifact names', () => {
  it('derives a valid name from the gate key, distinct for keys that read alike', () => {
    const a = autoArtifactName('evals/support.eval.yaml');
    expect(a).toMatch(/^evals-gate-evals-support\.eval\.yaml-[0-9a-f]{8}\.jsonl$/);
    expect(artifactNameProblem(a)).toBeNull();
    expect(autoArtifactName('evals-support.eval.yaml')).not.toBe(a);
    expect(autoArtifactName('matrix: "a"')).not.toBe(autoArtifactName('matrix: "b"'));
    expect(artifactNameProblem(autoArtifactName('::<>|*?\\/\n'))).toBeNull();
    expect(autoArtifactName('x'.repeat(500)).length).toBeLessThan(100);
  });

  it('explains what is wrong with a name', () => {
    expect(artifactNameProblem('a/b')).toMatch(/contains "\/"/);
    expect(artifactNameProblem('  ')).toBe('it is empty');
    expect(artifactNameProblem('results.jsonl')).toBeNull();
  });
});
