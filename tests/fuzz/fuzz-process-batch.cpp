// libFuzzer harness for process_batch: ragged items with hostile offsets/lengths and NULLs.
//
// Items are valid (inside the data buffer, which is sized from the input too), empty with an
// arbitrary offset, or overflowing (offset + length, or its byte count, exceeds size_t): the only
// out-of-buffer items the header defines, because the library must refuse them before reading.
// Items that end past the buffer without overflowing are undefined behaviour and never built.
// The oracle: the documented order of checks, nothing written on error, and on success every
// result equal to the scalar reference (exactly for the scalar ISA, within the header's bound for
// the vector ISAs). Batches of 65536+ elements also run process_batch's worker threads.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "fuzz-common.h"

namespace {

constexpr size_t kMaxData = size_t{1} << 14;
constexpr size_t kMaxItems = 64;
constexpr float kSentinel = -7.25e-3f;

enum class ItemKind { kValid, kEmpty, kEndOverflow, kByteOverflow };

struct Item {
  size_t offset;
  size_t length;
  ItemKind kind;
};

Item MakeItem(fuzz::Input &in, size_t data_len) {
  const uint8_t mode = in.Byte();
  switch (mode % 8) {
    case 5: {
      // Empty: any offset whose end index still fits the byte count is fine, even past the data.
      const bool huge = in.Flag();
      const size_t offset = huge ? fuzz::kSizeMax - in.Upto(64) : in.Upto(data_len + 1000);
      const bool overflow = offset > fuzz::kSizeMax / sizeof(float);
      return {offset, 0, overflow ? ItemKind::kByteOverflow : ItemKind::kEmpty};
    }
    case 6: {
      // offset + length wraps around size_t.
      const size_t offset = fuzz::kSizeMax - in.Upto(1 << 20);
      const size_t length = fuzz::kSizeMax - offset + 1 + in.Upto(1 << 20);
      return {offset, length, ItemKind::kEndOverflow};
    }
    case 7: {
      // The end index fits size_t but its byte count does not.
      const size_t limit = fuzz::kSizeMax / sizeof(float);
      const size_t offset = in.Flag() ? in.Upto(data_len) : limit - in.Upto(1 << 20);
      const size_t end = limit + 1 + in.Upto(1 << 20);
      return {offset, end - offset, ItemKind::kByteOverflow};
    }
    default: {
      if (data_len == 0) return {in.Upto(16), 0, ItemKind::kEmpty};
      // Mode 0 favours long items, so several of them cross the parallel threshold.
      const size_t offset = mode % 8 == 0 ? in.Upto(data_len / 8) : in.Upto(data_len - 1);
      const size_t max_len = data_len - offset;
      const size_t length = mode % 8 == 0 ? max_len - in.Upto(max_len / 8) : in.Upto(max_len);
      return {offset, length, length == 0 ? ItemKind::kEmpty : ItemKind::kValid};
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t size) {
  fuzz::Input in(bytes, size);
  const char *isa = fuzz::ForceIsa(in.Byte());
  const uint8_t nulls = in.Byte();
  // Mostly short buffers (fast runs, many inputs); one in eight up to kMaxData, where long items
  // add up past the parallel threshold and worker threads start.
  const size_t data_len = in.Upto(in.Byte() % 8 == 0 ? kMaxData : 256);
  const size_t shift = in.Byte() % 16;
  const size_t num_items = in.Upto(kMaxItems);

  std::vector<Item> items;
  items.reserve(num_items);
  for (size_t i = 0; i < num_items; ++i) items.push_back(MakeItem(in, data_len));

  fuzz::Buffer<float> data(data_len, shift);
  for (size_t i = 0; i < data_len; ++i) data[i] = in.Float();
  fuzz::Buffer<size_t> offsets(num_items, 0);
  fuzz::Buffer<size_t> lengths(num_items, 0);
  fuzz::Buffer<float> results(num_items, in.Byte() % 4);
  bool any_nonempty = false;
  bool overflow = false;
  for (size_t i = 0; i < num_items; ++i) {
    offsets[i] = items[i].offset;
    lengths[i] = items[i].length;
    results[i] = kSentinel;
    any_nonempty = any_nonempty || items[i].length != 0;
    overflow = overflow || items[i].kind == ItemKind::kEndOverflow ||
               items[i].kind == ItemKind::kByteOverflow;
  }

  const float *data_ptr = (nulls & 1) ? nullptr : data.data();
  const size_t *offsets_ptr = (nulls & 2) ? nullptr : offsets.data();
  const size_t *lengths_ptr = (nulls & 4) ? nullptr : lengths.data();
  float *results_ptr = (nulls & 8) ? nullptr : results.data();

  // The header's order of checks.
  ErrorCode expected = SUCCESS;
  if (num_items == 0) {
    expected = SUCCESS;
  } else if (offsets_ptr == nullptr || lengths_ptr == nullptr || results_ptr == nullptr) {
    expected = ERR_NULL_POINTER;
  } else if (data_ptr == nullptr && any_nonempty) {
    expected = ERR_NULL_POINTER;
  } else if (overflow) {
    expected = ERR_INVALID_SIZE;
  }

  const ErrorCode status =
      process_batch(data_ptr, offsets_ptr, lengths_ptr, num_items, results_ptr);
  if (status != expected) {
    std::fprintf(stderr, "process_batch: status %d, expected %d (%zu items)\n", status, expected,
                 num_items);
    FUZZ_CHECK(status == expected);
  }

  for (size_t i = 0; i < num_items; ++i) {
    if (status != SUCCESS) {
      FUZZ_CHECK(fuzz::SameFloat(results[i], kSentinel));  // nothing written on error
      continue;
    }
    double sum = 0.0;
    double abs_sum = 0.0;
    for (size_t k = 0; k < lengths[i]; ++k) {
      const double x = data[offsets[i] + k];
      sum += x;
      abs_sum += std::fabs(x);
    }
    const float ref = static_cast<float>(sum);  // what the scalar ISA returns
    const float got = results[i];
    if (fuzz::IsScalar(isa)) {
      FUZZ_CHECK(fuzz::SameFloat(got, ref));
      continue;
    }
    // Vector ISAs: 2 * len * DBL_EPSILON * A + FLT_EPSILON * R, except that a sum within that
    // distance of the float overflow threshold may round to +-FLT_MAX in one ISA and +-Inf in
    // the other (both checked here as "the bound is met in double before rounding").
    const double sum_bound =
        2.0 * static_cast<double>(lengths[i]) * DBL_EPSILON * abs_sum * (1.0 + 1e-9);
    if (std::isnan(sum) || std::isinf(sum)) {
      FUZZ_CHECK(fuzz::SameValue(got, ref));
      continue;
    }
    if (std::isinf(got) || std::isinf(ref)) {
      const bool near_overflow = std::fabs(sum) + sum_bound >= static_cast<double>(FLT_MAX);
      FUZZ_CHECK(got == ref || (near_overflow && std::signbit(got) == std::signbit(ref)));
      continue;
    }
    const double r =
        std::fmax(std::fabs(static_cast<double>(got)), std::fabs(static_cast<double>(ref)));
    const double bound = sum_bound + FLT_EPSILON * r;
    FUZZ_CHECK(std::fabs(static_cast<double>(got) - static_cast<double>(ref)) <= bound);
  }
  return 0;
}
