import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Which layer may import what (cycles, owners of outside systems, pure layers) is checked by
// dependency-cruiser (.dependency-cruiser.cjs), which `npm run lint` runs after ESLint.
export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.dependency-cruiser.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The Evals API client is handed around as an EvalsClient (the SDK), but only src/evals-api calls it.
    files: ['src/**/*.ts'],
    ignores: ['src/evals-api/**', 'src/engine/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[property.name='evals']", message: 'Call the Evals API through a function of src/evals-api, not the SDK client directly.' },
      ],
    },
  },
  {
    // Analysis and rendering are pure: the same data gives the same report, whatever the machine or the time.
    files: ['src/analysis/**/*.ts', 'src/report/**/*.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', message: 'src/analysis and src/report are pure: take what you need as an argument.' },
        { object: 'Date', property: 'now', message: 'src/analysis and src/report read no clock: take the time as an argument.' },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'src/analysis and src/report read no clock: take the time as an argument.' },
      ],
    },
  },
);
