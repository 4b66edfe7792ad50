// Counting allocator and the library-owned array API (create_array / free_array).
#include <atomic>
#include <cstdlib>

#include "internal.h"

namespace ffikit {
namespace {

// Relaxed is enough: the counter orders nothing, it only has to be exact once callers have
// synchronised among themselves.
std::atomic<int64_t> g_live_allocations{0};

}  // namespace

void *CountedCalloc(size_t count, size_t size) noexcept {
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

}  // extern "C"
