// Checked mode for calls: buffer arguments go to C as guarded copies, handle parameters refuse bare
// addresses. Applied per library (`load(path, { checked })`, or every library under FFIKIT_CHECKED=1).

import { checkedFromEnv } from '../core/checked';
import { argumentError } from '../core/errors';
import type { ParsedParam } from '../declare/prototype';
import type { CompiledContracts } from './array-contract';
import type { ParamCheck } from './checks/check';
import { kDefaultGuardBytes } from './guarded';
import { handleTypeOf } from './results';

/** How a checked library checks its calls. */
export interface CheckedCalls {
  /** Guard zone size on each side of a buffer argument's copy, in bytes. */
  readonly guardBytes: number;
}

/** What a library gets when nothing is said: checked with the default zones under FFIKIT_CHECKED=1. */
export const envCheckedCalls: CheckedCalls | null = checkedFromEnv ? { guardBytes: kDefaultGuardBytes } : null;

/** One parameter's check in checked mode (parameters that take no memory keep theirs). */
export function checkedParam(fn: string, p: ParsedParam, check: ParamCheck, options: CheckedCalls): ParamCheck {
  const { convert } = check;
  const handleType = p.type.direction === 'in' ? handleTypeOf(p.type, 1) : undefined;
  if (handleType !== undefined) {
    return {
      ...check,
      convert: (x, scope) => {
        if (typeof x === 'bigint') {
          throw argumentError(
            fn,
            p.name,
            `a ${handleType} handle or null (checked mode refuses bare addresses)`,
            x,
            `Adopt an address C gave you once, with ffikit.handle('${handleType}', address), and pass the handle.`,
          );
        }
        return convert(x, scope);
      },
    };
  }
  if (p.type.pointer === 0) return check;
  return {
    ...check,
    // Every buffer goes through convert, which copies it; the inline fast path would pass it as is.
    fast: null,
    usesScope: true,
    convert: (x, scope) => {
      const value = convert(x, scope);
      return ArrayBuffer.isView(value) ? scope.guard(value, fn, p.name, options.guardBytes) : value;
    },
  };
}

/** Contracts without their inline fast path (which passes a plain typed array without converting it). */
export function checkedContracts(contracts: CompiledContracts | undefined): CompiledContracts | undefined {
  if (contracts === undefined) return undefined;
  return { ...contracts, steps: contracts.steps.map((s) => (s.kind === 'array' && s.fastCtor !== null ? { ...s, fastCtor: null } : s)) };
}
