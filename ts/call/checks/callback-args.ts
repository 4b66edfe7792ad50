// The check for a callback parameter: a transient JS function (errors never unwind through C), a registered callback, or an address.

import { argumentError, disposedCallbackError } from '../../core/errors';
import type { CType } from '../../declare/named-types';
import type { ParsedParam } from '../../declare/prototype';
import { callbackArgsDecoder, RegisteredCallback } from '../../callbacks/registered';
import { callbackReturn, callbackReturnCheck } from '../../callbacks/return-check';
import { rawPointer } from './buffers';
import type { ParamCheck } from './check';
import type { CallScope } from '../scope';

type UserFn = (...args: unknown[]) => unknown;

/**
 * The trampoline target for a JS function passed for one call. An exception must never unwind through
 * C frames: it is recorded, C gets a neutral value, and the wrapper rethrows it as a CallbackError once
 * the native call has returned. One function per arity: a rest parameter would allocate an array on
 * every invocation (about 45 ns of a 500 ns round trip).
 */
function transient(arity: number, user: UserFn, scope: CallScope, settle: (value: unknown) => unknown, fallback: unknown): UserFn {
  switch (arity) {
    case 0:
      return () => {
        if (scope.callbackThrew) return fallback;
        try {
          return settle(user());
        } catch (err) {
          scope.callbackFailed(err);
          return fallback;
        }
      };
    case 1:
      return (a: unknown) => {
        if (scope.callbackThrew) return fallback;
        try {
          return settle(user(a));
        } catch (err) {
          scope.callbackFailed(err);
          return fallback;
        }
      };
    case 2:
      return (a: unknown, b: unknown) => {
        if (scope.callbackThrew) return fallback;
        try {
          return settle(user(a, b));
        } catch (err) {
          scope.callbackFailed(err);
          return fallback;
        }
      };
    default:
      return (a: unknown, b: unknown, c: unknown) => {
        if (scope.callbackThrew) return fallback;
        try {
          return settle(user(a, b, c));
        } catch (err) {
          scope.callbackFailed(err);
          return fallback;
        }
      };
  }
}

export function callbackCheck(fn: string, p: ParsedParam, type: CType): ParamCheck {
  // What C receives when the callback threw or returned what C cannot take: a neutral value.
  const fallback = callbackReturn(type)?.neutral;
  // What C gets for the user function's value (throws a CallbackError for one C cannot take).
  const settle = callbackReturnCheck(type, `${fn}()`, `the ${type.name} callback passed as '${p.name}'`);
  const expected = `a function (${type.name} callback), a registered callback, or null`;
  const decodeArgs = callbackArgsDecoder(type);
  const arity = type.proto?.params.length ?? -1;
  return {
    name: p.name,
    fast: null,
    usesScope: true,
    constants: {},
    convert: (x, scope) => {
      if (x === null) return null;
      if (typeof x === 'function') {
        const user = x as (...args: unknown[]) => unknown;
        if (decodeArgs === null && arity >= 0 && arity <= 3) return transient(arity, user, scope, settle, fallback);
        return (...args: unknown[]) => {
          if (scope.callbackThrew) return fallback;
          try {
            return settle(user(...(decodeArgs === null ? args : decodeArgs(args))));
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
