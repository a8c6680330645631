// Finding the records to compare with and to draw, among the repository's artifacts: a page of the
// listing at a time (one usually suffices), and as few downloads as the answer needs.
import { type ArtifactDownload, ArtifactsPermissionError, type StoredArtifact } from '../github/artifacts.js';
import { orderCandidates, type PassedOver, type RecordWanted, type Rejection, rejectRecord } from './choose-baseline.js';
import type { RecordHeader, ResultsRecord } from './record-format.js';
import { readRecord } from './read-record.js';

/** Where records are: the repository's artifacts (src/github/artifacts.ts), or a fake in tests. */
export interface RecordSource {
  pages(name: string): AsyncIterable<StoredArtifact[]>;
  download(artifactId: number): Promise<ArtifactDownload>;
}

/** Records downloaded at most to find a baseline: the newest few that pass the listing's checks. */
export const BASELINE_DOWNLOADS = 3;

export type NoRecordCause = 'no-record' | 'expired' | 'dataset' | 'unreadable' | 'permission';

export type BaselineFound =
  | { kind: 'found'; record: ResultsRecord; artifact: StoredArtifact; /** It is the pull request's base commit's. */ baseCommit: boolean; notes: string[] }
  | { kind: 'none'; cause: NoRecordCause; notes: string[] };

export interface TrendRecord {
  header: RecordHeader;
  artifact: StoredArtifact;
}

/**
 * One artifact name's listing, read a page at a time and kept: the baseline and the trend of one run
 * share it, so a push run lists once for both.
 */
export class ArtifactListing {
  readonly listed: StoredArtifact[] = [];
  private readonly iterator: AsyncIterator<StoredArtifact[]>;
  private done = false;
  /** Headers already read, by artifact id: the baseline's header serves the trend too. */
  readonly headers = new Map<number, RecordHeader>();
  pagesRead = 0;

  constructor(source: RecordSource, name: string) {
    this.iterator = source.pages(name)[Symbol.asyncIterator]();
  }

  /** Reads one more page; false when there is none. */
  async more(): Promise<boolean> {
    if (this.done) return false;
    const next = await this.iterator.next();
    if (next.done) {
      this.done = true;
      return false;
    }
    this.pagesRead++;
    this.listed.push(...next.value);
    return true;
  }

  /** The candidates for `wanted`, reading pages until there are `enough` of them or the listing ends. */
  async candidates(wanted: RecordWanted, enough: number): Promise<{ candidates: StoredArtifact[]; passedOver: PassedOver }> {
    let order = orderCandidates(this.listed, wanted);
    while (order.candidates.length < enough && (await this.more())) order = orderCandidates(this.listed, wanted);
    return order;
  }
}

/**
 * The record to compare with: the base commit's when one of the first candidates is, else the newest
 * on the branch. Each candidate's header is checked before its items are read; a record that fails
 * the checks is passed over and the next one tried, up to `BASELINE_DOWNLOADS`.
 */
export async function findBaselineRecord(source: RecordSource, listing: ArtifactListing, wanted: RecordWanted): Promise<BaselineFound> {
  const notes: string[] = [];
  try {
    const { candidates, passedOver } = await listing.candidates(wanted, 1);
    const rejections: Rejection[] = [];
    for (const artifact of candidates.slice(0, BASELINE_DOWNLOADS)) {
      let rejection: Rejection | null = null;
      const read = await readArtifact(source, artifact, (header) => {
        listing.headers.set(artifact.id, header);
        rejection = rejectRecord(header, artifact, wanted);
        return rejection === null ? null : REJECTION_TEXT[rejection];
      });
      if (read.kind === 'record') {
        return { kind: 'found', record: read.record, artifact, baseCommit: wanted.preferSha !== null && artifact.workflowRun.headSha === wanted.preferSha, notes };
      }
      if (rejection !== null) rejections.push(rejection);
      else if (read.kind === 'skipped') notes.push(read.note);
    }
    return { kind: 'none', cause: causeOf(candidates.length, passedOver, rejections, notes), notes };
  } catch (error) {
    if (error instanceof ArtifactsPermissionError) return { kind: 'none', cause: 'permission', notes };
    throw error;
  }
}

/**
 * The branch's latest records, newest first, at most `want`: only their headers are read. Every
 * download is one the trend shows, but for records that fail the checks (rare: a pull request run
 * from this branch into another).
 */
export async function findTrendRecords(source: RecordSource, listing: ArtifactListing, wanted: RecordWanted, want: number): Promise<TrendRecord[]> {
  if (want <= 0) return [];
  const found: TrendRecord[] = [];
  const { candidates } = await listing.candidates(wanted, want);
  for (const artifact of candidates.slice(0, want)) {
    let header = listing.headers.get(artifact.id) ?? null;
    if (header === null) {
      const read = await readArtifact(source, artifact, () => null, true);
      header = read.kind === 'header' ? read.header : null;
      if (header) listing.headers.set(artifact.id, header);
    }
    if (header !== null && rejectRecord(header, artifact, wanted) === null) found.push({ header, artifact });
  }
  return found;
}

type ArtifactRead = Awaited<ReturnType<typeof readRecord>>;

async function readArtifact(source: RecordSource, artifact: StoredArtifact, accept: (header: RecordHeader) => string | null, headerOnly = false): Promise<ArtifactRead> {
  const where = `The record in artifact ${artifact.id}`;
  const download = await source.download(artifact.id);
  if (/zip/i.test(download.contentType)) {
    await cancel(download.body);
    return { kind: 'skipped', note: `${where} was skipped: it is a zip archive, and records are uploaded as one unzipped file.` };
  }
  return readRecord(download.body, { source: where, accept, headerOnly });
}

async function cancel(body: AsyncIterable<Uint8Array>): Promise<void> {
  const iterator = body[Symbol.asyncIterator]();
  await iterator.return?.();
}

const REJECTION_TEXT: Record<Rejection, string> = {
  event: 'it was made by a pull request run, and only push, schedule and workflow_dispatch runs make baselines',
  branch: "its branch is not the artifact's",
  gate: 'it belongs to another gate (comment-key)',
  repository: 'it names another repository',
  run: "its workflow run or commit is not the artifact's",
  dataset: 'its data source is of another kind',
};

function causeOf(candidates: number, passedOver: PassedOver, rejections: Rejection[], notes: string[]): NoRecordCause {
  if (candidates === 0) return passedOver.expired > 0 ? 'expired' : 'no-record';
  if (rejections.includes('dataset')) return 'dataset';
  if (notes.length > 0) return 'unreadable';
  return 'no-record';
}

/** The "No baseline" note for each cause. */
export function noBaselineNote(cause: NoRecordCause, context: { ref: string; gateKey: string; datasetKind: string; artifactName: string }): string {
  return `${causeText(cause, context)} The gate judged the run alone.`;
}

function causeText(cause: NoRecordCause, context: { ref: string; gateKey: string; datasetKind: string; artifactName: string }): string {
  const gate = `this gate (comment key "${context.gateKey}", artifact ${context.artifactName})`;
  switch (cause) {
    case 'permission':
      return `No baseline: reading the records of earlier runs needs \`permissions: actions: read\` for the job's token, and GitHub answered 403. Add it to the workflow's permissions block.`;
    case 'expired':
      return `No baseline: the records of ${gate} on ${context.ref} have expired (artifacts are kept for the repository's retention period, 90 days by default). The next push or scheduled run on ${context.ref} keeps a new one.`;
    case 'dataset':
      return `No baseline: the records of ${gate} on ${context.ref} are of another kind of data than this run's (${context.datasetKind}): the dataset changed. The next push or scheduled run on ${context.ref} keeps a record of the new kind.`;
    case 'unreadable':
      return `No baseline: the latest records of ${gate} on ${context.ref} could not be read.`;
    case 'no-record':
      return `No baseline: no record of ${gate} from a push, schedule or workflow_dispatch run on ${context.ref} yet. The first such run keeps one.`;
  }
}
