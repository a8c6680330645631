// Sampling for `completions` and `responses` data sources: one item in, the model's answer out, shaped
// like an output item's `sample` in the Evals API. The definition is checked once, when the sampler is
// made (EvalDefinitionError); what depends on an item (a template path it lacks) fails that item only.
//
// Choices where the API leaves room:
// - `sampling_params` are sent only when given; the sample reports what was sent (null otherwise), not
//   the API's documented defaults, which reasoning models would refuse.
// - Responses sources: `max_completion_tokens` becomes `max_output_tokens`, `reasoning_effort` becomes
//   `reasoning.effort`, `seed` is not sent (the endpoint has none) and `store: false` keeps the answers
//   out of the account's stored responses. Their function calls are shown in `output_tools` in the chat
//   completions shape (`{id, type: "function", function: {name, arguments}}`), as for completions.
// - `output_json` is the output text parsed, when it is a JSON object or array; null otherwise.
// - `item_reference` messages are data, not templates: they are sent as they are (text parts joined).
import type { ChatCompletion, ChatToolCall, ModelClient, ModelResponse, RequestBody } from '../models/model-client.js';
import { EvalDefinitionError } from './definition-error.js';
import { lookUp, renderMessages, templatePaths, TemplateError, type RenderedMessage } from './template.js';

export interface SampleUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cached_tokens: number;
}

export interface SampleOutputMessage {
  role: 'assistant';
  content: string;
  tool_calls?: ChatToolCall[];
}

/** A type alias, not an interface, so that it is a `Record<string, unknown>` for templates. */
export type Sample = {
  input: RenderedMessage[];
  output: SampleOutputMessage[];
  output_text: string;
  output_json: unknown;
  output_tools: ChatToolCall[];
  finish_reason: string;
  model: string;
  usage: SampleUsage;
  error: null;
  temperature: number | null;
  max_completion_tokens: number | null;
  top_p: number | null;
  seed: number | null;
};

export interface Sampler {
  readonly type: 'completions' | 'responses';
  readonly model: string;
  sample(item: Record<string, unknown>, signal?: AbortSignal): Promise<Sample>;
}

/** What the sampler needs of a ModelClient. */
export type SamplingClient = Pick<ModelClient, 'createChatCompletion' | 'createResponse'>;

/** A model answer the sampler cannot read (no choices, a failed response). */
export class SamplingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SamplingError';
  }
}

interface SamplingParams {
  temperature?: number;
  top_p?: number;
  seed?: number;
  max_completion_tokens?: number;
  max_tokens?: number;
  reasoning_effort?: string;
  response_format?: Record<string, unknown>;
  tools?: unknown[];
  text?: Record<string, unknown>;
}

type InputMessages = { type: 'template'; template: unknown[] } | { type: 'item_reference'; itemReference: string };

/** Messages with what chat completions may need besides text (an assistant's tool calls, a tool's call id). */
interface OutgoingMessage extends RenderedMessage {
  extra: Record<string, unknown>;
}

/**
 * Checks the data source and returns its sampler. `client` may be a function that makes it: it is called
 * only once the data source is known to be good.
 */
export function createSampler(dataSource: unknown, clientOrFactory: SamplingClient | (() => SamplingClient), where = 'data_source'): Sampler {
  if (!isObject(dataSource)) throw new EvalDefinitionError(where, 'must be an object');
  const type = dataSource.type;
  if (type !== 'completions' && type !== 'responses') {
    throw new EvalDefinitionError(`${where}.type`, `must be "completions" or "responses" to sample a model, not ${JSON.stringify(type)}`);
  }
  const model = dataSource.model;
  if (typeof model !== 'string' || model.trim() === '') {
    throw new EvalDefinitionError(`${where}.model`, `a ${type} data source needs the model to sample (set the model input or data_source.model)`);
  }
  const input = checkInputMessages(dataSource.input_messages, `${where}.input_messages`);
  const params = checkSamplingParams(dataSource.sampling_params, type, `${where}.sampling_params`);
  const client = typeof clientOrFactory === 'function' ? clientOrFactory() : clientOrFactory;

  return {
    type,
    model,
    async sample(item, signal) {
      const messages = inputMessages(input, item, `${where}.input_messages`);
      const sent = { temperature: params.temperature ?? null, top_p: params.top_p ?? null, max_completion_tokens: params.max_completion_tokens ?? params.max_tokens ?? null };
      if (type === 'completions') {
        const completion = await client.createChatCompletion(chatBody(model, messages, params), signal);
        return { ...completionSample(completion, model), input: plain(messages), ...sent, seed: params.seed ?? null };
      }
      const response = await client.createResponse(responsesBody(model, messages, params), signal);
      return { ...responseSample(response, model), input: plain(messages), ...sent, seed: null };
    },
  };
}

/**
 * Checks a list of message templates (a data source's or a grader's `input`): text content only, and
 * `{{…}}` paths under the namespaces allowed there. Throws EvalDefinitionError.
 */
export function checkMessagesTemplate(template: unknown, namespaces: ReadonlyArray<'item' | 'sample'>, where: string): unknown[] {
  if (!Array.isArray(template) || template.length === 0) throw new EvalDefinitionError(where, 'must be a non-empty list of messages');
  template.forEach((entry, index) => {
    const at = `${where}[${index}]`;
    if (!isObject(entry)) throw new EvalDefinitionError(at, 'must be a message object ({role, content})');
    if (entry.role !== undefined && !['user', 'assistant', 'system', 'developer'].includes(entry.role as string)) {
      throw new EvalDefinitionError(`${at}.role`, `must be user, assistant, system or developer, not ${JSON.stringify(entry.role)}`);
    }
    for (const text of contentTexts(entry.content, `${at}.content`)) {
      for (const path of templatePaths(text)) {
        const root = path.split('.')[0] ?? '';
        if (!(namespaces as readonly string[]).includes(root)) {
          const allowed = namespaces.map((name) => `"${name}."`).join(' or ');
          throw new EvalDefinitionError(`${at}.content`, `{{${path}}} must start with ${allowed}`);
        }
      }
    }
  });
  return template;
}

function contentTexts(content: unknown, where: string): string[] {
  if (typeof content === 'string') return [content];
  if (Array.isArray(content)) return content.flatMap((part, index) => contentTexts(part, `${where}[${index}]`));
  if (isObject(content) && typeof content.text === 'string') return [content.text];
  const kind = isObject(content) && typeof content.type === 'string' ? ` (${content.type})` : '';
  throw new EvalDefinitionError(where, `must be text, an input_text part or a list of them; the local engine reads no other content${kind}`);
}

function checkInputMessages(value: unknown, where: string): InputMessages {
  if (!isObject(value)) throw new EvalDefinitionError(where, 'is required: {type: "template", template: [...]} or {type: "item_reference", item_reference: "item.…"}');
  if (value.type === 'template') return { type: 'template', template: checkMessagesTemplate(value.template, ['item'], `${where}.template`) };
  if (value.type === 'item_reference') {
    const reference = value.item_reference;
    if (typeof reference !== 'string' || !/^item\.[^.\s]+(\.[^.\s]+)*$/.test(reference)) {
      throw new EvalDefinitionError(`${where}.item_reference`, `must be a path into the item such as "item.messages", not ${JSON.stringify(reference)}`);
    }
    return { type: 'item_reference', itemReference: reference };
  }
  throw new EvalDefinitionError(`${where}.type`, `must be "template" or "item_reference", not ${JSON.stringify(value.type)}`);
}

function checkSamplingParams(value: unknown, type: 'completions' | 'responses', where: string): SamplingParams {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw new EvalDefinitionError(where, 'must be an object');
  const params: SamplingParams = {};
  const number = (key: 'temperature' | 'top_p') => {
    const entry = value[key];
    if (entry === undefined || entry === null) return;
    if (typeof entry !== 'number' || !Number.isFinite(entry)) throw new EvalDefinitionError(`${where}.${key}`, `must be a number, not ${JSON.stringify(entry)}`);
    params[key] = entry;
  };
  const integer = (key: 'seed' | 'max_completion_tokens' | 'max_tokens', min: number) => {
    const entry = value[key];
    if (entry === undefined || entry === null) return;
    if (typeof entry !== 'number' || !Number.isInteger(entry) || entry < min) {
      throw new EvalDefinitionError(`${where}.${key}`, `must be a whole number${min > 0 ? ` of at least ${min}` : ''}, not ${JSON.stringify(entry)}`);
    }
    params[key] = entry;
  };
  number('temperature');
  number('top_p');
  integer('seed', Number.MIN_SAFE_INTEGER);
  integer('max_completion_tokens', 1);
  integer('max_tokens', 1);
  if (value.reasoning_effort !== undefined && value.reasoning_effort !== null) {
    if (typeof value.reasoning_effort !== 'string') throw new EvalDefinitionError(`${where}.reasoning_effort`, 'must be a string such as "low"');
    params.reasoning_effort = value.reasoning_effort;
  }
  if (value.tools !== undefined && value.tools !== null) {
    if (!Array.isArray(value.tools)) throw new EvalDefinitionError(`${where}.tools`, 'must be a list of tools');
    params.tools = value.tools;
  }
  if (value.response_format !== undefined && value.response_format !== null) {
    if (type === 'responses') throw new EvalDefinitionError(`${where}.response_format`, 'is for completions data sources; a responses data source sets sampling_params.text.format');
    if (!isObject(value.response_format)) throw new EvalDefinitionError(`${where}.response_format`, 'must be an object such as {"type": "json_object"}');
    params.response_format = value.response_format;
  }
  if (value.text !== undefined && value.text !== null) {
    if (type === 'completions') throw new EvalDefinitionError(`${where}.text`, 'is for responses data sources; a completions data source sets sampling_params.response_format');
    if (!isObject(value.text)) throw new EvalDefinitionError(`${where}.text`, 'must be an object such as {"format": {"type": "text"}}');
    params.text = value.text;
  }
  return params;
}

function inputMessages(input: InputMessages, item: Record<string, unknown>, where: string): OutgoingMessage[] {
  if (input.type === 'template') return renderMessages(input.template, { item }, `${where}.template`).map((message) => ({ ...message, extra: {} }));
  const value = lookUp(input.itemReference, { item });
  if (typeof value === 'string') return [{ role: 'user', content: value, extra: {} }];
  if (!Array.isArray(value) || value.length === 0) throw new TemplateError(`${input.itemReference} must be a non-empty list of messages (or a text)`);
  return value.map((entry, index) => {
    if (!isObject(entry)) throw new TemplateError(`${input.itemReference}[${index}] is not a message`);
    const extra: Record<string, unknown> = {};
    for (const key of ['tool_calls', 'tool_call_id', 'name'] as const) if (entry[key] !== undefined) extra[key] = entry[key];
    return { role: typeof entry.role === 'string' ? entry.role : 'user', content: referencedText(entry.content, `${input.itemReference}[${index}]`), extra };
  });
}

function referencedText(content: unknown, where: string): string {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((part, index) => referencedText(part, `${where}.content[${index}]`)).join('\n');
  if (isObject(content) && typeof content.text === 'string') return content.text;
  throw new TemplateError(`${where}: the local engine reads text content only`);
}

function plain(messages: OutgoingMessage[]): RenderedMessage[] {
  return messages.map(({ role, content }) => ({ role, content }));
}

function chatBody(model: string, messages: OutgoingMessage[], params: SamplingParams): RequestBody {
  const body: RequestBody = { model, messages: messages.map(({ role, content, extra }) => ({ role, content, ...extra })) };
  for (const key of ['temperature', 'top_p', 'seed', 'max_completion_tokens', 'max_tokens', 'reasoning_effort', 'response_format', 'tools'] as const) {
    if (params[key] !== undefined) body[key] = params[key];
  }
  return body;
}

function responsesBody(model: string, messages: OutgoingMessage[], params: SamplingParams): RequestBody {
  const body: RequestBody = { model, input: plain(messages), store: false };
  if (params.temperature !== undefined) body.temperature = params.temperature;
  if (params.top_p !== undefined) body.top_p = params.top_p;
  const maxTokens = params.max_completion_tokens ?? params.max_tokens;
  if (maxTokens !== undefined) body.max_output_tokens = maxTokens;
  if (params.reasoning_effort !== undefined) body.reasoning = { effort: params.reasoning_effort };
  if (params.tools !== undefined) body.tools = params.tools;
  if (params.text !== undefined) body.text = params.text;
  return body;
}

type SampledOutput = Pick<Sample, 'output' | 'output_text' | 'output_json' | 'output_tools' | 'finish_reason' | 'model' | 'usage' | 'error'>;

function completionSample(completion: ChatCompletion, model: string): SampledOutput {
  const choice = completion.choices?.[0];
  if (!choice) throw new SamplingError(`chat completion with model "${model}" returned no choices`);
  const text = choice.message.content ?? '';
  const tools = choice.message.tool_calls ?? [];
  const usage = completion.usage;
  return {
    ...outputOf(text, tools),
    finish_reason: choice.finish_reason ?? 'stop',
    model: completion.model ?? model,
    usage: usageOf(usage?.prompt_tokens, usage?.completion_tokens, usage?.total_tokens, usage?.prompt_tokens_details?.cached_tokens),
    error: null,
  };
}

function responseSample(response: ModelResponse, model: string): SampledOutput {
  if (response.status === 'failed') {
    const error = isObject(response.error) && typeof response.error.message === 'string' ? `: ${response.error.message}` : '';
    throw new SamplingError(`response with model "${model}" failed${error}`);
  }
  const output = response.output ?? [];
  const text = output
    .filter((entry) => entry.type === 'message')
    .flatMap((entry) => entry.content ?? [])
    .filter((part) => part.type === 'output_text' && typeof part.text === 'string')
    .map((part) => part.text as string)
    .join('');
  const tools: ChatToolCall[] = output
    .filter((entry) => entry.type === 'function_call')
    .map((entry) => ({ id: entry.call_id ?? '', type: 'function', function: { name: entry.name ?? '', arguments: entry.arguments ?? '' } }));
  const usage = response.usage;
  return {
    ...outputOf(text, tools),
    finish_reason: responseFinishReason(response, tools.length > 0),
    model: response.model ?? model,
    usage: usageOf(usage?.input_tokens, usage?.output_tokens, usage?.total_tokens, usage?.input_tokens_details?.cached_tokens),
    error: null,
  };
}

function responseFinishReason(response: ModelResponse, calledTools: boolean): string {
  if (response.status === 'incomplete') {
    const reason = response.incomplete_details?.reason;
    return reason === 'max_output_tokens' ? 'length' : (reason ?? 'incomplete');
  }
  return calledTools ? 'tool_calls' : 'stop';
}

function outputOf(text: string, tools: ChatToolCall[]): Pick<Sample, 'output' | 'output_text' | 'output_json' | 'output_tools'> {
  const message: SampleOutputMessage = { role: 'assistant', content: text };
  if (tools.length > 0) message.tool_calls = tools;
  return { output: [message], output_text: text, output_json: parseJson(text), output_tools: tools };
}

function parseJson(text: string): unknown {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return null;
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    return null;
  }
}

function usageOf(prompt?: number, completion?: number, total?: number, cached?: number | null): SampleUsage {
  const promptTokens = prompt ?? 0;
  const completionTokens = completion ?? 0;
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: total ?? promptTokens + completionTokens, cached_tokens: cached ?? 0 };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
