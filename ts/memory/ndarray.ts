// NDArray: a typed array with a shape and strides (NumPy's ndarray, minimal), passed to C when C-contiguous.

import { inspect } from 'node:util';

import {
  checkElement,
  dtypeInfo,
  dtypeOfArray,
  type AnyTypedArray,
  type DType,
  type DTypeOfArray,
  type ElementOf,
  type TypedArrayOf,
} from '../declare/dtype';
import { argumentError, describeValue } from '../core/errors';

/** Nested arrays of numbers (or bigints for 64-bit dtypes), e.g. `[[1, 2], [3, 4]]`. */
export type NestedArray<T> = T | NestedArray<T>[];

const kNDArray = Symbol.for('ffikit.NDArray');

function checkShape(where: string, shape: unknown): number[] {
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw argumentError(where, 'shape', 'a non-empty array of non-negative integers', shape);
  }
  return [...(shape as number[])];
}

function cStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let step = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = step;
    step *= shape[i] as number;
  }
  return strides;
}

/**
 * An n-dimensional view of a typed array: `shape`, `strides` (in elements) and an element `offset`.
 * Wrapping never copies. Only C-contiguous arrays (row-major, no gaps) can be passed to C; others
 * (e.g. `transpose()` views) are refused with a hint to `copy()` them.
 * @example
 * const mat = ffikit.NDArray.from([[1, 2], [3, 4]], 'float64');
 * mat.shape; // [2, 2]
 * mat.transpose().isCContiguous; // false
 */
class NDArrayImpl<D extends DType = DType> {
  /** The typed array holding the elements (shared, not copied). */
  readonly data: TypedArrayOf<D>;
  readonly dtype: D;
  readonly shape: readonly number[];
  /** Distance between neighbours along each axis, in elements. */
  readonly strides: readonly number[];
  /** Index in `data` of element (0, 0, ...). */
  readonly offset: number;
  /** Read-only arrays are refused by array contracts declared `writable: true`. */
  readonly readonly: boolean;

  /**
   * Wraps `data` without copying. Default shape `[data.length]`, default strides C order.
   * @throws {ArgumentError} when the shape, strides or offset reach outside `data`.
   */
  constructor(
    data: TypedArrayOf<D>,
    shape?: readonly number[],
    options: { strides?: readonly number[]; offset?: number; readonly?: boolean } = {},
  ) {
    const dtype = dtypeOfArray(data) as D | undefined;
    if (dtype === undefined) throw argumentError('NDArray', 'data', 'a typed array (Float64Array, Int32Array, ...)', data);
    const dims = checkShape('NDArray', shape ?? [data.length]);
    const strides = options.strides === undefined ? cStrides(dims) : [...options.strides];
    if (strides.length !== dims.length || !strides.every((s) => Number.isSafeInteger(s))) {
      throw argumentError('NDArray', 'strides', `${dims.length} integer strides (one per axis)`, options.strides);
    }
    const offset = options.offset ?? 0;
    if (!Number.isSafeInteger(offset) || offset < 0) throw argumentError('NDArray', 'offset', 'a non-negative integer', offset);
    const size = dims.reduce((a, b) => a * b, 1);
    if (size > 0) {
      let lo = offset;
      let hi = offset;
      dims.forEach((d, i) => {
        const reach = (d - 1) * (strides[i] as number);
        if (reach < 0) lo += reach;
        else hi += reach;
      });
      if (lo < 0 || hi >= data.length) {
        throw argumentError(
          'NDArray',
          'shape',
          `a shape that fits in ${describeValue(data)}`,
          dims,
          `Shape [${dims.join(', ')}] with strides [${strides.join(', ')}] and offset ${offset} reaches elements ${lo}..${hi}.`,
        );
      }
    }
    this.data = data;
    this.dtype = dtype;
    this.shape = Object.freeze(dims);
    this.strides = Object.freeze(strides);
    this.offset = offset;
    this.readonly = options.readonly === true;
    Object.freeze(this);
  }

  /**
   * Builds a C-contiguous array from nested arrays (all rows the same length).
   * @throws {ArgumentError} for ragged rows or values that do not fit the dtype.
   */
  static from<D extends DType>(nested: NestedArray<ElementOf<D>>, dtype: D): NDArrayImpl<D> {
    const info = dtypeInfo('NDArray.from', dtype);
    const shape: number[] = [];
    let probe: unknown = nested;
    while (Array.isArray(probe)) {
      shape.push(probe.length);
      probe = probe[0];
    }
    if (shape.length === 0) throw argumentError('NDArray.from', 'nested', 'nested arrays of numbers', nested);
    const flat: unknown[] = [];
    const walk = (node: unknown, depth: number, path: string): void => {
      if (depth === shape.length) {
        flat.push(node);
        return;
      }
      if (!Array.isArray(node) || node.length !== shape[depth]) {
        throw argumentError('NDArray.from', `nested${path}`, `an array of ${shape[depth]} elements (rows must have equal lengths)`, node);
      }
      node.forEach((child, i) => walk(child, depth + 1, `${path}[${i}]`));
    };
    walk(nested, 0, '');
    const wide = dtype === 'int64' || dtype === 'uint64';
    flat.forEach((v, i) => {
      if (wide ? typeof v !== 'bigint' : typeof v !== 'number') {
        throw argumentError('NDArray.from', `element ${i}`, wide ? 'a bigint' : 'a number', v);
      }
    });
    const data = new info.ctor(flat.length) as AnyTypedArray;
    data.set(flat as never);
    if (dtype !== 'float32' && dtype !== 'float64') {
      // A value that changed on the way in was out of range (typed arrays wrap silently).
      const i = flat.findIndex((v, k) => v !== data[k]);
      if (i >= 0) throw argumentError('NDArray.from', `element ${i}`, `a value representable as ${dtype}`, flat[i]);
    }
    return new NDArrayImpl(data as TypedArrayOf<D>, shape);
  }

  /** A zero-filled C-contiguous array. */
  static zeros<D extends DType>(shape: readonly number[], dtype: D): NDArrayImpl<D> {
    const dims = checkShape('NDArray.zeros', shape);
    const info = dtypeInfo('NDArray.zeros', dtype);
    return new NDArrayImpl(new info.ctor(dims.reduce((a, b) => a * b, 1)) as TypedArrayOf<D>, dims);
  }

  /** True for values built by NDArray (any copy of this module). */
  static isNDArray(value: unknown): value is NDArrayImpl {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[kNDArray] === true;
  }

  get [kNDArray](): true {
    return true;
  }

  /** Number of axes. */
  get ndim(): number {
    return this.shape.length;
  }

  /** Number of elements. */
  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  /** Row-major with no gaps: the layout C's `T *` with `rows * cols` indexing expects. */
  get isCContiguous(): boolean {
    const expected = cStrides(this.shape);
    return this.shape.every((d, i) => d <= 1 || this.strides[i] === expected[i]);
  }

  /** Reads one element. */
  get(...index: number[]): ElementOf<D> {
    return this.data[this.#flat('get', index)] as ElementOf<D>;
  }

  /** Writes one element. */
  set(...args: [...index: number[], value: ElementOf<D>]): void {
    if (this.readonly) throw argumentError('NDArray.set', '', 'a writable array', this, 'This array is read-only.');
    const value = checkElement('NDArray.set', this.dtype, args.pop());
    (this.data as AnyTypedArray)[this.#flat('set', args as number[])] = value as never;
  }

  /** Reverses the axes (a view: shares data, not C-contiguous for 2+ non-trivial axes). */
  transpose(): NDArrayImpl<D> {
    return new NDArrayImpl(this.data, [...this.shape].reverse(), {
      strides: [...this.strides].reverse(),
      offset: this.offset,
      readonly: this.readonly,
    });
  }

  /** A C-contiguous copy. */
  copy(): NDArrayImpl<D> {
    const out = NDArrayImpl.zeros(this.shape, this.dtype);
    let k = 0;
    this.#forEachIndex((flat) => {
      (out.data as AnyTypedArray)[k++] = this.data[flat] as never;
    });
    return out;
  }

  /** The same elements with another shape (a view when C-contiguous, else refused). */
  reshape(shape: readonly number[]): NDArrayImpl<D> {
    const dims = checkShape('NDArray.reshape', shape);
    if (dims.reduce((a, b) => a * b, 1) !== this.size)
      throw argumentError('NDArray.reshape', 'shape', `a shape with ${this.size} elements`, dims);
    if (!this.isCContiguous) throw argumentError('NDArray.reshape', '', 'a C-contiguous array', this, 'Call copy() first.');
    return new NDArrayImpl(this.data, dims, { offset: this.offset, readonly: this.readonly });
  }

  /** Nested arrays (a copy). */
  toArray(): NestedArray<ElementOf<D>> {
    const build = (axis: number, base: number): NestedArray<ElementOf<D>> => {
      if (axis === this.shape.length) return this.data[base] as ElementOf<D>;
      const out: NestedArray<ElementOf<D>>[] = [];
      for (let i = 0; i < (this.shape[axis] as number); i++) out.push(build(axis + 1, base + i * (this.strides[axis] as number)));
      return out;
    };
    return build(0, this.offset);
  }

  /**
   * The contiguous elements as one typed array (a subarray view of `data`, no copy).
   * @throws {ArgumentError} when the array is not C-contiguous.
   */
  contiguousData(fn = 'NDArray.contiguousData', param = ''): TypedArrayOf<D> {
    if (!this.isCContiguous) {
      throw argumentError(fn, param, 'a C-contiguous array', this, 'This one is a strided view (e.g. from transpose()); pass arr.copy().');
    }
    if (this.offset === 0 && this.size === this.data.length) return this.data;
    return (this.data as AnyTypedArray).subarray(this.offset, this.offset + this.size) as TypedArrayOf<D>;
  }

  [inspect.custom](): string {
    return `NDArray(${this.dtype}, [${this.shape.join(', ')}]${this.isCContiguous ? '' : ', strided'})`;
  }

  #flat(op: string, index: number[]): number {
    if (index.length !== this.shape.length) throw argumentError(`NDArray.${op}`, 'index', `${this.shape.length} indices`, index);
    let flat = this.offset;
    index.forEach((i, axis) => {
      const d = this.shape[axis] as number;
      if (!Number.isInteger(i) || i < 0 || i >= d) throw argumentError(`NDArray.${op}`, `index[${axis}]`, `an integer in [0, ${d - 1}]`, i);
      flat += i * (this.strides[axis] as number);
    });
    return flat;
  }

  #forEachIndex(fn: (flat: number) => void): void {
    const rec = (axis: number, base: number): void => {
      if (axis === this.shape.length) return fn(base);
      for (let i = 0; i < (this.shape[axis] as number); i++) rec(axis + 1, base + i * (this.strides[axis] as number));
    };
    if (this.size > 0) rec(0, this.offset);
  }
}

/** The NDArray constructor: infers the dtype from the typed array it wraps. */
export interface NDArrayConstructor {
  /**
   * Wraps `data` without copying. Default shape `[data.length]`, default strides C order.
   * @throws {ArgumentError} when the shape, strides or offset reach outside `data`.
   */
  new <T extends AnyTypedArray>(
    data: T,
    shape?: readonly number[],
    options?: { strides?: readonly number[]; offset?: number; readonly?: boolean },
  ): NDArrayImpl<DTypeOfArray<T>>;
  /** The class's prototype (so `instanceof NDArray` works). */
  readonly prototype: NDArrayImpl;
  /** Builds a C-contiguous array from nested arrays (all rows the same length). */
  from<D extends DType>(nested: NestedArray<ElementOf<D>>, dtype: D): NDArrayImpl<D>;
  /** A zero-filled C-contiguous array. */
  zeros<D extends DType>(shape: readonly number[], dtype: D): NDArrayImpl<D>;
  /** True for values built by NDArray (any copy of this module). */
  isNDArray(value: unknown): value is NDArrayImpl;
}

/** An n-dimensional view of a typed array; see {@link NDArrayConstructor}. */
export type NDArray<D extends DType = DType> = NDArrayImpl<D>;
// One class at run time (instanceof works); the constructor type adds dtype inference from `data`.
/**
 * Creates n-dimensional views of typed arrays: `new NDArray(data, shape, { strides, offset })` or
 * `NDArray.from(nested, dtype)`; see {@link NDArrayConstructor}.
 */
export const NDArray = NDArrayImpl as unknown as NDArrayConstructor;
