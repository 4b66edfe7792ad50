// Writes generated files all-or-nothing: a temporary file beside the target, then a rename.

import * as fs from 'node:fs';
import * as path from 'node:path';

import { genError } from './errors';

/**
 * Writes every file, or none: each goes to a temporary name in its directory first and is renamed
 * into place once all were written; on failure the temporaries are removed.
 * @throws {GenError} when a file cannot be written (missing directory, no permission).
 */
export function writeAtomically(files: ReadonlyArray<readonly [string, string]>): void {
  const temps: Array<[string, string]> = [];
  try {
    for (const [file, text] of files) {
      const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
      fs.writeFileSync(temp, text);
      temps.push([temp, file]);
    }
  } catch (error) {
    for (const [temp] of temps) fs.rmSync(temp, { force: true });
    const [first] = files;
    throw genError(
      'output',
      'ffikit gen -o',
      'a writable output path',
      `'${first?.[0] ?? ''}' (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      'Create the directory or pick another path; nothing was written',
      error,
    );
  }
  for (const [temp, file] of temps) fs.renameSync(temp, file);
}
