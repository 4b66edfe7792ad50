// ffikit's public API: re-exports only.

export { load, Library, type LoadOptions } from './library';
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
} from './errors';
export {
  errorCodes,
  ErrorCodeTable,
  type ErrorCodes,
  type ErrorTableEntry,
  type Errcheck,
  type ErrcheckPolicy,
  type ErrcheckFunction,
  type ErrcheckContext,
} from './errcheck';
export {
  struct,
  opaque,
  pointer,
  array,
  alias,
  callbackType,
  sizeof,
  alignof,
  decode,
  CType,
  type TypeSpec,
  type TypeKind,
  type CallbackType,
} from './types';
export type { BoundFunction, BindSpec, Bound, NamedTypes, ParsePrototype, CallbackSignature } from './infer';
export type { BoundInfo, FunctionSpec, BindOptions } from './bind';
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
} from './reference';
export { ManagedArray, isManagedArray, type ManagedArrayOptions, type Allocator, type Deallocator } from './managed-array';
export { NDArray, type NDArrayConstructor, type NestedArray } from './ndarray';
export { DTYPES, type DType, type DTypeOfArray, type TypedArrayOf, type ElementOf } from './dtype';
export type { ArrayContract } from './array-contract';
export { RegisteredCallback, CallbackLimitError, registeredCallbackCount, callbackCapacity, type RegisterOptions } from './callbacks';
export { ThreadPoolExecutor } from './executors/thread-pool';
export { ProcessPoolExecutor } from './executors/process-pool';
export { Executor, type Submitted, type TaskArgs, type TaskResult } from './executors/executor';
export { QueueFullError, TimeoutError, NativeCrashError } from './executors/errors';
export type { ExecutorOptions, ExecutorLibrary, TaskOptions, MapOptions } from './executors/options';
export { packRagged, type PackedRagged, type PackRaggedOptions } from './batch';
