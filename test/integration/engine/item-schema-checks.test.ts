// Items checked against the eval's item_schema by the local engine before any item runs: the first few
// lines that do not match, with the schema's complaint, for a streamed data file and inline rows; and an
// eval whose grader templates name a field the schema does not define, refused when it is created.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseEvalDefinition } from '../../../src/engine/definition.ts';
import { compileItemValidator } from '../../../src/engine/item-validator.ts';
import { ApiRefusal, LocalEngine } from '../../../src/engine/local-engine.ts';
import { checkJsonlFile } from '../../../src/engine/rows.ts';
import { rejection } from '../../support/rejection.ts';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'item-schema-checks-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function errorOf(promise: Promise<unknown>): Promise<string> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(Error);
  return (error as Error).message;
}

describe('items checked against item_schema', () => {
  const schema = { type: 'object', properties: { question: { type: 'string' }, expected: { type: 'string' } }, required: ['question', 'expected'] };
  const validate = compileItemValidator(schema, 'item_schema');

  it('names the first few lines whose item does not match, with the schema complaint, and counts the rest', async () => {
    const lines = Array.from({ length: 24 }, (_, n) => (n % 4 === 1 ? JSON.stringify({ item: { question: `q${n}` } }) : JSON.stringify({ item: { question: `q${n}`, expected: 'x' } })));
    lines[6] = JSON.stringify({ question: 7, expected: 'x' });
    lines[7] = JSON.stringify({ item: { question: 'q', expected: 'x' }, sample: { output_text: 5 } });
    const path = file('typo.jsonl', lines.join('\n'));
    expect(await errorOf(checkJsonlFile(path, 'data/typo.jsonl', validate))).toBe(
      [
        "data/typo.jsonl has 7 items that do not match the eval's item_schema (data_source_config.item_schema); no item was run. The first 5:",
        "  line 2: the item must have required property 'expected'",
        "  line 6: the item must have required property 'expected'",
        '  line 7: item.question must be string',
        "  line 10: the item must have required property 'expected'",
        "  line 14: the item must have required property 'expected'",
      ].join('\n'),
    );
  });

  it('reports malformed lines first: they are not items at all', async () => {
    const path = file('both.jsonl', ['{"question": 1}', 'not json'].join('\n'));
    expect(await errorOf(checkJsonlFile(path, 'both', validate))).toMatch(/^both has 1 malformed line:\n {2}line 2: not valid JSON/);
  });

  const EVAL = JSON.stringify({
    name: 'Schema',
    data_source_config: { type: 'custom', item_schema: schema, include_sample_schema: true },
    testing_criteria: [{ type: 'string_check', name: 'Same', input: '{{sample.output_text}}', reference: '{{item.expected}}', operation: 'eq' }],
  });

  function engine(): LocalEngine {
    const local = new LocalEngine({ concurrency: 2, models: () => expect.fail('no model endpoint') });
    local.addEval(parseEvalDefinition(EVAL, 'evals/schema.eval.json'), 'eval_schema');
    return local;
  }

  it('the engine refuses a run whose items do not match (streamed or inline), and starts none', async () => {
    const local = engine();
    try {
      const path = file('bad.jsonl', [JSON.stringify({ item: { question: 'q', expected: 'x' } }), JSON.stringify({ item: { question: 'q' } })].join('\n'));
      const streamed = await rejection(local.createRun('eval_schema', { data_source: { type: 'jsonl', source: { type: 'file_path', path, label: 'data/bad.jsonl' } } }));
      expect(streamed).toBeInstanceOf(ApiRefusal);
      expect(streamed).toMatchObject({ status: 400, param: 'data_source' });
      expect((streamed as Error).message).toBe("data/bad.jsonl has 1 item that does not match the eval's item_schema (data_source_config.item_schema); no item was run:\n  line 2: the item must have required property 'expected'");

      const inline = await rejection(local.createRun('eval_schema', { data_source: { type: 'jsonl', source: { type: 'file_content', content: [{ item: { question: 1, expected: 'x' } }] } } }));
      expect((inline as Error).message).toBe(
        "data_source.source.content has 1 item that does not match the eval's item_schema (data_source_config.item_schema); no item was run:\n  data_source.source.content[0]: item.question must be string",
      );
      expect((local.listRuns('eval_schema', { limit: 100, order: 'asc' }).data as unknown[]).length).toBe(0);
    } finally {
      await local.close();
    }
  });

  it('the engine refuses an eval whose grader templates name a field item_schema does not define', async () => {
    const local = new LocalEngine({ concurrency: 1, models: () => expect.fail('no model endpoint') });
    try {
      const body = JSON.parse(EVAL) as { testing_criteria: Record<string, unknown>[] };
      body.testing_criteria[0]!.reference = '{{item.expectd}}';
      const refused = await rejection(Promise.resolve().then(() => local.createEval(body)));
      expect(refused).toMatchObject({ status: 400 });
      expect((refused as Error).message).toBe(
        'the eval: testing_criteria[0] ("Same"): {{item.expectd}} names "expectd", which the eval\'s item_schema does not define (it defines "question", "expected").',
      );
    } finally {
      await local.close();
    }
  });
});
