// Lint rules the project relies on: no focused/skipped tests, no unused imports or variables.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import vitest from '@vitest/eslint-plugin';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['node_modules/**', 'cdk.out/**', 'cdk.out.*/**', '.stask/**', 'coverage/**', 'dist/**', '.venv-tools/**', 'python/.venv/**', '.cache/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { files: ['**/*.mjs', '**/*.js'], languageOptions: { globals: globals.node } },
  // The web console's page (bundled by scripts/build-console.mjs): browser globals, JSX.
  { files: ['web/**/*.{ts,tsx}'], languageOptions: { globals: globals.browser, parserOptions: { ecmaFeatures: { jsx: true } } } },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['test/**/*.ts'],
    plugins: { vitest },
    rules: {
      'vitest/no-focused-tests': 'error',
      'vitest/no-disabled-tests': 'error',
      // aws-cdk-lib/assertions Template methods are assertions too.
      'vitest/expect-expect': [
        'error',
        { assertFunctionNames: ['expect', '**.hasResourceProperties', '**.hasResource', '**.hasOutput', '**.resourceCountIs'] },
      ],
    },
  },
);
