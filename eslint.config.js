// Flat config: typescript-eslint's recommended rules, plus the one rule that keeps
// src/domain and src/machines pure (STYLE.md points 1 and 2).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const ioModules = [
  'ccxt',
  'ioredis',
  'bullmq',
  'pino',
  'ws',
  'nodemailer',
  'express',
  'fastify',
  'undici',
  'node:net',
  'node:http',
  'node:https',
  'node:fs',
  'node:fs/promises',
  'node:child_process',
  'net',
  'http',
  'https',
  'fs',
  'fs/promises',
  'child_process',
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'coverage/**', 'dist/**', '.prof/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['src/domain/**/*.ts', 'src/machines/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ioModules.map((name) => ({
            name,
            message: 'src/domain and src/machines are pure: inject effects instead.',
          })),
          patterns: [
            {
              group: [
                '**/exchange/**',
                '**/persistence/**',
                '**/server/**',
                '**/alerts/**',
                '**/sweeps/**',
                '**/log/**',
                '**/config/**',
                '**/actors/**',
              ],
              message: 'Pure code must not import effectful modules.',
            },
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Pure code takes the time from outside.' },
        { object: 'Math', property: 'random', message: 'Pure code takes randomness from outside.' },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: 'Pure code uses XState `after` transitions.' },
        { name: 'setInterval', message: 'Pure code uses XState `after` transitions.' },
      ],
    },
  },
);
