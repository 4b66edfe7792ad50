// Paths of the committed prebuilds, refusing stale ones with the command that refreshes them.
import * as path from 'node:path';

import { readManifest, sourcesDigest } from '../../ts/reference/prebuilds';
import { ROOT } from './child';

/**
 * The absolute path of `prebuilds/<key>`, after checking that the manifest lists it and that it was
 * built from the current sources (a test of a stale binary would test old code).
 */
export function freshPrebuild(key: string): string {
  const entry = readManifest(ROOT).manifest?.[key];
  if (!entry) throw new Error(`prebuilds/${key} is not in prebuilds/manifest.json; run npm run prebuilds / npm run cross-build.`);
  if (entry.sources !== undefined && entry.sources !== sourcesDigest(ROOT)) {
    const fix = key.startsWith('linux-x64/') ? 'npm run prebuilds' : 'npm run cross-build';
    throw new Error(
      `prebuilds/${key} was built from other sources than cpp/, cmake/ and CMakeLists.txt hold now; run \`${fix}\` to refresh it.`,
    );
  }
  return path.join(ROOT, 'prebuilds', ...key.split('/'));
}
