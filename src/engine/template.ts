// The Evals API's templates: `{{item.question}}`, `{{ sample.output_text }}`, nested paths such as
// `{{item.meta.lang}}` and array indexes (`{{item.choices.0}}`). Strings are inserted as they are,
// anything else as JSON.

/** What a template can refer to. */
export interface TemplateScope {
  item: Record<string, unknown>;
  sample?: Record<string, unknown> | null;
}

/** A template that refers to something the scope does not have: the item is marked errored with this. */
export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** Renders every `{{path}}` in `template`. Throws a TemplateError naming a path that leads nowhere. */
export function renderTemplate(template: string, scope: TemplateScope): string {
  let compiled = compiledTemplates.get(template);
  if (!compiled) {
    // Templates come from definitions: a few, rendered for every item.
    if (compiledTemplates.size >= 256) compiledTemplates.clear();
    compiled = compileTemplate(template);
    compiledTemplates.set(template, compiled);
  }
  return compiled(scope);
}

const compiledTemplates = new Map<string, (scope: TemplateScope) => string>();

/**
 * A template split once into its text and its paths, for rendering item after item without parsing it
 * again: renders as `renderTemplate` does, throwing the same errors.
 */
export function compileTemplate(template: string): (scope: TemplateScope) => string {
  const texts: string[] = [];
  const paths: string[] = [];
  let end = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    texts.push(template.slice(end, match.index));
    paths.push(match[1] ?? '');
    end = match.index + match[0].length;
  }
  const tail = template.slice(end);
  if (paths.length === 0) return () => tail;
  const lookups = paths.map(compilePath);
  if (paths.length === 1 && texts[0] === '' && tail === '') {
    const only = lookups[0] as (scope: TemplateScope) => unknown;
    return (scope) => asText(only(scope));
  }
  return (scope) => {
    let out = '';
    for (let i = 0; i < lookups.length; i++) out += (texts[i] as string) + asText((lookups[i] as (scope: TemplateScope) => unknown)(scope));
    return out + tail;
  };
}

function asText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The value at `item.a.b` or `sample.x` in the scope. Throws a TemplateError when there is none. */
export function lookUp(path: string, scope: TemplateScope): unknown {
  return compilePath(path)(scope);
}

function compilePath(path: string): (scope: TemplateScope) => unknown {
  const parts = path.split('.');
  const root = parts[0];
  const keys = parts.slice(1);
  const missing = () => new TemplateError(`{{${path}}}: the ${root} has no "${keys.join('.')}"`);
  if (root !== 'item' && root !== 'sample') {
    return () => {
      throw new TemplateError(`{{${path}}} must start with "item." or "sample."`);
    };
  }
  return (scope) => {
    if (root === 'sample' && !scope.sample) throw new TemplateError(`{{${path}}} refers to the sample, but this item has none`);
    let value: unknown = root === 'item' ? scope.item : scope.sample;
    for (const key of keys) {
      if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) throw missing();
      value = (value as Record<string, unknown>)[key];
    }
    if (value === undefined) throw missing();
    return value;
  };
}

/** Template paths in a text, e.g. for checking a definition before any item runs. */
export function templatePaths(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((match) => match[1] ?? '');
}

/** A chat message after rendering: the shape chat completions and responses both take. */
export interface RenderedMessage {
  role: string;
  content: string;
}

/**
 * Renders an `input_messages`/grader `input` template: a list of `{role, content}` or
 * `{type: "message", role, content}` where content is a string, an `{type: "input_text"|"output_text", text}`
 * part, or a list of such parts (joined by newlines).
 */
export function renderMessages(template: unknown, scope: TemplateScope, where: string): RenderedMessage[] {
  if (!Array.isArray(template)) throw new TemplateError(`${where} must be a list of messages`);
  return template.map((entry, index) => {
    if (typeof entry !== 'object' || entry === null) throw new TemplateError(`${where}[${index}] is not a message`);
    const message = entry as Record<string, unknown>;
    const role = typeof message.role === 'string' ? message.role : 'user';
    return { role, content: renderContent(message.content, scope, `${where}[${index}].content`) };
  });
}

function renderContent(content: unknown, scope: TemplateScope, where: string): string {
  if (typeof content === 'string') return renderTemplate(content, scope);
  if (Array.isArray(content)) return content.map((part, index) => renderContent(part, scope, `${where}[${index}]`)).join('\n');
  if (typeof content === 'object' && content !== null && typeof (content as { text?: unknown }).text === 'string') {
    return renderTemplate((content as { text: string }).text, scope);
  }
  throw new TemplateError(`${where} must be text, an input_text part or a list of parts`);
}
