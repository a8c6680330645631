import type { Grader, GraderOutcome } from './graders/grader.js';
import type { JsonlRow } from './jsonl-row.js';
import type { OutputItem, OutputItemStore } from './output-store.js';
import { readRows, type RowSource } from './rows.js';
import { withDerivedFields } from './sample-fields.js';
import type { Sampler } from './sampler.js';

export type RunStatus = 'queued' | 'in_progress' | 'completed' | 'failed' | 'canceled';

export interface RunPlan {
  runId: string;
  evalId: string;
  rows: RowSource;
  graders: Grader[];
  /** Samples each item from a model (completions/responses sources); null for rows with samples. */
  sampler: Sampler | null;
  /** Items evaluated at once. */
  concurrency: number;
  store: OutputItemStore;
  now: () => number;
}

interface UsageTotals {
  model_name: string;
  invocation_count: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cached_tokens: number;
}

/**
 * How far ahead of the oldest unfinished item new items may start, in multiples of the concurrency:
 * items are stored in dataset order, so finished ones wait for a slow one, and this bounds that wait.
 */
const REORDER_WINDOW = 64;

/**
 * One run of the local engine: streams the rows, evaluates `concurrency` items at a time, and stores
 * each output item in dataset order while the counts grow, as a hosted run does. An item whose sampling
 * or grading fails is marked errored with the error recorded; only a failure to read the rows fails the run.
 */
export class RunExecution {
  status: RunStatus = 'queued';
  error: { code: string; message: string } | null = null;
  readonly counts = { total: 0, passed: 0, failed: 0, errored: 0 };
  readonly perCriterion = new Map<string, { passed: number; failed: number }>();
  private readonly usage = new Map<string, UsageTotals>();
  private readonly controller = new AbortController();
  private readonly plan: RunPlan;
  /** Settles when the run is terminal and its graders are closed. */
  readonly done: Promise<void>;

  constructor(plan: RunPlan) {
    this.plan = plan;
    for (const grader of plan.graders) this.perCriterion.set(grader.id, { passed: 0, failed: 0 });
    this.done = this.execute();
  }

  get terminal(): boolean {
    return this.status === 'completed' || this.status === 'failed' || this.status === 'canceled';
  }

  /** Stops the run: no more items start, calls in flight are aborted, and the items stored so far stay. */
  cancel(): void {
    if (this.terminal) return;
    this.status = 'canceled';
    this.controller.abort(new Error('the run was canceled'));
  }

  /** `per_model_usage` as the API gives it. */
  modelUsage(): UsageTotals[] {
    return [...this.usage.values()];
  }

  private async execute(): Promise<void> {
    // Started on the next turn, so the create request answers with the run still queued.
    await Promise.resolve();
    const { plan } = this;
    const signal = this.controller.signal;
    const inFlight = new Set<Promise<void>>();
    const finished = new Map<number, OutputItem>();
    let nextToStore = 0;
    const store = (index: number, item: OutputItem) => {
      finished.set(index, item);
      for (let ready = finished.get(nextToStore); ready; ready = finished.get(nextToStore)) {
        finished.delete(nextToStore);
        this.record(ready);
        nextToStore++;
      }
    };
    try {
      if (this.status === 'canceled') return;
      this.status = 'in_progress';
      let index = 0;
      for await (const row of readRows(plan.rows)) {
        if (signal.aborted) break;
        while (!signal.aborted && inFlight.size > 0 && (inFlight.size >= plan.concurrency || index - nextToStore >= plan.concurrency * REORDER_WINDOW)) {
          await Promise.race(inFlight);
        }
        if (signal.aborted) break;
        const position = index++;
        const task = this.evaluate(row, position).then((item) => {
          if (!signal.aborted) store(position, item);
        });
        inFlight.add(task);
        const forget = () => inFlight.delete(task);
        task.then(forget, forget);
      }
      await Promise.all(inFlight);
      if (!signal.aborted) this.status = 'completed';
    } catch (error) {
      if (!signal.aborted) {
        this.status = 'failed';
        this.error = { code: 'run_error', message: error instanceof Error ? error.message : String(error) };
        this.controller.abort(error);
      }
    } finally {
      await Promise.allSettled([...inFlight]);
      await Promise.allSettled(plan.graders.map((grader) => grader.close?.()));
    }
  }

  /** One item, sampled if need be and graded by every criterion. Never throws but on abort. */
  private async evaluate(row: JsonlRow, index: number): Promise<OutputItem> {
    const { plan } = this;
    const signal = this.controller.signal;
    let sample: Record<string, unknown> | null = row.sample ?? null;
    let results: Record<string, unknown>[] = [];
    let error: { code: string; message: string } | null = null;
    try {
      if (plan.sampler) {
        sample = await plan.sampler.sample(row.item, signal);
        this.addUsage(sample);
      }
      const scope = { item: row.item, sample: withDerivedFields(sample ?? {}) };
      results = await Promise.all(plan.graders.map((grader) => this.grade(grader, scope, signal)));
    } catch (failure) {
      error = { code: errorCode(failure), message: failure instanceof Error ? failure.message : String(failure) };
      results = [];
    }
    const passed = error === null && results.every((result) => result.passed === true);
    return {
      object: 'eval.run.output_item',
      id: '',
      run_id: plan.runId,
      eval_id: plan.evalId,
      created_at: Math.floor(plan.now() / 1000),
      status: passed ? 'pass' : 'fail',
      datasource_item_id: index,
      datasource_item: row.item,
      results,
      sample: { ...(sample ?? {}), error },
    };
  }

  private async grade(grader: Grader, scope: { item: Record<string, unknown>; sample: Record<string, unknown> }, signal: AbortSignal): Promise<Record<string, unknown>> {
    let outcome: GraderOutcome;
    try {
      outcome = await grader.grade(scope, signal);
    } catch (failure) {
      if (signal.aborted) throw failure;
      const message = failure instanceof Error ? failure.message : String(failure);
      throw Object.assign(new Error(`grader "${grader.name}": ${message}`), { code: errorCode(failure) });
    }
    if (outcome.sample) this.addUsage(outcome.sample);
    const result: Record<string, unknown> = { name: grader.id, type: grader.type, score: outcome.score, passed: outcome.passed, sample: outcome.sample ?? null };
    if (outcome.label !== undefined) result.label = outcome.label;
    if (outcome.reason !== undefined) result.reason = outcome.reason;
    return result;
  }

  private record(item: OutputItem): void {
    const { store } = this.plan;
    item.id = store.nextId();
    store.append(item);
    this.counts.total++;
    const sample = item.sample as { error?: unknown };
    if (sample.error) {
      this.counts.errored++;
      return;
    }
    if (item.status === 'pass') this.counts.passed++;
    else this.counts.failed++;
    for (const result of item.results as { name: string; passed: boolean }[]) {
      const criterion = this.perCriterion.get(result.name);
      if (!criterion) continue;
      if (result.passed) criterion.passed++;
      else criterion.failed++;
    }
  }

  private addUsage(sample: Record<string, unknown>): void {
    const usage = sample.usage as Record<string, unknown> | undefined;
    const model = typeof sample.model === 'string' && sample.model ? sample.model : null;
    if (!model || !usage) return;
    const totals = this.usage.get(model) ?? { model_name: model, invocation_count: 0, prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cached_tokens: 0 };
    totals.invocation_count++;
    totals.prompt_tokens += numberOr0(usage.prompt_tokens);
    totals.completion_tokens += numberOr0(usage.completion_tokens);
    totals.total_tokens += numberOr0(usage.total_tokens);
    totals.cached_tokens += numberOr0(usage.cached_tokens);
    this.usage.set(model, totals);
  }
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code) return code;
  const name = error instanceof Error ? error.name : '';
  if (name === 'TemplateError') return 'template_error';
  if (name === 'GraderError') return 'grader_error';
  if (name === 'ModelCallError' || name === 'SamplingError') return 'model_error';
  return 'item_error';
}

function numberOr0(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}
