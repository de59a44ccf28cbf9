// Lint rules: strict TypeScript, no floating promises, no `any`, and the layering rule
// that keeps flasher/ and provisioning/ free of Electron and React.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'bin/**', 'renderer/dist/**', '.cache/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true, allowNullish: true }],
    },
  },
  {
    files: ['flasher/**', 'provisioning/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['electron', 'electron/*'], message: 'flasher/ and provisioning/ run under plain Node: no Electron.' },
        { group: ['react', 'react-dom', 'react/*', 'react-dom/*'], message: 'flasher/ and provisioning/ never import React.' },
        { group: ['**/main/**', '**/renderer/**'], message: 'The engine does not depend on the app layers.' },
      ] }],
    },
  },
  {
    // The UI talks only to the typed API: no Node, no Electron; engine code only as types
    // (the error-text table and the channel names in main/ipc are pure and allowed).
    files: ['renderer/src/**'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [
        { group: ['node:*', 'electron', 'electron/*', 'ws'], message: 'The renderer never imports Node or Electron: use the API (useApi).' },
        { group: ['**/flasher/**', '**/provisioning/**', '**/main/backend/**', '**/main/helper/**', '**/main/electron/**'], allowTypeImports: true, message: 'The renderer imports engine code only as types; ask the backend through the API.' },
      ] }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
