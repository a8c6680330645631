// The artifacts that the results service fake (actions-results.ts) takes in and the GitHub API fake
// (github-artifacts.ts) lists and serves: one store, so that what one "run" uploads a later run finds.
import { createHash } from 'node:crypto';

/** A workflow run as the artifacts API describes it, with the backend id its runtime token names. */
export interface FakeWorkflowRun {
  id: number;
  /** The `workflowRunBackendId` of `Actions.Results:<run>:<job>` in the runtime token's `scp`. */
  backendId: string;
  owner: string;
  repo: string;
  repositoryId: number;
  /** A fork's pull request run has its fork's id here. */
  headRepositoryId: number;
  /** For pull request runs, the PR's head branch (a fork's may be called main). */
  headBranch: string;
  headSha: string;
}

export interface FakeArtifact {
  id: number;
  name: string;
  run: FakeWorkflowRun;
  jobBackendId: string;
  /** The uploaded bytes; null until the blob is committed. */
  content: Buffer | null;
  /** From CreateArtifact's mime_type: `application/zip`, or the single file's type with skipArchive. */
  contentType: string;
  createdAt: string;
  expiresAt: string;
  expired: boolean;
  /** FinalizeArtifact was called: only then do the REST API and other runs see it. */
  finalized: boolean;
  /** FinalizeArtifact's `hash`, e.g. `sha256:…`. */
  digest: string | null;
}

export interface SeedArtifact {
  name: string;
  content: string | Buffer;
  run: FakeWorkflowRun;
  /** Default application/octet-stream (an unzipped single file). */
  contentType?: string;
  createdAt?: string;
  expired?: boolean;
}

/** GitHub's default artifact retention, in days. */
const RETENTION_DAYS = 90;

export class ArtifactStore {
  readonly runs = new Map<string, FakeWorkflowRun>();
  readonly artifacts: FakeArtifact[] = [];
  private nextArtifactId = 7_000_001;
  private nextRunId = 9_000_001;
  private lastCreated = 0;

  /** A workflow run that tokens can name; fields not given are those of a push run on main. */
  registerRun(run: Partial<FakeWorkflowRun> & { owner: string; repo: string; repositoryId: number }): FakeWorkflowRun {
    const id = run.id ?? this.nextRunId++;
    const given = Object.fromEntries(Object.entries(run).filter(([, value]) => value !== undefined));
    const full: FakeWorkflowRun = {
      id,
      backendId: `00000000-0000-4000-8000-${String(id).padStart(12, '0')}`,
      headRepositoryId: run.repositoryId,
      headBranch: 'main',
      headSha: createHash('sha1').update(String(id)).digest('hex'),
      ...given,
      owner: run.owner,
      repo: run.repo,
      repositoryId: run.repositoryId,
    };
    this.runs.set(full.backendId, full);
    return full;
  }

  /** Strictly increasing creation times, so that "newest first" is well defined within a millisecond. */
  now(): string {
    this.lastCreated = Math.max(Date.now(), this.lastCreated + 1000);
    return new Date(this.lastCreated).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  create(run: FakeWorkflowRun, jobBackendId: string, name: string, contentType: string, expiresAt?: string): FakeArtifact {
    const createdAt = this.now();
    const artifact: FakeArtifact = {
      id: this.nextArtifactId++,
      name,
      run,
      jobBackendId,
      content: null,
      contentType,
      createdAt,
      expiresAt: expiresAt ?? new Date(Date.parse(createdAt) + RETENTION_DAYS * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      expired: false,
      finalized: false,
      digest: null,
    };
    this.artifacts.push(artifact);
    return artifact;
  }

  /** An artifact as if an earlier run had uploaded it (finalized, content stored). */
  seed(seed: SeedArtifact): FakeArtifact {
    this.runs.set(seed.run.backendId, seed.run);
    const artifact = this.create(seed.run, 'seeded-job', seed.name, seed.contentType ?? 'application/octet-stream');
    const content = Buffer.isBuffer(seed.content) ? seed.content : Buffer.from(seed.content, 'utf8');
    artifact.content = content;
    artifact.digest = `sha256:${createHash('sha256').update(content).digest('hex')}`;
    artifact.finalized = true;
    if (seed.createdAt) artifact.createdAt = seed.createdAt;
    if (seed.expired) artifact.expired = true;
    return artifact;
  }

  /** The finalized artifacts of a repository, newest first (as GitHub lists them). */
  listed(owner: string, repo: string): FakeArtifact[] {
    const key = `${owner}/${repo}`.toLowerCase();
    return this.artifacts
      .filter((artifact) => artifact.finalized && `${artifact.run.owner}/${artifact.run.repo}`.toLowerCase() === key)
      .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || b.id - a.id);
  }

  byId(id: number): FakeArtifact | undefined {
    return this.artifacts.find((artifact) => artifact.id === id);
  }
}
