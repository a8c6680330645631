import { describe, expect, it } from 'vitest';
import { EvalDefinitionError } from '../../../src/engine/definition-error.ts';
import { GraderError } from '../../../src/engine/graders/grader.ts';
import { createLabelModelGrader, createScoreModelGrader } from '../../../src/engine/graders/model-graders.ts';
import { TemplateError } from '../../../src/engine/template.ts';
import { ModelCallError, ModelClient } from '../../../src/models/model-client.ts';
import { type ModelApi, type ModelApiOptions, type ReplyScript, startModelApi } from '../../fakes/model-api.ts';
import { useClosers } from '../../support/closers.ts';
import { expectRejection } from '../../support/rejection.ts';

const track = useClosers();

async function start(options: ModelApiOptions = {}): Promise<{ api: ModelApi; modelClient: ModelClient }> {
  const api = await startModelApi(options);
  track(api.close);
  return { api, modelClient: new ModelClient({ baseURL: api.baseURL, apiKey: api.apiKey }, { retryDelayMs: 1, maxAttempts: 2 }) };
}

const signal = new AbortController().signal;
const scope = { item: { question: 'Capital of France?', expected: 'Paris' }, sample: { output_text: 'Paris', output: [] } };

const labelConfig = {
  type: 'label_model',
  name: 'Correct',
  model: 'gpt-4o',
  input: [
    { role: 'system', content: 'Say whether the answer is right.' },
    { type: 'message', role: 'user', content: { type: 'input_text', text: 'Q: {{item.question}}\nExpected: {{item.expected}}\nAnswer: {{sample.output_text}}' } },
  ],
  labels: ['right', 'wrong'],
  passing_labels: ['right'],
};

const scoreConfig = {
  type: 'score_model',
  name: 'Quality',
  model: 'o4-mini',
  input: [{ role: 'user', content: 'Rate {{sample.output_text}} against {{item.expected}}.' }],
  pass_threshold: 0.5,
};

const judge = (reply: string | Record<string, unknown>): ReplyScript => () => (typeof reply === 'string' ? reply : JSON.stringify(reply));

describe('label_model', () => {
  it('asks the judge for one of the labels with a strict schema, over the item and the sample', async () => {
    const { api, modelClient } = await start();
    const grader = createLabelModelGrader(labelConfig, { id: 'Correct-1', modelClient });
    expect(grader).toMatchObject({ id: 'Correct-1', name: 'Correct', type: 'label_model' });

    await grader.grade(scope, signal);

    expect(api.requests[0]?.body).toMatchObject({
      model: 'gpt-4o',
      messages: [
        { role: 'system', content: 'Say whether the answer is right.' },
        { role: 'user', content: 'Q: Capital of France?\nExpected: Paris\nAnswer: Paris' },
      ],
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'label_result',
          strict: true,
          schema: {
            type: 'object',
            properties: { reason: { type: 'string' }, label: { type: 'string', enum: ['right', 'wrong'] } },
            required: ['reason', 'label'],
            additionalProperties: false,
          },
        },
      },
    });
  });

  it('passes with a passing label, and shows the label, the reason and the judge call', async () => {
    const { modelClient } = await start({
      chat: () => ({ content: '{"reason": "Matches the expected answer.", "label": "right"}', model: 'gpt-4o-2024-08-06', usage: { prompt_tokens: 50, completion_tokens: 12, cached_tokens: 0 } }),
    });
    const outcome = await createLabelModelGrader(labelConfig, { id: 'Correct-1', modelClient }).grade(scope, signal);
    expect(outcome).toEqual({
      score: 1,
      passed: true,
      label: 'right',
      reason: 'Matches the expected answer.',
      sample: {
        input: [
          { role: 'system', content: 'Say whether the answer is right.' },
          { role: 'user', content: 'Q: Capital of France?\nExpected: Paris\nAnswer: Paris' },
        ],
        output: [{ role: 'assistant', content: '{"reason": "Matches the expected answer.", "label": "right"}' }],
        model: 'gpt-4o-2024-08-06',
        usage: { prompt_tokens: 50, completion_tokens: 12, total_tokens: 62, cached_tokens: 0 },
        finish_reason: 'stop',
        error: null,
      },
    });
  });

  it('fails with a label that does not pass', async () => {
    const { modelClient } = await start({ chat: judge({ reason: 'Says Lyon.', label: 'wrong' }) });
    const outcome = await createLabelModelGrader(labelConfig, { id: 'Correct-1', modelClient }).grade(scope, signal);
    expect(outcome).toMatchObject({ score: 0, passed: false, label: 'wrong', reason: 'Says Lyon.' });
  });

  it('is a GraderError when the judge picks a label that is not offered', async () => {
    const { modelClient } = await start({ chat: judge({ reason: 'x', label: 'maybe' }) });
    const error = await expectRejection(createLabelModelGrader(labelConfig, { id: 'c', modelClient }).grade(scope, signal), GraderError);
    expect(error.message).toBe(`grader "Correct" (judge model "gpt-4o"): the judge's label "maybe" is not one of ["right","wrong"]`);
  });

  const configErrors: Array<[string, Record<string, unknown>, string]> = [
    ['no name', { ...labelConfig, name: '' }, 'testing_criteria.name: a label_model grader needs a name'],
    ['no model', { ...labelConfig, model: undefined }, `testing_criteria ("Correct").model: a label_model grader needs the judge model's name`],
    ['no input', { ...labelConfig, input: [] }, 'testing_criteria ("Correct").input: must be a non-empty list of messages'],
    ['no labels', { ...labelConfig, labels: [] }, 'testing_criteria ("Correct").labels: must be a non-empty list of labels (strings)'],
    ['passing labels that are not labels', { ...labelConfig, passing_labels: ['right', 'great'] }, 'testing_criteria ("Correct").passing_labels: ["great"] must be among labels ["right","wrong"]'],
    [
      'a template outside item and sample',
      { ...labelConfig, input: [{ role: 'user', content: '{{answer}}' }] },
      'testing_criteria ("Correct").input[0].content: {{answer}} must start with "item." or "sample."',
    ],
  ];

  it.each(configErrors)('refuses a config with %s', (_what, config, message) => {
    const modelClient = new ModelClient({ baseURL: 'http://127.0.0.1:9/v1', apiKey: 'k' });
    expect(() => createLabelModelGrader(config, { id: 'c', modelClient })).toThrow(EvalDefinitionError);
    expect(() => createLabelModelGrader(config, { id: 'c', modelClient })).toThrow(message);
  });

  it('names the criterion as the definition does when told where it is', () => {
    const modelClient = new ModelClient({ baseURL: 'http://127.0.0.1:9/v1', apiKey: 'k' });
    expect(() => createLabelModelGrader({ ...labelConfig, labels: 'right' }, { id: 'c', modelClient, where: 'testing_criteria[2] ("Correct")' })).toThrow(
      'testing_criteria[2] ("Correct").labels: must be a non-empty list of labels (strings)',
    );
  });
});

describe('score_model', () => {
  it('passes a score at or above pass_threshold and sends the sampling params', async () => {
    const { api, modelClient } = await start({ chat: judge({ reason: 'Close enough.', result: 0.5 }) });
    const grader = createScoreModelGrader(
      { ...scoreConfig, sampling_params: { temperature: 0, seed: 1, top_p: 1, max_completions_tokens: 300, reasoning_effort: 'low' } },
      { id: 'Quality-1', modelClient },
    );
    expect(grader).toMatchObject({ id: 'Quality-1', name: 'Quality', type: 'score_model' });

    const outcome = await grader.grade(scope, signal);

    expect(outcome).toMatchObject({ score: 0.5, passed: true, reason: 'Close enough.', sample: { model: 'o4-mini', error: null } });
    expect(outcome.label).toBeUndefined();
    expect(api.requests[0]?.body).toMatchObject({
      model: 'o4-mini',
      messages: [{ role: 'user', content: 'Rate Paris against Paris.' }],
      temperature: 0,
      seed: 1,
      top_p: 1,
      max_completion_tokens: 300,
      reasoning_effort: 'low',
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'score_result',
          strict: true,
          schema: { properties: { reason: { type: 'string' }, result: { type: 'number', description: 'The score, from 0 to 1.' } }, required: ['reason', 'result'] },
        },
      },
    });
  });

  it('fails a score under pass_threshold, on the configured range', async () => {
    const { api, modelClient } = await start({ chat: judge({ reason: 'Weak.', result: 2 }) });
    const outcome = await createScoreModelGrader({ ...scoreConfig, range: [1, 5], pass_threshold: 3 }, { id: 'q', modelClient }).grade(scope, signal);
    expect(outcome).toMatchObject({ score: 2, passed: false, reason: 'Weak.' });
    const schema = (api.requests[0]?.body.response_format as { json_schema: { schema: { properties: { result: { description: string } } } } }).json_schema.schema;
    expect(schema.properties.result.description).toBe('The score, from 1 to 5.');
  });

  it('clamps a score outside the range to it, and says so in the reason', async () => {
    const { modelClient } = await start({ chat: (request) => JSON.stringify({ reason: 'Great.', result: request.index === 0 ? 7 : -2 }) });
    const grader = createScoreModelGrader({ ...scoreConfig, range: [1, 5], pass_threshold: 3 }, { id: 'q', modelClient });
    await expect(grader.grade(scope, signal)).resolves.toMatchObject({ score: 5, passed: true, reason: "Great. (the judge's score 7 was clamped to the range [1, 5])" });
    await expect(grader.grade(scope, signal)).resolves.toMatchObject({ score: 1, passed: false, reason: "Great. (the judge's score -2 was clamped to the range [1, 5])" });
  });

  it('scores 0 a result that is not a number, keeping the answer as the reason', async () => {
    const { modelClient } = await start({ chat: judge({ reason: 'Very good.', result: 'high' }) });
    const outcome = await createScoreModelGrader(scoreConfig, { id: 'q', modelClient }).grade(scope, signal);
    expect(outcome).toMatchObject({
      score: 0,
      passed: false,
      reason: `Very good. (the judge's result "high" is not a number: scored 0)`,
      sample: { output: [{ content: '{"reason":"Very good.","result":"high"}' }] },
    });
  });

  it('passes a non-numeric answer only when pass_threshold allows 0', async () => {
    const { modelClient } = await start({ chat: judge({ reason: 'Hm.' }) });
    const outcome = await createScoreModelGrader({ ...scoreConfig, pass_threshold: 0 }, { id: 'q', modelClient }).grade(scope, signal);
    expect(outcome).toMatchObject({ score: 0, passed: true, reason: "Hm. (the judge's reply has no result: scored 0)" });
  });

  const configErrors: Array<[string, Record<string, unknown>, string]> = [
    ['no pass_threshold', { ...scoreConfig, pass_threshold: undefined }, 'testing_criteria ("Quality").pass_threshold: is required: the gate needs to know which scores pass (a number in [0, 1])'],
    ['a pass_threshold out of range', { ...scoreConfig, range: [1, 5], pass_threshold: 0.5 }, 'testing_criteria ("Quality").pass_threshold: must be a number in the range [1, 5], not 0.5'],
    ['a range upside down', { ...scoreConfig, range: [5, 1] }, 'testing_criteria ("Quality").range: must be [min, max] with min < max, not [5,1]'],
    ['a range of three numbers', { ...scoreConfig, range: [0, 1, 2] }, 'testing_criteria ("Quality").range: must be [min, max]'],
    ['a temperature that is not a number', { ...scoreConfig, sampling_params: { temperature: 'low' } }, 'testing_criteria ("Quality").sampling_params.temperature: must be a number, not "low"'],
    ['max tokens of zero', { ...scoreConfig, sampling_params: { max_completion_tokens: 0 } }, 'testing_criteria ("Quality").sampling_params.max_completion_tokens: must be a whole number of at least 1, not 0'],
  ];

  it.each(configErrors)('refuses a config with %s', (_what, config, message) => {
    const modelClient = new ModelClient({ baseURL: 'http://127.0.0.1:9/v1', apiKey: 'k' });
    expect(() => createScoreModelGrader(config, { id: 'c', modelClient })).toThrow(EvalDefinitionError);
    expect(() => createScoreModelGrader(config, { id: 'c', modelClient })).toThrow(message);
  });
});

describe('judge replies that cannot be read', () => {
  const cases: Array<[string, ReplyScript, string]> = [
    ['text that is not JSON', judge('The answer is right.'), `the judge's reply is not JSON: "The answer is right."`],
    ['a cut-off reply', () => ({ content: '{"reason": "Because the', finishReason: 'length' }), `the judge's reply is not JSON (it was cut off at its token limit): "{\\"reason\\": \\"Because the"`],
    ['a JSON array', judge('[1, 2]'), `the judge's reply is not a JSON object: "[1, 2]"`],
    ['a reason that is not text', judge({ reason: 5, result: 1 }), `the judge's reason is not a string: "{\\"reason\\":5,\\"result\\":1}"`],
    ['a refusal', () => ({ refusal: 'I cannot help with that.' }), 'the judge refused: I cannot help with that.'],
  ];

  it.each(cases)('score_model: %s scores 0, the answer kept as the reason', async (_what, reply, message) => {
    const { modelClient } = await start({ chat: reply });
    const outcome = await createScoreModelGrader(scoreConfig, { id: 'q', modelClient }).grade(scope, signal);
    expect(outcome).toMatchObject({ score: 0, passed: false, reason: `${message}: scored 0` });
  });

  it.each(cases)('label_model: %s is a GraderError', async (_what, reply, message) => {
    const { modelClient } = await start({ chat: reply });
    const error = await expectRejection(createLabelModelGrader(labelConfig, { id: 'c', modelClient }).grade(scope, signal), GraderError);
    expect(error.message).toBe(`grader "Correct" (judge model "gpt-4o"): ${message}`);
  });
});

describe('what a judge grader lets through', () => {
  it('a template path the item lacks: the TemplateError, with no call to the judge', async () => {
    const { api, modelClient } = await start();
    const grader = createLabelModelGrader({ ...labelConfig, input: [{ role: 'user', content: '{{sample.output_json.answer}}' }] }, { id: 'c', modelClient });
    const error = await expectRejection(grader.grade(scope, signal), TemplateError);
    expect(error.message).toContain('sample.output_json.answer');
    expect(api.requests).toHaveLength(0);
  });

  it('a judge endpoint that keeps failing: the ModelCallError', async () => {
    const { modelClient } = await start({ faults: { failFirst: 2 } });
    const error = await expectRejection(createLabelModelGrader(labelConfig, { id: 'c', modelClient }).grade(scope, signal), ModelCallError);
    expect(error.message).toMatch(/^chat completion with model "gpt-4o" failed after 2 attempts: 500/);
  });
});
