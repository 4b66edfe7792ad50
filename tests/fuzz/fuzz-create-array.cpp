// libFuzzer harness for create_array/free_array: sequences of allocations and frees with hostile
// lengths (0, byte counts over size_t, and sizes no machine can satisfy, which must give NULL),
// checking zero-filling, the exact usable size (ASan) and ffikit_live_allocations().
#include <cstddef>
#include <cstdint>

#include "fuzz-common.h"

namespace {

constexpr size_t kSlots = 16;
constexpr size_t kMaxLen = size_t{1} << 16;
// 2^45 doubles = 256 TiB: beyond any x86-64/arm64 user address space, so the allocation fails
// (with ASAN_OPTIONS=allocator_may_return_null=1, which scripts/fuzz.sh sets) without overflow.
constexpr size_t kUnsatisfiable = size_t{1} << 45;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t size) {
  fuzz::Input in(bytes, size);
  const int64_t live_at_start = ffikit_live_allocations();
  double *held[kSlots] = {};
  size_t lengths[kSlots] = {};
  int64_t live = 0;
  const size_t steps = 1 + in.Upto(63);
  for (size_t step = 0; step < steps; ++step) {
    const uint8_t op = in.Byte();
    const size_t slot = (op >> 3) % kSlots;
    if (held[slot] != nullptr) {
      // Everything written before must still be there: no other array overlaps this one.
      for (size_t i = 0; i < lengths[slot]; ++i) {
        FUZZ_CHECK(held[slot][i] == static_cast<double>(slot * 7 + i));
      }
      free_array(held[slot]);
      held[slot] = nullptr;
      --live;
      FUZZ_CHECK(ffikit_live_allocations() - live_at_start == live);
      continue;
    }
    size_t len = 0;
    bool must_fail = true;
    switch (op % 8) {
      case 0:
        len = 0;
        break;
      case 1:
        len = fuzz::kSizeMax / sizeof(double) + 1 + in.Upto(1 << 20);
        break;
      case 2:
        len = fuzz::kSizeMax - in.Upto(1 << 20);
        break;
      case 3:
        len = kUnsatisfiable + in.Upto(1 << 20) * 4096;
        break;
      default:
        len = 1 + in.Upto(op % 8 == 4 ? kMaxLen - 1 : 63);
        must_fail = false;
        break;
    }
    double *array = create_array(len);
    if (must_fail) {
      FUZZ_CHECK(array == nullptr);
      FUZZ_CHECK(ffikit_live_allocations() - live_at_start == live);
      continue;
    }
    FUZZ_CHECK(array != nullptr);
    ++live;
    FUZZ_CHECK(ffikit_live_allocations() - live_at_start == live);
    for (size_t i = 0; i < len; ++i) {
      FUZZ_CHECK(array[i] == 0.0 && !std::signbit(array[i]));
      array[i] = static_cast<double>(slot * 7 + i);  // the whole length is writable
    }
    held[slot] = array;
    lengths[slot] = len;
  }
  free_array(nullptr);
  for (double *array : held) free_array(array);
  FUZZ_CHECK(ffikit_live_allocations() == live_at_start);
  return 0;
}
