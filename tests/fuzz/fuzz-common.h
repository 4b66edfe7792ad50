// Shared helpers of the libFuzzer harnesses in tests/fuzz: input decoding, ISA choice, oracles.
//
// Every harness only builds calls the header (cpp/include/ffikit_ref.h) defines: buffers really
// hold the elements a call may touch, and hostile sizes are either refused by documented checks
// (a byte count that cannot fit size_t, a NULL pointer) or come with a buffer of that size. A
// violated expectation aborts with a message, which libFuzzer records as a crash.
#ifndef FFIKIT_FUZZ_COMMON_H
#define FFIKIT_FUZZ_COMMON_H

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "ffikit_ref.h"

namespace fuzz {

[[noreturn]] inline void Fail(const char *file, int line, const char *what) {
  std::fprintf(stderr, "ORACLE FAILURE %s:%d: %s\n", file, line, what);
  std::abort();
}

#define FUZZ_CHECK(cond)                                  \
  do {                                                    \
    if (!(cond)) ::fuzz::Fail(__FILE__, __LINE__, #cond); \
  } while (0)

constexpr size_t kSizeMax = std::numeric_limits<size_t>::max();

// Reads the fuzzer's bytes front to back; past the end everything reads as zero, so every input
// decodes to some call.
class Input {
 public:
  Input(const uint8_t *data, size_t size) : data_(data), size_(size) {}

  template <typename T>
  T Take() {
    T value{};
    const size_t n = size_ < sizeof(T) ? size_ : sizeof(T);
    std::memcpy(&value, data_, n);
    data_ += n;
    size_ -= n;
    return value;
  }
  uint8_t Byte() { return Take<uint8_t>(); }
  bool Flag() { return (Byte() & 1) != 0; }
  // Uniform-ish in [0, bound]; bound may be 0.
  size_t Upto(size_t bound) {
    const uint64_t raw = Take<uint32_t>();
    return bound == 0 ? 0 : static_cast<size_t>(raw % (static_cast<uint64_t>(bound) + 1));
  }
  // Arbitrary bit patterns, so NaN, +-Inf, subnormals and -0 all occur. Once the input is used
  // up, values repeat the bytes already seen instead of all being zero.
  float Float() {
    if (size_ >= 4) return Take<float>();
    return Cycle<float>();
  }
  double Double() {
    if (size_ >= 8) return Take<double>();
    return Cycle<double>();
  }
  size_t remaining() const { return size_; }

 private:
  template <typename T>
  T Cycle() {
    T value{};
    unsigned char bytes[sizeof(T)];
    for (size_t i = 0; i < sizeof(T); ++i) bytes[i] = static_cast<unsigned char>(counter_++ * 37u);
    std::memcpy(&value, bytes, sizeof(T));
    return value;
  }
  const uint8_t *data_;
  size_t size_;
  unsigned counter_ = 0;
};

// Every ISA name ffikit_ref.h documents (whether or not this build or CPU has it).
constexpr const char *kIsaNames[] = {"scalar", "sse2", "avx2", "avx512"};

inline bool IsKnownIsa(const char *isa) {
  for (const char *name : kIsaNames) {
    if (std::strcmp(isa, name) == 0) return true;
  }
  return false;
}

// Makes one of the ISAs this CPU supports active, chosen by `selector`; returns its name.
inline const char *ForceIsa(uint8_t selector) {
  const char *usable[sizeof kIsaNames / sizeof kIsaNames[0]];
  size_t count = 0;
  for (const char *isa : kIsaNames) {
    if (ffikit_simd_supported(isa) == 1) usable[count++] = isa;
  }
  const char *isa = usable[selector % count];
  FUZZ_CHECK(ffikit_simd_force(isa) == SUCCESS);
  return isa;
}

inline bool IsScalar(const char *isa) { return std::strcmp(isa, "scalar") == 0; }

// A heap buffer of exactly `count` elements (so ASan flags any access past it) whose first
// element sits `shift` elements after a 64-byte boundary: vector kernels see every misalignment.
template <typename T>
class Buffer {
 public:
  Buffer(size_t count, size_t shift) : count_(count) {
    // posix_memalign, unlike aligned_alloc, takes any size: the allocation ends exactly after
    // the last element, where ASan's redzone starts.
    const size_t bytes = (count + shift) * sizeof(T);
    void *raw = nullptr;
    FUZZ_CHECK(posix_memalign(&raw, 64, bytes == 0 ? 1 : bytes) == 0);
    raw_ = static_cast<unsigned char *>(raw);
    data_ = reinterpret_cast<T *>(raw_) + shift;
  }
  ~Buffer() { std::free(raw_); }
  Buffer(const Buffer &) = delete;
  Buffer &operator=(const Buffer &) = delete;
  T *data() { return data_; }
  T &operator[](size_t i) { return data_[i]; }
  size_t size() const { return count_; }

 private:
  unsigned char *raw_;
  T *data_;
  size_t count_;
};

// Same value, treating any two NaNs as equal (payloads are not specified across ISAs).
inline bool SameValue(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return a == b;
}

// Bitwise equality except for NaN payloads.
inline bool SameFloat(float a, float b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  uint32_t x, y;
  std::memcpy(&x, &a, 4);
  std::memcpy(&y, &b, 4);
  return x == y;
}

// |a - b| <= bound, where equal infinities and equal NaN classes also pass and an infinite bound
// accepts any two non-NaN values.
inline bool WithinBound(double a, double b, double bound) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (a == b) return true;
  if (std::isinf(bound)) return true;
  return std::fabs(a - b) <= bound;
}

// ulp(v) as ffikit_ref.h defines it for floats.
inline double FloatUlp(double v) {
  v = std::fabs(v);
  if (v < FLT_MIN) return FLT_TRUE_MIN;
  int exponent = 0;
  std::frexp(v, &exponent);  // v = m * 2^exponent, m in [0.5, 1)
  return std::ldexp(static_cast<double>(FLT_EPSILON), exponent - 1);
}

// The documented result class of a double-accumulated sum of `terms` (simd_sum, simd_dot,
// process_batch): checks a vector ISA's `got` against the scalar reference `ref` (left-to-right
// sum of the same terms) within 2 * len * DBL_EPSILON * sum|terms|.
inline bool SumMatches(double got, double ref, double abs_sum, size_t len) {
  const double bound = 2.0 * static_cast<double>(len) * DBL_EPSILON * abs_sum * (1.0 + 1e-9);
  return WithinBound(got, ref, bound);
}

}  // namespace fuzz

#endif  // FFIKIT_FUZZ_COMMON_H
