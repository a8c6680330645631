import { describe, expect, it } from 'vitest';
import { EvalDefinitionError } from '../../../src/engine/definition-error.ts';
import { createSampler } from '../../../src/engine/sampler.ts';
import { TemplateError } from '../../../src/engine/template.ts';
import { ModelCallError, ModelClient } from '../../../src/models/model-client.ts';
import { type ModelApi, type ModelApiOptions, startModelApi } from '../../fakes/model-api.ts';
import { useClosers } from '../../support/closers.ts';
import { expectRejection } from '../../support/rejection.ts';

const track = useClosers();

async function start(options: ModelApiOptions = {}): Promise<{ api: ModelApi; client: ModelClient }> {
  const api = await startModelApi(options);
  track(api.close);
  return { api, client: new ModelClient({ baseURL: api.baseURL, apiKey: api.apiKey }, { retryDelayMs: 1, maxAttempts: 2 }) };
}

const template = (...messages: unknown[]) => ({ type: 'template', template: messages });

describe('completions data source', () => {
  it('renders the template over the item, sends the sampling params and returns the sample', async () => {
    const { api, client } = await start({
      chat: (request) => ({ content: `A: ${request.text}`, model: 'gpt-4o-mini-2024-07-18', usage: { prompt_tokens: 30, completion_tokens: 5, cached_tokens: 10 } }),
    });
    const tools = [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: {} } } }];
    const sampler = createSampler(
      {
        type: 'completions',
        model: 'gpt-4o-mini',
        input_messages: template({ role: 'system', content: 'Answer briefly.' }, { role: 'user', content: 'Q: {{item.question}} ({{ item.meta.lang }})' }),
        sampling_params: { temperature: 0.2, max_completion_tokens: 64, top_p: 0.9, seed: 7, response_format: { type: 'text' }, tools, reasoning_effort: 'low' },
        source: { type: 'file_content', content: [] },
      },
      client,
    );

    const sample = await sampler.sample({ question: 'What is 2+2?', meta: { lang: 'en' } });

    expect(api.requests[0]?.body).toEqual({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Answer briefly.' },
        { role: 'user', content: 'Q: What is 2+2? (en)' },
      ],
      temperature: 0.2,
      top_p: 0.9,
      seed: 7,
      max_completion_tokens: 64,
      reasoning_effort: 'low',
      response_format: { type: 'text' },
      tools,
      stream: false,
    });
    expect(sample).toEqual({
      input: [
        { role: 'system', content: 'Answer briefly.' },
        { role: 'user', content: 'Q: What is 2+2? (en)' },
      ],
      output: [{ role: 'assistant', content: 'A: Q: What is 2+2? (en)' }],
      output_text: 'A: Q: What is 2+2? (en)',
      output_json: null,
      output_tools: [],
      finish_reason: 'stop',
      model: 'gpt-4o-mini-2024-07-18',
      usage: { prompt_tokens: 30, completion_tokens: 5, total_tokens: 35, cached_tokens: 10 },
      error: null,
      temperature: 0.2,
      max_completion_tokens: 64,
      top_p: 0.9,
      seed: 7,
    });
  });

  it('sends no sampling params that were not given, and reports them as null', async () => {
    const { api, client } = await start();
    const sampler = createSampler({ type: 'completions', model: 'm', input_messages: template({ role: 'user', content: 'hi' }) }, client);
    const sample = await sampler.sample({});
    expect(Object.keys(api.requests[0]?.body ?? {}).sort()).toEqual(['messages', 'model', 'stream']);
    expect(sample).toMatchObject({ temperature: null, max_completion_tokens: null, top_p: null, seed: null });
  });

  it('passes max_tokens through for endpoints that know only that', async () => {
    const { api, client } = await start();
    const sampler = createSampler({ type: 'completions', model: 'm', input_messages: template({ role: 'user', content: 'hi' }), sampling_params: { max_tokens: 10 } }, client);
    const sample = await sampler.sample({});
    expect(api.requests[0]?.body.max_tokens).toBe(10);
    expect(api.requests[0]?.body.max_completion_tokens).toBeUndefined();
    expect(sample.max_completion_tokens).toBe(10);
  });

  it('reads EvalItem messages with input_text parts', async () => {
    const { api, client } = await start();
    const sampler = createSampler(
      {
        type: 'completions',
        model: 'm',
        input_messages: template(
          { type: 'message', role: 'developer', content: { type: 'input_text', text: 'Be terse.' } },
          { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Name: {{item.name}}' }, { type: 'input_text', text: 'Go.' }] },
        ),
      },
      client,
    );
    const sample = await sampler.sample({ name: 'Ada' });
    expect(api.requests[0]?.body.messages).toEqual([
      { role: 'developer', content: 'Be terse.' },
      { role: 'user', content: 'Name: Ada\nGo.' },
    ]);
    expect(sample.output_text).toBe('Name: Ada\nGo.');
  });

  it('sends the messages an item_reference points to as they are', async () => {
    const { api, client } = await start();
    const sampler = createSampler({ type: 'completions', model: 'm', input_messages: { type: 'item_reference', item_reference: 'item.messages' } }, client);
    const messages = [
      { role: 'system', content: 'Literal {{item.x}} stays.' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: '42' },
      { role: 'user', content: [{ type: 'input_text', text: 'And now?' }] },
    ];
    const sample = await sampler.sample({ messages });
    expect(api.requests[0]?.body.messages).toEqual([
      { role: 'system', content: 'Literal {{item.x}} stays.' },
      { role: 'assistant', content: '', tool_calls: messages[1]?.tool_calls },
      { role: 'tool', content: '42', tool_call_id: 'call_1' },
      { role: 'user', content: 'And now?' },
    ]);
    expect(sample.input).toEqual([
      { role: 'system', content: 'Literal {{item.x}} stays.' },
      { role: 'assistant', content: '' },
      { role: 'tool', content: '42' },
      { role: 'user', content: 'And now?' },
    ]);
  });

  it('makes a text that an item_reference points to one user message', async () => {
    const { api, client } = await start();
    const sampler = createSampler({ type: 'completions', model: 'm', input_messages: { type: 'item_reference', item_reference: 'item.prompt' } }, client);
    await sampler.sample({ prompt: 'Just text' });
    expect(api.requests[0]?.body.messages).toEqual([{ role: 'user', content: 'Just text' }]);
  });

  it('parses a JSON answer into output_json and reports tool calls', async () => {
    const { client } = await start({
      chat: (request) =>
        request.text === 'json' ? '{"answer": 4, "sure": true}' : { toolCalls: [{ name: 'lookup', arguments: { q: 'x' } }] },
    });
    const sampler = createSampler({ type: 'completions', model: 'm', input_messages: template({ role: 'user', content: '{{item.ask}}' }) }, client);

    const json = await sampler.sample({ ask: 'json' });
    expect(json.output_json).toEqual({ answer: 4, sure: true });

    const tools = await sampler.sample({ ask: 'tools' });
    const call = { id: expect.any(String), type: 'function', function: { name: 'lookup', arguments: '{"q":"x"}' } };
    expect(tools).toMatchObject({ output_text: '', output_json: null, output_tools: [call], finish_reason: 'tool_calls' });
    expect(tools.output).toEqual([{ role: 'assistant', content: '', tool_calls: [call] }]);
  });

  it('fails the item, sending nothing, when the item lacks a template path', async () => {
    const { api, client } = await start();
    const sampler = createSampler({ type: 'completions', model: 'm', input_messages: template({ role: 'user', content: '{{item.missing}}' }) }, client);
    const error = await expectRejection(sampler.sample({ other: 1 }), TemplateError);
    expect(error.message).toContain('item.missing');
    expect(api.requests).toHaveLength(0);
  });

  it('fails the item with the model call error when the endpoint keeps failing', async () => {
    const { client } = await start({ faults: { failFirst: 5 } });
    const sampler = createSampler({ type: 'completions', model: 'gpt-x', input_messages: template({ role: 'user', content: 'hi' }) }, client);
    const error = await expectRejection(sampler.sample({}), ModelCallError);
    expect(error.message).toMatch(/^chat completion with model "gpt-x" failed after 2 attempts: 500/);
  });
});

describe('responses data source', () => {
  it('sends input messages and the responses form of the params, and reads output_text parts', async () => {
    const { api, client } = await start({
      responses: (request) => ({ content: `R: ${request.text}`, usage: { prompt_tokens: 12, completion_tokens: 3, cached_tokens: 2 } }),
    });
    const format = { type: 'json_schema', name: 'x', schema: { type: 'object' }, strict: true };
    const sampler = createSampler(
      {
        type: 'responses',
        model: 'gpt-4.1',
        input_messages: template({ role: 'user', content: 'Tell me about {{item.topic}}' }),
        sampling_params: { temperature: 0.5, top_p: 1, seed: 3, max_completion_tokens: 100, reasoning_effort: 'medium', text: { format } },
      },
      client,
    );

    const sample = await sampler.sample({ topic: 'owls' });

    expect(api.requests[0]?.path).toBe('/v1/responses');
    expect(api.requests[0]?.body).toEqual({
      model: 'gpt-4.1',
      input: [{ role: 'user', content: 'Tell me about owls' }],
      store: false,
      temperature: 0.5,
      top_p: 1,
      max_output_tokens: 100,
      reasoning: { effort: 'medium' },
      text: { format },
      stream: false,
    });
    expect(sample).toMatchObject({
      input: [{ role: 'user', content: 'Tell me about owls' }],
      output: [{ role: 'assistant', content: 'R: Tell me about owls' }],
      output_text: 'R: Tell me about owls',
      output_tools: [],
      finish_reason: 'stop',
      model: 'gpt-4.1',
      usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15, cached_tokens: 2 },
      error: null,
      temperature: 0.5,
      max_completion_tokens: 100,
      top_p: 1,
      seed: null,
    });
  });

  it('reports a cut-off answer as length and function calls as output_tools', async () => {
    const { client } = await start({
      responses: (request) => (request.text === 'long' ? { content: 'partial', finishReason: 'length' } : { toolCalls: [{ name: 'search', arguments: '{"q":"owls"}' }] }),
    });
    const sampler = createSampler({ type: 'responses', model: 'm', input_messages: template({ role: 'user', content: '{{item.kind}}' }) }, client);

    expect(await sampler.sample({ kind: 'long' })).toMatchObject({ output_text: 'partial', finish_reason: 'length' });
    const tools = await sampler.sample({ kind: 'tools' });
    expect(tools).toMatchObject({
      output_text: '',
      finish_reason: 'tool_calls',
      output_tools: [{ id: expect.any(String), type: 'function', function: { name: 'search', arguments: '{"q":"owls"}' } }],
    });
  });
});

describe('data source checks', () => {
  const good = { type: 'completions', model: 'm', input_messages: template({ role: 'user', content: '{{item.q}}' }) };
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['no model', { ...good, model: undefined }, /^data_source\.model: a completions data source needs the model/],
    ['an empty model', { ...good, model: ' ' }, /^data_source\.model:/],
    ['no input_messages', { ...good, input_messages: undefined }, /^data_source\.input_messages: is required/],
    ['an unknown input_messages type', { ...good, input_messages: { type: 'trajectory' } }, /^data_source\.input_messages\.type: must be "template" or "item_reference"/],
    ['an empty template', { ...good, input_messages: template() }, /^data_source\.input_messages\.template: must be a non-empty list/],
    ['a message that is not an object', { ...good, input_messages: template('hi') }, /^data_source\.input_messages\.template\[0\]: must be a message object/],
    ['an unknown role', { ...good, input_messages: template({ role: 'robot', content: 'x' }) }, /template\[0\]\.role: must be user, assistant, system or developer/],
    ['a sample path', { ...good, input_messages: template({ role: 'user', content: '{{sample.output_text}}' }) }, /template\[0\]\.content: \{\{sample\.output_text\}\} must start with "item\."/],
    ['an image part', { ...good, input_messages: template({ role: 'user', content: [{ type: 'input_image', image_url: 'https://x' }] }) }, /content\[0\]: must be text.*\(input_image\)/],
    ['a reference outside the item', { ...good, input_messages: { type: 'item_reference', item_reference: 'sample.x' } }, /item_reference: must be a path into the item/],
    ['a temperature that is not a number', { ...good, sampling_params: { temperature: 'hot' } }, /^data_source\.sampling_params\.temperature: must be a number/],
    ['a fractional max_completion_tokens', { ...good, sampling_params: { max_completion_tokens: 1.5 } }, /max_completion_tokens: must be a whole number of at least 1/],
    ['text on a completions source', { ...good, sampling_params: { text: { format: { type: 'text' } } } }, /sampling_params\.text: is for responses data sources/],
    ['response_format on a responses source', { ...good, type: 'responses', sampling_params: { response_format: { type: 'text' } } }, /response_format: is for completions data sources/],
    ['a jsonl source', { ...good, type: 'jsonl' }, /^data_source\.type: must be "completions" or "responses"/],
  ];

  it.each(cases)('refuses %s before any model is called', (_what, dataSource, message) => {
    let made = 0;
    const factory = () => {
      made++;
      return new ModelClient({ baseURL: 'http://127.0.0.1:9/v1', apiKey: 'k' });
    };
    let error: unknown;
    try {
      createSampler(dataSource, factory);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(EvalDefinitionError);
    expect((error as Error).message).toMatch(message);
    expect(made).toBe(0);
  });

  it('makes the client from a factory once the data source is known to be good', async () => {
    const { api, client } = await start();
    let made = 0;
    const sampler = createSampler(good, () => {
      made++;
      return client;
    });
    expect(made).toBe(1);
    expect(sampler).toMatchObject({ type: 'completions', model: 'm' });
    await sampler.sample({ q: 'hello' });
    expect(api.requests).toHaveLength(1);
  });
});
