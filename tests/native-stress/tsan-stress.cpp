// TSan stress harness: hammers every thread-safe entry point of libffikit_ref at once, then checks
// the exact results (scripts/tsan-stress.sh builds it with the tsan preset and runs it).
//
// All workers start together behind one barrier and run concurrently:
//  - thread_safe_process from several threads: the Processor's call count and total must be exact;
//  - process_batch with batches large enough to start its own worker threads;
//  - the float kernels (simd_add/dot/axpy/sum, process_data, long_running_operation) on private
//    buffers, while another thread keeps switching the ISA with ffikit_simd_force (documented as
//    safe: a call finishes with the table it started with). Inputs are small integers, so every
//    ISA's result is exact and can be compared with ==;
//  - create_array/free_array from several threads: ffikit_live_allocations() must come back to
//    its starting value;
//  - ffikit_events_start/stop/running from several threads, with a callback that counts itself
//    and checks that at most one callback is ever in flight (the library has one event source).
// A watchdog turns a deadlock into a failure instead of a hung CI job.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ffikit_ref.h"

namespace {

std::atomic<int> g_failures{0};

#define STRESS_CHECK(cond, ...)                                            \
  do {                                                                     \
    if (!(cond)) {                                                         \
      std::fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
      std::fprintf(stderr, __VA_ARGS__);                                   \
      std::fputc('\n', stderr);                                            \
      g_failures.fetch_add(1);                                             \
    }                                                                      \
  } while (0)

// Scales every iteration count (STRESS_SCALE=2 doubles the run time, 0.1 for a quick try).
double g_scale = 1.0;
int Iterations(int base) { return std::max(1, static_cast<int>(base * g_scale)); }

// Releases all workers at once, so the phases really overlap.
class StartGate {
 public:
  void Wait() {
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait(lock, [this] { return open_; });
  }
  void Open() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      open_ = true;
    }
    cv_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool open_ = false;
};

// Small deterministic generator per thread (rand() is not thread-safe).
struct Rng {
  uint64_t state;
  explicit Rng(uint64_t seed) : state(seed * 0x9E3779B97F4A7C15ull + 1) {}
  uint32_t Next() {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return static_cast<uint32_t>(state >> 11);
  }
  uint32_t Below(uint32_t n) { return Next() % n; }
};

// ---- thread_safe_process -------------------------------------------------------------------

constexpr int kProcessThreads = 4;

void ProcessWorker(StartGate &gate, int calls) {
  double data[3] = {1.0, 2.0, 4.0};
  gate.Wait();
  for (int i = 0; i < calls; ++i) {
    STRESS_CHECK(thread_safe_process(data, 3) == SUCCESS, "call %d", i);
  }
}

// ---- process_batch + kernels + ISA switching ---------------------------------------------

// >= 65536 elements in total with 2+ items: process_batch starts worker threads (its threshold).
constexpr size_t kBatchElements = 72000;
constexpr size_t kBatchItems = 6;

void BatchWorker(StartGate &gate, int calls, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> data(kBatchElements);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<float>(i % 13) - 6.0f;
  size_t offsets[kBatchItems];
  size_t lengths[kBatchItems];
  float results[kBatchItems];
  gate.Wait();
  for (int call = 0; call < calls; ++call) {
    // Random ragged items that overlap and together exceed the parallel threshold.
    double expected[kBatchItems];
    for (size_t item = 0; item < kBatchItems; ++item) {
      lengths[item] = kBatchElements / 4 + rng.Below(kBatchElements / 2);
      offsets[item] = rng.Below(static_cast<uint32_t>(kBatchElements - lengths[item] + 1));
      double sum = 0.0;
      for (size_t k = 0; k < lengths[item]; ++k) sum += data[offsets[item] + k];
      expected[item] = sum;  // integers: exact in every ISA and every summation order
    }
    const ErrorCode status = process_batch(data.data(), offsets, lengths, kBatchItems, results);
    STRESS_CHECK(status == SUCCESS, "status %d", status);
    for (size_t item = 0; item < kBatchItems; ++item) {
      STRESS_CHECK(results[item] == static_cast<float>(expected[item]), "item %zu: %g != %g", item,
                   results[item], expected[item]);
    }
  }
}

void KernelWorker(StartGate &gate, int iterations, uint64_t seed) {
  Rng rng(seed);
  constexpr size_t kMax = 4099;  // not a multiple of any vector width: tails run too
  std::vector<float> a(kMax), b(kMax), out(kMax), y(kMax), work(kMax);
  gate.Wait();
  for (int it = 0; it < iterations; ++it) {
    const size_t len = 1 + rng.Below(kMax);
    double expect_sum = 0.0, expect_dot = 0.0;
    for (size_t i = 0; i < len; ++i) {
      a[i] = static_cast<float>(static_cast<int>(rng.Below(201)) - 100);
      b[i] = static_cast<float>(static_cast<int>(rng.Below(201)) - 100);
      y[i] = b[i];
      expect_sum += a[i];
      expect_dot += static_cast<double>(a[i]) * b[i];
    }
    STRESS_CHECK(simd_add(a.data(), b.data(), out.data(), len) == SUCCESS, "simd_add");
    for (size_t i = 0; i < len; ++i) {
      if (out[i] != a[i] + b[i]) {
        STRESS_CHECK(out[i] == a[i] + b[i], "simd_add[%zu]", i);
        break;
      }
    }
    double result = -1.0;
    STRESS_CHECK(simd_sum(a.data(), len, &result) == SUCCESS && result == expect_sum,
                 "simd_sum %g != %g", result, expect_sum);
    STRESS_CHECK(simd_dot(a.data(), b.data(), len, &result) == SUCCESS && result == expect_dot,
                 "simd_dot %g != %g", result, expect_dot);
    STRESS_CHECK(simd_axpy(2.0f, a.data(), y.data(), len) == SUCCESS, "simd_axpy");
    for (size_t i = 0; i < len; ++i) {
      if (y[i] != 2.0f * a[i] + b[i]) {
        STRESS_CHECK(y[i] == 2.0f * a[i] + b[i], "simd_axpy[%zu]", i);
        break;
      }
    }
    std::copy(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(len), work.begin());
    STRESS_CHECK(process_data(work.data(), len) == SUCCESS, "process_data");
    double mean = 0.0;
    for (size_t i = 0; i < len; ++i) mean += work[i];
    mean /= static_cast<double>(len);
    STRESS_CHECK(std::fabs(mean) < 1e-3, "process_data mean %g", mean);
    const size_t short_len = std::min<size_t>(len, 257);
    STRESS_CHECK(long_running_operation(work.data(), short_len) == SUCCESS, "long_running");
    for (size_t i = 0; i < short_len; ++i) {
      if (work[i] != 2.0f) {  // |x| <= 2^40 ends exactly at 2.0f in every ISA (header)
        STRESS_CHECK(work[i] == 2.0f, "long_running[%zu] = %g", i, work[i]);
        break;
      }
    }
  }
}

void IsaSwitcher(StartGate &gate, const std::atomic<bool> &done, long *switches) {
  std::vector<const char *> isas;
  for (const char *isa : {"scalar", "sse2", "avx2", "avx512"}) {
    if (ffikit_simd_supported(isa) == 1) isas.push_back(isa);
  }
  gate.Wait();
  long n = 0;
  while (!done.load()) {
    const char *isa = isas[static_cast<size_t>(n) % isas.size()];
    STRESS_CHECK(ffikit_simd_force(isa) == SUCCESS, "force %s", isa);
    if (n % 64 == 0) {
      STRESS_CHECK(ffikit_simd_force("avx9000") == ERR_INVALID_ARGUMENT, "bogus ISA accepted");
      STRESS_CHECK(ffikit_simd_status() == SUCCESS, "status after a refused force");
    }
    ++n;
    std::this_thread::yield();
  }
  *switches = n;
}

// ---- create_array / free_array -------------------------------------------------------------

void ArrayWorker(StartGate &gate, int iterations, uint64_t seed) {
  Rng rng(seed);
  double *held[8] = {};
  gate.Wait();
  for (int it = 0; it < iterations; ++it) {
    const size_t slot = rng.Below(8);
    if (held[slot] != nullptr) {
      free_array(held[slot]);
      held[slot] = nullptr;
      continue;
    }
    const size_t len = 1 + rng.Below(3000);
    double *array = create_array(len);
    STRESS_CHECK(array != nullptr, "create_array(%zu)", len);
    if (array == nullptr) continue;
    STRESS_CHECK(array[0] == 0.0 && array[len - 1] == 0.0, "not zeroed");
    array[len - 1] = 1.0;
    held[slot] = array;
  }
  for (double *array : held) free_array(array);
  free_array(nullptr);
}

// ---- event source --------------------------------------------------------------------------

std::atomic<int> g_in_flight{0};
std::atomic<int> g_max_in_flight{0};
std::atomic<int64_t> g_callbacks{0};
std::atomic<int64_t> g_bad_events{0};

void OnEvent(int32_t kind, int64_t value) {
  const int now = g_in_flight.fetch_add(1) + 1;
  int seen = g_max_in_flight.load();
  while (now > seen && !g_max_in_flight.compare_exchange_weak(seen, now)) {
  }
  if (kind != FFIKIT_EVENT_TICK || value < 1) g_bad_events.fetch_add(1);
  // Stopping from the event thread must be refused, never deadlock.
  if (value % 8 == 0 && ffikit_events_stop() != ERR_INVALID_ARGUMENT) g_bad_events.fetch_add(1);
  g_callbacks.fetch_add(1);
  g_in_flight.fetch_sub(1);
}

void EventWorker(StartGate &gate, int cycles, uint64_t seed, std::atomic<long> *started) {
  Rng rng(seed);
  gate.Wait();
  for (int cycle = 0; cycle < cycles; ++cycle) {
    const uint32_t interval_us = rng.Below(3) == 0 ? 0 : 20 + rng.Below(200);
    const int64_t max_events = static_cast<int64_t>(rng.Below(6));  // 0: until stopped
    const ErrorCode status = ffikit_events_start(OnEvent, interval_us, max_events);
    // Another worker's source may be running or being joined: that is the documented refusal.
    STRESS_CHECK(status == SUCCESS || status == ERR_INVALID_ARGUMENT, "start %d", status);
    if (status == SUCCESS) started->fetch_add(1);
    const int32_t running = ffikit_events_running();
    STRESS_CHECK(running == 0 || running == 1, "running %d", running);
    if (rng.Below(2) == 0) std::this_thread::sleep_for(std::chrono::microseconds(rng.Below(500)));
    const ErrorCode stopped = ffikit_events_stop();
    STRESS_CHECK(stopped == SUCCESS, "stop %d", stopped);
  }
}

// After the concurrent phase: one deterministic run whose count must be exact.
void CheckEventsExact() {
  STRESS_CHECK(ffikit_events_stop() == SUCCESS, "final stop");
  STRESS_CHECK(ffikit_events_running() == 0, "still running after stop");
  const int64_t before = g_callbacks.load();
  STRESS_CHECK(ffikit_events_start(OnEvent, 0, 50) == SUCCESS, "exact run start");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (ffikit_events_emitted() < 50 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  STRESS_CHECK(ffikit_events_running() == 1, "a finished source counts as running until stopped");
  STRESS_CHECK(ffikit_events_stop() == SUCCESS, "exact run stop");
  const int64_t calls = g_callbacks.load() - before;
  STRESS_CHECK(calls == 50 && ffikit_events_emitted() == 50,
               "callbacks %" PRId64 ", emitted %" PRId64, calls, ffikit_events_emitted());
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  STRESS_CHECK(g_callbacks.load() - before == 50, "a callback ran after stop returned");
}

}  // namespace

int main() {
  if (const char *scale = std::getenv("STRESS_SCALE")) g_scale = std::atof(scale);
  const int timeout_s =
      std::getenv("STRESS_TIMEOUT") ? std::atoi(std::getenv("STRESS_TIMEOUT")) : 600;
  const auto started_at = std::chrono::steady_clock::now();

  std::atomic<bool> finished{false};
  std::thread watchdog([&finished, timeout_s] {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
    while (!finished.load()) {
      if (std::chrono::steady_clock::now() > deadline) {
        std::fprintf(stderr, "FAIL: no progress after %d s (deadlock?)\n", timeout_s);
        std::fflush(stderr);
        std::_Exit(2);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });

  ffikit_processor_reset();
  const int64_t live_before = ffikit_live_allocations();
  const char *initial_isa = ffikit_simd_level();

  StartGate gate;
  std::atomic<bool> kernels_done{false};
  std::atomic<long> sources_started{0};
  long isa_switches = 0;
  const int process_calls = Iterations(20000);

  std::vector<std::thread> workers;
  for (int t = 0; t < kProcessThreads; ++t) {
    workers.emplace_back(ProcessWorker, std::ref(gate), process_calls);
  }
  std::vector<std::thread> kernel_workers;
  for (int t = 0; t < 2; ++t) {
    kernel_workers.emplace_back(BatchWorker, std::ref(gate), Iterations(300), 100 + t);
    kernel_workers.emplace_back(KernelWorker, std::ref(gate), Iterations(800), 200 + t);
  }
  std::thread switcher(IsaSwitcher, std::ref(gate), std::cref(kernels_done), &isa_switches);
  for (int t = 0; t < 3; ++t) {
    workers.emplace_back(ArrayWorker, std::ref(gate), Iterations(20000), 300 + t);
    workers.emplace_back(EventWorker, std::ref(gate), Iterations(1500), 400 + t, &sources_started);
  }

  gate.Open();
  for (std::thread &worker : kernel_workers) worker.join();
  kernels_done.store(true);
  switcher.join();
  for (std::thread &worker : workers) worker.join();

  uint64_t calls = 0;
  double total = 0.0;
  STRESS_CHECK(ffikit_processor_stats(&calls, &total) == SUCCESS, "stats");
  const uint64_t expected_calls = static_cast<uint64_t>(kProcessThreads) * process_calls;
  STRESS_CHECK(calls == expected_calls, "calls %" PRIu64 " != %" PRIu64, calls, expected_calls);
  STRESS_CHECK(total == 7.0 * static_cast<double>(expected_calls), "total %g", total);
  STRESS_CHECK(ffikit_live_allocations() == live_before, "live allocations %" PRId64 " != %" PRId64,
               ffikit_live_allocations(), live_before);
  STRESS_CHECK(isa_switches > 0, "the ISA switcher never ran");
  STRESS_CHECK(ffikit_simd_force(initial_isa) == SUCCESS, "restore ISA");

  CheckEventsExact();
  STRESS_CHECK(g_max_in_flight.load() == 1, "%d callbacks in flight at once",
               g_max_in_flight.load());
  STRESS_CHECK(g_bad_events.load() == 0, "%" PRId64 " bad callbacks", g_bad_events.load());

  finished.store(true);
  watchdog.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_at).count();
  std::printf("tsan-stress: %" PRIu64
              " thread_safe_process calls, %ld ISA switches, %ld event sources "
              "started, %" PRId64 " callbacks, %.1f s: %s\n",
              calls, isa_switches, sources_started.load(), g_callbacks.load(), seconds,
              g_failures.load() == 0 ? "OK" : "FAILED");
  return g_failures.load() == 0 ? 0 : 1;
}
