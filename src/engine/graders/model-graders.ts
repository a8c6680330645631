// The judge graders: `label_model` (the judge picks one of `labels`; passing labels pass) and
// `score_model` (the judge gives a number in `range`; at least `pass_threshold` passes). The judge
// answers through structured output (a strict JSON schema), so its reply is read, never guessed at.
//
// Choices where the API leaves room:
// - The schemas put `reason` before the verdict, so the judge explains before it decides. The score's
//   range is said in the schema's description of `result`: the grader's own messages stay as written.
// - score_model needs `pass_threshold` (the API makes it optional): a gate must know what passes.
// - score_model's `sampling_params.max_completions_tokens` (the API's spelling) and
//   `max_completion_tokens` both set the judge's `max_completion_tokens`.
// - Template and model-call errors are thrown as they are (TemplateError, ModelCallError). A label_model
//   reply that cannot be read is a GraderError. A score_model answer gives no number (text, a refusal,
//   a result that is not a number): it scores 0, as OpenAI's graders guide says, with the answer kept as
//   the reason; a score outside `range` is clamped to it.
import type { ChatCompletion, ModelClient, RequestBody } from '../../models/model-client.js';
import { EvalDefinitionError } from '../definition-error.js';
import { checkMessagesTemplate } from '../sampler.js';
import { renderMessages, type RenderedMessage, type TemplateScope } from '../template.js';
import { GraderError, type Grader, type GraderOutcome } from './grader.js';

/** What a judge grader needs of a ModelClient. */
export type JudgeClient = Pick<ModelClient, 'createChatCompletion'>;

export interface ModelGraderContext {
  /** `"<name>-<uuid>"`. */
  id: string;
  modelClient: JudgeClient;
  /** Where the criterion sits in the definition, for errors, e.g. `testing_criteria[2] ("Tone")`. Default `testing_criteria ("<name>")`. */
  where?: string;
}

interface JudgeSpec {
  name: string;
  model: string;
  input: unknown[];
  where: string;
}

interface JudgeVerdict {
  /** The reply's fields, or null when it could not be read (then `problem` says why). */
  value: Record<string, unknown> | null;
  problem: string | null;
  reason: string | undefined;
  sample: Record<string, unknown>;
}

export function createLabelModelGrader(config: unknown, context: ModelGraderContext): Grader {
  const spec = checkJudge(config, 'label_model', context);
  const settings = config as Record<string, unknown>;
  const labels = stringList(settings.labels, `${spec.where}.labels`);
  const passing = stringList(settings.passing_labels, `${spec.where}.passing_labels`);
  const strangers = passing.filter((label) => !labels.includes(label));
  if (strangers.length > 0) {
    throw new EvalDefinitionError(`${spec.where}.passing_labels`, `${JSON.stringify(strangers)} must be among labels ${JSON.stringify(labels)}`);
  }
  const schema = {
    type: 'object',
    properties: {
      reason: { type: 'string', description: 'A short explanation of the label.' },
      label: { type: 'string', enum: labels, description: `One of: ${labels.join(', ')}.` },
    },
    required: ['reason', 'label'],
    additionalProperties: false,
  };
  return {
    id: context.id,
    name: spec.name,
    type: 'label_model',
    async grade(scope, signal) {
      const verdict = await judge(spec, context.modelClient, scope, signal, { name: 'label_result', schema }, {});
      if (verdict.value === null) throw new GraderError(`${describe(spec)}: ${verdict.problem}`);
      const label = verdict.value.label;
      if (typeof label !== 'string' || !labels.includes(label)) {
        throw new GraderError(`${describe(spec)}: the judge's label ${JSON.stringify(label)} is not one of ${JSON.stringify(labels)}`);
      }
      const passed = passing.includes(label);
      return outcome({ score: passed ? 1 : 0, passed, label, reason: verdict.reason, sample: verdict.sample });
    },
  };
}

export function createScoreModelGrader(config: unknown, context: ModelGraderContext): Grader {
  const spec = checkJudge(config, 'score_model', context);
  const settings = config as Record<string, unknown>;
  const [min, max] = checkRange(settings.range, `${spec.where}.range`);
  const threshold = settings.pass_threshold;
  if (threshold === undefined || threshold === null) {
    throw new EvalDefinitionError(`${spec.where}.pass_threshold`, `is required: the gate needs to know which scores pass (a number in [${min}, ${max}])`);
  }
  if (typeof threshold !== 'number' || !Number.isFinite(threshold) || threshold < min || threshold > max) {
    throw new EvalDefinitionError(`${spec.where}.pass_threshold`, `must be a number in the range [${min}, ${max}], not ${JSON.stringify(threshold)}`);
  }
  const sampling = judgeSamplingParams(settings.sampling_params, `${spec.where}.sampling_params`);
  const schema = {
    type: 'object',
    properties: {
      reason: { type: 'string', description: 'A short explanation of the score.' },
      result: { type: 'number', description: `The score, from ${min} to ${max}.` },
    },
    required: ['reason', 'result'],
    additionalProperties: false,
  };
  return {
    id: context.id,
    name: spec.name,
    type: 'score_model',
    async grade(scope, signal) {
      const verdict = await judge(spec, context.modelClient, scope, signal, { name: 'score_result', schema }, sampling);
      const result = verdict.value?.result;
      if (typeof result !== 'number' || !Number.isFinite(result)) {
        const problem = verdict.problem ?? (result === undefined ? "the judge's reply has no result" : `the judge's result ${JSON.stringify(result)} is not a number`);
        const reason = verdict.reason ? `${verdict.reason} (${problem}: scored 0)` : `${problem}: scored 0`;
        return outcome({ score: 0, passed: 0 >= threshold, reason, sample: verdict.sample });
      }
      const score = Math.min(max, Math.max(min, result));
      const clamped = score === result ? '' : `${verdict.reason ? ' ' : ''}(the judge's score ${result} was clamped to the range [${min}, ${max}])`;
      const reason = verdict.reason === undefined && !clamped ? undefined : `${verdict.reason ?? ''}${clamped}`;
      return outcome({ score, passed: score >= threshold, reason, sample: verdict.sample });
    },
  };
}

function checkJudge(config: unknown, type: 'label_model' | 'score_model', context: ModelGraderContext): JudgeSpec {
  const base = context.where ?? 'testing_criteria';
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new EvalDefinitionError(base, `a ${type} grader must be an object`);
  const settings = config as Record<string, unknown>;
  const name = settings.name;
  if (typeof name !== 'string' || name.trim() === '') throw new EvalDefinitionError(`${base}.name`, `a ${type} grader needs a name`);
  const where = context.where ?? `${base} ("${name}")`;
  const model = settings.model;
  if (typeof model !== 'string' || model.trim() === '') throw new EvalDefinitionError(`${where}.model`, `a ${type} grader needs the judge model's name`);
  const input = checkMessagesTemplate(settings.input, ['item', 'sample'], `${where}.input`);
  return { name, model, input, where };
}

function stringList(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((entry) => typeof entry === 'string' && entry !== '')) {
    throw new EvalDefinitionError(where, 'must be a non-empty list of labels (strings)');
  }
  return [...new Set(value as string[])];
}

function checkRange(value: unknown, where: string): [number, number] {
  if (value === undefined || value === null) return [0, 1];
  const [min, max] = Array.isArray(value) ? value : [];
  if (!Array.isArray(value) || value.length !== 2 || typeof min !== 'number' || typeof max !== 'number' || !Number.isFinite(min) || !Number.isFinite(max) || min >= max) {
    throw new EvalDefinitionError(where, `must be [min, max] with min < max, not ${JSON.stringify(value)}`);
  }
  return [min, max];
}

function judgeSamplingParams(value: unknown, where: string): RequestBody {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new EvalDefinitionError(where, 'must be an object');
  const params = value as Record<string, unknown>;
  const body: RequestBody = {};
  for (const key of ['temperature', 'top_p', 'seed'] as const) {
    const entry = params[key];
    if (entry === undefined || entry === null) continue;
    if (typeof entry !== 'number' || !Number.isFinite(entry)) throw new EvalDefinitionError(`${where}.${key}`, `must be a number, not ${JSON.stringify(entry)}`);
    body[key] = entry;
  }
  const tokensKey = params.max_completion_tokens !== undefined ? 'max_completion_tokens' : 'max_completions_tokens';
  const maxTokens = params[tokensKey];
  if (maxTokens !== undefined && maxTokens !== null) {
    if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1) {
      throw new EvalDefinitionError(`${where}.${tokensKey}`, `must be a whole number of at least 1, not ${JSON.stringify(maxTokens)}`);
    }
    body.max_completion_tokens = maxTokens;
  }
  if (params.reasoning_effort !== undefined && params.reasoning_effort !== null) {
    if (typeof params.reasoning_effort !== 'string') throw new EvalDefinitionError(`${where}.reasoning_effort`, 'must be a string such as "low"');
    body.reasoning_effort = params.reasoning_effort;
  }
  return body;
}

/** Asks the judge and reads its JSON reply; the judge's call is returned as the API shows it. */
async function judge(
  spec: JudgeSpec,
  client: JudgeClient,
  scope: Required<TemplateScope>,
  signal: AbortSignal,
  format: { name: string; schema: Record<string, unknown> },
  sampling: RequestBody,
): Promise<JudgeVerdict> {
  const messages: RenderedMessage[] = renderMessages(spec.input, scope, `${spec.where}.input`);
  const completion: ChatCompletion = await client.createChatCompletion(
    {
      model: spec.model,
      messages,
      ...sampling,
      response_format: { type: 'json_schema', json_schema: { name: format.name, strict: true, schema: format.schema } },
    },
    signal,
  );
  const choice = completion.choices?.[0];
  const text = choice?.message.content ?? '';
  const finishReason = choice?.finish_reason ?? 'stop';
  const usage = completion.usage;
  const promptTokens = usage?.prompt_tokens ?? 0;
  const completionTokens = usage?.completion_tokens ?? 0;
  const sample = {
    input: messages,
    output: [{ role: 'assistant', content: text }],
    model: completion.model ?? spec.model,
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: usage?.total_tokens ?? promptTokens + completionTokens,
      cached_tokens: usage?.prompt_tokens_details?.cached_tokens ?? 0,
    },
    finish_reason: finishReason,
    error: null,
  };
  if (!choice) throw new GraderError(`${describe(spec)}: the judge's answer has no choices`);
  const unread = (problem: string): JudgeVerdict => ({ value: null, problem, reason: undefined, sample });
  const refusal = choice.message.refusal;
  if (typeof refusal === 'string' && refusal !== '') return unread(`the judge refused: ${cut(refusal)}`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const why = finishReason === 'length' ? ' (it was cut off at its token limit)' : '';
    return unread(`the judge's reply is not JSON${why}: ${JSON.stringify(cut(text))}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return unread(`the judge's reply is not a JSON object: ${JSON.stringify(cut(text))}`);
  }
  const fields = value as Record<string, unknown>;
  if (fields.reason !== undefined && typeof fields.reason !== 'string') {
    return unread(`the judge's reason is not a string: ${JSON.stringify(cut(text))}`);
  }
  return { value: fields, problem: null, reason: fields.reason as string | undefined, sample };
}

function outcome(parts: GraderOutcome): GraderOutcome {
  const result: GraderOutcome = { score: parts.score, passed: parts.passed, sample: parts.sample };
  if (parts.label !== undefined) result.label = parts.label;
  if (parts.reason !== undefined) result.reason = parts.reason;
  return result;
}

function describe(spec: JudgeSpec): string {
  return `grader "${spec.name}" (judge model "${spec.model}")`;
}

function cut(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
