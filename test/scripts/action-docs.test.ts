// action.yml is the one description of the action's interface: the README's inputs and outputs tables
// are written from it by `npm run docs` (scripts/generate-docs.ts), and must not drift from it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderTables, withGeneratedTables } from '../../scripts/action-docs.ts';
import { REPO_ROOT } from '../harness/runner.ts';

const README = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
const ACTION_YML = readFileSync(join(REPO_ROOT, 'action.yml'), 'utf8');

describe('README.md', () => {
  it('has the inputs and outputs tables that action.yml gives (run `npm run docs` after editing action.yml)', () => {
    expect(withGeneratedTables(README, ACTION_YML) === README, 'README.md differs from action.yml: run `npm run docs` and commit README.md').toBe(true);
  });

  it('lists every input and output of action.yml, in its order', () => {
    const action = parse(ACTION_YML) as { inputs: Record<string, unknown>; outputs: Record<string, unknown> };
    const rows = (name: string) => {
      const section = README.slice(README.indexOf(`<!-- ${name}:start -->`), README.indexOf(`<!-- ${name}:end -->`));
      return [...section.matchAll(/^\| `([a-z-]+)` \|/gm)].map((match) => match[1]);
    };
    expect(Object.keys(action.inputs).length).toBeGreaterThan(30);
    expect(rows('inputs')).toEqual(Object.keys(action.inputs));
    expect(rows('outputs')).toEqual(Object.keys(action.outputs));
  });
});

describe('the tables written from action.yml', () => {
  const ACTION = `
name: x
inputs:
  plain:
    description: 'One line.'
    default: '8'
  folded:
    description: >-
      Two lines
      folded into one.
  literal:
    description: |
      Kept lines
        are joined too, and a pipe | or \`a|b\` does not split the row.
    default: \${{ github.token }}
  must:
    description: 'Needed.'
    required: true
  old:
    description: 'Old.'
    deprecationMessage: 'Use plain.'
outputs:
  out:
    description: 'What | comes out.'
runs:
  using: node24
  main: dist/index.js
`;

  it('one row per input: name, default quoted (empty as \'\'), and the description on one line with pipes escaped', () => {
    expect(renderTables(ACTION).inputs.split('\n')).toEqual([
      '<!-- Generated from action.yml by `npm run docs`: edit the descriptions there, not here. -->',
      '| input | default | meaning |',
      '|---|---|---|',
      "| `plain` | `'8'` | One line. |",
      "| `folded` | `''` | Two lines folded into one. |",
      "| `literal` | `'${{ github.token }}'` | Kept lines are joined too, and a pipe \\| or `a\\|b` does not split the row. |",
      "| `must` | `''` | **Required.** Needed. |",
      "| `old` | `''` | Old. Deprecated: Use plain. |",
    ]);
  });

  it('one row per output', () => {
    expect(renderTables(ACTION).outputs.split('\n').slice(1)).toEqual(['| output | meaning |', '|---|---|', '| `out` | What \\| comes out. |']);
  });

  it('replaces only what is between the markers, and writing twice changes nothing', () => {
    const readme = '# T\n\nbefore\n<!-- inputs:start -->\nstale\n<!-- inputs:end -->\nmiddle\n<!-- outputs:start -->\n<!-- outputs:end -->\nafter\n';
    const once = withGeneratedTables(readme, ACTION);
    expect(once.startsWith('# T\n\nbefore\n<!-- inputs:start -->\n<!-- Generated')).toBe(true);
    expect(once).not.toContain('stale');
    expect(once).toContain("| `old` | `''` | Old. Deprecated: Use plain. |\n<!-- inputs:end -->\nmiddle\n<!-- outputs:start -->\n");
    expect(once.endsWith('| `out` | What \\| comes out. |\n<!-- outputs:end -->\nafter\n')).toBe(true);
    expect(withGeneratedTables(once, ACTION)).toBe(once);
  });

  it('refuses a README without its markers, naming the one missing', () => {
    expect(() => withGeneratedTables('<!-- inputs:start -->\n<!-- inputs:end -->\n', ACTION)).toThrow('"<!-- outputs:start -->"');
    expect(() => withGeneratedTables('<!-- inputs:end -->\n<!-- inputs:start -->\n', ACTION)).toThrow('"<!-- inputs:start -->"');
  });

  it('refuses an input without a description, naming it', () => {
    expect(() => renderTables('inputs:\n  bare:\n    default: x\n')).toThrow('input "bare" has no description');
  });
});
