/* Smoke test for a (cross-)built libffikit_ref: links against it, calls entry points, prints OK. */
#include <stdio.h>
#include <string.h>

#include "ffikit_ref.h"

static int failures = 0;

#define CHECK(cond)                                           \
  do {                                                        \
    if (!(cond)) {                                            \
      fprintf(stderr, "FAIL line %d: %s\n", __LINE__, #cond); \
      failures++;                                             \
    }                                                         \
  } while (0)

enum { kLen = 37 }; /* not a multiple of any vector width, so every kernel runs its tail loop */

int main(void) {
  static const char *const kIsas[] = {"scalar", "sse2", "avx2", "avx512"};
  double data[4] = {1.0, 2.0, 3.0, 4.0};
  float a[kLen], b[kLen], sum[kLen];
  double *owned;
  size_t i, k;

  CHECK(ffikit_abi_version() == FFIKIT_ABI_VERSION);

  CHECK(process_1d(data, 4) == SUCCESS);
  CHECK(data[0] == 2.0 && data[3] == 8.0);
  CHECK(process_1d(NULL, 4) == ERR_NULL_POINTER);

  for (i = 0; i < kLen; i++) {
    a[i] = (float)i * 0.5f;
    b[i] = 100.0f - (float)i;
  }
  /* Every kernel set this build and CPU support must give the exact scalar result. */
  for (k = 0; k < sizeof kIsas / sizeof kIsas[0]; k++) {
    if (ffikit_simd_supported(kIsas[k]) != 1) continue;
    CHECK(ffikit_simd_force(kIsas[k]) == SUCCESS);
    memset(sum, 0, sizeof sum);
    CHECK(simd_add(a, b, sum, kLen) == SUCCESS);
    for (i = 0; i < kLen; i++) CHECK(sum[i] == a[i] + b[i]);
    printf("simd_add %s ok\n", ffikit_simd_level());
  }

  owned = create_array(16);
  CHECK(owned != NULL);
  if (owned != NULL) CHECK(owned[0] == 0.0 && owned[15] == 0.0);
  CHECK(ffikit_live_allocations() == 1);
  free_array(owned);
  free_array(NULL);
  CHECK(ffikit_live_allocations() == 0);

  CHECK(strcmp(ffikit_error_name(ERR_INVALID_SIZE), "ERR_INVALID_SIZE") == 0);
  CHECK(strcmp(ffikit_error_name(12345), "UNKNOWN") == 0);

  if (failures != 0) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  printf("OK abi=%u\n", (unsigned)ffikit_abi_version());
  return 0;
}
