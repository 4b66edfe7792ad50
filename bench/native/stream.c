/* STREAM-style single-thread "add" benchmark (c[i] = a[i] + b[i]): the memory-bandwidth
 * reference that ffikit's simd_add is compared against at n = 1e7.
 *
 * Built by CMake as ffikit_stream only with -DFFIKIT_BUILD_BENCH=ON: plain C, -O3, and the
 * compiler's default ISA (no -march flags), so the loop is auto-vectorised with baseline SSE2
 * on x86-64 and regular (cached) stores. That is the portable "what memory gives a plain
 * loop" limit, not a tuned kernel.
 *
 * Usage: ffikit_stream [N]   (N floats per array, default 10,000,000)
 * Prints one JSON line: {"n":N,"best_ns":...,"median_ns":...,"gbps":...}
 *  - best_ns / median_ns: wall time of one pass over the arrays, best and median of kReps.
 *  - gbps: bytes / best_ns with bytes = 3 * N * sizeof(float) per pass, i.e. STREAM's
 *    convention of counting the three arrays (two reads, one write). It does not count the
 *    write-allocate read of c that a cached store also causes (real traffic 4 * N * 4 bytes),
 *    so a kernel using non-temporal stores can legitimately exceed this figure.
 * Exit status 0 on success, 1 on bad arguments or allocation failure (message on stderr). */
#define _POSIX_C_SOURCE 200809L

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { kReps = 20, kAlign = 64 };

#if defined(__GNUC__) || defined(__clang__)
#define NOINLINE __attribute__((noinline))
/* Tells the compiler the array was read and written, so no pass can be elided as dead. */
#define CLOBBER(ptr) __asm__ __volatile__("" : : "r"(ptr) : "memory")
#else
#define NOINLINE
#define CLOBBER(ptr) ((void)(ptr))
#endif

/* The measured loop. restrict lets the compiler vectorise without runtime alias checks, as
 * STREAM's static arrays do. */
static NOINLINE void add_arrays(const float *restrict a, const float *restrict b, float *restrict c,
                                size_t n) {
  for (size_t i = 0; i < n; ++i) c[i] = a[i] + b[i];
}

static float *alloc_floats(size_t n) {
  size_t bytes = n * sizeof(float);
  bytes = (bytes + kAlign - 1) / kAlign * kAlign; /* aligned_alloc wants a multiple */
  return (float *)aligned_alloc(kAlign, bytes);
}

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int compare_i64(const void *x, const void *y) {
  const int64_t a = *(const int64_t *)x;
  const int64_t b = *(const int64_t *)y;
  return (a > b) - (a < b);
}

int main(int argc, char **argv) {
  size_t n = 10000000;
  if (argc > 1) {
    char *end = NULL;
    const unsigned long long parsed = strtoull(argv[1], &end, 10);
    if (end == argv[1] || *end != '\0' || parsed == 0 || parsed > SIZE_MAX / sizeof(float) / 4) {
      fprintf(stderr, "ffikit_stream: expected a positive element count, got '%s'\n", argv[1]);
      return 1;
    }
    n = (size_t)parsed;
  }

  float *a = alloc_floats(n);
  float *b = alloc_floats(n);
  float *c = alloc_floats(n);
  if (a == NULL || b == NULL || c == NULL) {
    fprintf(stderr, "ffikit_stream: cannot allocate 3 x %zu floats\n", n);
    free(a);
    free(b);
    free(c);
    return 1;
  }
  /* Touch every page first, so page faults are not timed. */
  for (size_t i = 0; i < n; ++i) {
    a[i] = (float)(i & 1023);
    b[i] = 1.0f;
    c[i] = 0.0f;
  }

  int64_t times[kReps];
  for (int rep = 0; rep < kReps; ++rep) {
    const int64_t start = now_ns();
    add_arrays(a, b, c, n);
    CLOBBER(c);
    times[rep] = now_ns() - start;
  }
  qsort(times, kReps, sizeof times[0], compare_i64);
  const int64_t best = times[0] > 0 ? times[0] : 1;
  const int64_t median = (times[kReps / 2 - 1] + times[kReps / 2]) / 2;

  /* Checks the result, which also keeps every pass observable. */
  size_t wrong = 0;
  for (size_t i = 0; i < n; ++i) wrong += c[i] != (float)(i & 1023) + 1.0f;
  if (wrong != 0) {
    fprintf(stderr, "ffikit_stream: %zu wrong results\n", wrong);
    free(a);
    free(b);
    free(c);
    return 1;
  }

  const double bytes = 3.0 * (double)n * (double)sizeof(float);
  printf("{\"n\":%zu,\"best_ns\":%lld,\"median_ns\":%lld,\"gbps\":%.3f}\n", n, (long long)best,
         (long long)median, bytes / (double)best);
  free(a);
  free(b);
  free(c);
  return 0;
}
