/* Public C ABI of libffikit_ref, the reference native library the ffikit FFI toolkit loads. */
#ifndef FFIKIT_REF_H
#define FFIKIT_REF_H

#include <stddef.h>
#include <stdint.h>

/* ======================================================================================
 * Conventions shared by every declaration below (read these once):
 *
 *  - ABI: plain C calling convention, no structs by value, no C++ types. Every enum travels
 *    as int32_t so that FFI layers (koffi, ctypes, ...) never have to guess an enum's width.
 *  - Errors: functions that can fail return an ErrorCode (int32_t). SUCCESS is 0, every
 *    failure is negative. No function ever throws, aborts, prints to stdout/stderr or
 *    terminates the process because of bad input: a C++ exception escaping an
 *    implementation is converted to ERR_OUT_OF_MEMORY (std::bad_alloc) or ERR_INTERNAL.
 *  - Order of checks: unless a function says otherwise, a request for zero elements
 *    succeeds first (pointers may then be NULL), then NULL pointers are reported
 *    (ERR_NULL_POINTER), then sizes (ERR_INVALID_SIZE), then element values
 *    (ERR_INVALID_ARGUMENT). So with several problems at once the earliest one wins.
 *  - Atomicity: a function that returns an error without saying otherwise has NOT written
 *    to any output or in/out buffer.
 *  - Sizes: `len`, `rows`, ... count elements, never bytes. A size whose byte count would not
 *    fit in size_t is ERR_INVALID_SIZE. Buffers must really hold the stated number of
 *    elements; the library cannot check that (passing a too-short buffer is undefined
 *    behaviour, exactly as with memcpy).
 *  - Thread-safety: every function is safe to call concurrently from several threads as long
 *    as the calls do not touch the same buffer while one of them writes it. Functions that
 *    share hidden state (the Processor singleton, the ISA dispatch table, the allocation
 *    counter) synchronise it internally; each says so.
 *  - Memory: the library never keeps a pointer it was given after the call returns, and never
 *    frees memory it did not allocate. The only memory handed to the caller comes from
 *    create_array() and must go back through free_array().
 *  - ISA dispatch: the float kernels (simd_add, simd_dot, simd_axpy, simd_sum, process_data,
 *    batch_process, process_batch, long_running_operation) run through a table of function
 *    pointers selected once per process (see ffikit_simd_level()). If the environment
 *    variable FFIKIT_FORCE_ISA names an unknown or unsupported instruction set, those
 *    kernels return ERR_INVALID_ARGUMENT instead of silently falling back (see
 *    ffikit_simd_status()).
 * ====================================================================================== */

/* FFIKIT_API marks the exported symbols; everything else in the library is hidden. Define
 * FFIKIT_BUILDING only while compiling the library itself (the build does this). */
#if defined(_WIN32) || defined(__CYGWIN__)
#if defined(FFIKIT_BUILDING)
#define FFIKIT_API __declspec(dllexport)
#else
#define FFIKIT_API __declspec(dllimport)
#endif
#elif defined(__GNUC__) || defined(__clang__)
#define FFIKIT_API __attribute__((visibility("default")))
#else
#define FFIKIT_API
#endif

/* Bumped whenever a declaration in this header changes incompatibly (a symbol's parameters,
 * return type or documented semantics). Compare with ffikit_abi_version() at load time. */
#define FFIKIT_ABI_VERSION 1

#ifdef __cplusplus
extern "C" {
#endif

/* ======================================================================================
 * Error codes
 * ====================================================================================== */

/* The single source of truth for the error codes: X(name, value, message). The enum below,
 * ffikit_error_name(), ffikit_error_message() and ffikit_error_codes() are all generated
 * from this table, in this order, so they cannot drift apart.
 *
 *  SUCCESS               0    The call did what it documents.
 *  ERR_NULL_POINTER     -1    A required pointer argument was NULL.
 *  ERR_INVALID_SIZE     -2    A size was zero where not allowed, too large for the
 *                             operation, or its byte count / an index would overflow size_t.
 *  ERR_OUT_OF_MEMORY    -3    An internal allocation failed.
 *  ERR_INVALID_ARGUMENT -4    An argument value is out of the function's domain (negative
 *                             input to a square root, NaN/Inf, unknown ISA name, ...), or
 *                             the ISA dispatch is in the error state (ffikit_simd_status()).
 *  ERR_CANCELLED        -5    Reserved for callers and wrappers (e.g. an asynchronous call
 *                             abandoned by its caller). No function of ABI version 1
 *                             returns it.
 *  ERR_INTERNAL        -99    An unexpected failure inside the library (a bug). The call's
 *                             outputs are unspecified.
 */
#define FFIKIT_ERROR_CODES(X)                     \
  X(SUCCESS, 0, "Success")                        \
  X(ERR_NULL_POINTER, -1, "Null pointer error")   \
  X(ERR_INVALID_SIZE, -2, "Invalid size error")   \
  X(ERR_OUT_OF_MEMORY, -3, "Out of memory error") \
  X(ERR_INVALID_ARGUMENT, -4, "Invalid argument") \
  X(ERR_CANCELLED, -5, "Operation cancelled")     \
  X(ERR_INTERNAL, -99, "Internal error")

/* ErrorCode is deliberately int32_t, not the enum type: an enum's width is
 * implementation-defined and FFI bindings must know the exact size. */
typedef int32_t ErrorCode;

#define FFIKIT_ERROR_ENUMERATOR_(name, value, message) name = (value),
enum FfikitErrorCodeValue { FFIKIT_ERROR_CODES(FFIKIT_ERROR_ENUMERATOR_) };
#undef FFIKIT_ERROR_ENUMERATOR_

/* Called synchronously, on the thread that called process_with_callback(), once per
 * processed element: current runs 1..total. `int` is 32 bits on every supported platform. */
typedef void (*ProgressCallback)(int current, int total);

/* ======================================================================================
 * Library metadata
 * ====================================================================================== */

/* Returns FFIKIT_ABI_VERSION as compiled into the library (not the header the caller was
 * built against), so a binding can refuse a mismatched binary. Thread-safe. Never fails. */
FFIKIT_API uint32_t ffikit_abi_version(void);

/* Returns the human-readable message of `code` from FFIKIT_ERROR_CODES (for example
 * "Invalid size error" for ERR_INVALID_SIZE), or "Unknown error" for a value not in the
 * table. The string is static, NUL-terminated ASCII owned by the library: never free or
 * modify it; it stays valid while the library is loaded. Thread-safe. Never fails. */
FFIKIT_API const char *ffikit_error_message(ErrorCode code);

/* Returns the enumerator name of `code` from FFIKIT_ERROR_CODES (for example
 * "ERR_INVALID_SIZE"), or "UNKNOWN" for a value not in the table. Ownership and lifetime as
 * for ffikit_error_message(). Thread-safe. Never fails. */
FFIKIT_API const char *ffikit_error_name(ErrorCode code);

/* Lists every ErrorCode value in table order (SUCCESS first), so a binding can enumerate
 * the codes instead of hard-coding them.
 *  - `*count` always receives the number of codes in the table (7 in ABI version 1), even
 *    when an error is returned for the buffer; use capacity 0 to query the size.
 *  - `codes` receives min(capacity, table size) entries; it may be NULL when capacity == 0.
 * Thread-safe.
 * Returns:
 *  SUCCESS           all codes written (capacity >= table size).
 *  ERR_NULL_POINTER  count is NULL (nothing written), or codes is NULL while capacity > 0
 *                    (only *count written).
 *  ERR_INVALID_SIZE  capacity < table size: the first `capacity` codes and *count were
 *                    written. */
FFIKIT_API ErrorCode ffikit_error_codes(int32_t *codes, size_t capacity, size_t *count);

/* Returns the number of heap allocations made by the library that are still alive: arrays
 * returned by create_array() and not yet passed to free_array(), plus any internal
 * allocation that outlives a call (none in ABI version 1). Temporary allocations made and
 * released within one call are not counted, so the value only changes through
 * create_array()/free_array(). A leak-free caller sees it return to the value it had before.
 * Thread-safe (atomic counter). Never fails. */
FFIKIT_API int64_t ffikit_live_allocations(void);

/* ======================================================================================
 * ISA dispatch (simdjson / Highway style: one table of kernel pointers per ISA)
 *
 * ISA names: "scalar" (the portable C++ reference loops, always available), "sse2" (x86-64's
 * baseline, 4 floats per vector, no FMA; x86-64 builds only, no CPU requirement), "avx2" (x86
 * AVX2 + FMA, needs OS-enabled YMM state), "avx512" (x86 AVX-512 F/BW/DQ/VL + FMA, needs
 * OS-enabled ZMM and opmask state). An ISA is usable only if this build contains its kernels
 * AND the CPU/OS support it. x86-64 builds made with a compiler that accepts the ISA flags
 * contain all four; other builds (ARM, 32-bit x86, multi-architecture macOS) contain only
 * "scalar". Where "sse2" exists, "scalar" is compiled without the compiler's
 * auto-vectorisation, so it is the plain one-element-at-a-time reference; elsewhere the
 * compiler may vectorise it for the target's baseline (NEON on arm64).
 *
 * The table is chosen once per process, on the first call to any ffikit_simd_* function or
 * float kernel: the best usable ISA in the order avx2 > sse2 > scalar, unless the environment
 * variable FFIKIT_FORCE_ISA is set to a non-empty value, in which case exactly that ISA is
 * used (names are case-sensitive). AVX-512 is NOT chosen automatically: on the reference
 * machine (AMD Zen 4, which splits 512-bit memory operations in two) simd_add on in-cache
 * data was ~13% slower with avx512 than with avx2 (93 vs 81 ns at len 2048) and equal on
 * DRAM-bound data, and some Intel CPUs lower their clock under AVX-512. Select it with
 * FFIKIT_FORCE_ISA=avx512 or ffikit_simd_force("avx512") (it is faster for simd_dot and
 * simd_sum on Zen 4).
 * If FFIKIT_FORCE_ISA names an unknown or unusable ISA, the dispatch enters an error state:
 * ffikit_simd_status() returns ERR_INVALID_ARGUMENT and every float kernel returns
 * ERR_INVALID_ARGUMENT without touching its buffers, until ffikit_simd_force() succeeds. The
 * variable is read only once (with getenv), so it must be set before the first such call.
 *
 * The active table is held in an atomic pointer: switching it with ffikit_simd_force() while
 * other threads run kernels is safe. A call in progress finishes with the table it started
 * with; calls that start later use the new one.
 * ====================================================================================== */

/* Returns the name of the active ISA: "scalar", "sse2", "avx2" or "avx512", or "none" while the
 * dispatch is in the error state (ffikit_simd_status() != SUCCESS). The string is static
 * (never free it). Thread-safe. Never fails. */
FFIKIT_API const char *ffikit_simd_level(void);

/* Returns 1 if `isa` is an ISA name this build has kernels for and this CPU/OS can run,
 * else 0 (including for NULL and unknown names). "scalar" always returns 1. Thread-safe. */
FFIKIT_API int32_t ffikit_simd_supported(const char *isa);

/* Makes `isa` the active ISA for all subsequent kernel calls in the process and clears the
 * error state caused by a bad FFIKIT_FORCE_ISA. Thread-safe (see the section above).
 * Returns:
 *  SUCCESS               the table now uses `isa` ("scalar" always succeeds).
 *  ERR_NULL_POINTER      isa is NULL; nothing changed.
 *  ERR_INVALID_ARGUMENT  unknown name, or an ISA this build or this CPU/OS does not support
 *                        (see ffikit_simd_supported()); nothing changed (in particular an
 *                        error state stays).
 *  ERR_INTERNAL          the one-time initialisation could not run (std::call_once failed;
 *                        never observed); nothing changed. */
FFIKIT_API ErrorCode ffikit_simd_force(const char *isa);

/* Reports the state of the dispatch. Thread-safe.
 * Returns:
 *  SUCCESS               a kernel table is active.
 *  ERR_INVALID_ARGUMENT  FFIKIT_FORCE_ISA named an unknown or unsupported ISA when the table
 *                        was chosen, and ffikit_simd_force() has not succeeded since.
 *  ERR_INTERNAL          the one-time initialisation could not run (never observed). */
FFIKIT_API ErrorCode ffikit_simd_status(void);

/* ======================================================================================
 * Library-owned memory
 * ====================================================================================== */

/* Allocates an array of `len` doubles, every element +0.0, aligned at least for double (the
 * platform malloc alignment). The caller owns it and must release it with free_array() —
 * never with free() or another allocator, and exactly once. Increments
 * ffikit_live_allocations() on success. Thread-safe.
 * Returns NULL (never throws) when len == 0, when len * sizeof(double) would overflow size_t,
 * or when the allocation fails; the counter is unchanged in that case. */
FFIKIT_API double *create_array(size_t len);

/* Releases an array returned by create_array() and decrements ffikit_live_allocations().
 * NULL is a no-op. Passing any other pointer, or the same array twice, is undefined
 * behaviour. The array must not be in use by another call. Thread-safe. */
FFIKIT_API void free_array(double *arr);

/* ======================================================================================
 * double-precision array operations
 * ====================================================================================== */

/* For i = 0 .. len-1, in order: data[i] = data[i] * 2.0, then, if callback is non-NULL,
 * callback((int)(i + 1), (int)len). The callback therefore sees elements 0..i already
 * doubled. It runs synchronously on the calling thread; it must not free `data`.
 * Thread-safe for distinct buffers (no shared state).
 * Returns:
 *  SUCCESS           len == 0 (no callback call, data may be NULL), or every element done.
 *  ERR_NULL_POINTER  data is NULL and len > 0; nothing written, no callback call.
 *  ERR_INVALID_SIZE  len > INT32_MAX (the callback's int could not represent it); nothing
 *                    written, no callback call.
 *  ERR_INTERNAL      the callback unwound with a C++ exception; elements 0..i stay doubled. */
FFIKIT_API ErrorCode process_with_callback(double *data, size_t len, ProgressCallback callback);

/* Replaces every element by its square root (correctly rounded sqrt). All elements are
 * validated before any is written, so on error `arr` is left completely unchanged. -0.0 is
 * accepted (sqrt(-0.0) == -0.0) and +Inf gives +Inf. Thread-safe for distinct buffers.
 * Unlike the other functions, len == 0 is an error here (kept from the original tutorial).
 * Checked in this order:
 *  ERR_NULL_POINTER      arr is NULL (whatever len is).
 *  ERR_INVALID_SIZE      len == 0, or len > SIZE_MAX / sizeof(double).
 *  ERR_INVALID_ARGUMENT  some element is negative (< 0, including -Inf) or NaN.
 *  SUCCESS               otherwise. */
FFIKIT_API ErrorCode safe_operation(double *arr, size_t len);

/* data[i] = data[i] * 2.0 for i = 0 .. len-1 (1-D array, in place). Thread-safe for distinct
 * buffers.
 * Returns:
 *  SUCCESS           len == 0 (data may be NULL), or all elements doubled.
 *  ERR_NULL_POINTER  data is NULL and len > 0.
 *  ERR_INVALID_SIZE  len > SIZE_MAX / sizeof(double). */
FFIKIT_API ErrorCode process_1d(double *data, size_t len);

/* 2-D row-major (C order) array of `rows` x `cols` doubles, element (r, c) at
 * data[r * cols + c]: data[r * cols + c] += (double)r * 1000.0 + (double)c, in place.
 * Thread-safe for distinct buffers.
 * Returns:
 *  SUCCESS           rows == 0 or cols == 0 (data may be NULL), or all elements updated.
 *  ERR_NULL_POINTER  data is NULL and rows * cols > 0.
 *  ERR_INVALID_SIZE  rows * cols overflows size_t, or rows * cols * sizeof(double) does. */
FFIKIT_API ErrorCode process_2d(double *data, size_t rows, size_t cols);

/* ======================================================================================
 * Thread-safe singleton (the Processor)
 *
 * The library holds one process-wide Processor, created on first use (thread-safe). Its
 * state is a call counter and a running total, both guarded by one std::mutex, so
 * concurrent callers never lose an update.
 * ====================================================================================== */

/* Records one call in the Processor: under its mutex, calls += 1 and
 * total += data[0] + data[1] + ... + data[len-1] (summed left to right in double, then added
 * to total). `data` is only read; it is not const only to keep the tutorial's signature.
 * Every successful call counts, including len == 0 (which adds 0.0). Failed calls do not
 * change the state. Thread-safe, also on the same buffer (it is not written).
 * Returns:
 *  SUCCESS           the call was recorded.
 *  ERR_NULL_POINTER  data is NULL and len > 0; not recorded.
 *  ERR_INVALID_SIZE  len > SIZE_MAX / sizeof(double); not recorded.
 *  ERR_INTERNAL      the mutex could not be locked (never observed); not recorded. */
FFIKIT_API ErrorCode thread_safe_process(double *data, size_t len);

/* Copies a consistent snapshot (taken under the mutex) of the Processor's state: `*calls`
 * receives the number of successful thread_safe_process() calls since load or the last
 * reset, `*total` the sum of all elements they were given. Thread-safe.
 * Returns:
 *  SUCCESS           both written.
 *  ERR_NULL_POINTER  calls or total is NULL; neither written.
 *  ERR_INTERNAL      the mutex could not be locked (never observed); neither written. */
FFIKIT_API ErrorCode ffikit_processor_stats(uint64_t *calls, double *total);

/* Resets the Processor's state to calls = 0, total = 0.0 (under the mutex). Thread-safe.
 * Reports nothing: in the never-observed case that the mutex cannot be locked, it does
 * nothing. */
FFIKIT_API void ffikit_processor_reset(void);

/* ======================================================================================
 * float kernels (run through the ISA dispatch table)
 *
 * All of them first check the dispatch: in the error state (ffikit_simd_status() !=
 * SUCCESS) they return ERR_INVALID_ARGUMENT before looking at any argument.
 *
 * Results of the "scalar" ISA are the reference: plain left-to-right sums in double, every
 * float operation rounded separately (no fused multiply-add). How the other ISAs compare:
 *  - simd_add, long_running_operation: bit-identical in every ISA (for NaN results only
 *    "is NaN" is guaranteed, not the payload).
 *  - simd_sum, simd_dot, and the sums inside process_data / batch_process / process_batch:
 *    also accumulated in double, but vector ISAs add in a different (blocked) order, so the
 *    last bits can differ; each function states its bound. For a given ISA the order depends
 *    only on `len`, never on the buffers' alignment or the number of threads, so repeated
 *    calls are deterministic.
 *  - simd_axpy: avx2 and avx512 round once (fused multiply-add); scalar and sse2 (which has
 *    no FMA) round twice, with bit-identical results; see its bound.
 * Below, ulp(v) is the spacing of floats at |v|: FLT_EPSILON * 2^e for 2^e <= |v| < 2^(e+1)
 * in the normal range, FLT_TRUE_MIN below FLT_MIN. The bounds are meant to be evaluated in
 * double (or wider).
 * ====================================================================================== */

/* result[i] = a[i] + b[i] (float addition, IEEE round-to-nearest) for i = 0 .. len-1;
 * identical results in every ISA. result may be the same pointer as a and/or b (in place);
 * any other overlap is undefined. No alignment beyond float's is required.
 * Large outputs: when len * sizeof(float) >= 8 MiB and result is neither a nor b, the vector
 * ISAs write `result` with non-temporal (streaming) stores, which skip the cache: about 1.4x
 * the bandwidth of regular stores for DRAM-sized arrays, but a following read of `result`
 * comes from memory. A store fence runs before the call returns, so the stores are visible
 * to the caller, and to threads it synchronises with, exactly as regular stores are.
 * Thread-safe for distinct output buffers.
 * Returns:
 *  SUCCESS               len == 0 (pointers may be NULL), or all elements written.
 *  ERR_INVALID_ARGUMENT  the ISA dispatch is in the error state; nothing written.
 *  ERR_NULL_POINTER      a, b or result is NULL and len > 0.
 *  ERR_INVALID_SIZE      len > SIZE_MAX / sizeof(float). */
FFIKIT_API ErrorCode simd_add(const float *a, const float *b, float *result, size_t len);

/* Dot product: *result = sum over i of (double)a[i] * (double)b[i], accumulated in double.
 * Each product is exact (a float times a float always fits a double), so only the additions
 * round. The scalar ISA adds left to right; vector ISAs keep several partial sums.
 * Error bound: with P = sum of |a[i] * b[i]| (exact products), every ISA's result is within
 * (len - 1) * DBL_EPSILON * P of the exact dot product, hence
 *   |result_isa - result_scalar| <= 2 * len * DBL_EPSILON * P
 * (in particular <= len * FLT_EPSILON * P). No intermediate overflows (|products| < 2^256).
 * NaN or infinite inputs give the same class of result in every ISA: NaN if some product is
 * NaN (a NaN input, or 0 * Inf) or both +Inf and -Inf products occur; otherwise an infinite
 * product gives that infinity.
 * a and b may be the same pointer (sum of squares); only read. Thread-safe.
 * Checked in this order:
 *  ERR_INVALID_ARGUMENT  the ISA dispatch is in the error state; *result not written.
 *  ERR_NULL_POINTER      result is NULL (also when len == 0: an empty dot product still has a
 *                        value to deliver).
 *  SUCCESS               len == 0: *result = 0.0 (a and b may be NULL).
 *  ERR_NULL_POINTER      a or b is NULL; *result not written.
 *  ERR_INVALID_SIZE      len > SIZE_MAX / sizeof(float); *result not written.
 *  SUCCESS               *result written. */
FFIKIT_API ErrorCode simd_dot(const float *a, const float *b, size_t len, double *result);

/* Scaled add (BLAS saxpy), in place: y[i] = alpha * x[i] + y[i] for i = 0 .. len-1.
 * The scalar and sse2 ISAs round twice, (float)((float)(alpha * x[i]) + y[i]); avx2 and avx512
 * use one fused multiply-add, fmaf(alpha, x[i], y[i]), rounded once (more accurate).
 * Error bound, per element, with y0 = y[i] before the call and p = alpha * x[i] (exact in
 * double):
 *  - if p and y0 do not have opposite signs (or either is zero), the two results are equal
 *    or adjacent floats: |y_isa - y_scalar| <= ulp(max(|y_isa|, |y_scalar|));
 *  - in general (with cancellation the rounding of p can dominate a small result, so the
 *    difference can be many ulps of the result):
 *      |y_isa - y_scalar| <= FLT_EPSILON * (|p| + max(|y_isa|, |y_scalar|)) + FLT_TRUE_MIN;
 *  - except when |p| exceeds FLT_MAX: the scalar ISA's rounded product is then +-Inf, so its
 *    result is +-Inf (or NaN), while the fused result can be finite (e.g. alpha = 2,
 *    x[i] = 3e38, y[i] = -3e38 gives +Inf in scalar, 3e38 with avx2/avx512).
 * NaN and Inf in alpha, x or y propagate per IEEE; nothing is rejected.
 * x may be the same pointer as y (then y[i] = alpha * y[i] + y[i]); any other overlap is
 * undefined. Thread-safe for distinct y buffers.
 * Returns:
 *  SUCCESS               len == 0 (x and y may be NULL), or all elements updated.
 *  ERR_INVALID_ARGUMENT  the ISA dispatch is in the error state; nothing written.
 *  ERR_NULL_POINTER      x or y is NULL and len > 0; nothing written.
 *  ERR_INVALID_SIZE      len > SIZE_MAX / sizeof(float); nothing written. */
FFIKIT_API ErrorCode simd_axpy(float alpha, const float *x, float *y, size_t len);

/* Sum: *result = data[0] + ... + data[len-1], accumulated in double (the same kernel that
 * process_data and process_batch use). The scalar ISA adds left to right; vector ISAs keep
 * several partial sums.
 * Error bound: with A = sum of |data[i]|, every ISA's result is within
 * (len - 1) * DBL_EPSILON * A of the exact sum, hence
 *   |result_isa - result_scalar| <= 2 * len * DBL_EPSILON * A
 * (in particular <= len * FLT_EPSILON * A). The double accumulator cannot overflow.
 * NaN input, or both +Inf and -Inf, give NaN in every ISA; otherwise an infinite input gives
 * that infinity. Only reads data. Thread-safe.
 * Checked in this order:
 *  ERR_INVALID_ARGUMENT  the ISA dispatch is in the error state; *result not written.
 *  ERR_NULL_POINTER      result is NULL (also when len == 0).
 *  SUCCESS               len == 0: *result = 0.0 (data may be NULL).
 *  ERR_NULL_POINTER      data is NULL; *result not written.
 *  ERR_INVALID_SIZE      len > SIZE_MAX / sizeof(float); *result not written.
 *  SUCCESS               *result written. */
FFIKIT_API ErrorCode simd_sum(const float *data, size_t len, double *result);

/* Normalises `data` in place to zero mean and unit population standard deviation:
 *   mean = (sum of data[i]) / len                          (in double)
 *   var  = (sum of (data[i] - mean)^2) / len               (in double, two-pass)
 *   std  = sqrt(var)
 *   data[i] = (float)(((double)data[i] - mean) / std)      if std > 0
 *   data[i] = 0.0f                                         if std == 0 (e.g. len == 1 or
 *                                                          all elements equal)
 * All elements are checked first: if any is NaN or +-Inf nothing is written.
 * Across ISAs: the two sums are accumulated in an ISA-specific order (see simd_sum), the
 * final pass is identical. All elements equal (std == 0) gives exactly 0.0f in every ISA.
 * Otherwise, with M = (sum of |data[i]|) / len and std the population standard deviation of
 * the input (both as computed by the scalar ISA, or exactly: the difference is negligible
 * here), and provided the data is not nearly constant relative to its magnitude, i.e.
 * kappa = len * DBL_EPSILON * M / std <= 1/8, each output element satisfies
 *   |y_isa - y_scalar| <= FLT_EPSILON * max(|y_isa|, |y_scalar|)
 *                         + 4 * len * DBL_EPSILON * (1 + M / std) * (1 + |y_scalar|)
 * (the first term is one float rounding, the second the propagated mean/std difference). For
 * kappa > 1/8 (for example a million copies of 1e6f with a few neighbouring floats mixed in)
 * the mean's rounding is comparable to the spread itself and the ISAs' outputs may differ
 * by more. Thread-safe for distinct buffers.
 * Returns:
 *  SUCCESS               len == 0 (data may be NULL), or normalised.
 *  ERR_INVALID_ARGUMENT  the ISA dispatch is in the error state, or some element is not
 *                        finite; data unchanged.
 *  ERR_NULL_POINTER      data is NULL and len > 0.
 *  ERR_INVALID_SIZE      len > SIZE_MAX / sizeof(float). */
FFIKIT_API ErrorCode process_data(float *data, size_t len);

/* Applies process_data() to each of `batch_size` rows of `item_size` floats stored row-major
 * (row b is data[b * item_size .. (b + 1) * item_size)), rows in increasing order. Stops at
 * the first row process_data() rejects and returns its error: rows before it are already
 * normalised, that row and all later rows are unchanged. Thread-safe for distinct buffers.
 * Returns:
 *  SUCCESS               batch_size == 0 or item_size == 0 (data may be NULL), or all rows
 *                        normalised.
 *  ERR_INVALID_ARGUMENT  the ISA dispatch is in the error state (nothing written), or the
 *                        first rejected row contains a NaN/Inf (see above).
 *  ERR_NULL_POINTER      data is NULL and batch_size * item_size > 0.
 *  ERR_INVALID_SIZE      batch_size * item_size overflows size_t, or its byte count does. */
FFIKIT_API ErrorCode batch_process(float *data, size_t batch_size, size_t item_size);

/* Ragged batch sum: for i = 0 .. num_items-1,
 *   results[i] = (float)(data[offsets[i]] + ... + data[offsets[i] + lengths[i] - 1])
 * summed in double (0.0f for an empty item; +-Inf if the double sum exceeds the float range;
 * NaN/Inf inputs propagate, they are not rejected). Items may overlap or repeat in `data`.
 * The caller guarantees that `data` holds at least max(offsets[i] + lengths[i]) floats over
 * the items with lengths[i] > 0 (the library cannot check this); `results` holds num_items
 * floats and must not overlap data, offsets or lengths.
 * Every item is validated before any work starts, so on error nothing is written.
 * Large batches (total element count >= 65536) are spread over up to
 * std::thread::hardware_concurrency() worker threads (contiguous ranges of items with
 * roughly equal element counts); smaller ones run on the calling thread, as does all work if
 * a thread cannot be started. Results do not depend on the number of threads.
 * Across ISAs (the sum is simd_sum's): with A_i = sum of |x| over item i's elements and
 * R_i = max(|results_isa[i]|, |results_scalar[i]|),
 *   |results_isa[i] - results_scalar[i]| <= 2 * lengths[i] * DBL_EPSILON * A_i
 *                                           + FLT_EPSILON * R_i
 * unless the double sum lies within that distance of the float overflow threshold (one ISA
 * may then round to +-FLT_MAX, the other to +-Inf).
 * Thread-safe for distinct output buffers.
 * Checked in this order (the first failing check decides):
 *  ERR_INVALID_ARGUMENT  the ISA dispatch is in the error state.
 *  SUCCESS               num_items == 0 (all pointers may be NULL; nothing written).
 *  ERR_NULL_POINTER      offsets, lengths or results is NULL.
 *  ERR_INVALID_SIZE      num_items * sizeof(size_t) overflows size_t.
 *  ERR_NULL_POINTER      data is NULL while some lengths[i] > 0 (data may be NULL if every
 *                        length is 0).
 *  ERR_INVALID_SIZE      for some item (empty ones included) offsets[i] + lengths[i]
 *                        overflows size_t, or that end index * sizeof(float) does.
 *  SUCCESS               all results written.
 *  ERR_INTERNAL          a worker thread could not be joined (never observed; results are
 *                        then unspecified). */
FFIKIT_API ErrorCode process_batch(const float *data, const size_t *offsets, const size_t *lengths,
                                   size_t num_items, float *results);

/* CPU-bound reference workload whose run time is proportional to len: 64 passes
 * (kLongRunningPasses) over the whole array, each doing, for every i,
 *   data[i] = data[i] * 0.5f + 1.0f
 * in float arithmetic with each operation rounded to float (no fused multiply-add). To
 * reproduce it exactly in JavaScript, apply 64 times:
 *   x = Math.fround(Math.fround(x * 0.5) + 1)
 * Mathematically x_64 = 2 + (x_0 - 2) * 2^-64, so the value converges to 2: every finite
 * input with |x_0| <= 2^40 (about 1.1e12, verified exhaustively around the bound) ends
 * exactly at 2.0f, as do +-0 and subnormals; larger finite inputs end near
 * x_0 * 2^-64 + 2 (e.g. 3e38f -> 1.62630326e19f); NaN stays NaN, +Inf stays +Inf, -Inf
 * stays -Inf. Every ISA gives bit-identical results (the vector kernels also round the
 * multiply and the add separately). The passes are never merged by the compiler, so the
 * work really is 64 * len element updates.
 * Thread-safe for distinct buffers.
 * Returns:
 *  SUCCESS               len == 0 (data may be NULL), or all passes done.
 *  ERR_INVALID_ARGUMENT  the ISA dispatch is in the error state; nothing written.
 *  ERR_NULL_POINTER      data is NULL and len > 0.
 *  ERR_INVALID_SIZE      len > SIZE_MAX / sizeof(float). */
FFIKIT_API ErrorCode long_running_operation(float *data, size_t len);

/* ======================================================================================
 * Callbacks from a foreign thread, and polled progress
 * ====================================================================================== */

/* Event kinds passed to an EventCallback. */
#define FFIKIT_EVENT_TICK 1

/* Called by the event source's own thread (never the thread that started it): kind is
 * FFIKIT_EVENT_TICK, value the 1-based sequence number. A host that runs callbacks on one thread
 * (Node.js) queues the call there and the event thread blocks until it returns. */
typedef void (*EventCallback)(int32_t kind, int64_t value);

/* Starts the library's one event source: a background thread that calls callback(FFIKIT_EVENT_TICK,
 * n) for n = 1, 2, ... every interval_us microseconds (0: back to back), until max_events calls
 * were made (max_events <= 0: until stopped). The thread is owned by the library; stop it with
 * ffikit_events_stop(), which also joins it. Thread-safe: at most one event thread exists at any
 * time, so a start racing a stop on another thread either fails or starts after the old thread
 * was joined.
 * Shutdown protocol for hosts whose callbacks run on one thread (Node.js): stop issuing and join
 * from ANOTHER thread than the one running callbacks (the event thread may be blocked waiting for
 * it), only then unregister the callback, then unload the library.
 * Returns:
 *  SUCCESS               the thread started.
 *  ERR_NULL_POINTER      callback is NULL.
 *  ERR_INVALID_ARGUMENT  a source is already running, or another thread's ffikit_events_stop()
 *                        is still joining it (stop it first: that call waits for the join).
 *  ERR_OUT_OF_MEMORY / ERR_INTERNAL  the thread could not be started; nothing changed. */
FFIKIT_API ErrorCode ffikit_events_start(EventCallback callback, uint32_t interval_us,
                                         int64_t max_events);

/* Stops issuing events and joins the event thread: after SUCCESS the callback is never called
 * again and may be released. Blocks until an in-flight callback returns. SUCCESS when no source
 * is running (idempotent). Thread-safe: when several threads stop at once, one joins and the
 * others wait for that join, so every SUCCESS carries the same guarantee. Must not be called
 * from the event thread itself.
 * Returns:
 *  SUCCESS               stopped and joined (or nothing was running).
 *  ERR_INVALID_ARGUMENT  called from inside the callback, on the event thread (would deadlock),
 *                        while the source is running or being joined.
 *  ERR_INTERNAL          the join failed (never observed). */
FFIKIT_API ErrorCode ffikit_events_stop(void);

/* 1 while a started source has not been stopped (it may have finished max_events) or a stop is
 * still joining its thread, else 0. Thread-safe. */
FFIKIT_API int32_t ffikit_events_running(void);

/* Number of callbacks completed since the last ffikit_events_start(). Thread-safe. */
FFIKIT_API int64_t ffikit_events_emitted(void);

/* Same work as process_with_callback() (data[i] *= 2.0), but reports progress by storing i + 1
 * into *progress after each element (an atomic release store) instead of calling back: a host
 * can poll it from another thread, or from JS through shared or native memory, at the cost of a
 * plain store per element. *progress is set to 0 for len == 0. Thread-safe for distinct buffers.
 * Returns:
 *  SUCCESS           done (*progress == len).
 *  ERR_NULL_POINTER  progress is NULL, or data is NULL and len > 0.
 *  ERR_INVALID_SIZE  len > SIZE_MAX / sizeof(double). */
FFIKIT_API ErrorCode process_with_progress(double *data, size_t len, uint64_t *progress);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* FFIKIT_REF_H */
