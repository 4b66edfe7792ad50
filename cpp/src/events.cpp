// The foreign-thread event source (a library-owned thread calling back into the host) and the
// polled progress counter.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <new>
#include <thread>

#include "internal.h"

namespace ffikit {
namespace {

// Invariant: at most one event thread exists at any time. A stop hands the thread to the
// stopping caller, which joins it outside the mutex; until that join completes (`joining`),
// start is refused and concurrent stops wait, so a restart can never clear the stop request an
// old, not yet joined thread has still to observe (which would keep it running forever and
// hang the join), and no stop returns SUCCESS while a callback may still be running.
struct EventSource {
  std::mutex mutex;
  std::condition_variable wake;    // the event thread's interval sleep ends early on stop
  std::condition_variable joined;  // `joining` went back to false
  std::thread thread;
  std::thread::id thread_id;  // of the one event thread, also while it is being joined
  bool running = false;       // a thread was started and no stop has taken it yet
  bool joining = false;       // a stop has taken the thread and is joining it
  bool stop = false;
  std::atomic<int64_t> emitted{0};
};

// Static storage, constructed on first use and never destroyed: a destructor run at process exit
// with a still-joinable std::thread member would call std::terminate. Placement new needs no heap
// allocation, so looking the source up can neither fail nor throw.
EventSource &Source() noexcept {
  alignas(EventSource) static unsigned char storage[sizeof(EventSource)];
  static EventSource *source = new (storage) EventSource();
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

// Joins a thread taken from the source, then lets waiting stops (and starts) proceed.
ErrorCode JoinTaken(EventSource &source, std::thread &thread) noexcept {
  ErrorCode status = SUCCESS;
  try {
    thread.join();
  } catch (...) {
    // Unreachable in practice (join only fails on deadlock / invalid thread); detaching avoids
    // std::terminate from ~thread.
    try {
      thread.detach();
    } catch (...) {
    }
    status = ERR_INTERNAL;
  }
  try {
    std::lock_guard<std::mutex> lock(source.mutex);
    source.joining = false;
  } catch (...) {
    status = ERR_INTERNAL;
  }
  source.joined.notify_all();
  return status;
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
    // A source being joined by another thread's stop still counts as running (see EventSource).
    if (source.running || source.joining) return ERR_INVALID_ARGUMENT;
    ffikit::BeforeThreadStart();
    std::thread thread(ffikit::Run, &source, callback, interval_us, max_events);
    // Only after the thread exists: a failed start changes nothing. The new thread blocks on the
    // mutex before its first callback, so it cannot count an event before this reset.
    source.stop = false;
    source.emitted.store(0, std::memory_order_relaxed);
    source.thread_id = thread.get_id();
    source.thread = std::move(thread);
    source.running = true;
    return SUCCESS;
  });
}

FFIKIT_API ErrorCode ffikit_events_stop(void) {
  return ffikit::Guarded([&]() -> ErrorCode {
    ffikit::EventSource &source = ffikit::Source();
    std::thread thread;
    {
      std::unique_lock<std::mutex> lock(source.mutex);
      if (!source.running && !source.joining) return SUCCESS;
      // Joining itself, or waiting for a join of itself, would deadlock: refuse on the event
      // thread.
      if (std::this_thread::get_id() == source.thread_id) return ERR_INVALID_ARGUMENT;
      if (!source.running) {
        // Another thread's stop is joining: SUCCESS promises no callback is still running.
        source.joined.wait(lock, [&source] { return !source.joining; });
        return SUCCESS;
      }
      source.stop = true;
      thread = std::move(source.thread);
      source.running = false;
      source.joining = true;
    }
    source.wake.notify_all();
    return ffikit::JoinTaken(source, thread);
  });
}

FFIKIT_API int32_t ffikit_events_running(void) {
  try {
    ffikit::EventSource &source = ffikit::Source();
    std::lock_guard<std::mutex> lock(source.mutex);
    return source.running || source.joining ? 1 : 0;
  } catch (...) {
    // std::mutex::lock can only throw on a broken threading runtime; the C ABI must not see it.
    return 0;
  }
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
