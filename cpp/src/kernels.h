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
// Adding an ISA (e.g. AVX2): create kernels_avx2.cpp defining Avx2Kernels() (CMakeLists.txt
// compiles that one file with the ISA flags and defines FFIKIT_HAVE_AVX2); dispatch.cpp then
// offers it when the CPU/OS check passes. Never compile other files with ISA flags, or the
// compiler may emit those instructions in code that runs before detection.
struct KernelTable {
  const char *name;  // "scalar" | "avx2" | "avx512", as reported by ffikit_simd_level()

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

  // data[i] = data[i] * mul + add, each operation rounded to float (no FMA).
  void (*affine_f32)(float *data, size_t len, float mul, float add) noexcept;
};

const KernelTable *ScalarKernels() noexcept;
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
