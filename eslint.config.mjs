// ESLint flat config: typescript-eslint recommended rules, the ts/ layer order (DESIGN.md §1), koffi only under ts/native/.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import js from '@eslint/js';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const root = path.dirname(fileURLToPath(import.meta.url));

// The layers of ts/, lowest first. A file may import from its own layer folder or a lower layer;
// the folders of one rank (memory and callbacks; executors and gen) may not import each other.
// ts/index.ts re-exports every layer but cli, so nothing below cli may import it.
const LAYERS = [
  ['core'],
  ['native'],
  ['declare'],
  ['memory', 'callbacks'],
  ['call'],
  ['library'],
  ['reference'],
  ['executors', 'gen'],
  ['cli'],
];
const ORDER = LAYERS.map((rank) => rank.join(' = ')).join(' < ');
const FIX = 'Move what both need down to a lower layer, or pass it in as a parameter or hook.';
const layerPaths = (name) => (name === 'cli' ? ['ts/cli', 'ts/cli.ts'] : [`ts/${name}`]);

function layerZones() {
  const zones = [];
  LAYERS.forEach((rank, level) => {
    for (const name of rank) {
      const target = layerPaths(name);
      for (const peer of rank.filter((other) => other !== name)) {
        const message = `ts/${name} may not import ts/${peer}: ${name} and ${peer} are peers on one layer (${ORDER}). ${FIX}`;
        zones.push({ target, from: layerPaths(peer), message });
      }
      for (const higher of LAYERS.slice(level + 1).flat()) {
        const message = `ts/${name} may not import ts/${higher}: ${name} is below ${higher} (${ORDER}). ${FIX}`;
        zones.push({ target, from: layerPaths(higher), message });
      }
      if (name !== 'cli') {
        const message = `ts/${name} may not import ts/index.ts: the public entry sits above every layer but cli. Import the module that defines the name.`;
        zones.push({ target, from: ['ts/index.ts'], message });
      }
    }
  });
  zones.push({
    target: ['ts/index.ts'],
    from: layerPaths('cli'),
    message: 'ts/index.ts may not import ts/cli: the command line sits above the public entry, which re-exports the library only.',
  });
  return zones;
}

export default tseslint.config(
  { ignores: ['dist/', 'build/', 'node_modules/', 'prebuilds/', 'coverage/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        __dirname: 'readonly',
        __filename: 'readonly',
        structuredClone: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        setImmediate: 'readonly',
        clearTimeout: 'readonly',
        globalThis: 'readonly',
        gc: 'readonly',
        FinalizationRegistry: 'readonly',
        WeakRef: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { paths: [{ name: 'koffi', message: 'Only ts/native/ may import koffi.' }] }],
    },
  },
  {
    files: ['ts/native/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // The layer order. Type-only imports count as well: they too show a responsibility living in
    // the wrong layer. Import cycles are checked by scripts/check-imports.js (import-x/no-cycle
    // ignores type-only imports).
    files: ['ts/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [
        createNodeResolver({ extensions: ['.ts', '.d.ts', '.js', '.json', '.node'], extensionAlias: { '.js': ['.ts', '.js'] } }),
      ],
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { basePath: root, zones: layerZones() }],
      // An import the resolver cannot follow would slip past the layer rule, so none may exist.
      'import-x/no-unresolved': 'error',
      'no-restricted-syntax': [
        'error',
        {
          selector: 'TSImportType',
          message:
            "ts/: write `import type { X } from '...'` instead of an inline import('...') type, so the layer rule sees the dependency.",
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['tests/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
