// The reference library's declarations: its status codes, SIMD levels, ABI version and every C prototype.

import { errorCodes } from '../declare/errcheck';
import type { Bound } from '../call/infer';

/** The reference library's status codes (mirrors the X-macro table in `ffikit_ref.h`). */
export const ReferenceErrorCodes = errorCodes({
  /** 0: success. */
  SUCCESS: [0, 'Success'],
  /** -1: a required pointer was NULL. */
  ERR_NULL_POINTER: [-1, 'Null pointer error'],
  /** -2: a size or length was 0 or too large. */
  ERR_INVALID_SIZE: [-2, 'Invalid size error'],
  /** -3: an allocation failed. */
  ERR_OUT_OF_MEMORY: [-3, 'Out of memory error'],
  /** -4: another argument was out of range. */
  ERR_INVALID_ARGUMENT: [-4, 'Invalid argument'],
  /** -5: the operation was cancelled. */
  ERR_CANCELLED: [-5, 'Operation cancelled'],
  /** -99: an unexpected internal failure (an exception caught at the ABI boundary). */
  ERR_INTERNAL: [-99, 'Internal error'],
});

/** Kernel sets the reference library can be built with, by vector width (sse2: x86-64 only). */
export const SIMD_LEVELS = ['scalar', 'sse2', 'avx2', 'avx512'] as const;
/** One kernel set. */
export type SimdLevel = (typeof SIMD_LEVELS)[number];

/** The ABI version this package's TypeScript side was written against (`FFIKIT_ABI_VERSION`). */
export const REFERENCE_ABI_VERSION = 1;

const Codes = ReferenceErrorCodes;
export const referenceSpec = {
  ffikit_abi_version: 'uint32_t ffikit_abi_version(void)',
  ffikit_error_message: 'const char *ffikit_error_message(int32_t code)',
  ffikit_error_name: 'const char *ffikit_error_name(int32_t code)',
  // `codes` receives up to `capacity` codes: a contract, so C can never write past the array.
  ffikit_error_codes: {
    fn: 'int32_t ffikit_error_codes(int32_t *codes, size_t capacity, _Out_ size_t *count)',
    arrays: { codes: { length: 'capacity', writable: true } },
  },
  ffikit_live_allocations: 'int64_t ffikit_live_allocations(void)',
  ffikit_simd_level: 'const char *ffikit_simd_level(void)',
  ffikit_simd_supported: 'int32_t ffikit_simd_supported(const char *isa)',
  ffikit_simd_force: { fn: 'int32_t ffikit_simd_force(const char *isa)', errcheck: Codes },
  ffikit_simd_status: 'int32_t ffikit_simd_status(void)',
  create_array: { fn: 'double *create_array(size_t len)', errcheck: 'null-is-failure' },
  free_array: 'void free_array(double *arr)',
  process_with_callback: {
    fn: 'int32_t process_with_callback(double *data, size_t len, ProgressCallback *callback)',
    errcheck: Codes,
    arrays: { data: { length: 'len' } },
  },
  safe_operation: { fn: 'int32_t safe_operation(double *arr, size_t len)', errcheck: Codes, arrays: { arr: { length: 'len' } } },
  process_1d: { fn: 'int32_t process_1d(double *data, size_t len)', errcheck: Codes, arrays: { data: { length: 'len' } } },
  process_2d: {
    fn: 'int32_t process_2d(double *data, size_t rows, size_t cols)',
    errcheck: Codes,
    arrays: { data: { ndim: 2, shape: ['rows', 'cols'], writable: true } },
  },
  thread_safe_process: {
    fn: 'int32_t thread_safe_process(const double *data, size_t len)',
    errcheck: Codes,
    arrays: { data: { length: 'len' } },
  },
  ffikit_processor_stats: { fn: 'int32_t ffikit_processor_stats(_Out_ uint64_t *calls, _Out_ double *total)', errcheck: Codes },
  ffikit_processor_reset: 'void ffikit_processor_reset(void)',
  simd_add: {
    fn: 'int32_t simd_add(const float *a, const float *b, float *result, size_t len)',
    errcheck: Codes,
    arrays: { a: { length: 'len' }, b: { length: 'len' }, result: { length: 'len', writable: true } },
  },
  simd_dot: {
    fn: 'int32_t simd_dot(const float *a, const float *b, size_t len, _Out_ double *result)',
    errcheck: Codes,
    arrays: { a: { length: 'len' }, b: { length: 'len' } },
  },
  simd_axpy: {
    fn: 'int32_t simd_axpy(float alpha, const float *x, float *y, size_t len)',
    errcheck: Codes,
    arrays: { x: { length: 'len' }, y: { length: 'len', writable: true } },
  },
  simd_sum: {
    fn: 'int32_t simd_sum(const float *data, size_t len, _Out_ double *result)',
    errcheck: Codes,
    arrays: { data: { length: 'len' } },
  },
  process_data: { fn: 'int32_t process_data(float *data, size_t len)', errcheck: Codes, arrays: { data: { length: 'len' } } },
  batch_process: {
    fn: 'int32_t batch_process(float *data, size_t batch_size, size_t item_size)',
    errcheck: Codes,
    arrays: { data: { ndim: 2, shape: ['batch_size', 'item_size'], writable: true } },
  },
  process_batch: {
    fn: 'int32_t process_batch(const float *data, const size_t *offsets, const size_t *lengths, size_t num_items, float *results)',
    errcheck: Codes,
    arrays: { offsets: { length: 'num_items' }, lengths: { length: 'num_items' }, results: { length: 'num_items', writable: true } },
  },
  process_with_progress: {
    fn: 'int32_t process_with_progress(double *data, size_t len, uint64_t *progress)',
    errcheck: Codes,
    // C stores its progress in progress[0]: one element at least (or NULL).
    arrays: { data: { length: 'len' }, progress: { minLength: 1 } },
  },
  ffikit_events_start: {
    fn: 'int32_t ffikit_events_start(EventCallback *callback, uint32_t interval_us, int64_t max_events)',
    errcheck: Codes,
  },
  ffikit_events_stop: { fn: 'int32_t ffikit_events_stop(void)', errcheck: Codes },
  ffikit_events_running: 'int32_t ffikit_events_running(void)',
  ffikit_events_emitted: 'int64_t ffikit_events_emitted(void)',
  long_running_operation: {
    fn: 'int32_t long_running_operation(float *data, size_t len)',
    errcheck: Codes,
    arrays: { data: { length: 'len' } },
  },
} as const;

/** The reference library's bound functions, exactly as declared in `ffikit_ref.h`. */
export type ReferenceFunctions = Bound<typeof referenceSpec>;
