// The process-wide Processor singleton: call counter and running total behind one mutex.
#include <cstdint>
#include <mutex>

#include "internal.h"

namespace ffikit {
namespace {

class Processor {
 public:
  // A function-local static: C++11 guarantees exactly one thread constructs it, and it needs
  // no heap allocation (so it never shows up in ffikit_live_allocations()).
  static Processor &Instance() noexcept {
    static Processor instance;
    return instance;
  }

  // Not noexcept: std::mutex::lock may throw std::system_error, which the caller's guard maps
  // to an ErrorCode instead of std::terminate.
  void Record(const double *data, size_t len) {
    std::lock_guard<std::mutex> lock(mutex_);
    // The read-modify-write is spelled out as load, compute, store with the element sum in
    // between on purpose: this is the reference for the tutorial's race demonstration, where
    // a copy of this function without the lock (a test fixture) must visibly lose updates.
    const uint64_t calls_before = calls_;
    const double total_before = total_;
    double sum = 0.0;
    for (size_t i = 0; i < len; ++i) sum += data[i];
    const uint64_t calls_after = calls_before + 1;
    calls_ = calls_after;
    total_ = total_before + sum;
  }

  void Snapshot(uint64_t *calls, double *total) {
    std::lock_guard<std::mutex> lock(mutex_);
    *calls = calls_;
    *total = total_;
  }

  void Reset() {
    std::lock_guard<std::mutex> lock(mutex_);
    calls_ = 0;
    total_ = 0.0;
  }

 private:
  Processor() = default;

  std::mutex mutex_;
  uint64_t calls_ = 0;
  double total_ = 0.0;
};

}  // namespace
}  // namespace ffikit

extern "C" {

FFIKIT_API ErrorCode thread_safe_process(double *data, size_t len) {
  return ffikit::Guarded([&]() -> ErrorCode {
    if (len != 0 && data == nullptr) return ERR_NULL_POINTER;
    if (!ffikit::ElementCountFits<double>(len)) return ERR_INVALID_SIZE;
    ffikit::Processor::Instance().Record(data, len);
    return SUCCESS;
  });
}

FFIKIT_API ErrorCode ffikit_processor_stats(uint64_t *calls, double *total) {
  return ffikit::Guarded([&]() -> ErrorCode {
    if (calls == nullptr || total == nullptr) return ERR_NULL_POINTER;
    ffikit::Processor::Instance().Snapshot(calls, total);
    return SUCCESS;
  });
}

FFIKIT_API void ffikit_processor_reset(void) {
  // A void function cannot report a failed lock; swallowing it beats terminating the host.
  try {
    ffikit::Processor::Instance().Reset();
  } catch (...) {
  }
}

}  // extern "C"
