/* Test-only allocation fault injector of libffikit_ref (not part of the public ABI). */
#ifndef FFIKIT_REF_FAULT_H
#define FFIKIT_REF_FAULT_H

#include "ffikit_ref.h"

/* ======================================================================================
 * These two functions exist only in builds configured with -DFFIKIT_FAULT_INJECTION=ON (the
 * "fault" CMake preset, used by scripts/oom-sweep.sh). Release builds and prebuilds neither
 * define nor export them: resolve them dynamically (dlsym) if a harness must cope with both.
 *
 * Allocation points: every heap allocation the library makes goes through one counting
 * allocator, and each attempt is numbered 1, 2, 3, ... from library load:
 *  - create_array(): one attempt per call that passes its size checks.
 *  - each worker thread process_batch() starts, and the thread ffikit_events_start() starts.
 *    std::thread allocates its state with operator new, outside the library's allocator, so
 *    the injector fails the attempt just before that allocation by throwing std::bad_alloc
 *    (what the operator new would throw). The entry point's documented fallback then runs:
 *    process_batch() sums that worker's items on the calling thread and still succeeds;
 *    ffikit_events_start() returns ERR_OUT_OF_MEMORY and starts nothing.
 * Nothing else allocates (the Processor, the dispatch table and the event source's state are
 * static). Allocations made by the C and C++ runtimes on the library's behalf (the thread's
 * stack, TLS, pthread_create failing with EAGAIN) are not numbered: those failures surface as
 * std::system_error, which every entry point maps to ERR_INTERNAL or its thread fallback.
 * ====================================================================================== */

#ifdef __cplusplus
extern "C" {
#endif

/* Makes the nth allocation attempt from now fail, once: 1 fails the very next attempt, 2 the
 * one after, and so on. 0 or a negative value disarms the injector. Arming again replaces the
 * previous request. Thread-safe, but "from now" is only deterministic while no other thread
 * is inside the library. */
FFIKIT_API void ffikit_fault_fail_allocation(int64_t nth);

/* Returns the number of allocation attempts since the library was loaded, failed ones
 * (injected or real) included. A harness compares it before and after a call to learn how
 * many attempts the call made, and so whether an armed injection fired. Thread-safe. */
FFIKIT_API int64_t ffikit_fault_allocations(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* FFIKIT_REF_FAULT_H */
