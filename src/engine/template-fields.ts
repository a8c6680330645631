// Template paths checked against what the eval says its items hold, before any run: a grader or
// `input_messages` naming `{{item.must_mentoin}}` would otherwise error every item of a paid run.
import { EvalDefinitionError } from './definition-error.js';
import type { EvalDefinition } from './definition.js';
import { lookUpField } from './item-schema.js';
import { templatePaths } from './template.js';

/** Fields of a sample the local engine makes (sampler.ts), as graders' templates see them. */
export const SAMPLED_FIELDS = [
  'input',
  'output',
  'output_text',
  'output_json',
  'output_tools',
  'finish_reason',
  'model',
  'usage',
  'error',
  'temperature',
  'max_completion_tokens',
  'top_p',
  'seed',
] as const;

export interface TemplateCheckOptions {
  /** Where errors say the criteria are, e.g. `evals/qa.eval.yaml: testing_criteria`. */
  where: string;
  /**
   * The sample's fields when they are known beforehand (a local run that samples a model); null when
   * samples come from the rows or a server, whose fields the engine cannot know.
   */
  sampleFields?: readonly string[] | null;
}

/**
 * Refuses a grader whose templates name an item field `data_source_config.item_schema` does not define
 * (an EvalDefinitionError naming the grader, the template and the field). Nothing is checked when the
 * definition has no item_schema.
 */
export function checkGraderTemplates(definition: EvalDefinition, options: TemplateCheckOptions): void {
  const schema = definition.data_source_config.item_schema;
  definition.testing_criteria.forEach((criterion, index) => {
    for (const path of templatesIn(criterion)) {
      checkPath(path, schema, options.sampleFields ?? null, `${options.where}[${index}] ("${criterion.name}")`);
    }
  });
}

/**
 * The same for a data source's `input_messages` (its templates and its `item_reference`); `where` names
 * the input_messages, e.g. `data_source.input_messages`.
 */
export function checkDataSourceTemplates(definition: EvalDefinition, dataSource: Record<string, unknown>, where: string): void {
  const schema = definition.data_source_config.item_schema;
  const input = dataSource.input_messages;
  if (typeof input !== 'object' || input === null) return;
  const messages = input as Record<string, unknown>;
  if (messages.type === 'item_reference' && typeof messages.item_reference === 'string') {
    checkPath(messages.item_reference, schema, null, `${where}.item_reference`);
  }
  if (messages.type === 'template') {
    for (const path of templatesIn(messages.template)) checkPath(path, schema, null, `${where}.template`);
  }
}

function checkPath(path: string, itemSchema: unknown, sampleFields: readonly string[] | null, where: string): void {
  const [root, ...parts] = path.split('.');
  if (root === 'sample' && sampleFields && parts.length > 0 && !sampleFields.includes(parts[0] as string)) {
    throw new EvalDefinitionError(
      where,
      `{{${path}}} names "${parts[0]}", which a sample made by the local engine does not have (it has ${sampleFields.join(', ')}).`,
    );
  }
  if (root !== 'item' || itemSchema === undefined || parts.length === 0) return;
  const found = lookUpField(itemSchema, parts);
  if (found.defined) return;
  const field = found.at.join('.');
  if (found.why === 'not-an-object') {
    const parent = found.at.slice(0, -1).join('.');
    throw new EvalDefinitionError(where, `{{${path}}} looks inside ${parent ? `"${parent}"` : 'the item'}, which the eval's item_schema says is not an object or a list.`);
  }
  const known = found.known.length > 0 ? ` (it defines ${found.known.map((name) => `"${name}"`).join(', ')})` : '';
  throw new EvalDefinitionError(where, `{{${path}}} names "${field}", which the eval's item_schema does not define${known}.`);
}

/**
 * Every `{{…}}` path in the strings of a criterion or message list, wherever the API puts templates
 * (input, reference, message contents, a remote grader's data mapping). A python grader's `source` is
 * code, not a template, and is skipped.
 */
function templatesIn(value: unknown): string[] {
  const paths: string[] = [];
  const pending: unknown[] = [value];
  // Depth first, in the order the definition lists things: the first bad template is the one reported.
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next === 'string') paths.push(...templatePaths(next));
    else if (Array.isArray(next)) pending.push(...[...next].reverse());
    else if (typeof next === 'object' && next !== null) {
      pending.push(...Object.entries(next).filter(([key]) => key !== 'source').map(([, entry]) => entry).reverse());
    }
  }
  return [...new Set(paths)];
}
