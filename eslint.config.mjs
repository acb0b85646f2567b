// Lint rules that keep workflows deterministic and promises handled (samples-typescript's shared rules, in flat config).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importPlugin from 'eslint-plugin-import';

// Subsystems own their settings types and receive them filled; only program entry points import config/ (which
// reads the environment), so activities, telemetry and workflows never reach back for it.
const noConfigImports = {
  group: ['**/config/*', '**/config'],
  message: 'config/ fills settings for program entry points; import the settings type from its subsystem instead',
};

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.temporal/', 'test-artifacts/', 'bin/', 'eslint.config.mjs'] },
  js.configs.recommended,
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: {
      globals: {
        console: 'readonly',
        process: 'readonly',
        URL: 'readonly',
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
      },
    },
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', 'src/console/**/*.tsx'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { import: importPlugin },
    settings: {
      'import/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
      'import/resolver': { node: { extensions: ['.ts', '.tsx', '.js', '.json'] } },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test registers suites and tests synchronously; their returned promises are the runner's business.
        {
          allowForKnownSafeCalls: [
            { from: 'package', name: ['describe', 'it', 'test', 'suite'], package: 'node:test' },
          ],
        },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import/no-cycle': 'error',
    },
  },
  {
    files: ['src/activities/**/*.ts', 'src/telemetry/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [noConfigImports] }] },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no I/O.
    files: ['src/workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'workflow code must not use Node built-ins' },
            {
              group: ['fs', 'path', 'os', 'http', 'https', 'child_process', 'crypto', 'net'],
              message: 'workflow code must not do I/O',
            },
            {
              // src/activities (reached by climbing out of src/workflows), not kernel/activities, the proxies module.
              // Types are erased from the bundle, so `import type` gives proxyActivities the activities' signatures.
              regex: '^(\\.\\./)+activities(/|$)',
              allowTypeImports: true,
              message: 'workflow code may import activities as types only (`import type`), through proxyActivities',
            },
            noConfigImports,
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'use Temporal’s deterministic random via the workflow API' },
      ],
    },
  },
);
