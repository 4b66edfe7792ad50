// Internal helpers shared by the library's translation units (never installed or exported).
#ifndef FFIKIT_SRC_INTERNAL_H
#define FFIKIT_SRC_INTERNAL_H

#include <cstddef>
#include <cstdint>
#include <limits>
#include <new>

#include "ffikit_ref.h"

namespace ffikit {

// Byte counts are what actually overflow in the allocator / pointer arithmetic, so every
// element count is validated against the largest count whose byte size still fits size_t.
template <typename T>
constexpr bool ElementCountFits(size_t count) noexcept {
  return count <= std::numeric_limits<size_t>::max() / sizeof(T);
}

// Returns false instead of wrapping, so callers can report ERR_INVALID_SIZE.
inline bool CheckedMul(size_t a, size_t b, size_t *out) noexcept {
  if (a != 0 && b > std::numeric_limits<size_t>::max() / a) return false;
  *out = a * b;
  return true;
}

inline bool CheckedAdd(size_t a, size_t b, size_t *out) noexcept {
  if (b > std::numeric_limits<size_t>::max() - a) return false;
  *out = a + b;
  return true;
}

// Every exported function body runs inside one of these so that no C++ exception can cross
// the C ABI (that would be undefined behaviour for the FFI caller, typically a crash).
template <typename Body>
ErrorCode Guarded(Body &&body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc &) {
    return ERR_OUT_OF_MEMORY;
  } catch (...) {
    return ERR_INTERNAL;
  }
}

// Counting allocator: the only heap allocations whose lifetime crosses a call boundary go
// through these, so ffikit_live_allocations() can prove the absence of leaks from the FFI side.
// CountedCalloc returns nullptr on failure (including an injected one, see below).
void *CountedCalloc(size_t count, size_t size) noexcept;
void CountedFree(void *ptr) noexcept;
int64_t LiveAllocations() noexcept;

// Allocation fault injection (cpp/include/ffikit_ref_fault.h), compiled in only by
// -DFFIKIT_FAULT_INJECTION=ON: true when the allocation being attempted must fail. Every
// allocation site of the library asks it once per attempt; release builds fold it to false.
#if defined(FFIKIT_FAULT_INJECTION)
bool FaultShouldFail() noexcept;
#else
constexpr bool FaultShouldFail() noexcept { return false; }
#endif

// Called right before constructing a std::thread. std::thread allocates its state with operator
// new, outside CountedCalloc, so the injector cannot fail that allocation itself; instead it
// fails here by throwing what that operator new would throw, which drives the same fallback
// (process_batch: the calling thread does the work; ffikit_events_start: ERR_OUT_OF_MEMORY).
inline void BeforeThreadStart() {
  if (FaultShouldFail()) throw std::bad_alloc();
}

struct KernelTable;

// The active dispatch table, or nullptr while FFIKIT_FORCE_ISA left the dispatch in the error
// state. Loaded once per call so a concurrent ffikit_simd_force() cannot mix two ISAs.
const KernelTable *ActiveKernels() noexcept;

}  // namespace ffikit

#endif  // FFIKIT_SRC_INTERNAL_H
