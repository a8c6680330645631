import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDataSource, type DataSourceInputs } from '../../../src/settings/data-source.ts';
import { expectInputError } from '../../support/input-error.ts';

// root/ws is the workspace; root/secret.txt lies outside it.
const root = mkdtempSync(join(tmpdir(), 'data-source-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const workspace = join(root, 'ws');

function file(path: string, text: string): string {
  const full = join(workspace, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, text);
  return path;
}

writeFileSync(join(root, 'secret.txt'), 'runner credentials');
file('evals/prompts/system.txt', 'You are terse.\nAnswer in one word.\n\n');
file('prompts/root.txt', 'from the workspace root\r\n');

function build(inputs: Partial<DataSourceInputs>) {
  return buildDataSource({ dataSource: '', dataFile: '', model: '', workspace, ...inputs });
}

/** Expects an InputError for `input`; returns its message. */
function inputError(input: string, inputs: Partial<DataSourceInputs>): string {
  return expectInputError(input, () => build(inputs));
}

const COMPLETIONS = {
  type: 'completions',
  input_messages: { type: 'item_reference', item_reference: 'item.input' },
  source: { type: 'file_id', id: 'file-abc' },
};

describe('data-source values', () => {
  it('reads inline JSON', () => {
    expect(build({ dataSource: JSON.stringify(COMPLETIONS) })).toEqual(COMPLETIONS);
  });

  it('reads inline YAML', () => {
    const yaml = ['type: completions', 'input_messages:', '  type: item_reference', '  item_reference: item.input', 'source:', '  type: file_id', '  id: file-abc'].join('\n');
    expect(build({ dataSource: yaml })).toEqual(COMPLETIONS);
  });

  it('reads a .json file and a .yaml/.yml file from the workspace', () => {
    file('evals/ds.json', JSON.stringify(COMPLETIONS, null, 2));
    file('evals/ds.yaml', 'type: completions\ninput_messages: {type: item_reference, item_reference: item.input}\nsource: {type: file_id, id: file-abc}\n');
    file('evals/ds.yml', 'type: responses\nsource: {type: responses, model: gpt-4o}\n');
    expect(build({ dataSource: 'evals/ds.json' })).toEqual(COMPLETIONS);
    expect(build({ dataSource: ' evals/ds.yaml ' })).toEqual(COMPLETIONS);
    expect(build({ dataSource: 'evals/ds.yml' })).toEqual({ type: 'responses', source: { type: 'responses', model: 'gpt-4o' } });
  });

  it('reports bad JSON with the input name', () => {
    const message = inputError('data-source', { dataSource: '{"type": "jsonl", "source": ' });
    expect(message).toContain('the inline value is not valid JSON/YAML');
  });

  it('reports bad YAML in a file, naming the file', () => {
    file('evals/broken.yaml', 'type: completions\nsource: [unclosed\n');
    const message = inputError('data-source', { dataSource: 'evals/broken.yaml' });
    expect(message).toContain('evals/broken.yaml');
    expect(message).toContain('not valid JSON/YAML');
  });

  it('refuses duplicate keys', () => {
    inputError('data-source', { dataSource: '{"type": "jsonl", "type": "completions", "source": {}}' });
  });

  it('names a missing data-source file', () => {
    expect(inputError('data-source', { dataSource: 'evals/none.json' })).toContain('evals/none.json');
  });

  it('refuses a value that is not an object with a type', () => {
    inputError('data-source', { dataSource: '[1, 2]' });
    inputError('data-source', { dataSource: '{"source": {"type": "file_id", "id": "f"}}' });
  });

  it('refuses an unknown type, listing the known ones', () => {
    const message = inputError('data-source', { dataSource: '{"type": "csv", "source": {}}' });
    expect(message).toContain('jsonl, completions, responses');
    expect(message).toContain('"csv"');
  });

  it('refuses a data source without a source and without a data-file', () => {
    expect(inputError('data-source', { dataSource: '{"type": "completions"}' })).toContain('"source"');
  });

  it('needs data-source or data-file', () => {
    inputError('data-source', {});
  });
});

describe('{"$file": …} references', () => {
  it('are resolved relative to the data-source file, inside input_messages templates', () => {
    file(
      'evals/templated.yaml',
      [
        'type: completions',
        'input_messages:',
        '  type: template',
        '  template:',
        '    - role: system',
        '      content: {$file: prompts/system.txt}',
        '    - role: user',
        '      content: "{{item.input}}"',
        'source: {type: file_id, id: file-abc}',
      ].join('\n'),
    );
    const source = build({ dataSource: 'evals/templated.yaml' });
    expect(source.input_messages).toEqual({
      type: 'template',
      template: [
        // One trailing newline is dropped, the rest of the text is kept.
        { role: 'system', content: 'You are terse.\nAnswer in one word.\n' },
        { role: 'user', content: '{{item.input}}' },
      ],
    });
  });

  it('are resolved relative to the workspace in an inline value', () => {
    const source = build({
      dataSource: JSON.stringify({ ...COMPLETIONS, input_messages: { type: 'template', template: [{ role: 'system', content: { $file: 'prompts/root.txt' } }] } }),
    });
    expect(source.input_messages).toEqual({ type: 'template', template: [{ role: 'system', content: 'from the workspace root' }] });
  });

  it('refuse a path escaping the workspace', () => {
    file('evals/escape.json', JSON.stringify({ ...COMPLETIONS, input_messages: { $file: '../../etc/passwd' } }));
    const message = inputError('data-source', { dataSource: 'evals/escape.json' });
    expect(message).toContain('../../etc/passwd');
    expect(message).toContain('outside the workspace');
    expect(inputError('data-source', { dataSource: JSON.stringify({ ...COMPLETIONS, x: { $file: '/etc/passwd' } }) })).toContain('outside');
  });

  // A pull request can commit a symlink: the check must look at where the link leads.
  it('refuse a symlink in the workspace that leads outside it', () => {
    mkdirSync(join(workspace, 'links'), { recursive: true });
    symlinkSync(join(root, 'secret.txt'), join(workspace, 'links', 'prompt.txt'));
    const message = inputError('data-source', { dataSource: JSON.stringify({ ...COMPLETIONS, x: { $file: 'links/prompt.txt' } }) });
    expect(message).toContain('outside the workspace');
  });

  // .git/config holds the checkout's token when credentials persist: it must never reach a prompt.
  it('refuse files inside .git/, directly or through a symlink', () => {
    file('.git/config', '[http] extraheader = AUTHORIZATION: basic c2VjcmV0');
    const direct = inputError('data-source', { dataSource: JSON.stringify({ ...COMPLETIONS, x: { $file: '.git/config' } }) });
    expect(direct).toContain('.git/');
    expect(direct).not.toContain('c2VjcmV0');
    symlinkSync(join(workspace, '.git', 'config'), join(workspace, 'innocent.txt'));
    expect(inputError('data-source', { dataSource: JSON.stringify({ ...COMPLETIONS, x: { $file: 'innocent.txt' } }) })).toContain('.git/');
  });

  it('read a file whose name merely starts with ".."', () => {
    file('..notes.txt', 'dots');
    expect(build({ dataSource: JSON.stringify({ ...COMPLETIONS, x: { $file: '..notes.txt' } }) }).x).toBe('dots');
  });

  it('name a missing referenced file', () => {
    const message = inputError('data-source', { dataSource: JSON.stringify({ ...COMPLETIONS, x: [{ $file: 'prompts/nope.txt' }] }) });
    expect(message).toContain('prompts/nope.txt');
  });

  it('must be {"$file": path} and nothing else', () => {
    const message = inputError('data-source', { dataSource: JSON.stringify({ ...COMPLETIONS, x: { $file: 'prompts/root.txt', extra: 1 } }) });
    expect(message).toContain('x:');
    inputError('data-source', { dataSource: JSON.stringify({ ...COMPLETIONS, x: { $file: 42 } }) });
  });
});

describe('data-file (JSONL)', () => {
  it('reads wrapped {item, sample} rows and bare items, skipping blank lines', () => {
    file(
      'data/mixed.jsonl',
      ['{"item": {"q": "a"}, "sample": {"output_text": "A"}}', '', '{"item": {"q": "b"}}', '   ', '{"q": "c", "expected": "C"}\r', ''].join('\n'),
    );
    expect(build({ dataFile: 'data/mixed.jsonl' })).toEqual({
      type: 'jsonl',
      source: {
        type: 'file_content',
        content: [
          { item: { q: 'a' }, sample: { output_text: 'A' } },
          { item: { q: 'b' } },
          { item: { q: 'c', expected: 'C' } },
        ],
      },
    });
  });

  it('reports one malformed line with its line number', () => {
    file('data/one-bad.jsonl', '{"q": 1}\n\n{"q": 2\n');
    const message = inputError('data-file', { dataFile: 'data/one-bad.jsonl' });
    expect(message).toContain('data/one-bad.jsonl has 1 malformed line:');
    expect(message).toContain('line 3: not valid JSON');
  });

  it('lists the first five malformed lines and counts the rest', () => {
    const lines = ['{"ok": 1}', 'nope', '[1]', '{"item": 5}', '{"item": {}, "sample": "x"}', '"text"', '{"ok": 2}', '{bad', 'null'];
    file('data/many-bad.jsonl', lines.join('\n'));
    const message = inputError('data-file', { dataFile: 'data/many-bad.jsonl' });
    expect(message).toContain('has 7 malformed lines (and 2 more bad lines):');
    expect(message).toContain('line 2: not valid JSON');
    expect(message).toContain('line 3: each line must be a JSON object');
    expect(message).toContain('line 4: "item" must be an object');
    expect(message).toContain('line 5: "sample" must be an object');
    expect(message).toContain('line 6: each line must be a JSON object');
    expect(message).not.toContain('line 8');
    expect(message).not.toContain('line 9');
  });

  it('refuses, with their line numbers, a line over 16 MiB and rows nested deeper than 64 levels (no stack overflow)', () => {
    const deep = (levels: number) => `${'{"a":'.repeat(levels - 1)}{}${'}'.repeat(levels - 1)}`;
    const lines = ['{"q": 1}', `{"q": "${'x'.repeat(16 * 1024 * 1024)}"}`, `{"item": ${deep(100_000)}}`, deep(63), deep(64), `{"item": ${deep(63)}}`];
    file('data/limits.jsonl', lines.join('\n'));
    const message = inputError('data-file', { dataFile: 'data/limits.jsonl' });
    expect(message).toBe(
      [
        'Input "data-file": data/limits.jsonl has 3 malformed lines:',
        '  line 2: longer than 16 MiB, the longest line a data file may have',
        '  line 3: nested more than 64 levels deep (objects and lists within each other, {"item": {…}} counting 2)',
        '  line 5: nested more than 64 levels deep (objects and lists within each other, {"item": {…}} counting 2)',
      ].join('\n'),
    );
  });

  it('reports malformed lines before any other problem', () => {
    file('data/all-bad.jsonl', 'x\ny\n');
    expect(inputError('data-file', { dataFile: 'data/all-bad.jsonl' })).toContain('2 malformed lines');
    // Not the model's error either, though a model on a jsonl source is refused too.
    expect(inputError('data-file', { dataFile: 'data/all-bad.jsonl', model: 'gpt-4o' })).toContain('malformed');
  });

  it('refuses an empty file', () => {
    file('data/empty.jsonl', '\n  \n');
    expect(inputError('data-file', { dataFile: 'data/empty.jsonl' })).toContain('no rows');
  });

  it('refuses a data-file outside the workspace', () => {
    expect(inputError('data-file', { dataFile: '../secret.txt' })).toContain('outside the workspace');
  });

  it("replaces data-source's source", () => {
    file('data/two.jsonl', '{"input": "hi"}\n{"input": "bye"}\n');
    expect(build({ dataSource: JSON.stringify(COMPLETIONS), dataFile: 'data/two.jsonl' })).toEqual({
      ...COMPLETIONS,
      source: { type: 'file_content', content: [{ item: { input: 'hi' } }, { item: { input: 'bye' } }] },
    });
  });

  it('gives a data source without a source its source', () => {
    file('data/one.jsonl', '{"input": "hi"}\n');
    expect(build({ dataSource: '{"type": "completions"}', dataFile: 'data/one.jsonl' }).source).toEqual({
      type: 'file_content',
      content: [{ item: { input: 'hi' } }],
    });
  });
});

describe('model', () => {
  it('is set on completions and responses sources', () => {
    expect(build({ dataSource: JSON.stringify(COMPLETIONS), model: ' gpt-4o-mini ' }).model).toBe('gpt-4o-mini');
    expect(build({ dataSource: '{"type": "responses", "source": {"type": "responses"}}', model: 'o3' }).model).toBe('o3');
  });

  it('is refused on a jsonl source', () => {
    file('data/m.jsonl', '{"input": "hi"}\n');
    expect(inputError('model', { dataFile: 'data/m.jsonl', model: 'gpt-4o' })).toContain('"jsonl"');
    inputError('model', { dataSource: '{"type": "jsonl", "source": {"type": "file_id", "id": "f"}}', model: 'gpt-4o' });
  });

  it('leaves the source alone when empty', () => {
    expect(build({ dataSource: JSON.stringify(COMPLETIONS), model: '  ' })).not.toHaveProperty('model');
  });
});
