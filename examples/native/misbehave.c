/* Example library for examples/07: a native call that crashes, one that hangs, one that works.
 *
 * Misbehaving on purpose, so it is not part of the reference library; built for the examples by
 * examples/native/build.js. Call crash_now() only in a child process (a ProcessPoolExecutor
 * worker): it kills the process that calls it. */
#define _POSIX_C_SOURCE 200809L

#include <time.h>

#define EXPORT __attribute__((visibility("default")))

/* Writes through a NULL pointer: the calling process gets SIGSEGV. The volatile qualifiers keep
 * the compiler from removing the write. Never returns. */
EXPORT void crash_now(void) {
  volatile int *volatile nowhere = 0;
  *nowhere = 1;
}

/* Busy-waits for `ms` milliseconds of wall-clock time (ms <= 0 returns at once) and returns ms:
 * a call stuck in C that only a process kill can stop. */
EXPORT int spin_ms(int ms) {
  struct timespec start;
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  do {
    clock_gettime(CLOCK_MONOTONIC, &now);
  } while ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 < ms);
  return ms;
}

EXPORT int add(int a, int b) { return a + b; }
