// The check for a callback parameter: a transient JS function (errors never unwind through C), a registered callback, or an address.

import { argumentError, disposedCallbackError } from '../../core/errors';
import type { CType } from '../../declare/named-types';
import type { ParsedParam } from '../../declare/prototype';
import { callbackArgsDecoder, RegisteredCallback } from '../../callbacks/registered';
import { callbackReturn, callbackReturnCheck } from '../../callbacks/return-check';
import { rawPointer } from './buffers';
import type { ParamCheck } from './check';

export function callbackCheck(fn: string, p: ParsedParam, type: CType): ParamCheck {
  // What C receives when the callback threw or returned what C cannot take: a neutral value.
  const fallback = callbackReturn(type)?.neutral;
  const checkReturn = callbackReturnCheck(type, `${fn}()`, `the ${type.name} callback passed as '${p.name}'`);
  const expected = `a function (${type.name} callback), a registered callback, or null`;
  const decodeArgs = callbackArgsDecoder(type);
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
            return checkReturn(user(...(decodeArgs === null ? args : decodeArgs(args))));
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
