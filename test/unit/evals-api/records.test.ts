import { describe, expect, it } from 'vitest';
import {
  criterionName,
  isTerminalStatus,
  ITEM_TEXT_MAX_CHARS,
  normaliseStatus,
  REASON_MAX_CHARS,
  toItemRecord,
  toRunSnapshot,
} from '../../../src/evals-api/records.ts';
import { grade, snapshot } from '../../support/analysis-fixtures.ts';

const GRADER_ID = 'Exact match-0d3f9a2e-1b2c-4d5e-8f90-123456789abc';

const QUEUED_RUN = {
  object: 'eval.run',
  id: 'evalrun_1',
  eval_id: 'eval_1',
  name: 'PR #12 · 1a2b3c4',
  status: 'queued',
  model: 'gpt-4o-mini',
  report_url: 'https://platform.openai.com/evaluations/eval_1?run_id=evalrun_1',
  created_at: 1_760_000_000,
  result_counts: { total: 0, errored: 0, failed: 0, passed: 0 },
  per_model_usage: null,
  per_testing_criteria_results: null,
  error: null,
  metadata: { gate_key: 'eval_1', gate_attempt: 'abc' },
  data_source: { type: 'jsonl' },
};

const COMPLETED_RUN = {
  ...QUEUED_RUN,
  status: 'completed',
  result_counts: { total: 10, errored: 1, failed: 2, passed: 7 },
  per_model_usage: [
    {
      model_name: 'gpt-4o-mini',
      invocation_count: 10,
      prompt_tokens: 500,
      completion_tokens: 100,
      total_tokens: 600,
      cached_tokens: 50,
    },
  ],
  per_testing_criteria_results: [
    { testing_criteria: GRADER_ID, passed: 7, failed: 3 },
    { testing_criteria: 'fuzzy', passed: 9, failed: 1 },
  ],
};

describe('toRunSnapshot', () => {
  it('reads a queued run, whose results are still null', () => {
    // The builder's run `evalrun_1` of `eval_1`, with no counts, usage or criteria yet.
    expect(toRunSnapshot(QUEUED_RUN)).toEqual(
      snapshot({ name: 'PR #12 · 1a2b3c4', status: 'queued', model: 'gpt-4o-mini', metadata: { gate_key: 'eval_1', gate_attempt: 'abc' } }),
    );
  });

  it('reads a completed run', () => {
    const run = toRunSnapshot(COMPLETED_RUN);
    expect(run.status).toBe('completed');
    expect(run.resultCounts).toEqual({ total: 10, passed: 7, failed: 2, errored: 1, skipped: 0 });
    expect(run.perCriterion).toEqual([
      { id: GRADER_ID, name: 'Exact match', passed: 7, failed: 3 },
      { id: 'fuzzy', name: 'fuzzy', passed: 9, failed: 1 },
    ]);
    expect(run.usage).toEqual([
      { model: 'gpt-4o-mini', invocations: 10, promptTokens: 500, completionTokens: 100, totalTokens: 600, cachedTokens: 50 },
    ]);
    expect(run.error).toBeNull();
  });

  it('reads a failed run with its error', () => {
    const run = toRunSnapshot({ ...QUEUED_RUN, status: 'failed', error: { code: 'invalid_data_source', message: 'Bad file.' } });
    expect(run.error).toEqual({ code: 'invalid_data_source', message: 'Bad file.' });
  });

  it('treats an error object with no code and no message as no error', () => {
    expect(toRunSnapshot({ ...QUEUED_RUN, error: { code: null, message: null } }).error).toBeNull();
  });

  it('normalises Azure\'s "cancelled" to "canceled"', () => {
    expect(toRunSnapshot({ ...QUEUED_RUN, status: 'cancelled' }).status).toBe('canceled');
    expect(normaliseStatus('cancelled')).toBe('canceled');
    expect(normaliseStatus('in_progress')).toBe('in_progress');
  });

  it('survives a run with missing or mistyped fields', () => {
    const run = toRunSnapshot({ id: 7, result_counts: { total: '3' }, metadata: { a: 'x', b: 1 } });
    expect(run).toMatchObject({ id: '', status: 'unknown', model: null, reportUrl: null, createdAt: null, metadata: { a: 'x' } });
    expect(run.resultCounts).toEqual({ total: 0, passed: 0, failed: 0, errored: 0, skipped: 0 });
    expect(toRunSnapshot(null).id).toBe('');
  });
});

describe('isTerminalStatus', () => {
  it.each(['completed', 'failed', 'canceled', 'cancelled'])('%s is terminal', (status) => {
    expect(isTerminalStatus(status)).toBe(true);
  });
  it.each(['queued', 'in_progress', 'canceling', ''])('%j is not', (status) => {
    expect(isTerminalStatus(status)).toBe(false);
  });
});

describe('criterionName', () => {
  it('strips a trailing uuid', () => {
    expect(criterionName(GRADER_ID)).toBe('Exact match');
    expect(criterionName('relevance_0D3F9A2E-1B2C-4D5E-8F90-123456789ABC')).toBe('relevance');
  });

  it('leaves other names alone', () => {
    expect(criterionName('Exact match')).toBe('Exact match');
    expect(criterionName('my-grader-v2')).toBe('my-grader-v2');
    expect(criterionName('0d3f9a2e-1b2c-4d5e-8f90-123456789abc')).toBe('0d3f9a2e-1b2c-4d5e-8f90-123456789abc');
    expect(criterionName('x-0d3f9a2e-1b2c-4d5e-8f90-123456789abc-suffix')).toBe('x-0d3f9a2e-1b2c-4d5e-8f90-123456789abc-suffix');
  });
});

function outputItem(overrides: Record<string, unknown> = {}, sample: Record<string, unknown> = {}) {
  return {
    object: 'eval.run.output_item',
    id: 'outputitem_1',
    run_id: 'evalrun_1',
    eval_id: 'eval_1',
    status: 'pass',
    datasource_item_id: 3,
    datasource_item: { input: 'What is 2+2?', expected: '4' },
    results: [{ name: GRADER_ID, type: 'string_check', passed: true, score: 1, sample: null }],
    sample: {
      input: [
        { role: 'system', content: 'Be terse.' },
        { role: 'user', content: 'What is 2+2?' },
      ],
      output: [{ role: 'assistant', content: '4' }],
      error: null,
      usage: { total_tokens: 5 },
      ...sample,
    },
    ...overrides,
  };
}

describe('toItemRecord', () => {
  it('reads a passing item', () => {
    const record = toItemRecord(outputItem());
    expect(record).toEqual({
      id: 'outputitem_1',
      datasourceItemId: '3',
      contentHash: expect.stringMatching(/^[0-9a-f]{16}$/),
      outcome: 'pass',
      input: 'What is 2+2?',
      expected: '4',
      output: '4',
      error: null,
      grades: [grade('Exact match', true)],
    });
  });

  it('reads a failing item', () => {
    const record = toItemRecord(
      outputItem({ status: 'fail', results: [{ name: GRADER_ID, type: 'string_check', passed: false, score: 0 }] }, { output: [{ role: 'assistant', content: '5' }] }),
    );
    expect(record.outcome).toBe('fail');
    expect(record.output).toBe('5');
    expect(record.grades).toEqual([grade('Exact match', false)]);
  });

  it('reads an errored item from sample.error, whatever its status', () => {
    const record = toItemRecord(outputItem({ status: 'fail' }, { error: { code: 'rate_limit', message: 'Too many requests.' }, output: [] }));
    expect(record.outcome).toBe('error');
    expect(record.error).toBe('Too many requests.');
    expect(toItemRecord(outputItem({ status: 'pass' }, { error: { code: 'timeout', message: '' } })).outcome).toBe('error');
    expect(toItemRecord(outputItem({}, { error: { code: '', message: '' } })).outcome).toBe('pass');
  });

  it('takes the input from the last user message', () => {
    const input = [
      { role: 'user', content: 'first question' },
      { role: 'assistant', content: 'answer' },
      { role: 'user', content: 'follow-up' },
      { role: 'developer', content: 'note' },
    ];
    expect(toItemRecord(outputItem({}, { input })).input).toBe('follow-up');
  });

  it('joins the text parts of array content', () => {
    const input = [
      {
        role: 'user',
        content: [
          { type: 'input_text', text: 'Describe' },
          { type: 'input_image', image_url: 'https://x.test/a.png' },
          { type: 'input_text', text: 'this image.' },
        ],
      },
    ];
    expect(toItemRecord(outputItem({}, { input })).input).toBe('Describe\nthis image.');
  });

  it('falls back to the item fields without a sample input', () => {
    const record = toItemRecord(outputItem({ datasource_item: { question: 'Capital of France?', ideal: 'Paris', response: 'Lyon' } }, { input: [], output: [] }));
    expect(record.input).toBe('Capital of France?');
    expect(record.expected).toBe('Paris');
    expect(record.output).toBe('Lyon');
  });

  it.each([
    ['expected', 'e'],
    ['ideal', 'i'],
    ['reference', 'r'],
    ['answer', 'a'],
    ['label', 'l'],
  ])('reads the expected answer from "%s"', (field, value) => {
    expect(toItemRecord(outputItem({ datasource_item: { [field]: value } })).expected).toBe(value);
  });

  it('shows non-text fields as JSON and leaves absent ones null', () => {
    const record = toItemRecord(outputItem({ datasource_item: { expected: { a: 1 } }, datasource_item_id: null }, { input: null, output: null }));
    expect(record.expected).toBe('{"a":1}');
    expect(record.input).toBeNull();
    expect(record.output).toBeNull();
    expect(record.datasourceItemId).toBeNull();
  });

  it('takes output_text when there are no output messages', () => {
    expect(toItemRecord(outputItem({}, { output: undefined, output_text: 'plain' })).output).toBe('plain');
  });

  it(`cuts long texts to ${ITEM_TEXT_MAX_CHARS} characters`, () => {
    const long = 'x'.repeat(ITEM_TEXT_MAX_CHARS + 500);
    const record = toItemRecord(
      outputItem(
        { datasource_item: { expected: long } },
        { input: [{ role: 'user', content: long }], output: [{ role: 'assistant', content: long }], error: { message: long } },
      ),
    );
    for (const text of [record.input, record.expected, record.output, record.error]) {
      expect(text).toHaveLength(ITEM_TEXT_MAX_CHARS);
      expect(text?.endsWith('…')).toBe(true);
    }
    const exact = 'y'.repeat(ITEM_TEXT_MAX_CHARS);
    expect(toItemRecord(outputItem({}, { output: [{ role: 'assistant', content: exact }] })).output).toBe(exact);
  });

  it('redacts before it cuts, so a secret across the cut leaves no piece of it', () => {
    const secret = 'sk-proj-secret-0123456789abcdefghij';
    const redact = (text: string) => text.split(secret).join('***');
    // The secret starts 10 characters before the cut, in every text field and in a judge's reason.
    const at = (max: number) => `${'x'.repeat(max - 10)}${secret} and then more`;
    const record = toItemRecord(
      outputItem(
        { datasource_item: { expected: at(ITEM_TEXT_MAX_CHARS) }, results: [{ name: GRADER_ID, type: 'score_model', passed: false, score: 0, reason: at(REASON_MAX_CHARS) }] },
        { input: [{ role: 'user', content: at(ITEM_TEXT_MAX_CHARS) }], output: [{ role: 'assistant', content: at(ITEM_TEXT_MAX_CHARS) }], error: { message: at(ITEM_TEXT_MAX_CHARS) } },
      ),
      redact,
    );
    for (const text of [record.input, record.expected, record.output, record.error, record.grades[0]?.reason]) {
      expect(text).toContain('***');
      expect(text).not.toContain(secret.slice(0, 4));
    }
    // Without redaction the cut keeps the secret's first characters: what the order prevents.
    expect(toItemRecord(outputItem({ datasource_item: { expected: at(ITEM_TEXT_MAX_CHARS) } })).expected).toContain(secret.slice(0, 8));
  });

  it('keeps null passed and score (Azure) as null, and every result of one grader', () => {
    const record = toItemRecord(
      outputItem({
        status: 'fail',
        results: [
          { name: 'coherence', type: 'azure_ai_evaluator', metric: 'coherence', passed: null, score: null, label: null, reason: null },
          { name: 'coherence', type: 'azure_ai_evaluator', metric: 'coherence', passed: true, score: 4, threshold: 3, label: 'pass', reason: 'Clear.' },
          { type: 7 },
        ],
      }),
    );
    // A metric named like its grader adds nothing and is dropped.
    expect(record.grades).toEqual([
      { name: 'coherence', type: 'azure_ai_evaluator', passed: null, score: null, metric: null, threshold: null, label: null, reason: null },
      { name: 'coherence', type: 'azure_ai_evaluator', passed: true, score: 4, metric: null, threshold: 3, label: 'pass', reason: 'Clear.' },
      { name: 'grader', type: null, passed: null, score: null, metric: null, threshold: null, label: null, reason: null },
    ]);
  });

  it('reads the metric, label, reason and threshold of each result of a multi-metric grader (Azure)', () => {
    const longReason = 'Because '.repeat(200);
    const record = toItemRecord(
      outputItem({
        status: 'fail',
        results: [
          { name: 'qa', type: 'azure_ai_evaluator', metric: 'f1_score', passed: false, score: 0.2, threshold: 0.5, label: 'fail', reason: 'Few shared tokens.' },
          { name: 'qa', type: 'azure_ai_evaluator', metric: 'similarity', passed: true, score: 5, threshold: 3, label: 'pass', reason: longReason },
        ],
      }),
    );
    expect(record.grades[0]).toEqual({
      name: 'qa',
      type: 'azure_ai_evaluator',
      metric: 'f1_score',
      passed: false,
      score: 0.2,
      threshold: 0.5,
      label: 'fail',
      reason: 'Few shared tokens.',
    });
    expect(record.grades[1]?.metric).toBe('similarity');
    expect(record.grades[1]?.reason).toHaveLength(REASON_MAX_CHARS);
    expect(record.grades[1]?.reason?.endsWith('…')).toBe(true);
  });

  it('reads skipped items and the skipped count (Azure)', () => {
    expect(toItemRecord(outputItem({ status: 'skipped', results: [] })).outcome).toBe('skipped');
    expect(toRunSnapshot({ ...QUEUED_RUN, result_counts: { total: 5, passed: 2, failed: 1, errored: 1, skipped: 1 } }).resultCounts).toEqual({
      total: 5,
      passed: 2,
      failed: 1,
      errored: 1,
      skipped: 1,
    });
  });

  it('fingerprints the data source item: same content in any key order, same hash', () => {
    const a = toItemRecord(outputItem({ datasource_item: { input: '2+2', expected: '4' } }));
    const b = toItemRecord(outputItem({ datasource_item: { expected: '4', input: '2+2' }, datasource_item_id: 99 }));
    const c = toItemRecord(outputItem({ datasource_item: { input: '2+3', expected: '5' } }));
    expect(a.contentHash).toBe(b.contentHash);
    expect(c.contentHash).not.toBe(a.contentHash);
  });

  it('survives a malformed item', () => {
    expect(toItemRecord(null)).toEqual({
      id: '',
      datasourceItemId: null,
      contentHash: expect.stringMatching(/^[0-9a-f]{16}$/),
      outcome: 'fail',
      input: null,
      expected: null,
      output: null,
      error: null,
      grades: [],
    });
  });
});
