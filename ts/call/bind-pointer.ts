// bindPointer(): a checked, typed function over a C function pointer that C handed out.

import { argumentError, bindError } from '../core/errors';
import { envCheckedCalls } from './checked-calls';
import * as native from '../native/koffi';
import { declareSpec, wrapDeclared, type FunctionSpec, type LibraryState } from './bind';
import type { BindSpec, Bound } from './infer';

const kMaxAddress = (1n << 64n) - 1n;

/**
 * The state bound function pointers share: code ffikit did not load and cannot close, so it is never
 * closed, holds no arrays and exports no symbols of its own.
 */
function pointerState(label: string): LibraryState {
  const state: LibraryState = {
    closed: false,
    inflight: 0,
    holds: 0,
    callbacks: new Set(),
    label,
    native: {
      func: (name) => {
        throw bindError(name, `a function pointer has no symbols to look up.`);
      },
      hasSymbol: () => false,
      address: () => undefined,
      unload: () => undefined,
    },
    tryUnload: () => undefined,
    checked: envCheckedCalls,
  };
  return state;
}

/**
 * Wraps a C function pointer (an address C returned, or a struct member of callback type) in the same
 * checked pipeline as {@link Library.bind}: arguments are checked before the call, errcheck and array
 * contracts apply, and `.async` runs it off the main thread. The library the code lives in must stay
 * loaded while the function is used.
 * @param address The function's address (a bigint, as function pointers come back from C).
 * @param spec A prototype string, or `{ fn, errcheck, arrays, disposes }` as in bind(); the name in the
 * prototype is only used in messages.
 * @returns The bound function (with `.async` and `.info`), typed from the prototype as `bind` types it.
 * @throws {ArgumentError} for NULL (0n) or anything that is not an address.
 * @throws {DeclarationError} for a prototype that does not parse, or a variadic prototype.
 * @example
 * const { get_op } = lib.bind({ get_op: 'BinOp *get_op(int which)' });
 * const add = ffikit.bindPointer(get_op(0), 'int add(int a, int b)');
 * add(2, 3);              // 5
 * await add.async(2, 3);  // 5
 */
export function bindPointer<const S extends BindSpec[string]>(address: bigint, spec: S): Bound<{ readonly fn: S }>['fn'] {
  if (typeof address !== 'bigint' || address <= 0n || address > kMaxAddress) {
    throw argumentError(
      'bindPointer',
      'address',
      'a non-NULL function pointer (a bigint address as C returned it)',
      address,
      address === 0n || address === null ? 'C handed out a NULL function pointer; check it before binding.' : undefined,
    );
  }
  const label = `function pointer 0x${address.toString(16)}`;
  const { declared, nativeDecl } = declareSpec(pointerState(label), nameOf(spec), spec as string | FunctionSpec);
  if (declared.proto.variadic) {
    throw bindError(declared.jsName, 'a variadic function pointer cannot be bound; bind one fixed signature per argument list instead.');
  }
  const fn = wrapDeclared(declared, native.functionAt(address, nativeDecl.result, nativeDecl.params));
  return Object.freeze(fn) as unknown as Bound<{ readonly fn: S }>['fn'];
}

/** The C name in a spec's prototype (for messages), or 'bindPointer' when there is none to read. */
function nameOf(spec: string | FunctionSpec): string {
  const text = typeof spec === 'string' ? spec : typeof spec === 'object' && spec !== null && typeof spec.fn === 'string' ? spec.fn : '';
  return /([A-Za-z_][A-Za-z0-9_]*)\s*\(/.exec(text)?.[1] ?? 'bindPointer';
}
