// Compiles ts/ to plain JS once per source state (for children that must run without a TypeScript loader).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { ROOT } from './child';

function sourcesDigest(dir: string, hash = createHash('sha256')): ReturnType<typeof createHash> {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) sourcesDigest(full, hash);
    else if (entry.name.endsWith('.ts')) hash.update(full).update(fs.readFileSync(full));
  }
  return hash;
}

/**
 * The directory holding `index.js` compiled from the current ts/ (under build/, so it resolves koffi
 * from this repository). Not dist/: other tests rebuild dist/ while they run.
 */
export function compiledDir(): string {
  const digest = sourcesDigest(path.join(ROOT, 'ts')).digest('hex').slice(0, 16);
  const dir = path.join(ROOT, 'build', `test-js-${digest}`);
  if (fs.existsSync(path.join(dir, 'index.js'))) return dir;
  fs.mkdirSync(path.join(ROOT, 'build'), { recursive: true });
  const tmp = fs.mkdtempSync(`${dir}-tmp-`);
  execFileSync(process.execPath, [
    require.resolve('typescript/bin/tsc'),
    '-p',
    path.join(ROOT, 'tsconfig.json'),
    '--outDir',
    tmp,
    '--sourceMap',
    'false',
    '--declaration',
    'false',
  ]);
  try {
    fs.renameSync(tmp, dir);
  } catch {
    // Another worker finished first: use its copy.
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return dir;
}
