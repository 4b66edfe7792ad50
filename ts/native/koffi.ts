// The one module that touches koffi: opening libraries, declaring functions and types, raw memory access.

import type * as Koffi from 'koffi' with { 'resolution-mode': 'import' };

// koffi ships ESM-flavoured typings; its CommonJS entry exports the same API, so load it with require.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const koffi = require('koffi') as typeof Koffi;
type KoffiTypeObject = Koffi.TypeObject;

/** koffi's type object, kept opaque outside ts/native. */
export type NativeType = KoffiTypeObject;
/** A type as the FFI layer accepts it: a type name or a type object. */
export type NativeTypeSpec = string | NativeType | NativeDirected;
/** A parameter type wrapped with a direction marker (out / inout). */
export interface NativeDirected {
  readonly __brand: 'NativeDirected';
}

/** A raw, unchecked native function. */
export interface RawFunction {
  (...args: unknown[]): unknown;
  async(...args: unknown[]): void;
}

/** A loaded library as the FFI layer sees it. */
export interface NativeLibrary {
  func(name: string, result: NativeTypeSpec, params: readonly NativeTypeSpec[]): RawFunction;
  hasSymbol(name: string): boolean;
  /** The address of an exported symbol (a variable or function), or undefined when there is none. */
  address(name: string): bigint | undefined;
  unload(): void;
}

/**
 * Opens an absolute, already-checked path. `deepBind` opens it with RTLD_DEEPBIND where the platform
 * has it (glibc, FreeBSD): the library's own symbols come before the process's global ones.
 * Throws the FFI layer's own error on failure.
 */
export function openLibrary(absolutePath: string, deepBind = false): NativeLibrary {
  const handle = deepBind ? koffi.load(absolutePath, { deep: true }) : koffi.load(absolutePath);
  return {
    func: (name, result, params) => handle.func(name, result as KoffiTypeObject, params as KoffiTypeObject[]) as unknown as RawFunction,
    hasSymbol: (name) => {
      try {
        handle.symbol(name);
        return true;
      } catch {
        return false;
      }
    },
    unload: () => handle.unload(),
    address: (name) => {
      try {
        return koffi.address(handle.symbol(name));
      } catch {
        return undefined;
      }
    },
  };
}

/** Looks symbols up in the process's global scope; see {@link withGlobalScope}. */
export type GlobalLookup = (name: string) => bigint | undefined;

/**
 * Runs `fn` with a lookup in the process's global symbol scope (dlsym with RTLD_DEFAULT: the executable,
 * what it links, LD_PRELOAD and RTLD_GLOBAL libraries), which gives a symbol's address or undefined.
 * The FFI layer's handle (and the symbol cache it grows) is released afterwards, so nothing of it is
 * left behind at exit.
 */
export function withGlobalScope<T>(fn: (lookup: GlobalLookup) => T): T {
  const scope = koffi.load(null as unknown as string);
  try {
    return fn((name) => {
      try {
        return koffi.address(scope.symbol(name));
      } catch {
        return undefined;
      }
    });
  } finally {
    scope.unload();
  }
}

/** Marks a pointer parameter type as output-only or input-output. */
export function directed(spec: NativeTypeSpec, direction: 'out' | 'inout'): NativeDirected {
  const type = spec as KoffiTypeObject;
  return (direction === 'out' ? koffi.out(type) : koffi.inout(type)) as unknown as NativeDirected;
}

/** Resolves a type name or object; throws the FFI layer's error for unknown names. */
export function nativeType(spec: NativeTypeSpec): NativeType {
  return koffi.type(spec as KoffiTypeObject);
}

export function defineStruct(
  name: string | null,
  members: Record<string, NativeTypeSpec | [number, NativeTypeSpec]>,
  packed: boolean,
): NativeType {
  const def = members as Record<string, KoffiTypeObject>;
  return packed ? koffi.pack(name, def) : koffi.struct(name, def);
}

export function defineUnion(name: string | null, members: Record<string, NativeTypeSpec | [number, NativeTypeSpec]>): NativeType {
  return koffi.union(name, members as Record<string, KoffiTypeObject>);
}

/** A union value the FFI layer can write through a pointer: `member` set to `value` (none for an output). */
export function unionValue(type: NativeTypeSpec, member?: string, value?: unknown): Record<string, unknown> {
  const u = new koffi.Union(type as KoffiTypeObject) as Record<string, unknown>;
  if (member !== undefined) u[member] = value;
  return u;
}

export function defineOpaque(name: string | null): NativeType {
  return koffi.opaque(name);
}

export function definePointer(name: string | null, ref: NativeTypeSpec, depth: number): NativeType {
  const target = ref as KoffiTypeObject;
  if (name === null) return koffi.pointer(target, depth);
  let inner = depth > 1 ? koffi.pointer(target, depth - 1) : target;
  inner = koffi.pointer(name, inner) as KoffiTypeObject;
  return inner;
}

export function defineArray(ref: NativeTypeSpec, length: number, hint: 'Typed' | 'Array' | 'String' | null): NativeType {
  return koffi.array(ref as KoffiTypeObject, length, hint);
}

export function defineCallback(name: string, result: NativeTypeSpec, params: readonly NativeTypeSpec[]): NativeType {
  return koffi.proto(name, result as KoffiTypeObject, params as KoffiTypeObject[]);
}

export function sizeOf(spec: NativeTypeSpec): number {
  return koffi.sizeof(spec as KoffiTypeObject);
}

export function offsetOf(spec: NativeTypeSpec, member: string): number {
  return koffi.offsetof(spec as KoffiTypeObject, member);
}

export function alignOf(spec: NativeTypeSpec): number {
  return koffi.alignof(spec as KoffiTypeObject);
}

/** Reads native memory at `ptr` as `type` (n elements when `length` is given). */
export function decode(ptr: unknown, type: NativeTypeSpec, length?: number): unknown {
  return length === undefined ? koffi.decode(ptr, type as KoffiTypeObject) : koffi.decode(ptr, type as KoffiTypeObject, length);
}

/** Writes `value` as `type` into native memory at `ptr`. */
export function encode(ptr: unknown, type: NativeTypeSpec, value: unknown): void {
  koffi.encode(ptr, type as KoffiTypeObject, value);
}

/** errno as saved by the FFI layer right after the last native call on this thread. */
export function lastErrno(): number {
  return koffi.errno();
}

/** Clears the FFI layer's process-global type registry (jest runs many files in one process). */
export function resetNativeTypes(): void {
  koffi.reset();
}

/** Allocates `bytes` bytes of native memory (malloc); returns its address. */
export function allocBytes(bytes: number): bigint {
  return koffi.alloc('uint8_t', bytes) as bigint;
}

/** Frees memory from {@link allocBytes}. */
export function freeBytes(ptr: bigint): void {
  koffi.free(ptr);
}

/**
 * An ArrayBuffer over native memory. It cannot be detached or revoked: the caller must make sure no
 * view outlives the memory.
 */
export function viewBytes(ptr: bigint, bytes: number): ArrayBuffer {
  return koffi.view(ptr, bytes);
}

/** Reads one value of `type` at `ptr + offset` (no ArrayBuffer is created). */
export function decodeAt(ptr: bigint, offset: number, type: string): unknown {
  return koffi.decode(ptr, offset, type);
}

/** Writes one value of `type` at `ptr + offset`. */
export function encodeAt(ptr: bigint, offset: number, type: string, value: unknown): void {
  koffi.encode(ptr, offset, type, value);
}

/**
 * A native function at `address` (a C function pointer) with the given result and parameter types.
 * The result calls through the pointer, synchronously or with `.async`.
 */
export function functionAt(address: bigint, result: NativeTypeSpec, params: readonly NativeTypeSpec[]): RawFunction {
  const proto = koffi.proto(null, result as KoffiTypeObject, params as KoffiTypeObject[]);
  return koffi.decode(address, proto) as unknown as RawFunction;
}

/** Registers a JS function as a native callback of the named prototype type; returns its address. */
export function registerCallback(fn: (...args: unknown[]) => unknown, typeName: string): bigint {
  return koffi.register(fn, koffi.pointer(typeName));
}

/** Frees a trampoline from {@link registerCallback}. */
export function unregisterCallback(ptr: bigint): void {
  koffi.unregister(ptr);
}
