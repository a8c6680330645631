/**
 * The sample as grader templates see it. Besides the sample's own fields, templates may use
 * `sample.output_text` (the answer's text), `sample.output_json` (that text parsed, when it is JSON) and
 * `sample.output_tools` (tool calls): pre-generated samples often carry only `output_text` or only
 * `output` messages, so the missing ones are derived.
 */
export function withDerivedFields(sample: Record<string, unknown>): Record<string, unknown> {
  const derived: Record<string, unknown> = { ...sample };
  if (typeof derived.output_text !== 'string') {
    const text = lastAssistantText(sample.output);
    if (text !== null) derived.output_text = text;
  }
  if (derived.output_json === undefined && typeof derived.output_text === 'string') {
    const parsed = parseJson(derived.output_text);
    if (parsed !== undefined) derived.output_json = parsed;
  }
  if (derived.output_tools === undefined) derived.output_tools = toolCalls(sample.output);
  return derived;
}

function lastAssistantText(output: unknown): string | null {
  if (!Array.isArray(output)) return null;
  for (let index = output.length - 1; index >= 0; index--) {
    const message = output[index] as { role?: unknown; content?: unknown } | null;
    if (!message || (message.role !== undefined && message.role !== 'assistant')) continue;
    if (typeof message.content === 'string') return message.content;
    if (Array.isArray(message.content)) {
      return message.content.map((part) => (typeof part === 'string' ? part : String((part as { text?: unknown })?.text ?? ''))).join('');
    }
  }
  return null;
}

function toolCalls(output: unknown): unknown[] {
  if (!Array.isArray(output)) return [];
  return output.flatMap((message) => {
    const calls = (message as { tool_calls?: unknown } | null)?.tool_calls;
    return Array.isArray(calls) ? calls : [];
  });
}

function parseJson(text: string): unknown {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return undefined;
  try {
    return JSON.parse(trimmed);
  } catch {
    return undefined;
  }
}
