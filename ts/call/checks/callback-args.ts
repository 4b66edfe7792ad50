// The check for a callback parameter: a transient JS function (errors never unwind through C), a registered callback, or an address.

import { argumentError, disposedCallbackError } from '../../core/errors';
import { isWideInt } from '../../declare/primitives';
import type { CType } from '../../declare/named-types';
import type { ParsedParam } from '../../declare/prototype';
import { RegisteredCallback } from '../../callbacks/registered';
import { rawPointer } from './buffers';
import type { ParamCheck } from './check';

/** What C receives from a transient callback that threw: a neutral value of its return type. */
function neutralReturn(result: CType['proto']): unknown {
  const r = result?.result;
  if (!r || (r.pointer === 0 && r.prim?.kind === 'void')) return undefined;
  if (r.pointer > 0) return null;
  if (r.prim?.kind === 'bool') return false;
  if (r.prim && isWideInt(r.prim)) return 0n;
  return 0;
}

export function callbackCheck(fn: string, p: ParsedParam, type: CType): ParamCheck {
  const fallback = neutralReturn(type.proto);
  const expected = `a function (${type.name} callback), a registered callback, or null`;
  return {
    name: p.name,
    fast: null,
    usesScope: true,
    constants: {},
    convert: (x, scope) => {
      if (x === null) return null;
      if (typeof x === 'function') {
        const user = x as (...args: unknown[]) => unknown;
        // An exception must never unwind through C frames: record it, return a neutral value,
        // and let the wrapper rethrow it as a CallbackError once the native call has returned.
        return (...args: unknown[]) => {
          if (scope.callbackThrew) return fallback;
          try {
            return user(...args);
          } catch (err) {
            scope.callbackFailed(err);
            return fallback;
          }
        };
      }
      if (typeof x === 'bigint') return rawPointer(fn, p.name, expected, x);
      if (x instanceof RegisteredCallback) {
        if (x.disposed) throw disposedCallbackError(`${fn}()`, p.name, x.type.name);
        if (x.type !== type && x.type.name !== type.name) throw argumentError(fn, p.name, expected, x, `It is a ${x.type.name} callback.`);
        return x.pointer;
      }
      throw argumentError(fn, p.name, expected, x);
    },
  };
}
