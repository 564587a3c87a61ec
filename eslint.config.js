// ESLint flat config: typescript-eslint + eslint-plugin-vue, with the house rules of
// ../shared/DESIGN.md — core/ stays pure, the renderer stays behind src-main/api, no
// import cycles (type-only imports excepted), exhaustive switches over unions.
// Formatting is Prettier's (`prettier --check` runs beside this in `npm run lint`).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import vue from 'eslint-plugin-vue';
import importX from 'eslint-plugin-import-x';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

/** Node built-ins and host-only packages that pure code (core/, check/, the renderer) may never import. */
const HOST_ONLY = [
  'electron',
  'better-sqlite3',
  'ws',
  'fs',
  'path',
  'os',
  'net',
  'http',
  'child_process',
  'worker_threads',
];
const hostOnly = (message) => HOST_ONLY.map((name) => ({ name, message }));

export default tseslint.config(
  { ignores: ['node_modules/', 'out/', 'dist/', 'dist-web/', 'release/', 'artifacts/', 'test/node/fixtures/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] } },
  },
  {
    languageOptions: {
      globals: { ...globals.node },
      ecmaVersion: 2022,
      sourceType: 'module',
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname, extraFileExtensions: ['.vue'] },
    },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true, requireDefaultForNonUnion: false },
      ],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['**/*.{js,mjs}'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // The protocol cores, the checker and the shared API kit are pure: no I/O, no host code.
    files: ['src-main/core/**/*.ts', 'src-main/check/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: hostOnly('core/ is pure: no Node built-ins, Electron, SQLite or sockets.'),
          patterns: [
            { group: ['node:*'], message: 'core/ is pure: no Node built-ins.' },
            {
              group: ['**/node/*', '**/lab/*', '**/electron/*', '**/web/*', '**/sim/*', '**/api/*', '**/scenario/*'],
              message: 'core/ imports nothing outside core/.',
            },
          ],
        },
      ],
      'no-restricted-globals': ['error', { name: 'process', message: 'core/ reads no process state.' }],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'core/ takes randomness from a seeded Rng.' },
        { object: 'Date', property: 'now', message: 'core/ reads no clock: time arrives as ticks.' },
        { object: 'performance', property: 'now', message: 'core/ reads no clock: time arrives as ticks.' },
      ],
    },
  },
  {
    // The report's plots and diagram (SVG builders shared by the renderer and the run export) are pure too:
    // they read the API's types and core constants, and nothing of the host.
    files: ['src-main/report/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: hostOnly('report/ is pure: the renderer runs it in a browser.'),
          patterns: [
            { group: ['node:*'], message: 'report/ is pure: no Node built-ins.' },
            {
              group: [
                '**/node/*',
                '**/lab/*',
                '**/electron/*',
                '**/web/*',
                '**/sim/*',
                '**/scenario/*',
                '**/src-renderer/**',
              ],
              message: 'report/ imports only src-main/api, src-main/core and itself.',
            },
          ],
        },
      ],
      'no-restricted-globals': ['error', { name: 'process', message: 'report/ reads no process state.' }],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'report/ is deterministic: the same run gives the same SVG.' },
        { object: 'Date', property: 'now', message: 'report/ reads no clock: times come from the run log.' },
      ],
    },
  },
  {
    files: ['src-renderer/**/*.{ts,vue}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: hostOnly('The renderer runs in a browser.'),
          patterns: [
            {
              group: [
                '**/src-main/node/**',
                '**/src-main/lab/**',
                '**/src-main/electron/**',
                '**/src-main/web/**',
                '**/src-main/sim/**',
              ],
              message: 'The renderer reaches the lab only through src-main/api (and pure core constants).',
            },
            { group: ['node:*'], message: 'The renderer runs in a browser.' },
          ],
        },
      ],
    },
  },
  {
    // Files stay under about 500 lines (DESIGN.md, house style): past that, split by concern.
    files: ['src-main/**/*.ts', 'src-renderer/**/*.{ts,vue}'],
    rules: { 'max-lines': ['error', { max: 500 }] },
  },
  prettier,
);
