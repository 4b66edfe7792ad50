/* Example library for examples/05: the lost update on a shared counter, with and without a lock.
 *
 * Racy on purpose, so it is not part of the reference library (which never races); built for the
 * examples by examples/native/build.js. Writes nothing to stdout/stderr. Each call owns its
 * counter, so concurrent calls are independent, and every function may be called from any thread.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>

#define EXPORT __attribute__((visibility("default")))

/* At most this many threads per call (their handles live on the stack). */
#define MAX_THREADS 32

/* What count_*() return for threads outside 1..MAX_THREADS, iterations < 0, or a failed
 * pthread_create (the threads already started are joined first). */
#define COUNT_ERROR UINT64_MAX

typedef struct {
  /* Atomic so that the race is a lost update, not undefined behaviour: the workers only ever
   * load and store it separately, never with an atomic increment. */
  atomic_uint_fast64_t value;
  atomic_bool start; /* false until every thread exists, so that they all run at once */
  int iterations;
  int locked;
  pthread_mutex_t mutex;
} Counter;

static void *increment(void *arg) {
  Counter *counter = (Counter *)arg;
  while (!atomic_load_explicit(&counter->start, memory_order_acquire)) sched_yield();
  for (int i = 0; i < counter->iterations; ++i) {
    if (counter->locked) pthread_mutex_lock(&counter->mutex);
    /* counter = counter + 1 as three steps; the yield between the read and the write lets another
     * thread write in between, and that thread's increment is then overwritten. */
    uint64_t read = atomic_load_explicit(&counter->value, memory_order_relaxed);
    sched_yield();
    atomic_store_explicit(&counter->value, read + 1, memory_order_relaxed);
    if (counter->locked) pthread_mutex_unlock(&counter->mutex);
  }
  return NULL;
}

static uint64_t count(int threads, int iterations, int locked) {
  if (threads < 1 || threads > MAX_THREADS || iterations < 0) return COUNT_ERROR;
  Counter counter = {.iterations = iterations, .locked = locked};
  atomic_init(&counter.value, 0);
  atomic_init(&counter.start, 0);
  if (pthread_mutex_init(&counter.mutex, NULL) != 0) return COUNT_ERROR;
  pthread_t workers[MAX_THREADS];
  int started = 0;
  for (; started < threads; ++started) {
    if (pthread_create(&workers[started], NULL, increment, &counter) != 0) break;
  }
  /* Released even after a failed pthread_create, so that the started threads finish. */
  atomic_store_explicit(&counter.start, 1, memory_order_release);
  for (int t = 0; t < started; ++t) pthread_join(workers[t], NULL);
  pthread_mutex_destroy(&counter.mutex);
  return started == threads ? atomic_load(&counter.value) : COUNT_ERROR;
}

/* `threads` threads (1..32) each add 1 to one shared counter `iterations` times (>= 0) without a
 * lock; returns the final count. With 3 or more threads it practically always comes out below
 * threads * iterations (never above). COUNT_ERROR (UINT64_MAX) for bad arguments. */
EXPORT uint64_t count_unlocked(int threads, int iterations) {
  return count(threads, iterations, 0);
}

/* The same under a mutex: always exactly threads * iterations. COUNT_ERROR for bad arguments. */
EXPORT uint64_t count_locked(int threads, int iterations) { return count(threads, iterations, 1); }
