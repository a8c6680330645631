// Writes the README's inputs and outputs tables from action.yml (between the <!-- inputs:start --> /
// <!-- inputs:end --> and <!-- outputs:start --> / <!-- outputs:end --> markers).
//
//   npm run docs              # rewrite the tables in README.md
//   npm run docs -- --check   # change nothing; exit 1 when README.md differs from action.yml
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { withGeneratedTables } from './action-docs.ts';

const { values } = parseArgs({ options: { check: { type: 'boolean', default: false } } });
const readmePath = fileURLToPath(new URL('../README.md', import.meta.url));
const actionPath = fileURLToPath(new URL('../action.yml', import.meta.url));

const readme = readFileSync(readmePath, 'utf8');
const generated = withGeneratedTables(readme, readFileSync(actionPath, 'utf8'));
if (generated === readme) {
  console.log('README.md: the inputs and outputs tables match action.yml.');
} else if (values.check) {
  console.error('README.md: the inputs and outputs tables differ from action.yml. Run `npm run docs` and commit README.md.');
  process.exitCode = 1;
} else {
  writeFileSync(readmePath, generated);
  console.log('README.md: wrote the inputs and outputs tables from action.yml.');
}
