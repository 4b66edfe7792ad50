/* Example library for examples/07 and 16: a native call that crashes, one that hangs, one that
 * works, and (for checked mode) functions that write outside their buffers.
 *
 * Misbehaving on purpose, so it is not part of the reference library; built for the examples by
 * examples/native/build.js. Call crash_now() only in a child process (a ProcessPoolExecutor
 * worker): it kills the process that calls it. */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
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

/* Checked mode (examples/16): a digest function that writes 32 bytes whatever buffer it gets, a
   function that writes one byte before its buffer, and a library that keeps a callback and calls it
   later. */
EXPORT void fill_digest(uint8_t *out) {
  for (int i = 0; i < 32; i++) out[i] = (uint8_t)(0xA0 + i);
}

EXPORT void mark_before(uint8_t *p) { p[-1] = 0x55; }

typedef void (*notify_fn)(int event);
static notify_fn stored_notify;

EXPORT void set_notify(notify_fn fn) { stored_notify = fn; }

EXPORT void emit_event(int event) {
  if (stored_notify) stored_notify(event);
}
