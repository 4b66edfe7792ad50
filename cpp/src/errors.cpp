// ABI version and the ErrorCode introspection API, all generated from FFIKIT_ERROR_CODES.
#include "internal.h"

namespace ffikit {
namespace {

#define FFIKIT_CODE_VALUE_(name, value, message) (value),
constexpr int32_t kErrorCodes[] = {FFIKIT_ERROR_CODES(FFIKIT_CODE_VALUE_)};
#undef FFIKIT_CODE_VALUE_

constexpr size_t kErrorCodeCount = sizeof(kErrorCodes) / sizeof(kErrorCodes[0]);
static_assert(kErrorCodeCount > 0, "capacity 0 must always be reported as too small");

}  // namespace
}  // namespace ffikit

extern "C" {

FFIKIT_API uint32_t ffikit_abi_version(void) { return FFIKIT_ABI_VERSION; }

FFIKIT_API const char *ffikit_error_message(ErrorCode code) {
  switch (code) {
#define FFIKIT_CODE_MESSAGE_(name, value, message) \
  case (value):                                    \
    return message;
    FFIKIT_ERROR_CODES(FFIKIT_CODE_MESSAGE_)
#undef FFIKIT_CODE_MESSAGE_
    default:
      return "Unknown error";
  }
}

FFIKIT_API const char *ffikit_error_name(ErrorCode code) {
  switch (code) {
#define FFIKIT_CODE_NAME_(name, value, message) \
  case (value):                                 \
    return #name;
    FFIKIT_ERROR_CODES(FFIKIT_CODE_NAME_)
#undef FFIKIT_CODE_NAME_
    default:
      return "UNKNOWN";
  }
}

FFIKIT_API ErrorCode ffikit_error_codes(int32_t *codes, size_t capacity, size_t *count) {
  using ffikit::kErrorCodeCount;
  if (count == nullptr) return ERR_NULL_POINTER;
  *count = kErrorCodeCount;
  if (capacity == 0) return ERR_INVALID_SIZE;
  if (codes == nullptr) return ERR_NULL_POINTER;
  const size_t written = capacity < kErrorCodeCount ? capacity : kErrorCodeCount;
  for (size_t i = 0; i < written; ++i) codes[i] = ffikit::kErrorCodes[i];
  return written == kErrorCodeCount ? SUCCESS : ERR_INVALID_SIZE;
}

}  // extern "C"
