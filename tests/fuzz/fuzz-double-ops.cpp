// libFuzzer harness for the double-precision entry points: safe_operation, process_1d,
// process_with_callback, process_with_progress and thread_safe_process, on arbitrary double bit
// patterns, every length, NULL pointers and lengths the header says are refused (byte count over
// size_t; process_with_callback also len > INT32_MAX, given a reserved but inaccessible region
// of that size so that the call itself is well-defined and any access would crash).
#include <sys/mman.h>

#include <climits>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "fuzz-common.h"

namespace {

constexpr size_t kMaxLen = 2048;
constexpr size_t kHugeLen = fuzz::kSizeMax / sizeof(double) + 1;

// INT32_MAX + 1 doubles of address space, PROT_NONE: a "buffer" for the len > INT32_MAX refusal
// of process_with_callback that faults on any access. Reserved once, never committed.
double *InaccessibleRegion(size_t *len) {
  static const size_t kLen = static_cast<size_t>(INT32_MAX) + 2;
  static void *region = mmap(nullptr, kLen * sizeof(double), PROT_NONE,
                             MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  *len = kLen;
  return region == MAP_FAILED ? nullptr : static_cast<double *>(region);
}

int g_callback_expected_total = 0;
int g_callback_next = 1;
bool g_callback_ok = true;
const double *g_callback_data = nullptr;
const double *g_callback_before = nullptr;

void OnProgress(int current, int total) {
  // Elements 0 .. current-1 are already doubled when the callback for `current` runs.
  if (current != g_callback_next || total != g_callback_expected_total) g_callback_ok = false;
  const size_t i = static_cast<size_t>(current) - 1;
  if (!fuzz::SameValue(g_callback_data[i], g_callback_before[i] * 2.0)) g_callback_ok = false;
  ++g_callback_next;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t size) {
  fuzz::Input in(bytes, size);
  const uint8_t op = in.Byte();
  const uint8_t len_mode = in.Byte();
  const bool null_data = (in.Byte() & 15) == 0;
  const size_t shift = in.Byte() % 8;
  enum { kNormal, kZero, kHuge } kind = kNormal;
  size_t n = 0, len = 0;
  switch (len_mode % 12) {
    case 0:
      kind = kZero;
      break;
    case 1:
      kind = kHuge;
      len = in.Flag() ? fuzz::kSizeMax : kHugeLen + in.Upto(1 << 20);
      break;
    default:
      n = 1 + in.Upto(len_mode % 12 < 6 ? 32 : kMaxLen - 1);
      len = n;
      break;
  }
  fuzz::Buffer<double> data(n, shift);
  for (size_t i = 0; i < n; ++i) data[i] = in.Double();
  if (in.Flag()) {  // make non-negative inputs common, so safe_operation's sqrt path runs
    for (size_t i = 0; i < n; ++i) {
      if (!(data[i] >= 0.0)) data[i] = static_cast<double>(i) * 0.25;
    }
  }
  double *ptr = null_data ? nullptr : data.data();
  const std::vector<double> before(data.data(), data.data() + n);
  auto unchanged = [&] {
    for (size_t i = 0; i < n; ++i) {
      if (!fuzz::SameValue(data[i], before[i])) return false;
    }
    return true;
  };
  auto doubled = [&] {
    for (size_t i = 0; i < n; ++i) {
      if (!fuzz::SameValue(data[i], before[i] * 2.0)) return false;
    }
    return true;
  };

  switch (op % 5) {
    case 0: {  // safe_operation: NULL first whatever len is, then len == 0 is an error too
      bool valid = true;
      for (double v : before) valid = valid && !std::isnan(v) && !(v < 0.0);
      ErrorCode expected = SUCCESS;
      if (ptr == nullptr) {
        expected = ERR_NULL_POINTER;
      } else if (kind != kNormal) {
        expected = ERR_INVALID_SIZE;
      } else if (!valid) {
        expected = ERR_INVALID_ARGUMENT;
      }
      FUZZ_CHECK(safe_operation(ptr, len) == expected);
      if (expected != SUCCESS) {
        FUZZ_CHECK(unchanged());  // all elements validated before any is written
      } else {
        for (size_t i = 0; i < n; ++i) {
          const double want = std::sqrt(before[i]);
          FUZZ_CHECK(fuzz::SameValue(data[i], want) && std::signbit(data[i]) == std::signbit(want));
        }
      }
      break;
    }
    case 1: {  // process_1d
      ErrorCode expected = SUCCESS;
      if (kind == kZero) {
        expected = SUCCESS;
      } else if (ptr == nullptr) {
        expected = ERR_NULL_POINTER;
      } else if (kind == kHuge) {
        expected = ERR_INVALID_SIZE;
      }
      FUZZ_CHECK(process_1d(ptr, len) == expected);
      FUZZ_CHECK(expected == SUCCESS && kind == kNormal ? doubled() : unchanged());
      break;
    }
    case 2: {  // process_with_callback, with and without a callback
      const bool with_callback = in.Flag();
      const bool over_int = kind == kHuge && in.Flag();
      size_t call_len = len;
      double *call_ptr = ptr;
      if (over_int) {
        size_t region_len = 0;
        double *region = InaccessibleRegion(&region_len);
        if (region == nullptr) break;
        call_len = static_cast<size_t>(INT32_MAX) + 1 + in.Upto(1);
        call_ptr = null_data ? nullptr : region;
        FUZZ_CHECK(call_len <= region_len);
      }
      ErrorCode expected = SUCCESS;
      if (kind == kZero) {
        expected = SUCCESS;
      } else if (call_ptr == nullptr) {
        expected = ERR_NULL_POINTER;
      } else if (kind == kHuge) {
        expected = ERR_INVALID_SIZE;  // len > INT32_MAX (also every byte-overflowing len)
      }
      g_callback_expected_total = static_cast<int>(n);
      g_callback_next = 1;
      g_callback_ok = true;
      g_callback_data = data.data();
      g_callback_before = before.data();
      FUZZ_CHECK(process_with_callback(call_ptr, call_len, with_callback ? OnProgress : nullptr) ==
                 expected);
      const bool did_work = expected == SUCCESS && kind == kNormal;
      FUZZ_CHECK(did_work ? doubled() : unchanged());
      FUZZ_CHECK(g_callback_ok);
      FUZZ_CHECK(g_callback_next == (did_work && with_callback ? static_cast<int>(n) + 1 : 1));
      break;
    }
    case 3: {  // process_with_progress: progress is checked first, then len == 0
      const bool null_progress = (in.Byte() & 7) == 0;
      uint64_t progress = 0xDEADBEEF;
      ErrorCode expected = SUCCESS;
      if (null_progress) {
        expected = ERR_NULL_POINTER;
      } else if (kind == kZero) {
        expected = SUCCESS;
      } else if (ptr == nullptr) {
        expected = ERR_NULL_POINTER;
      } else if (kind == kHuge) {
        expected = ERR_INVALID_SIZE;
      }
      FUZZ_CHECK(process_with_progress(ptr, len, null_progress ? nullptr : &progress) == expected);
      const bool did_work = expected == SUCCESS && kind == kNormal;
      FUZZ_CHECK(did_work ? doubled() : unchanged());
      if (expected == SUCCESS) FUZZ_CHECK(progress == n);
      break;
    }
    default: {  // thread_safe_process: every success counts once, failures never
      uint64_t calls_before = 0, calls_after = 0;
      double total_before = 0.0, total_after = 0.0;
      FUZZ_CHECK(ffikit_processor_stats(&calls_before, &total_before) == SUCCESS);
      ErrorCode expected = SUCCESS;
      if (kind != kZero && ptr == nullptr) {
        expected = ERR_NULL_POINTER;
      } else if (kind == kHuge) {
        expected = ERR_INVALID_SIZE;
      }
      FUZZ_CHECK(thread_safe_process(ptr, len) == expected);
      FUZZ_CHECK(ffikit_processor_stats(&calls_after, &total_after) == SUCCESS);
      FUZZ_CHECK(calls_after == calls_before + (expected == SUCCESS ? 1 : 0));
      FUZZ_CHECK(unchanged());
      if (expected == SUCCESS) {
        double sum = 0.0;
        for (double v : before) sum += v;
        FUZZ_CHECK(fuzz::SameValue(total_after, total_before + sum));
      } else {
        FUZZ_CHECK(fuzz::SameValue(total_after, total_before));
      }
      if (std::isnan(total_after) || std::isinf(total_after)) ffikit_processor_reset();
      break;
    }
  }
  return 0;
}
