// The architecture's rules, checked by `npm run lint` (see CONTRIBUTING.md for the layers and why).
const layer = (name) => `^src/${name}/`;
const notIn = (...names) => `^src/(?!(${names.join('|')})/)`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'Modules import each other in one direction only.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'openai-in-evals-api-and-models',
      severity: 'error',
      comment: 'The openai SDK is the Evals API client (src/evals-api) and the model endpoints client (src/models): nobody else talks to those servers.',
      from: { path: notIn('evals-api', 'models') },
      to: { path: '^node_modules/openai/' },
    },
    {
      name: 'actions-core-in-action',
      severity: 'error',
      comment: 'Only the action (src/action) speaks to the runner; everything else reports through what it is handed, so the CLI can run it too.',
      from: { path: notIn('action') },
      to: { path: '^node_modules/@actions/(core|artifact)/' },
    },
    {
      name: 'github-api-in-github',
      severity: 'error',
      comment: 'Only src/github calls the GitHub API.',
      from: { path: notIn('github') },
      to: { path: '^node_modules/(@actions/github|@octokit)/' },
    },
    {
      name: 'pure-analysis-and-report',
      severity: 'error',
      comment: 'Analysis and rendering take plain data and return plain data: no I/O, no outside system.',
      from: { path: '^src/(analysis|report)/' },
      to: {
        path: [
          '^node_modules/',
          '^(fs|fs/promises|child_process|net|http|https|os|readline|worker_threads)$',
          notIn('analysis', 'report', 'shared'),
        ],
        pathNot: ['^src/evals-api/(run-types|records)\\.ts$', '^src/settings/settings\\.ts$'],
      },
    },
    {
      name: 'shared-is-a-leaf',
      severity: 'error',
      comment: 'src/shared holds helpers every layer may use; it uses none of them.',
      from: { path: layer('shared') },
      to: { path: notIn('shared') },
    },
    {
      name: 'settings-types-are-a-leaf',
      severity: 'error',
      comment: 'The settings types are read by every layer, so they import no code (types of the eval definition only).',
      from: { path: '^src/settings/settings\\.ts$' },
      to: { path: '^src/', pathNot: '^src/engine/definition\\.ts$' },
    },
    {
      name: 'entries-are-not-imported',
      severity: 'error',
      comment: 'The action and the CLI are entry points: nothing below them imports them, and they do not import each other.',
      from: { path: notIn('action') },
      to: { path: layer('action') },
    },
    {
      name: 'cli-is-an-entry',
      severity: 'error',
      from: { path: notIn('cli') },
      to: { path: layer('cli') },
    },
    {
      name: 'gate-is-above-the-systems',
      severity: 'error',
      comment: 'The gate orchestrates the layers below it; none of them reaches back up to it.',
      from: { path: notIn('gate', 'action', 'cli') },
      to: { path: layer('gate') },
    },
    {
      name: 'engine-knows-no-inputs',
      severity: 'error',
      comment: 'The engine answers the Evals API; how the action reads its inputs is none of its business.',
      from: { path: '^src/(engine|models|azure|github|evals-api|shared|analysis|report)/' },
      to: { path: layer('settings'), pathNot: '^src/settings/settings\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
