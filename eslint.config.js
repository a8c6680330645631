import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'openai', message: 'Only src/evals-api/ (the Evals API) and src/models/ (model endpoints) use the SDK.' }] },
      ],
    },
  },
  {
    files: ['src/evals-api/**/*.ts', 'src/models/**/*.ts', 'test/**/*.ts', 'scripts/**/*'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
