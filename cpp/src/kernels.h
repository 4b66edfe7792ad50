// The ISA dispatch contract: one table of kernel function pointers per instruction set.
#ifndef FFIKIT_SRC_KERNELS_H
#define FFIKIT_SRC_KERNELS_H

#include <cstddef>
#include <cstdint>

namespace ffikit {

// Kernels are leaf loops: they never allocate, throw or validate. Entry points in
// api_kernels.cpp own every check, so each ISA only has to get the arithmetic right and all
// ISAs share one definition of the error semantics.
//
// ISA tables: kernels_scalar.cpp (the reference, always built), kernels_sse2.cpp (x86-64
// only, no flag needed: SSE2 is the x86-64 baseline; FFIKIT_HAVE_SSE2), kernels_avx2.cpp and
// kernels_avx512.cpp (x86 only; CMakeLists.txt compiles each of those two files, and only
// them, with its ISA flags and defines FFIKIT_HAVE_AVX2 / FFIKIT_HAVE_AVX512 when it does).
// The vector kernels are written once, in kernels_x86_inl.h, over a small per-ISA traits
// struct; dispatch.cpp offers a table when the CPU/OS check passes. Never compile other files
// with ISA flags, or the compiler may emit those instructions in code that runs before
// detection. For the same reason an ISA translation unit must not instantiate or call any
// inline function with external linkage (std::min, std::isfinite, helpers from internal.h):
// the linker keeps one copy of such a function for the whole library, and if it kept the
// AVX-512 one, scalar code on an older CPU would execute it. Everything an ISA file defines
// lives in an anonymous namespace.
struct KernelTable {
  const char *name;  // "scalar" | "sse2" | "avx2" | "avx512", as reported by ffikit_simd_level()

  // result[i] = a[i] + b[i]; result may alias a or b exactly.
  void (*add_f32)(const float *a, const float *b, float *result, size_t len) noexcept;

  // True iff no element is NaN or +-Inf.
  bool (*all_finite_f32)(const float *data, size_t len) noexcept;

  // Sum in a double accumulator (float sums lose too much precision for normalisation).
  double (*sum_f32)(const float *data, size_t len) noexcept;

  // Sum of (data[i] - mean)^2 in double: the second pass of a two-pass variance, which stays
  // accurate where the one-pass E[x^2] - E[x]^2 cancels catastrophically.
  double (*sum_sq_dev_f32)(const float *data, size_t len, double mean) noexcept;

  // data[i] = (float)((data[i] - mean) / std_dev); division (not multiplication by 1/std) so
  // every ISA rounds identically to the documented formula.
  void (*normalize_f32)(float *data, size_t len, double mean, double std_dev) noexcept;

  // data[i] = data[i] * mul + add, each operation rounded to float (no FMA) in every ISA:
  // long_running_operation() documents its results bit-exactly.
  void (*affine_f32)(float *data, size_t len, float mul, float add) noexcept;

  // Sum of (double)a[i] * (double)b[i] in double. A float*float product is exact in double
  // (24 + 24 significant bits <= 53), so only the additions round; vector ISAs may fuse the
  // multiply into the add without changing any rounding.
  double (*dot_f32)(const float *a, const float *b, size_t len) noexcept;

  // y[i] = alpha * x[i] + y[i]; the scalar reference and sse2 round the product and the sum
  // separately, avx2 and avx512 use one fused multiply-add (bound documented in ffikit_ref.h).
  // x may alias y exactly.
  void (*axpy_f32)(float alpha, const float *x, float *y, size_t len) noexcept;
};

const KernelTable *ScalarKernels() noexcept;
#if defined(FFIKIT_HAVE_SSE2)
const KernelTable *Sse2Kernels() noexcept;
#endif
#if defined(FFIKIT_HAVE_AVX2)
const KernelTable *Avx2Kernels() noexcept;
#endif
#if defined(FFIKIT_HAVE_AVX512)
const KernelTable *Avx512Kernels() noexcept;
#endif

}  // namespace ffikit

// Forces the compiler to assume `ptr`'s memory was read and written, so consecutive passes
// over the same buffer cannot be fused or hoisted (the long-running workload must really
// perform every pass).
#if defined(__GNUC__) || defined(__clang__)
#define FFIKIT_COMPILER_BARRIER(ptr) __asm__ __volatile__("" : : "r"(ptr) : "memory")
#elif defined(_MSC_VER)
#include <intrin.h>
#define FFIKIT_COMPILER_BARRIER(ptr) ((void)(ptr), _ReadWriteBarrier())
#else
#define FFIKIT_COMPILER_BARRIER(ptr) ((void)(ptr))
#endif

#endif  // FFIKIT_SRC_KERNELS_H
