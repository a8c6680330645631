// Compact, SDK-independent shapes of what the Evals API returns. Everything downstream of src/evals-api/
// (analysis, reports, outputs) works on these, never on raw SDK objects, so the engine answering the
// API can change without touching the rest, and memory stays bounded for large runs.

/** Statuses the API documents as terminal. Azure spells one of them `cancelled`. */
export type TerminalStatus = 'completed' | 'failed' | 'canceled';

export interface ResultCounts {
  total: number;
  passed: number;
  failed: number;
  errored: number;
  /** Items the server did not grade (Azure/Foundry). Counted in `total`, left out of the score. */
  skipped: number;
}

export interface CriterionCounts {
  /** The grader id as the API gives it, e.g. `"Exact match-0d3f…"`. */
  id: string;
  /** The readable name: the id without its trailing uuid. */
  name: string;
  passed: number;
  failed: number;
}

export interface ModelUsage {
  model: string;
  invocations: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  cachedTokens: number;
}

/** One poll's view of a run. Fields the API leaves `null` before completion are empty here. */
export interface RunSnapshot {
  id: string;
  evalId: string;
  name: string;
  /** The status string as the server sent it (`cancelled` is normalised to `canceled`). */
  status: string;
  model: string | null;
  reportUrl: string | null;
  createdAt: number | null;
  resultCounts: ResultCounts;
  perCriterion: CriterionCounts[];
  usage: ModelUsage[];
  error: { code: string; message: string } | null;
  metadata: Record<string, string>;
}

/** One grader result on one item. Azure graders give one per metric, with a label, a reason and a threshold. */
export interface GradeRecord {
  /** Readable criterion name (grader name without trailing uuid). */
  name: string;
  type: string | null;
  /** The metric this result is for, when the grader has several (Azure). */
  metric: string | null;
  /** null when the grader could not decide (Azure, on errored items). */
  passed: boolean | null;
  /** The raw score, on the grader's own scale: shown, never gated on. */
  score: number | null;
  threshold: number | null;
  label: string | null;
  /** The judge's explanation, cut. */
  reason: string | null;
}

export type ItemOutcome = 'pass' | 'fail' | 'error' | 'skipped';

/** A compact record of one output item: only what reports need, long texts already cut. */
export interface ItemRecord {
  id: string;
  datasourceItemId: string | null;
  /** A fingerprint of the data source item: pairs items of runs over different datasets. */
  contentHash: string;
  outcome: ItemOutcome;
  /** The prompt the model saw (last user message, or the item's input field), cut. */
  input: string | null;
  /** The reference answer, when the item has one (`expected`, `ideal`, `reference`, `answer`, `label`), cut. */
  expected: string | null;
  /** The model's output, cut. */
  output: string | null;
  /** `sample.error.message` for errored items, cut. */
  error: string | null;
  grades: GradeRecord[];
}
