// Lint: typescript-eslint type-aware rules plus the import boundaries of docs/architecture.md.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** The protocol core never reaches up into the server around it. */
const upward = {
  group: ['../cli/*', '../server/*', '../config/*', '../http/*', '../bench/*', '../../cli/*', '../../server/*', '../../config/*', '../../http/*', '../../bench/*'],
  message: 'the core does not import the server, CLI, HTTP or bench code (docs/architecture.md).',
};
/** Relative imports that leave the folder, used to keep codec/ and topics/ free of the rest of Swiftlet. */
const leaveFolder = [{ group: ['../*', '../**'], message: 'codec/ and topics/ import nothing else of ours (docs/architecture.md).' }];

export default tseslint.config(
  { ignores: ['.scratch/**', 'dist/**', 'dist-check/**', 'node_modules/**', 'coverage/**', 'bin/**', 'eslint.config.js', 'examples/**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['src/codec/**/*.ts', 'src/topics/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: leaveFolder }] },
  },
  {
    files: ['src/listeners/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['../*', '!../errors.js'], message: 'listeners/ uses only node:* and ws (docs/architecture.md).' }] }],
    },
  },
  {
    files: ['src/persistence/**/*.ts', 'src/cluster/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['../connection/*', '../handlers/*', '../listeners/*'], message: 'persistence/ and cluster/ see records, never connections.' }, upward] }],
    },
  },
  {
    files: ['src/connection/**/*.ts', 'src/handlers/**/*.ts', 'src/routing/**/*.ts', 'src/session/**/*.ts', 'src/hooks/**/*.ts', 'src/sys/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [upward] }] },
  },
  {
    // The dashboard's front end runs in the browser: it imports only its own files and browser packages.
    files: ['src/http/dashboard/ui/*.ts', 'src/http/dashboard/ui/*.tsx'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['../*', 'node:*'], message: 'the dashboard UI runs in the browser: no server code (docs/dashboard.md).' }] }] },
  },
  {
    files: ['src/http/dashboard/ui/*/**/*.ts', 'src/http/dashboard/ui/*/**/*.tsx'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['../../*', 'node:*'], message: 'the dashboard UI runs in the browser: no server code (docs/dashboard.md).' }] }] },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'examples/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }] }],
    },
  },
);
