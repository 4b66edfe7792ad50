// Array contracts in bind(): dtype / ndim / shape / order / writable / length checks, and auto-filled lengths.

import { argumentError, bindError, describeValue, disposedArrayError, nullArgumentError, tooShortError } from '../core/errors';
import { dtypeInfo, dtypeOfArray, DTYPES, type DType } from '../declare/dtype';
import { dtypeOfCType } from '../declare/primitives';
import { namedType, type CType } from '../declare/named-types';
import type { ParsedPrototype } from '../declare/prototype';
import { isManagedArray } from '../memory/managed-array';
import { isStructArray } from '../memory/struct-array';
import { NDArray } from '../memory/ndarray';
import { checkBufferUsable } from './checks/buffers';
import type { PointerOptions } from './checks/check';

/**
 * Constraints on one pointer parameter, declared once in `bind()` and checked on every call (NumPy's
 * `ndpointer`, but every failure also says what was received).
 */
export interface ArrayContract {
  /** Element type; must agree with the C type (`double *` is float64). Needed for `void *`. */
  readonly dtype?: DType;
  /** Number of dimensions (default 1). `ndim: 2` wants an NDArray or `{ data, shape }`. */
  readonly ndim?: number;
  /** Per axis: a fixed size, `null` for any, or the name of the integer parameter carrying it (filled when omitted, checked otherwise). */
  readonly shape?: ReadonlyArray<number | string | null>;
  /** Memory order; only `'C'` (row-major, contiguous) can be passed to C. */
  readonly order?: 'C';
  /** C writes into the array: read-only NDArrays are refused. */
  readonly writable?: boolean;
  /** The integer parameter holding the element count: filled when omitted, else checked `<=` the array's capacity. */
  readonly length?: string;
  /** Accept SharedArrayBuffer-backed arrays (refused by default: other threads may change them mid-call). */
  readonly shared?: boolean;
  /**
   * The array must hold at least this many elements: a number, or the name of an integer parameter
   * (e.g. a digest buffer C fills with `n` bytes). Longer arrays are fine.
   */
  readonly minLength?: number | string;
  /**
   * The integer parameter holding the leading dimension of a row-major 2-D argument (BLAS's `lda`):
   * rows start that many elements apart. Filled with the array's row stride when omitted; checked
   * otherwise (`lda >= shape[1]`, and the data holds `(shape[0] - 1) * lda + shape[1]` elements).
   * Accepts `{ data, shape }` with padded rows and NDArray views whose rows are padded.
   */
  readonly leadingDim?: string;
}

/** A count check: returns the value when it is valid for `limit`, else throws an ArgumentError. */
export type CountCheck = (value: unknown, limit: number) => unknown;
/** A leading-dimension check: returns the value when rows `value` apart fit `capacity`, else throws. */
export type LeadCheck = (value: unknown, shape: readonly number[], capacity: number) => unknown;
/** A minimum-length check: throws when `capacity` is below `min`. */
export type MinCheck = (capacity: number, min: unknown) => void;

/**
 * One step of a function's contracts, run in order before the per-parameter checks. The wrapper
 * generator (call/codegen) inlines each kind, and interprets it when code generation is forbidden.
 * - `array`: validates argument `index` (`capacity` returns its element count; `normalize` turns
 *   `{ data, shape }` into an NDArray; `shapeOf` is needed when a dimension names a parameter), then
 *   converts it with that parameter's own check. `fastCtor`: plain arrays of this class skip both.
 * - `count`: argument `index` is filled with, or checked against, the element count of argument `of`.
 * - `dim`: argument `index` is filled with, or must equal, dimension `axis` of argument `of`.
 */
export type ContractStep =
  | {
      readonly kind: 'array';
      readonly index: number;
      readonly fastCtor: unknown;
      readonly normalize: ((x: unknown) => unknown) | null;
      readonly capacity: (x: unknown) => number;
      readonly shapeOf: ((x: unknown) => readonly number[]) | null;
      /** For leading-dimension arrays: the row stride, and the data C receives (from the first element). */
      readonly strideOf: ((x: unknown) => number) | null;
      readonly unwrap: ((x: unknown) => unknown) | null;
    }
  | { readonly kind: 'count'; readonly index: number; readonly of: number; readonly check: CountCheck }
  | { readonly kind: 'dim'; readonly index: number; readonly of: number; readonly axis: number; readonly check: CountCheck }
  | { readonly kind: 'lead'; readonly index: number; readonly of: number; readonly check: LeadCheck }
  /** Runs after every parameter converted: argument `of` holds at least `min` (a number, or argument `param`). */
  | {
      readonly kind: 'min';
      readonly index: number;
      readonly of: number;
      readonly min: number | null;
      readonly param: number | null;
      readonly check: MinCheck;
    };

/** A bind() function's contracts, ready for the wrapper generator. */
export interface CompiledContracts {
  /** Fewest arguments a caller may pass (trailing auto-filled parameters may be omitted). */
  readonly minArity: number;
  /** Parameters that may be omitted or `undefined` (auto-filled). */
  readonly optional: ReadonlySet<number>;
  /** Parameters the contract lines fully validate and convert (the wrapper skips their own check). */
  readonly handled: ReadonlySet<number>;
  readonly pointerOptions: ReadonlyMap<number, PointerOptions>;
  readonly steps: readonly ContractStep[];
}

const kContractKeys = new Set(['dtype', 'ndim', 'shape', 'order', 'writable', 'length', 'shared', 'minLength', 'leadingDim']);
/** What a contract's array argument looks like once validated: element count and shape. */
function makeInspector(
  fn: string,
  param: string,
  c: Required<Pick<ArrayContract, 'ndim'>> & ArrayContract,
  dtype: DType,
  nonnull: boolean,
) {
  const arrayName = dtypeInfo(fn, dtype).ctorName;
  const expected =
    c.ndim === 1
      ? `${arrayName} (${dtype}), a ManagedArray or NDArray of ${dtype}${c.shape ? ` with shape [${c.shape.map((d) => (d === null ? '*' : d)).join(', ')}]` : ''}`
      : `an NDArray of ${dtype} with ${c.ndim} dimensions (or { data, shape })`;
  const fail = (x: unknown, hint?: string): never => {
    throw argumentError(fn, param, expected, x, hint);
  };
  const checkShape = (x: unknown, shape: readonly number[]): void => {
    if (shape.length !== c.ndim) fail(x, `It has ${shape.length} dimension${shape.length === 1 ? '' : 's'}.`);
    c.shape?.forEach((want, axis) => {
      if (typeof want === 'number' && shape[axis] !== want) fail(x, `Axis ${axis} has ${shape[axis]} elements, expected ${want}.`);
    });
  };
  /** Normalizes `{ data, shape }` to an NDArray; other values pass through. */
  const normalize = (x: unknown): unknown => {
    if (c.ndim === 1 || x === null || typeof x !== 'object' || NDArray.isNDArray(x) || ArrayBuffer.isView(x) || isManagedArray(x)) return x;
    const o = x as { data?: unknown; shape?: unknown };
    if (!('data' in o) || !('shape' in o)) fail(x);
    if (dtypeOfArray(o.data) !== dtype) fail(x, `Its data is ${describeValue(o.data)}.`);
    try {
      // With a leading dimension the data may be longer than the shape (padded rows).
      const shape = o.shape as number[];
      return new NDArray(
        o.data as never,
        shape,
        c.leadingDim !== undefined && Array.isArray(shape) ? { strides: [shape[1] as number, 1] } : {},
      );
    } catch (err) {
      return fail(x, `Its shape does not fit its data: ${(err as Error).message}`);
    }
  };
  /** Validates and returns the number of elements C may touch. */
  const capacity = (x: unknown): number => {
    if (x === null || x === undefined) {
      if (nonnull) throw nullArgumentError(fn, param);
      if (x === null) return 0;
    }
    if (NDArray.isNDArray(x)) {
      if (x.dtype !== dtype) fail(x, `It holds ${x.dtype}.`);
      checkShape(x, x.shape);
      if (c.leadingDim !== undefined) {
        // Row-major with (possibly) padded rows: elements contiguous within a row, rows stride[0] apart.
        if (x.strides[1] !== 1 || (x.strides[0] as number) < (x.shape[1] as number)) {
          fail(x, `Its rows are not row-major (strides [${x.strides.join(', ')}]); pass arr.copy().`);
        }
        if (c.writable === true && x.readonly) fail(x, 'It is read-only, and C writes into this argument.');
        checkBufferUsable(fn, param, expected, x.data, { shared: c.shared === true });
        return x.data.length - x.offset;
      }
      if (!x.isCContiguous) fail(x, 'It is not C-contiguous (a strided view such as transpose()); pass arr.copy().');
      if (c.writable === true && x.readonly) fail(x, 'It is read-only, and C writes into this argument.');
      checkBufferUsable(fn, param, expected, x.data, { shared: c.shared === true });
      return x.size;
    }
    if (isManagedArray(x)) {
      if (x.disposed) throw disposedArrayError(`${fn}()`, param, x.dtype, x.length);
      if (x.dtype !== dtype) fail(x, `It is a ManagedArray of ${x.dtype}.`);
      checkShape(x, [x.length]);
      return x.length;
    }
    const got = dtypeOfArray(x);
    if (got === undefined) fail(x, Array.isArray(x) ? `Convert with ${arrayName}.from(x).` : undefined);
    if (got !== dtype) fail(x, `Convert with new ${arrayName}(x).`);
    checkBufferUsable(fn, param, expected, x as ArrayBufferView, { shared: c.shared === true });
    const length = (x as ArrayLike<unknown>).length;
    checkShape(x, [length]);
    return length;
  };
  const shapeOf = (x: unknown): readonly number[] => {
    if (x === null) return new Array<number>(c.ndim).fill(0);
    if (NDArray.isNDArray(x)) return x.shape;
    return [(x as { length: number }).length];
  };
  const strideOf = (x: unknown): number => (NDArray.isNDArray(x) ? (x.strides[0] as number) : 0);
  const unwrap = (x: unknown): unknown => (NDArray.isNDArray(x) ? x.data.subarray(x.offset) : x);
  return { normalize, capacity, shapeOf, strideOf, unwrap };
}

const kStructContractKeys = new Set(['length', 'minLength']);

/**
 * The element count of a struct pointer argument under a length contract: an array of objects, a
 * StructArray, or one object (1). Elements are checked afterwards by the parameter's own check.
 */
function structCapacity(fn: string, param: string, type: CType, nonnull: boolean): (x: unknown) => number {
  const expected = `an array of objects with the members of struct ${type.name}, a StructArray(${type.name}) or one object`;
  return (x) => {
    if (x === null || x === undefined) {
      if (nonnull) throw nullArgumentError(fn, param);
      if (x === null) return 0;
    }
    if (Array.isArray(x)) return x.length;
    if (isStructArray(x)) return x.length;
    if (typeof x === 'object' && x !== null && !ArrayBuffer.isView(x)) return 1;
    throw argumentError(
      fn,
      param,
      expected,
      x,
      typeof x === 'bigint' ? 'A bare address has no length to check; wrap the memory in a StructArray.' : undefined,
    );
  };
}

/** Checks a leading dimension against the 2-D argument it describes. */
function leadCheck(fn: string, leadParam: string, arrayParam: string): LeadCheck {
  return (value, shape, capacity) => {
    const rows = shape[0] as number;
    const cols = shape[1] as number;
    const n = typeof value === 'bigint' ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < Math.max(cols, 1)) {
      throw argumentError(
        fn,
        leadParam,
        `an integer >= ${Math.max(cols, 1)} (the row length of '${arrayParam}', shape [${rows}, ${cols}])`,
        value,
      );
    }
    const needed = rows === 0 ? 0 : (rows - 1) * n + cols;
    if (needed > capacity) {
      throw argumentError(
        fn,
        leadParam,
        `a leading dimension that fits '${arrayParam}' (${capacity} elements)`,
        value,
        `${rows} rows ${n} apart need ${needed} elements; C would read past the end.`,
      );
    }
    return value;
  };
}

/** Checks an array's element count against its minimum length (a number or another argument). */
function minCheck(fn: string, arrayParam: string, from: string | undefined): MinCheck {
  return (capacity, min) => {
    const m = typeof min === 'bigint' ? Number(min) : (min as number);
    if (capacity >= m) return;
    throw tooShortError(fn, arrayParam, m, from, capacity);
  };
}

/** Checks a caller-given count against the array: `<=` its capacity, or `===` one of its dimensions. */
function countCheck(fn: string, countParam: string, arrayParam: string, axis: number | undefined): CountCheck {
  return (value: unknown, limit: number): unknown => {
    const exact = axis !== undefined;
    if (typeof value === 'bigint' && (exact ? value === BigInt(limit) : value >= 0n && value <= BigInt(limit))) return value;
    if (typeof value === 'number' && Number.isInteger(value) && (exact ? value === limit : value >= 0 && value <= limit)) return value;
    const what = exact
      ? `exactly ${limit} (axis ${axis} of '${arrayParam}')`
      : `an integer in [0, ${limit}] ('${arrayParam}' has ${limit} element${limit === 1 ? '' : 's'})`;
    const past = !exact && (typeof value === 'number' || typeof value === 'bigint') && value > limit;
    throw argumentError(
      fn,
      countParam,
      what,
      value,
      past ? `C would go past the end of '${arrayParam}'; omit it to pass the array's own size.` : undefined,
    );
  };
}

/**
 * Compiles `arrays: { param: contract }` for one prototype.
 * @throws {DeclarationError} for unknown parameters or options, or a dtype that contradicts the C type.
 */
export function compileContracts(
  fn: string,
  proto: ParsedPrototype,
  arrays: unknown,
  defaults: PointerOptions = {},
): CompiledContracts | undefined {
  if (arrays === undefined) return undefined;
  if (typeof arrays !== 'object' || arrays === null || Array.isArray(arrays)) {
    throw bindError(fn, `'arrays' expects an object of parameter name to contract, got ${describeValue(arrays)}.`);
  }
  const index = new Map(proto.params.map((p, i) => [p.name, i]));
  const optional = new Set<number>();
  const handled = new Set<number>();
  const pointerOptions = new Map<number, PointerOptions>();
  const steps: ContractStep[] = [];
  const integerParam = (name: unknown, role: string): number => {
    const j = typeof name === 'string' ? index.get(name) : undefined;
    const p = j === undefined ? undefined : proto.params[j];
    if (j === undefined || !p || p.type.pointer !== 0 || p.type.prim?.kind !== 'int') {
      throw bindError(fn, `${role} names '${String(name)}', which is not an integer parameter of '${proto.text}'.`);
    }
    return j;
  };

  // A count checked against the array is in [0, n], which every 64-bit integer parameter can hold.
  const wide = (j: number): boolean => proto.params[j]?.type.prim?.size === 8;
  const addCount = (i: number, param: string, c: ArrayContract): void => {
    if (c.length === undefined) return;
    const j = integerParam(c.length, `'arrays.${param}.length'`);
    optional.add(j);
    if (wide(j)) handled.add(j);
    steps.push({ kind: 'count', index: j, of: i, check: countCheck(fn, proto.params[j]?.name ?? '', param, undefined) });
  };
  const addMin = (i: number, param: string, c: ArrayContract): void => {
    if (c.minLength === undefined) return;
    if (typeof c.minLength === 'number') {
      if (!Number.isSafeInteger(c.minLength) || c.minLength < 0)
        throw bindError(fn, `'arrays.${param}.minLength' must be a non-negative integer or an integer parameter's name.`);
      steps.push({ kind: 'min', index: i, of: i, min: c.minLength, param: null, check: minCheck(fn, param, undefined) });
    } else {
      const j = integerParam(c.minLength, `'arrays.${param}.minLength'`);
      steps.push({ kind: 'min', index: i, of: i, min: null, param: j, check: minCheck(fn, param, proto.params[j]?.name) });
    }
  };
  const addCounts = (i: number, param: string, c: ArrayContract): void => {
    addCount(i, param, c);
    addMin(i, param, c);
  };

  for (const [param, raw] of Object.entries(arrays as Record<string, unknown>)) {
    const i = index.get(param);
    const p = i === undefined ? undefined : proto.params[i];
    if (i === undefined || !p) throw bindError(fn, `'arrays' names '${param}', which is not a parameter of '${proto.text}'.`);
    const struct = p.type.pointer === 1 && !p.type.prim ? namedType(p.type.base) : undefined;
    const prim = p.type.pointer === 1 && p.type.direction === 'in' ? p.type.prim : undefined;
    if (struct?.kind !== 'struct' && !prim) {
      throw bindError(fn, `'arrays.${param}' needs a plain pointer to numbers, void or a struct (${p.type.text} is not one).`);
    }
    if (typeof raw !== 'object' || raw === null)
      throw bindError(fn, `'arrays.${param}' expects an object such as { dtype: 'float64', length: 'len' }.`);
    const c = raw as ArrayContract;
    if (struct?.kind === 'struct') {
      const extra = Object.keys(c).filter((k) => !kStructContractKeys.has(k));
      if (extra.length)
        throw bindError(
          fn,
          `'arrays.${param}' is a struct ${struct.name} pointer: only length and minLength apply (not ${extra.join(', ')}).`,
        );
      handled.add(i);
      steps.push({
        kind: 'array',
        index: i,
        fastCtor: null,
        normalize: null,
        capacity: structCapacity(fn, param, struct, p.type.nonnull),
        shapeOf: null,
        strideOf: null,
        unwrap: null,
      });
      addCounts(i, param, c);
      continue;
    }
    if (!prim) continue;
    const unknown = Object.keys(c).filter((k) => !kContractKeys.has(k));
    if (unknown.length) throw bindError(fn, `'arrays.${param}' has unknown option${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}.`);
    const declared = prim.kind === 'void' ? undefined : dtypeOfCType(prim.canonical);
    if (c.dtype !== undefined && !DTYPES.includes(c.dtype))
      throw bindError(fn, `'arrays.${param}.dtype' must be one of ${DTYPES.join(', ')}.`);
    if (c.dtype !== undefined && declared !== undefined && c.dtype !== declared) {
      throw bindError(fn, `'arrays.${param}.dtype' is ${c.dtype} but the C type ${p.type.text} holds ${declared}.`);
    }
    const dtype = c.dtype ?? declared;
    if (dtype === undefined) throw bindError(fn, `'arrays.${param}' is a void * parameter; give its dtype.`);
    const ndim = c.ndim ?? c.shape?.length ?? 1;
    if (!Number.isInteger(ndim) || ndim < 1 || ndim > 32) throw bindError(fn, `'arrays.${param}.ndim' must be an integer from 1 to 32.`);
    if (c.shape !== undefined && (!Array.isArray(c.shape) || c.shape.length !== ndim)) {
      throw bindError(fn, `'arrays.${param}.shape' must list ${ndim} entries (a size, null, or a parameter name).`);
    }
    if (c.order !== undefined && c.order !== 'C')
      throw bindError(fn, `'arrays.${param}.order' can only be 'C' (row-major); copy Fortran-order data first.`);
    const shared = c.shared === true || defaults.shared === true;
    pointerOptions.set(i, { shared });
    if (c.leadingDim !== undefined && ndim !== 2) throw bindError(fn, `'arrays.${param}.leadingDim' needs a 2-D contract (ndim: 2).`);
    const inspect = makeInspector(fn, param, { ...c, ndim, shared }, dtype, p.type.nonnull);
    handled.add(i);
    const lead = c.leadingDim !== undefined;
    const needsShape = lead || c.shape?.some((d) => typeof d === 'string') === true;
    steps.push({
      kind: 'array',
      index: i,
      // Plain typed arrays of the right kind skip the generic inspector and converter (the hot path).
      fastCtor: ndim === 1 && !c.shape && !p.type.nonnull ? dtypeInfo(fn, dtype).ctor : null,
      normalize: ndim > 1 ? inspect.normalize : null,
      capacity: inspect.capacity,
      shapeOf: needsShape ? inspect.shapeOf : null,
      strideOf: lead ? inspect.strideOf : null,
      unwrap: lead ? inspect.unwrap : null,
    });
    addCount(i, param, c);
    c.shape?.forEach((d, axis) => {
      if (typeof d !== 'string') return;
      const j = integerParam(d, `'arrays.${param}.shape[${axis}]'`);
      optional.add(j);
      if (wide(j)) handled.add(j);
      steps.push({ kind: 'dim', index: j, of: i, axis, check: countCheck(fn, proto.params[j]?.name ?? '', param, axis) });
    });
    if (lead) {
      const j = integerParam(c.leadingDim, `'arrays.${param}.leadingDim'`);
      optional.add(j);
      if (wide(j)) handled.add(j);
      steps.push({ kind: 'lead', index: j, of: i, check: leadCheck(fn, proto.params[j]?.name ?? '', param) });
    }
    addMin(i, param, c);
  }
  let minArity = proto.params.length;
  while (minArity > 0 && optional.has(minArity - 1)) minArity--;
  return { minArity, optional, handled, pointerOptions, steps };
}
