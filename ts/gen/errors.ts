// The errors of `ffikit gen` (as executors/errors.ts holds the executors'): one class, one factory.

import { FfikitError } from '../core/errors';

/** Why `ffikit gen` stopped: the failing step, so scripts can tell them apart. */
export type GenFailure = 'header' | 'include-path' | 'preprocess' | 'parse' | 'output' | 'layout' | 'symbols' | 'annotations';

/** `ffikit gen` could not generate, verify or check bindings. `step` says which part failed. */
export class GenError extends FfikitError {
  /** The part of generation that failed. */
  readonly step: GenFailure;

  constructor(step: GenFailure, message: string, options?: { cause?: unknown }) {
    super('ERR_FFIKIT_GEN', message, options);
    this.step = step;
  }
}

/** A generator failure: `<where>: expected <what>, got <actual>. <how to fix>.` */
export function genError(step: GenFailure, where: string, expected: string, actual: string, fix: string, cause?: unknown): GenError {
  return new GenError(step, `${where}: expected ${expected}, got ${actual}. ${fix}.`, cause === undefined ? undefined : { cause });
}
