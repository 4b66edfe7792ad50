/* OOM sweep: fails the 1st, 2nd, ... allocation of every allocating entry point of libffikit_ref
 * (built with FFIKIT_FAULT_INJECTION=ON and ASan by scripts/oom-sweep.sh) and checks each outcome.
 *
 * For each scenario and N = 1, 2, ...: arm ffikit_fault_fail_allocation(N), run the scenario,
 * check that the call whose allocation failed reported it cleanly (NULL from create_array,
 * ERR_OUT_OF_MEMORY from ffikit_events_start, the documented fallback with correct results from
 * process_batch), that everything else still behaved, and that ffikit_live_allocations() is back
 * where it started. The sweep of a scenario ends at the first N the scenario never reaches.
 *
 * Under ASan the harness also counts every malloc made on the calling thread during each call
 * (sanitizer allocator hooks, which see operator new too): an entry point that allocates past the
 * counting allocator, where the injector cannot reach, shows up as uncounted mallocs. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ffikit_ref.h"
#include "ffikit_ref_fault.h"

/* Declared here rather than through <sanitizer/allocator_interface.h>, which gcc does not ship. */
#if defined(__SANITIZE_ADDRESS__)
#define OOM_MALLOC_HOOKS 1
int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void *, size_t),
                                              void (*free_hook)(const volatile void *));
#else
#define OOM_MALLOC_HOOKS 0
#endif

static int g_failures = 0;
static long g_cases = 0;

#define CHECK(cond, ...)                                              \
  do {                                                                \
    if (!(cond)) {                                                    \
      fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
      fprintf(stderr, __VA_ARGS__);                                   \
      fputc('\n', stderr);                                            \
      g_failures++;                                                   \
    }                                                                 \
  } while (0)

/* ---- malloc accounting on the calling thread ------------------------------------------- */

static _Thread_local long t_mallocs = 0;

#if OOM_MALLOC_HOOKS
static void OnMalloc(const volatile void *ptr, size_t size) {
  (void)ptr;
  (void)size;
  t_mallocs++;
}
static void OnFree(const volatile void *ptr) { (void)ptr; }
#endif

/* ---- fault bookkeeping ------------------------------------------------------------------ */

/* Absolute index of the attempt armed to fail (0: none), so a scenario can tell which of its
 * calls the injection hit. */
static int64_t g_fail_index = 0;

/* Mallocs of the scenario's last un-injected run that the counting allocator did not see: the
 * std::thread state (operator new) and whatever pthread_create allocates. Reported, not failed:
 * ffikit_ref_fault.h documents that thread starts are injected just before that allocation. */
static long g_uncounted_mallocs = 0;

static void Arm(int64_t nth) {
  g_fail_index = nth > 0 ? ffikit_fault_allocations() + nth : 0;
  ffikit_fault_fail_allocation(nth);
}

/* Attempts made by one call, and whether the armed failure fell among them. */
typedef struct {
  int64_t first; /* index before the call */
  int64_t attempts;
  long mallocs; /* on this thread, during the call */
  int hit;
} CallInfo;

static CallInfo Begin(void) {
  CallInfo info = {ffikit_fault_allocations(), 0, t_mallocs, 0};
  return info;
}

static void End(CallInfo *info) {
  info->attempts = ffikit_fault_allocations() - info->first;
  info->mallocs = t_mallocs - info->mallocs;
  info->hit = g_fail_index > info->first && g_fail_index <= info->first + info->attempts;
}

/* ---- scenarios -------------------------------------------------------------------------- */

static int FullyZero(const double *array, size_t len) {
  for (size_t i = 0; i < len; ++i) {
    if (array[i] != 0.0) return 0;
  }
  return 1;
}

/* One create_array, then free. */
static void ScenarioCreateArray(void) {
  CallInfo call = Begin();
  double *array = create_array(1000);
  End(&call);
  CHECK(call.attempts == 1, "create_array made %" PRId64 " attempts", call.attempts);
  CHECK(!OOM_MALLOC_HOOKS || call.mallocs == (call.hit ? 0 : 1),
        "create_array: %ld mallocs (injected: %d)", call.mallocs, call.hit);
  if (call.hit) {
    CHECK(array == NULL, "create_array ignored the injected failure");
  } else {
    CHECK(array != NULL && FullyZero(array, 1000), "create_array failed without injection");
  }
  free_array(array);
}

/* Several arrays alive at once, whichever one fails: the caller's cleanup must leave no leak. */
static void ScenarioCreateMany(void) {
  enum { kArrays = 5 };
  double *arrays[kArrays];
  for (int i = 0; i < kArrays; ++i) {
    CallInfo call = Begin();
    arrays[i] = create_array((size_t)(i + 1) * 100);
    End(&call);
    CHECK((arrays[i] == NULL) == (call.hit != 0), "array %d: NULL %d, injected %d", i,
          arrays[i] == NULL, call.hit);
  }
  for (int i = kArrays - 1; i >= 0; --i) free_array(arrays[i]);
}

/* A batch large enough for worker threads: an injected thread-start failure must degrade to the
 * calling thread and still give every result exactly. */
static void ScenarioProcessBatchParallel(void) {
  enum { kItems = 8, kData = 80000 };
  static float data[kData];
  size_t offsets[kItems], lengths[kItems];
  float results[kItems];
  double expected[kItems];
  for (size_t i = 0; i < kData; ++i) data[i] = (float)(i % 11) - 5.0f;
  for (size_t item = 0; item < kItems; ++item) {
    offsets[item] = item * 1000;
    lengths[item] = kData - item * 1000 - 7 * item;
    expected[item] = 0.0;
    for (size_t k = 0; k < lengths[item]; ++k) expected[item] += data[offsets[item] + k];
    results[item] = -12345.0f;
  }
  CallInfo call = Begin();
  const ErrorCode status = process_batch(data, offsets, lengths, kItems, results);
  End(&call);
  if (!call.hit) g_uncounted_mallocs = call.mallocs - (long)call.attempts;
  CHECK(status == SUCCESS, "process_batch returned %d (injected: %d)", status, call.hit);
  for (size_t item = 0; item < kItems; ++item) {
    CHECK(results[item] == (float)expected[item], "item %zu: %g != %g (injected: %d)", item,
          results[item], expected[item], call.hit);
  }
}

static volatile int64_t g_callback_calls = 0;
static void OnEvent(int32_t kind, int64_t value) {
  (void)kind;
  (void)value;
  __atomic_add_fetch(&g_callback_calls, 1, __ATOMIC_RELAXED);
}

static void SleepMs(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* Event source start: an injected failure is ERR_OUT_OF_MEMORY with nothing started. */
static void ScenarioEvents(void) {
  const int64_t calls_before = __atomic_load_n(&g_callback_calls, __ATOMIC_RELAXED);
  CallInfo call = Begin();
  const ErrorCode status = ffikit_events_start(OnEvent, 0, 3);
  End(&call);
  if (!call.hit) g_uncounted_mallocs = call.mallocs - (long)call.attempts;
  if (call.hit) {
    CHECK(status == ERR_OUT_OF_MEMORY, "events_start returned %d on an injected failure", status);
    CHECK(ffikit_events_running() == 0, "a failed start left the source running");
    SleepMs(5);
    CHECK(__atomic_load_n(&g_callback_calls, __ATOMIC_RELAXED) == calls_before,
          "callbacks after a failed start");
  } else {
    CHECK(status == SUCCESS, "events_start returned %d without injection", status);
    for (int waited = 0; ffikit_events_emitted() < 3 && waited < 10000; ++waited) SleepMs(1);
    CHECK(ffikit_events_emitted() == 3, "emitted %" PRId64, ffikit_events_emitted());
  }
  CHECK(ffikit_events_stop() == SUCCESS, "events_stop");
  CHECK(ffikit_events_running() == 0, "running after stop");
}

typedef void (*Scenario)(void);

static void Sweep(const char *name, Scenario scenario) {
  long fired = 0;
  int64_t attempts = 0;
  g_uncounted_mallocs = 0;
  for (int64_t n = 1;; ++n) {
    const int64_t live = ffikit_live_allocations();
    const int64_t before = ffikit_fault_allocations();
    Arm(n);
    scenario();
    Arm(0);
    attempts = ffikit_fault_allocations() - before;
    CHECK(ffikit_live_allocations() == live,
          "%s, N=%" PRId64 ": live allocations %" PRId64 " -> %" PRId64, name, n, live,
          ffikit_live_allocations());
    g_cases++;
    if (attempts < n) break; /* N passed the last attempt: every allocation point was failed */
    fired++;
    if (n > 10000) {
      CHECK(0, "%s: sweep does not terminate", name);
      break;
    }
  }
  printf("oom-sweep: %-28s %ld injected failure(s), %" PRId64
         " counted allocation(s) per run, %ld uncounted malloc(s)\n",
         name, fired, attempts, g_uncounted_mallocs);
}

/* ---- entry points that must not allocate at all ------------------------------------------ */

static void CheckNoAllocation(void) {
  double d[64];
  float a[64], b[64], r[64];
  size_t offsets[2] = {0, 10}, lengths[2] = {10, 20};
  int32_t codes[16];
  size_t count = 0;
  double out = 0.0;
  uint64_t calls = 0, progress = 0;
  for (int i = 0; i < 64; ++i) {
    d[i] = i + 1.0;
    a[i] = (float)i;
    b[i] = 1.0f;
  }
  struct {
    const char *name;
    int ok;
    CallInfo call;
  } results[24];
  int k = 0;
#define NO_ALLOC(expr)         \
  do {                         \
    Arm(1);                    \
    results[k].call = Begin(); \
    results[k].ok = (expr);    \
    End(&results[k].call);     \
    Arm(0);                    \
    results[k].name = #expr;   \
    k++;                       \
  } while (0)
  NO_ALLOC(create_array(0) == NULL);
  NO_ALLOC(create_array(SIZE_MAX) == NULL);
  NO_ALLOC(create_array(SIZE_MAX / sizeof(double) + 1) == NULL);
  NO_ALLOC(process_with_callback(d, 64, NULL) == SUCCESS);
  NO_ALLOC(process_with_progress(d, 64, &progress) == SUCCESS);
  NO_ALLOC(safe_operation(d, 64) == SUCCESS);
  NO_ALLOC(process_1d(d, 64) == SUCCESS);
  NO_ALLOC(process_2d(d, 8, 8) == SUCCESS);
  NO_ALLOC(thread_safe_process(d, 64) == SUCCESS);
  NO_ALLOC(ffikit_processor_stats(&calls, &out) == SUCCESS);
  NO_ALLOC(simd_add(a, b, r, 64) == SUCCESS);
  NO_ALLOC(simd_dot(a, b, 64, &out) == SUCCESS);
  NO_ALLOC(simd_axpy(2.0f, a, r, 64) == SUCCESS);
  NO_ALLOC(simd_sum(a, 64, &out) == SUCCESS);
  NO_ALLOC(process_data(r, 64) == SUCCESS);
  NO_ALLOC(batch_process(r, 8, 8) == SUCCESS);
  NO_ALLOC(process_batch(a, offsets, lengths, 2, r) == SUCCESS); /* below the thread threshold */
  NO_ALLOC(long_running_operation(r, 64) == SUCCESS);
  NO_ALLOC(ffikit_error_codes(codes, 16, &count) == SUCCESS);
  NO_ALLOC(ffikit_simd_force("scalar") == SUCCESS);
  NO_ALLOC(ffikit_events_stop() == SUCCESS);
  NO_ALLOC(ffikit_events_running() == 0);
#undef NO_ALLOC
  for (int i = 0; i < k; ++i) {
    CHECK(results[i].ok, "%s", results[i].name);
    CHECK(results[i].call.attempts == 0 && results[i].call.mallocs == 0,
          "%s: %" PRId64 " counted attempts, %ld mallocs", results[i].name,
          results[i].call.attempts, results[i].call.mallocs);
    g_cases++;
  }
  printf("oom-sweep: %d non-allocating calls made no allocation%s\n", k,
         OOM_MALLOC_HOOKS ? " (mallocs counted by the ASan hooks too)" : "");
}

int main(void) {
#if OOM_MALLOC_HOOKS
  CHECK(__sanitizer_install_malloc_and_free_hooks(OnMalloc, OnFree) != 0, "malloc hooks");
#endif
  /* Initialise the dispatch and the event source's static state before counting anything. */
  CHECK(ffikit_simd_status() == SUCCESS, "simd status");
  CHECK(ffikit_events_running() == 0, "running at start");
  const int64_t live_at_start = ffikit_live_allocations();

  CheckNoAllocation();
  Sweep("create_array", ScenarioCreateArray);
  Sweep("create_array x5 + cleanup", ScenarioCreateMany);
  Sweep("process_batch (threads)", ScenarioProcessBatchParallel);
  Sweep("ffikit_events_start", ScenarioEvents);

  CHECK(ffikit_live_allocations() == live_at_start, "live allocations at exit %" PRId64,
        ffikit_live_allocations());
  printf("oom-sweep: %ld cases, %d failure(s): %s\n", g_cases, g_failures,
         g_failures == 0 ? "OK" : "FAILED");
  return g_failures == 0 ? 0 : 1;
}
