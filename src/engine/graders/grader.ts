import type { TemplateScope } from '../template.js';

/** What one grader says about one item, in the shape of an output item's `results` entry. */
export interface GraderOutcome {
  score: number;
  passed: boolean;
  /** The judge model's own call (model graders), as the API shows it; null for the others. */
  sample?: Record<string, unknown> | null;
  /** A label_model's label. */
  label?: string;
  /** A judge's explanation, when it gives one. */
  reason?: string;
}

/** A testing criterion, ready to grade items. */
export interface Grader {
  /** `"<name>-<uuid>"`, as the API names testing criteria. */
  readonly id: string;
  readonly name: string;
  readonly type: string;
  /** Grades one item. Throws when it cannot (the item is then marked errored with the message). */
  grade(scope: Required<TemplateScope>, signal: AbortSignal): Promise<GraderOutcome>;
  /** Gets ready before the first item (starts a python process, say); a broken grader fails here. */
  start?(): Promise<void>;
  /** Frees what the grader holds (a python process, say). */
  close?(): Promise<void>;
}

/** A grader that cannot grade this item: the message is recorded as the item's error. */
export class GraderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GraderError';
  }
}
