// ffikit's public API: re-exports only (and the Symbol.dispose polyfill, loaded once here).

import './core/polyfills';

export { load, Library, type LoadOptions } from './library/library';
export type { Variable } from './library/variable';
export { bindPointer } from './call/bind-pointer';
export {
  FfikitError,
  LibraryLoadError,
  ArgumentError,
  DeclarationError,
  NativeError,
  DisposedError,
  ClosedError,
  CallbackError,
  UnsupportedError,
  type LoadFailureReason,
} from './core/errors';
export { MemoryCorruptionError, type CorruptionKind } from './core/checked-errors';
export {
  errorCodes,
  ErrorCodeTable,
  type ErrorCodes,
  type ErrorTableEntry,
  type Errcheck,
  type ErrcheckPolicy,
  type ErrcheckFunction,
  type ErrcheckContext,
} from './declare/errcheck';
export {
  struct,
  union,
  opaque,
  pointer,
  array,
  alias,
  enumeration,
  callbackType,
  sizeof,
  alignof,
  CType,
  type TypeSpec,
  type TypeKind,
  type CallbackType,
  type CallbackTypeOptions,
  type Enumeration,
} from './declare/named-types';
export { decode } from './declare/decode';
export { Handle, handle, isHandle } from './memory/handle';
export type {
  BoundFunction,
  BindSpec,
  Bound,
  NamedTypes,
  ParsePrototype,
  CallbackSignature,
  Opaque,
  Alias,
  Union,
  VariadicFunction,
} from './call/infer';
export type { BoundInfo, FunctionSpec, BindOptions } from './call/bind';
export {
  reference,
  referenceCandidates,
  ReferenceLibrary,
  EventSource,
  ReferenceErrorCodes,
  REFERENCE_ABI_VERSION,
  SIMD_LEVELS,
  type SimdLevel,
  type ReferenceOptions,
  type ReferenceFunctions,
} from './reference/reference';
export { ManagedArray, isManagedArray, type ManagedArrayOptions, type Allocator, type Deallocator } from './memory/managed-array';
export { arena, type Arena, type ArenaOptions } from './memory/arena';
export { checkQuarantine } from './memory/checked-memory';
export { NDArray, type NDArrayConstructor, type NestedArray } from './memory/ndarray';
export { StructArray, isStructArray } from './memory/struct-array';
export { DTYPES, type DType, type DTypeOfArray, type TypedArrayOf, type ElementOf } from './declare/dtype';
export type { ArrayContract } from './call/array-contract';
export {
  RegisteredCallback,
  CallbackLimitError,
  registeredCallbackCount,
  callbackCapacity,
  type RegisterOptions,
} from './callbacks/registered';
export { ThreadPoolExecutor } from './executors/thread-pool';
export { ProcessPoolExecutor } from './executors/process-pool';
export { Executor, type Submitted, type TaskArgs, type TaskResult } from './executors/executor';
export { QueueFullError, TimeoutError, NativeCrashError } from './executors/errors';
export type { ExecutorOptions, ExecutorLibrary, TaskOptions, MapOptions } from './executors/options';
export { packRagged, type PackedRagged, type PackRaggedOptions } from './memory/batch';
export { enableStats, disableStats, resetStats, stats, type Stats, type FunctionStats } from './library/stats';
export { traceArguments, type CallContext, type PoolGauge } from './core/channels';
