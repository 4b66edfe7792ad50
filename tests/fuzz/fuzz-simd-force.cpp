// libFuzzer harness for ffikit_simd_force/ffikit_simd_supported/ffikit_simd_level with arbitrary
// strings (any bytes, any length, near-miss names) and NULL.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "fuzz-common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t size) {
  if (size > 0 && bytes[0] == 0xFF) {  // NULL is refused and changes nothing
    const char *before = ffikit_simd_level();
    FUZZ_CHECK(ffikit_simd_force(nullptr) == ERR_NULL_POINTER);
    FUZZ_CHECK(ffikit_simd_supported(nullptr) == 0);
    FUZZ_CHECK(std::strcmp(ffikit_simd_level(), before) == 0);
    return 0;
  }
  // The library sees a NUL-terminated copy (a string ends at the first NUL byte, like in C).
  const std::string name(reinterpret_cast<const char *>(bytes), size);
  const char *isa = name.c_str();
  const std::string before = ffikit_simd_level();
  const bool known = fuzz::IsKnownIsa(isa);
  const int32_t supported = ffikit_simd_supported(isa);
  FUZZ_CHECK(supported == 0 || supported == 1);
  if (!known) FUZZ_CHECK(supported == 0);
  if (std::strcmp(isa, "scalar") == 0) FUZZ_CHECK(supported == 1);

  const ErrorCode status = ffikit_simd_force(isa);
  if (supported == 1) {
    FUZZ_CHECK(status == SUCCESS);
    FUZZ_CHECK(std::strcmp(ffikit_simd_level(), isa) == 0);
  } else {
    FUZZ_CHECK(status == ERR_INVALID_ARGUMENT);
    FUZZ_CHECK(before == ffikit_simd_level());
  }
  FUZZ_CHECK(ffikit_simd_status() == SUCCESS);
  return 0;
}
