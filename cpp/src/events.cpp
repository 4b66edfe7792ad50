// The foreign-thread event source (a library-owned thread calling back into the host) and the
// polled progress counter.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "internal.h"

namespace ffikit {
namespace {

// The source lives on the heap and is never destroyed by a static destructor: at process exit a
// still-joinable std::thread member would call std::terminate (abort), so ownership stays manual.
struct EventSource {
  std::mutex mutex;
  std::condition_variable wake;
  std::thread thread;
  std::thread::id thread_id;
  bool running = false;  // a thread was started and not yet joined
  bool stop = false;     // guarded by mutex
  std::atomic<int64_t> emitted{0};
};

EventSource &Source() {
  static EventSource *source = new EventSource();  // intentionally leaked, see above
  return *source;
}

void Run(EventSource *source, EventCallback callback, uint32_t interval_us, int64_t max_events) {
  for (int64_t seq = 1; max_events <= 0 || seq <= max_events; ++seq) {
    {
      std::unique_lock<std::mutex> lock(source->mutex);
      if (source->stop) return;
    }
    callback(FFIKIT_EVENT_TICK, seq);
    source->emitted.fetch_add(1, std::memory_order_relaxed);
    std::unique_lock<std::mutex> lock(source->mutex);
    if (interval_us > 0) {
      source->wake.wait_for(lock, std::chrono::microseconds(interval_us),
                            [source] { return source->stop; });
    }
    if (source->stop) return;
  }
}

}  // namespace
}  // namespace ffikit

extern "C" {

FFIKIT_API ErrorCode ffikit_events_start(EventCallback callback, uint32_t interval_us,
                                         int64_t max_events) {
  return ffikit::Guarded([&]() -> ErrorCode {
    if (callback == nullptr) return ERR_NULL_POINTER;
    ffikit::EventSource &source = ffikit::Source();
    std::lock_guard<std::mutex> lock(source.mutex);
    if (source.running) return ERR_INVALID_ARGUMENT;
    source.stop = false;
    source.emitted.store(0, std::memory_order_relaxed);
    source.thread = std::thread(ffikit::Run, &source, callback, interval_us, max_events);
    source.thread_id = source.thread.get_id();
    source.running = true;
    return SUCCESS;
  });
}

FFIKIT_API ErrorCode ffikit_events_stop(void) {
  return ffikit::Guarded([&]() -> ErrorCode {
    ffikit::EventSource &source = ffikit::Source();
    std::thread thread;
    {
      std::lock_guard<std::mutex> lock(source.mutex);
      if (!source.running) return SUCCESS;
      // Joining itself would deadlock (and std::thread would throw): refuse from the event thread.
      if (std::this_thread::get_id() == source.thread_id) return ERR_INVALID_ARGUMENT;
      source.stop = true;
      thread = std::move(source.thread);
      source.running = false;
    }
    source.wake.notify_all();
    thread.join();
    return SUCCESS;
  });
}

FFIKIT_API int32_t ffikit_events_running(void) {
  ffikit::EventSource &source = ffikit::Source();
  std::lock_guard<std::mutex> lock(source.mutex);
  return source.running ? 1 : 0;
}

FFIKIT_API int64_t ffikit_events_emitted(void) {
  return ffikit::Source().emitted.load(std::memory_order_relaxed);
}

FFIKIT_API ErrorCode process_with_progress(double *data, size_t len, uint64_t *progress) {
  return ffikit::Guarded([&]() -> ErrorCode {
    if (progress == nullptr) return ERR_NULL_POINTER;
    if (len == 0) {
      __atomic_store_n(progress, static_cast<uint64_t>(0), __ATOMIC_RELEASE);
      return SUCCESS;
    }
    if (data == nullptr) return ERR_NULL_POINTER;
    if (!ffikit::ElementCountFits<double>(len)) return ERR_INVALID_SIZE;
    for (size_t i = 0; i < len; ++i) {
      data[i] *= 2.0;
      // A release store per element: a reader polling from another thread (or JS through a
      // shared buffer) sees a count whose elements are all written, at the cost of a plain store.
      __atomic_store_n(progress, static_cast<uint64_t>(i + 1), __ATOMIC_RELEASE);
    }
    return SUCCESS;
  });
}

}  // extern "C"
