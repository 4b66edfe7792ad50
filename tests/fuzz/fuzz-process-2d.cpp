// libFuzzer harness for process_2d: rows/cols from the input, including products that overflow
// size_t or its byte count, NULL data, and arbitrary double bit patterns in the matrix.
//
// A shape whose element count fits but exceeds the harness's buffer cap is skipped: calling with
// a smaller buffer would be undefined behaviour, and allocating it would only test malloc.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "fuzz-common.h"

namespace {

constexpr size_t kMaxElements = size_t{1} << 16;

// Mostly small dimensions, sometimes ones whose product overflows.
size_t Dimension(fuzz::Input &in) {
  const uint8_t mode = in.Byte();
  switch (mode % 6) {
    case 0:
      return 0;
    case 1:
      return fuzz::kSizeMax - in.Upto(1 << 16);
    case 2:
      return (fuzz::kSizeMax / sizeof(double)) / (1 + in.Upto(1 << 16)) + in.Upto(8);
    case 3:
      return size_t{1} << (in.Byte() % 64);
    default:
      return 1 + in.Upto(512);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t size) {
  fuzz::Input in(bytes, size);
  const size_t rows = Dimension(in);
  const size_t cols = Dimension(in);
  const bool null_data = (in.Byte() & 7) == 0;
  const size_t shift = in.Byte() % 8;

  size_t count = 0;
  const bool product_fits = cols == 0 || rows <= fuzz::kSizeMax / cols;
  if (product_fits) count = rows * cols;
  const bool bytes_fit = product_fits && count <= fuzz::kSizeMax / sizeof(double);

  ErrorCode expected;
  if (rows == 0 || cols == 0) {
    expected = SUCCESS;
  } else if (null_data) {
    expected = ERR_NULL_POINTER;
  } else if (!bytes_fit) {
    expected = ERR_INVALID_SIZE;
  } else if (count <= kMaxElements) {
    expected = SUCCESS;
  } else {
    return 0;  // a real buffer of that size is out of scope
  }

  // The library may only touch rows * cols elements, and none at all unless it succeeds.
  const size_t buffer_len = expected == SUCCESS ? count : 4;
  fuzz::Buffer<double> data(buffer_len, shift);
  std::vector<double> before(buffer_len);
  for (size_t i = 0; i < buffer_len; ++i) before[i] = data[i] = in.Double();

  const ErrorCode status = process_2d(null_data ? nullptr : data.data(), rows, cols);
  if (status != expected) {
    std::fprintf(stderr, "process_2d(%zu, %zu): status %d, expected %d\n", rows, cols, status,
                 expected);
    FUZZ_CHECK(status == expected);
  }
  if (status != SUCCESS || count == 0) {
    for (size_t i = 0; i < buffer_len; ++i) FUZZ_CHECK(fuzz::SameValue(data[i], before[i]));
    return 0;
  }
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < cols; ++c) {
      const double want =
          before[r * cols + c] + (static_cast<double>(r) * 1000.0 + static_cast<double>(c));
      FUZZ_CHECK(fuzz::SameValue(data[r * cols + c], want));
    }
  }
  return 0;
}
