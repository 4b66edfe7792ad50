// Entry points of the float kernels: argument checks here, arithmetic in the dispatch table.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <thread>

#include "internal.h"
#include "kernels.h"

namespace ffikit {
namespace {

// Documented in the header as the exact workload of long_running_operation().
constexpr int kLongRunningPasses = 64;

// Below this many elements a thread's start-up cost (tens of microseconds) outweighs the sum.
constexpr size_t kParallelThreshold = size_t{1} << 16;
constexpr size_t kMinElementsPerWorker = size_t{1} << 15;
// Bounds the stack array of std::thread, so spreading work needs no heap allocation.
constexpr size_t kMaxWorkers = 64;

size_t SaturatingAdd(size_t a, size_t b) noexcept {
  size_t sum = 0;
  return CheckedAdd(a, b, &sum) ? sum : SIZE_MAX;
}

// Shared by process_data and batch_process so a batch row behaves exactly like a single call.
ErrorCode NormalizeRow(const KernelTable &kernels, float *data, size_t len) noexcept {
  if (len == 0) return SUCCESS;
  if (!kernels.all_finite_f32(data, len)) return ERR_INVALID_ARGUMENT;
  const double count = static_cast<double>(len);
  const double mean = kernels.sum_f32(data, len) / count;
  const double variance = kernels.sum_sq_dev_f32(data, len, mean) / count;
  const double std_dev = std::sqrt(variance);
  if (std_dev > 0.0) {
    kernels.normalize_f32(data, len, mean, std_dev);
  } else {
    std::fill_n(data, len, 0.0f);
  }
  return SUCCESS;
}

void SumItems(const KernelTable *kernels, const float *data, const size_t *offsets,
              const size_t *lengths, size_t begin, size_t end, float *results) noexcept {
  for (size_t i = begin; i < end; ++i) {
    // Empty items skip the kernel: data may legitimately be NULL for them, and NULL + offset
    // would already be undefined.
    results[i] = lengths[i] == 0
                     ? 0.0f
                     : static_cast<float>(kernels->sum_f32(data + offsets[i], lengths[i]));
  }
}

// Cuts [0, num_items) into `workers` contiguous ranges of roughly total / workers elements;
// range w is [bounds[w], bounds[w + 1]). A range may be empty when one item spans several
// shares, which keeps the remaining ranges balanced.
void PartitionByElements(const size_t *lengths, size_t num_items, size_t total, size_t workers,
                         size_t *bounds) noexcept {
  const size_t share = total / workers;
  size_t range = 0;
  size_t accumulated = 0;
  bounds[0] = 0;
  for (size_t i = 0; i < num_items && range + 1 < workers; ++i) {
    accumulated = SaturatingAdd(accumulated, lengths[i]);
    while (range + 1 < workers && accumulated >= share * (range + 1)) bounds[++range] = i + 1;
  }
  while (range < workers) bounds[++range] = num_items;
}

ErrorCode SumItemsParallel(const KernelTable *kernels, const float *data, const size_t *offsets,
                           const size_t *lengths, size_t num_items, size_t total,
                           float *results) noexcept {
  const size_t hardware = std::max<size_t>(1, std::thread::hardware_concurrency());
  const size_t workers =
      std::min({hardware, kMaxWorkers, num_items, total / kMinElementsPerWorker});
  if (total < kParallelThreshold || workers < 2) {
    SumItems(kernels, data, offsets, lengths, 0, num_items, results);
    return SUCCESS;
  }

  size_t bounds[kMaxWorkers + 1];
  PartitionByElements(lengths, num_items, total, workers, bounds);

  // The calling thread takes the last range itself, plus every range whose thread could not
  // be started: running out of threads degrades speed, never correctness.
  std::thread threads[kMaxWorkers];
  size_t launched = 0;
  for (; launched + 1 < workers; ++launched) {
    const size_t begin = bounds[launched];
    const size_t end = bounds[launched + 1];
    if (begin == end) continue;
    try {
      BeforeThreadStart();
      threads[launched] =
          std::thread(SumItems, kernels, data, offsets, lengths, begin, end, results);
    } catch (...) {
      break;
    }
  }
  SumItems(kernels, data, offsets, lengths, bounds[launched], num_items, results);

  ErrorCode status = SUCCESS;
  for (size_t w = 0; w < launched; ++w) {
    if (!threads[w].joinable()) continue;
    try {
      threads[w].join();
    } catch (...) {
      // Unreachable in practice (join only fails on deadlock / invalid thread); detaching
      // avoids std::terminate from ~thread, and the caller is told the results are suspect.
      try {
        threads[w].detach();
      } catch (...) {
      }
      status = ERR_INTERNAL;
    }
  }
  return status;
}

}  // namespace
}  // namespace ffikit

extern "C" {

FFIKIT_API ErrorCode simd_add(const float *a, const float *b, float *result, size_t len) {
  return ffikit::Guarded([&]() -> ErrorCode {
    const ffikit::KernelTable *kernels = ffikit::ActiveKernels();
    if (kernels == nullptr) return ERR_INVALID_ARGUMENT;
    if (len == 0) return SUCCESS;
    if (a == nullptr || b == nullptr || result == nullptr) return ERR_NULL_POINTER;
    if (!ffikit::ElementCountFits<float>(len)) return ERR_INVALID_SIZE;
    kernels->add_f32(a, b, result, len);
    return SUCCESS;
  });
}

FFIKIT_API ErrorCode simd_dot(const float *a, const float *b, size_t len, double *result) {
  return ffikit::Guarded([&]() -> ErrorCode {
    const ffikit::KernelTable *kernels = ffikit::ActiveKernels();
    if (kernels == nullptr) return ERR_INVALID_ARGUMENT;
    // The out-parameter is checked before the zero-length shortcut: an empty dot product
    // still has a value (0.0) to deliver.
    if (result == nullptr) return ERR_NULL_POINTER;
    if (len == 0) {
      *result = 0.0;
      return SUCCESS;
    }
    if (a == nullptr || b == nullptr) return ERR_NULL_POINTER;
    if (!ffikit::ElementCountFits<float>(len)) return ERR_INVALID_SIZE;
    *result = kernels->dot_f32(a, b, len);
    return SUCCESS;
  });
}

FFIKIT_API ErrorCode simd_axpy(float alpha, const float *x, float *y, size_t len) {
  return ffikit::Guarded([&]() -> ErrorCode {
    const ffikit::KernelTable *kernels = ffikit::ActiveKernels();
    if (kernels == nullptr) return ERR_INVALID_ARGUMENT;
    if (len == 0) return SUCCESS;
    if (x == nullptr || y == nullptr) return ERR_NULL_POINTER;
    if (!ffikit::ElementCountFits<float>(len)) return ERR_INVALID_SIZE;
    kernels->axpy_f32(alpha, x, y, len);
    return SUCCESS;
  });
}

FFIKIT_API ErrorCode simd_sum(const float *data, size_t len, double *result) {
  return ffikit::Guarded([&]() -> ErrorCode {
    const ffikit::KernelTable *kernels = ffikit::ActiveKernels();
    if (kernels == nullptr) return ERR_INVALID_ARGUMENT;
    if (result == nullptr) return ERR_NULL_POINTER;  // before len == 0, as in simd_dot
    if (len == 0) {
      *result = 0.0;
      return SUCCESS;
    }
    if (data == nullptr) return ERR_NULL_POINTER;
    if (!ffikit::ElementCountFits<float>(len)) return ERR_INVALID_SIZE;
    *result = kernels->sum_f32(data, len);
    return SUCCESS;
  });
}

FFIKIT_API ErrorCode process_data(float *data, size_t len) {
  return ffikit::Guarded([&]() -> ErrorCode {
    const ffikit::KernelTable *kernels = ffikit::ActiveKernels();
    if (kernels == nullptr) return ERR_INVALID_ARGUMENT;
    if (len == 0) return SUCCESS;
    if (data == nullptr) return ERR_NULL_POINTER;
    if (!ffikit::ElementCountFits<float>(len)) return ERR_INVALID_SIZE;
    return ffikit::NormalizeRow(*kernels, data, len);
  });
}

FFIKIT_API ErrorCode batch_process(float *data, size_t batch_size, size_t item_size) {
  return ffikit::Guarded([&]() -> ErrorCode {
    const ffikit::KernelTable *kernels = ffikit::ActiveKernels();
    if (kernels == nullptr) return ERR_INVALID_ARGUMENT;
    if (batch_size == 0 || item_size == 0) return SUCCESS;
    if (data == nullptr) return ERR_NULL_POINTER;
    size_t count = 0;
    if (!ffikit::CheckedMul(batch_size, item_size, &count) ||
        !ffikit::ElementCountFits<float>(count)) {
      return ERR_INVALID_SIZE;
    }
    for (size_t row = 0; row < batch_size; ++row) {
      const ErrorCode status = ffikit::NormalizeRow(*kernels, data + row * item_size, item_size);
      if (status != SUCCESS) return status;
    }
    return SUCCESS;
  });
}

FFIKIT_API ErrorCode process_batch(const float *data, const size_t *offsets, const size_t *lengths,
                                   size_t num_items, float *results) {
  return ffikit::Guarded([&]() -> ErrorCode {
    const ffikit::KernelTable *kernels = ffikit::ActiveKernels();
    if (kernels == nullptr) return ERR_INVALID_ARGUMENT;
    if (num_items == 0) return SUCCESS;
    if (offsets == nullptr || lengths == nullptr || results == nullptr) return ERR_NULL_POINTER;
    if (!ffikit::ElementCountFits<size_t>(num_items)) return ERR_INVALID_SIZE;

    // One validation pass over every item before any result is written, so a bad item late in
    // the batch cannot leave earlier results half-updated.
    bool any_nonempty = false;
    bool overflow = false;
    size_t total = 0;
    for (size_t i = 0; i < num_items; ++i) {
      size_t end = 0;
      if (!ffikit::CheckedAdd(offsets[i], lengths[i], &end) ||
          !ffikit::ElementCountFits<float>(end)) {
        overflow = true;
      }
      any_nonempty = any_nonempty || lengths[i] != 0;
      total = ffikit::SaturatingAdd(total, lengths[i]);
    }
    if (data == nullptr && any_nonempty) return ERR_NULL_POINTER;
    if (overflow) return ERR_INVALID_SIZE;

    return ffikit::SumItemsParallel(kernels, data, offsets, lengths, num_items, total, results);
  });
}

FFIKIT_API ErrorCode long_running_operation(float *data, size_t len) {
  return ffikit::Guarded([&]() -> ErrorCode {
    const ffikit::KernelTable *kernels = ffikit::ActiveKernels();
    if (kernels == nullptr) return ERR_INVALID_ARGUMENT;
    if (len == 0) return SUCCESS;
    if (data == nullptr) return ERR_NULL_POINTER;
    if (!ffikit::ElementCountFits<float>(len)) return ERR_INVALID_SIZE;
    for (int pass = 0; pass < ffikit::kLongRunningPasses; ++pass) {
      kernels->affine_f32(data, len, 0.5f, 1.0f);
      // Without this, a compiler that can see the kernel (LTO, or a future inlined ISA path)
      // could fuse the passes into one, and the "long-running" call would no longer scale
      // with len * 64.
      FFIKIT_COMPILER_BARRIER(data);
    }
    return SUCCESS;
  });
}

}  // extern "C"
