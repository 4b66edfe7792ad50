// The double-precision array operations: progress callback, safe sqrt, 1-D and 2-D updates.
#include <cmath>
#include <cstdint>

#include "internal.h"

extern "C" {

FFIKIT_API ErrorCode process_with_callback(double *data, size_t len, ProgressCallback callback) {
  return ffikit::Guarded([&]() -> ErrorCode {
    if (len == 0) return SUCCESS;
    if (data == nullptr) return ERR_NULL_POINTER;
    // The callback reports positions as int; refusing up front beats reporting wrapped values.
    if (len > static_cast<size_t>(INT32_MAX)) return ERR_INVALID_SIZE;
    const int total = static_cast<int>(len);
    for (size_t i = 0; i < len; ++i) {
      data[i] *= 2.0;
      if (callback != nullptr) callback(static_cast<int>(i + 1), total);
    }
    return SUCCESS;
  });
}

FFIKIT_API ErrorCode safe_operation(double *arr, size_t len) {
  return ffikit::Guarded([&]() -> ErrorCode {
    if (arr == nullptr) return ERR_NULL_POINTER;
    if (len == 0 || !ffikit::ElementCountFits<double>(len)) return ERR_INVALID_SIZE;
    // Validate everything before writing anything: a failed call must leave the caller's data
    // exactly as it was, which a write-as-you-go loop cannot promise.
    for (size_t i = 0; i < len; ++i) {
      if (std::isnan(arr[i]) || arr[i] < 0.0) return ERR_INVALID_ARGUMENT;
    }
    for (size_t i = 0; i < len; ++i) arr[i] = std::sqrt(arr[i]);
    return SUCCESS;
  });
}

FFIKIT_API ErrorCode process_1d(double *data, size_t len) {
  return ffikit::Guarded([&]() -> ErrorCode {
    if (len == 0) return SUCCESS;
    if (data == nullptr) return ERR_NULL_POINTER;
    if (!ffikit::ElementCountFits<double>(len)) return ERR_INVALID_SIZE;
    for (size_t i = 0; i < len; ++i) data[i] = data[i] * 2.0;
    return SUCCESS;
  });
}

FFIKIT_API ErrorCode process_2d(double *data, size_t rows, size_t cols) {
  return ffikit::Guarded([&]() -> ErrorCode {
    if (rows == 0 || cols == 0) return SUCCESS;
    if (data == nullptr) return ERR_NULL_POINTER;
    size_t count = 0;
    if (!ffikit::CheckedMul(rows, cols, &count) || !ffikit::ElementCountFits<double>(count)) {
      return ERR_INVALID_SIZE;
    }
    for (size_t r = 0; r < rows; ++r) {
      // In double so that huge row indices cannot overflow an integer expression.
      const double row_offset = static_cast<double>(r) * 1000.0;
      double *row = data + r * cols;
      for (size_t c = 0; c < cols; ++c) row[c] += row_offset + static_cast<double>(c);
    }
    return SUCCESS;
  });
}

}  // extern "C"
