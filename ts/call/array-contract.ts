// Array contracts in bind(): dtype / ndim / shape / order / writable / length checks, and auto-filled lengths.

import { dtypeOfArray, dtypeOfCType, DTYPES, type DType } from '../memory/dtype';
import { argumentError, DeclarationError, describeValue, DisposedError } from '../core/errors';
import { isManagedArray } from '../memory/managed-array';
import { NDArray } from '../memory/ndarray';
import { checkBufferUsable, type PointerOptions } from './params';
import type { ParsedPrototype } from '../declare/prototype';

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
}

/** A bind() function's contracts, ready to be inlined by the wrapper generator. */
export interface CompiledContracts {
  /** Fewest arguments a caller may pass (trailing auto-filled parameters may be omitted). */
  readonly minArity: number;
  /** Parameters that may be omitted or `undefined` (auto-filled). */
  readonly optional: ReadonlySet<number>;
  /** Parameters the contract lines fully validate and convert (the wrapper skips their own check). */
  readonly handled: ReadonlySet<number>;
  readonly pointerOptions: ReadonlyMap<number, PointerOptions>;
  /**
   * Statements over a0..aN-1 (and `ctx`, `conv<i>` from the wrapper) that validate and convert the
   * arrays and fill or check their length parameters.
   */
  readonly lines: readonly string[];
  readonly constants: Readonly<Record<string, unknown>>;
}

const kContractKeys = new Set(['dtype', 'ndim', 'shape', 'order', 'writable', 'length', 'shared']);
const kTypedNames: Record<DType, string> = {
  int8: 'Int8Array',
  uint8: 'Uint8Array',
  int16: 'Int16Array',
  uint16: 'Uint16Array',
  int32: 'Int32Array',
  uint32: 'Uint32Array',
  int64: 'BigInt64Array',
  uint64: 'BigUint64Array',
  float32: 'Float32Array',
  float64: 'Float64Array',
};
const kCtors: Record<DType, unknown> = {
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
  float32: Float32Array,
  float64: Float64Array,
};

function declError(where: string, text: string): DeclarationError {
  return new DeclarationError(`${where}: ${text}`);
}

/** What a contract's array argument looks like once validated: element count and shape. */
function makeInspector(fn: string, param: string, c: Required<Pick<ArrayContract, 'ndim'>> & ArrayContract, dtype: DType) {
  const expected =
    c.ndim === 1
      ? `${kTypedNames[dtype]} (${dtype}), a ManagedArray or NDArray of ${dtype}${c.shape ? ` with shape [${c.shape.map((d) => (d === null ? '*' : d)).join(', ')}]` : ''}`
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
      return new NDArray(o.data as never, o.shape as number[]);
    } catch (err) {
      return fail(x, `Its shape does not fit its data: ${(err as Error).message}`);
    }
  };
  /** Validates and returns the number of elements C may touch. */
  const capacity = (x: unknown): number => {
    if (x === null) return 0;
    if (NDArray.isNDArray(x)) {
      if (x.dtype !== dtype) fail(x, `It holds ${x.dtype}.`);
      checkShape(x, x.shape);
      if (!x.isCContiguous) fail(x, 'It is not C-contiguous (a strided view such as transpose()); pass arr.copy().');
      if (c.writable === true && x.readonly) fail(x, 'It is read-only, and C writes into this argument.');
      checkBufferUsable(fn, param, expected, x.data, { shared: c.shared === true });
      return x.size;
    }
    if (isManagedArray(x)) {
      if (x.disposed)
        throw new DisposedError(`${fn}(): argument '${param}' is a disposed ManagedArray(${x.dtype}, ${x.length}); its memory is gone.`);
      if (x.dtype !== dtype) fail(x, `It is a ManagedArray of ${x.dtype}.`);
      checkShape(x, [x.length]);
      return x.length;
    }
    const got = dtypeOfArray(x);
    if (got === undefined) fail(x, Array.isArray(x) ? `Convert with ${kTypedNames[dtype]}.from(x).` : undefined);
    if (got !== dtype) fail(x, `Convert with new ${kTypedNames[dtype]}(x).`);
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
  return { normalize, capacity, shapeOf };
}

/** Checks a caller-given count against the array: `<=` its capacity, or `===` one of its dimensions. */
function countCheck(fn: string, countParam: string, arrayParam: string, axis: number | undefined) {
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
  const where = `bind(): '${fn}'`;
  if (typeof arrays !== 'object' || arrays === null || Array.isArray(arrays)) {
    throw declError(where, `'arrays' expects an object of parameter name to contract, got ${describeValue(arrays)}.`);
  }
  const index = new Map(proto.params.map((p, i) => [p.name, i]));
  const optional = new Set<number>();
  const handled = new Set<number>();
  const pointerOptions = new Map<number, PointerOptions>();
  const lines: string[] = [];
  const constants: Record<string, unknown> = {};
  const integerParam = (name: unknown, role: string): number => {
    const j = typeof name === 'string' ? index.get(name) : undefined;
    const p = j === undefined ? undefined : proto.params[j];
    if (j === undefined || !p || p.type.pointer !== 0 || p.type.prim?.kind !== 'int') {
      throw declError(where, `${role} names '${String(name)}', which is not an integer parameter of '${proto.text}'.`);
    }
    return j;
  };

  for (const [param, raw] of Object.entries(arrays as Record<string, unknown>)) {
    const i = index.get(param);
    const p = i === undefined ? undefined : proto.params[i];
    if (i === undefined || !p) throw declError(where, `'arrays' names '${param}', which is not a parameter of '${proto.text}'.`);
    if (p.type.pointer !== 1 || !p.type.prim || p.type.direction !== 'in') {
      throw declError(where, `'arrays.${param}' needs a plain pointer to numbers or void (${p.type.text} is not one).`);
    }
    if (typeof raw !== 'object' || raw === null)
      throw declError(where, `'arrays.${param}' expects an object such as { dtype: 'float64', length: 'len' }.`);
    const c = raw as ArrayContract;
    const unknown = Object.keys(c).filter((k) => !kContractKeys.has(k));
    if (unknown.length)
      throw declError(where, `'arrays.${param}' has unknown option${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}.`);
    const declared = p.type.prim.kind === 'void' ? undefined : dtypeOfCType(p.type.prim.canonical);
    if (c.dtype !== undefined && !DTYPES.includes(c.dtype))
      throw declError(where, `'arrays.${param}.dtype' must be one of ${DTYPES.join(', ')}.`);
    if (c.dtype !== undefined && declared !== undefined && c.dtype !== declared) {
      throw declError(where, `'arrays.${param}.dtype' is ${c.dtype} but the C type ${p.type.text} holds ${declared}.`);
    }
    const dtype = c.dtype ?? declared;
    if (dtype === undefined) throw declError(where, `'arrays.${param}' is a void * parameter; give its dtype.`);
    const ndim = c.ndim ?? c.shape?.length ?? 1;
    if (!Number.isInteger(ndim) || ndim < 1 || ndim > 32) throw declError(where, `'arrays.${param}.ndim' must be an integer from 1 to 32.`);
    if (c.shape !== undefined && (!Array.isArray(c.shape) || c.shape.length !== ndim)) {
      throw declError(where, `'arrays.${param}.shape' must list ${ndim} entries (a size, null, or a parameter name).`);
    }
    if (c.order !== undefined && c.order !== 'C')
      throw declError(where, `'arrays.${param}.order' can only be 'C' (row-major); copy Fortran-order data first.`);
    const shared = c.shared === true || defaults.shared === true;
    pointerOptions.set(i, { shared });
    const inspect = makeInspector(fn, param, { ...c, ndim, shared }, dtype);
    constants[`norm${i}`] = inspect.normalize;
    constants[`cap${i}`] = inspect.capacity;
    constants[`shape${i}`] = inspect.shapeOf;
    const C = `C${i}`;
    constants[C] = kCtors[dtype];
    handled.add(i);
    const needsShape = c.shape?.some((d) => typeof d === 'string') === true;
    if (ndim > 1) lines.push(`a${i} = norm${i}(a${i});`);
    if (ndim === 1 && !c.shape) {
      // Plain typed arrays of the right kind skip the generic inspector and converter (the hot path).
      lines.push(
        `let n${i}; if (a${i} instanceof ${C} && a${i}.length !== 0 && a${i}.buffer.resizable === false) n${i} = a${i}.length; else { n${i} = cap${i}(a${i}); a${i} = conv${i}(a${i}, ctx); }`,
      );
    } else {
      lines.push(`const n${i} = cap${i}(a${i});`);
      if (needsShape) lines.push(`const s${i} = shape${i}(a${i});`);
      lines.push(`a${i} = conv${i}(a${i}, ctx);`);
    }
    // A count checked against the array is in [0, n], which every 64-bit integer parameter can hold.
    const wide = (j: number): boolean => proto.params[j]?.type.prim?.size === 8;
    if (c.length !== undefined) {
      const j = integerParam(c.length, `'arrays.${param}.length'`);
      optional.add(j);
      if (wide(j)) handled.add(j);
      constants[`count${i}_${j}`] = countCheck(fn, proto.params[j]?.name ?? '', param, undefined);
      lines.push(
        `if (a${j} === undefined) a${j} = n${i}; else if (!(typeof a${j} === 'number' && a${j} >= 0 && a${j} <= n${i} && Math.floor(a${j}) === a${j})) a${j} = count${i}_${j}(a${j}, n${i});`,
      );
    }
    if (needsShape) {
      c.shape?.forEach((d, axis) => {
        if (typeof d !== 'string') return;
        const j = integerParam(d, `'arrays.${param}.shape[${axis}]'`);
        optional.add(j);
        if (wide(j)) handled.add(j);
        constants[`dim${i}_${axis}`] = countCheck(fn, proto.params[j]?.name ?? '', param, axis);
        lines.push(
          `if (a${j} === undefined) a${j} = s${i}[${axis}]; else if (a${j} !== s${i}[${axis}]) a${j} = dim${i}_${axis}(a${j}, s${i}[${axis}]);`,
        );
      });
    }
  }
  let minArity = proto.params.length;
  while (minArity > 0 && optional.has(minArity - 1)) minArity--;
  return { minArity, optional, handled, pointerOptions, lines, constants };
}
