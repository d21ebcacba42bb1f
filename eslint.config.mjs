import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'media/**', 'node_modules/**', 'esbuild.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { paths: [{ name: 'child_process', message: 'The product talks to the API server directly; only tests, benches and scripts may spawn processes.' }] }],
    },
  },
  {
    files: ['test/**', 'bench/**', 'scripts/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['src/cluster/**', 'src/**/model/**'],
    rules: { 'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'src/cluster is pure: no vscode import.' }, { name: 'child_process', message: 'No child processes in the product.' }] }] },
  },
  {
    // The kubeconfig's exec credential plugins are programs by definition: this one module runs them.
    files: ['src/cluster/execCredentials/pluginProcess.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'src/cluster is pure: no vscode import.' }] }] },
  },
);
