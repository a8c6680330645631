// The README's inputs and outputs tables, written from action.yml: the one place the interface is
// described. scripts/generate-docs.ts (`npm run docs`) writes them into README.md between markers, and
// test/scripts/action-docs.test.ts fails when the README holds anything else. Pure: text in, text out.
import { parse } from 'yaml';

interface ActionInput {
  description?: string;
  default?: string | number | boolean;
  required?: boolean;
  deprecationMessage?: string;
}

interface ActionOutput {
  description?: string;
}

interface ActionMetadata {
  inputs?: Record<string, ActionInput>;
  outputs?: Record<string, ActionOutput>;
}

const GENERATED_NOTE = '<!-- Generated from action.yml by `npm run docs`: edit the descriptions there, not here. -->';

/** The two tables, each as the text that goes between its markers. */
export function renderTables(actionYml: string): { inputs: string; outputs: string } {
  const action = parse(actionYml) as ActionMetadata;
  const inputs = Object.entries(action.inputs ?? {}).map(([name, input]) => {
    const meaning = [input.required ? '**Required.**' : '', describe('input', name, input.description), input.deprecationMessage ? `Deprecated: ${cell(input.deprecationMessage)}` : '']
      .filter(Boolean)
      .join(' ');
    return `| \`${name}\` | \`'${cell(String(input.default ?? ''))}'\` | ${meaning} |`;
  });
  const outputs = Object.entries(action.outputs ?? {}).map(([name, output]) => `| \`${name}\` | ${describe('output', name, output.description)} |`);
  return {
    inputs: [GENERATED_NOTE, '| input | default | meaning |', '|---|---|---|', ...inputs].join('\n'),
    outputs: [GENERATED_NOTE, '| output | meaning |', '|---|---|', ...outputs].join('\n'),
  };
}

/** The README with both tables replaced by what action.yml says. Throws when a marker is missing. */
export function withGeneratedTables(readme: string, actionYml: string): string {
  const tables = renderTables(actionYml);
  return replaceBetween(replaceBetween(readme, 'inputs', tables.inputs), 'outputs', tables.outputs);
}

function replaceBetween(text: string, name: string, content: string): string {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from || text.indexOf(start, from + 1) >= 0) {
    throw new Error(`README.md needs one "${start}" line followed by one "${end}" line, where the ${name} table goes.`);
  }
  return `${text.slice(0, from + start.length)}\n${content}\n${text.slice(to)}`;
}

function describe(kind: string, name: string, description: string | undefined): string {
  if (!description?.trim()) throw new Error(`action.yml: ${kind} "${name}" has no description.`);
  return cell(description);
}

/** One table cell: lines joined (YAML block scalars keep them), pipes escaped so they do not split the row. */
function cell(text: string): string {
  return text.trim().split(/\s*\n\s*/).join(' ').replace(/\|/g, '\\|');
}
