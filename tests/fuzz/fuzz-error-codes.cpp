// libFuzzer harness for the error-code introspection API: ffikit_error_codes with any capacity
// (a buffer of exactly the min(capacity, table size) entries the header says it writes), NULL
// codes/count, and ffikit_error_name/ffikit_error_message for arbitrary int32 values.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "fuzz-common.h"

namespace {

constexpr int32_t kTable[] = {0, -1, -2, -3, -4, -5, -99};
constexpr size_t kTableSize = sizeof(kTable) / sizeof(kTable[0]);
constexpr int32_t kUnwritten = 0x5A5A5A5A;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t size) {
  fuzz::Input in(bytes, size);
  const uint8_t mode = in.Byte();
  size_t capacity = 0;
  switch (mode % 4) {
    case 0:
      capacity = in.Upto(kTableSize + 2);
      break;
    case 1:
      capacity = fuzz::kSizeMax - in.Upto(1 << 16);
      break;
    case 2:
      capacity = in.Take<size_t>();
      break;
    default:
      capacity = kTableSize;
      break;
  }
  const bool null_codes = (in.Byte() & 7) == 0;
  const bool null_count = (in.Byte() & 7) == 0;
  const size_t room = capacity < kTableSize ? capacity : kTableSize;
  fuzz::Buffer<int32_t> codes(room, in.Byte() % 4);
  for (size_t i = 0; i < room; ++i) codes[i] = kUnwritten;
  size_t count = 12345;

  ErrorCode expected;
  if (null_count) {
    expected = ERR_NULL_POINTER;
  } else if (capacity == 0) {
    expected = ERR_INVALID_SIZE;
  } else if (null_codes) {
    expected = ERR_NULL_POINTER;
  } else {
    expected = capacity >= kTableSize ? SUCCESS : ERR_INVALID_SIZE;
  }
  const ErrorCode status = ffikit_error_codes(null_codes ? nullptr : codes.data(), capacity,
                                              null_count ? nullptr : &count);
  FUZZ_CHECK(status == expected);
  if (!null_count) FUZZ_CHECK(count == kTableSize);
  const bool wrote = !null_count && !null_codes && capacity > 0;
  for (size_t i = 0; i < room; ++i) FUZZ_CHECK(codes[i] == (wrote ? kTable[i] : kUnwritten));

  // Names and messages: a table code maps to its own strings, anything else to the fallbacks.
  const int32_t code = in.Flag() ? kTable[in.Byte() % kTableSize] : in.Take<int32_t>();
  bool known = false;
  for (int32_t c : kTable) known = known || c == code;
  const char *name = ffikit_error_name(code);
  const char *message = ffikit_error_message(code);
  FUZZ_CHECK(name != nullptr && message != nullptr);
  FUZZ_CHECK(known ? std::strcmp(name, "UNKNOWN") != 0 : std::strcmp(name, "UNKNOWN") == 0);
  FUZZ_CHECK(known ? std::strcmp(message, "Unknown error") != 0
                   : std::strcmp(message, "Unknown error") == 0);
  return 0;
}
