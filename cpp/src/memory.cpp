// Counting allocator, the library-owned array API (create_array / free_array) and, in test
// builds only, the allocation fault injector.
#include <atomic>
#include <cstdlib>

#include "internal.h"
#if defined(FFIKIT_FAULT_INJECTION)
#include "ffikit_ref_fault.h"
#endif

namespace ffikit {
namespace {

// Relaxed is enough: the counter orders nothing, it only has to be exact once callers have
// synchronised among themselves.
std::atomic<int64_t> g_live_allocations{0};

#if defined(FFIKIT_FAULT_INJECTION)
// Allocation attempts so far (1-based index of the latest), and the index that must fail (0:
// none). Comparing absolute indices makes the injection one-shot without a second write.
std::atomic<int64_t> g_allocation_attempts{0};
std::atomic<int64_t> g_fail_at{0};
#endif

}  // namespace

#if defined(FFIKIT_FAULT_INJECTION)
bool FaultShouldFail() noexcept {
  const int64_t attempt = g_allocation_attempts.fetch_add(1, std::memory_order_relaxed) + 1;
  return attempt == g_fail_at.load(std::memory_order_relaxed);
}
#endif

void *CountedCalloc(size_t count, size_t size) noexcept {
  if (FaultShouldFail()) return nullptr;
  // calloc checks count * size for overflow itself, and zero-fills for free on fresh pages.
  void *ptr = std::calloc(count, size);
  if (ptr != nullptr) g_live_allocations.fetch_add(1, std::memory_order_relaxed);
  return ptr;
}

void CountedFree(void *ptr) noexcept {
  if (ptr == nullptr) return;
  std::free(ptr);
  g_live_allocations.fetch_sub(1, std::memory_order_relaxed);
}

int64_t LiveAllocations() noexcept { return g_live_allocations.load(std::memory_order_relaxed); }

}  // namespace ffikit

extern "C" {

FFIKIT_API double *create_array(size_t len) {
  // Checked here too so the documented NULL cases do not depend on the C library's calloc.
  if (len == 0 || !ffikit::ElementCountFits<double>(len)) return nullptr;
  return static_cast<double *>(ffikit::CountedCalloc(len, sizeof(double)));
}

FFIKIT_API void free_array(double *arr) { ffikit::CountedFree(arr); }

FFIKIT_API int64_t ffikit_live_allocations(void) { return ffikit::LiveAllocations(); }

#if defined(FFIKIT_FAULT_INJECTION)
FFIKIT_API void ffikit_fault_fail_allocation(int64_t nth) {
  const int64_t base = ffikit::g_allocation_attempts.load(std::memory_order_relaxed);
  ffikit::g_fail_at.store(nth > 0 ? base + nth : 0, std::memory_order_relaxed);
}

FFIKIT_API int64_t ffikit_fault_allocations(void) {
  return ffikit::g_allocation_attempts.load(std::memory_order_relaxed);
}
#endif

}  // extern "C"
