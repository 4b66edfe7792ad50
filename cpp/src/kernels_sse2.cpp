// SSE2 kernel table: the x86-64 baseline (every x86-64 CPU has SSE2), so this file needs no ISA
// flag and the table needs no CPU check. It is what runs on x86-64 CPUs without AVX2 + FMA.
#include <emmintrin.h>

#include <cstddef>
#include <cstdint>

#include "kernels.h"

namespace ffikit {
namespace {

// The traits kernels_x86_inl.h is written against: 4 floats per vector, and 2 floats widened
// to one vector of 2 doubles. SSE2 has neither masked loads and stores nor a fused
// multiply-add:
//  - a tail (fewer elements than a vector) goes through a zeroed local vector, so no lane past
//    the end is ever read or written;
//  - FmaF/FmaD multiply and add separately, two roundings. For axpy that is exactly the scalar
//    reference's formula; for dot it rounds like the fused form, since a float * float product
//    is exact in double.
struct Sse2 {
  static constexpr const char *kName = "sse2";
  static constexpr size_t kFloats = 4;
  static constexpr size_t kDoubles = 2;
  static constexpr size_t kStreamAlign = 16;
  using VF = __m128;
  using VD = __m128d;
  // NaN in some lane once a non-finite element was seen (x - x is +0 exactly when x is finite).
  using FiniteFlag = __m128;

  static VF LoadF(const float *p) { return _mm_loadu_ps(p); }
  // n < 4. Plain loops, not memcpy: an ISA file calls no function with external linkage.
  static VF LoadFPartial(const float *p, size_t n) {
    alignas(16) float lanes[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    for (size_t k = 0; k < n; ++k) lanes[k] = p[k];
    return _mm_load_ps(lanes);
  }
  static void StoreF(float *p, VF v) { _mm_storeu_ps(p, v); }
  static void StoreFPartial(float *p, VF v, size_t n) {
    alignas(16) float lanes[4];
    _mm_store_ps(lanes, v);
    for (size_t k = 0; k < n; ++k) p[k] = lanes[k];
  }
  static void StreamF(float *p, VF v) { _mm_stream_ps(p, v); }
  static void StoreFence() { _mm_sfence(); }
  static VF SetF(float x) { return _mm_set1_ps(x); }
  static VF AddF(VF a, VF b) { return _mm_add_ps(a, b); }
  static VF MulF(VF a, VF b) { return _mm_mul_ps(a, b); }
  static VF FmaF(VF a, VF b, VF c) { return _mm_add_ps(_mm_mul_ps(a, b), c); }

  static FiniteFlag FiniteInit() { return _mm_setzero_ps(); }
  static FiniteFlag FiniteAccumulate(FiniteFlag flag, VF x) {
    return _mm_add_ps(flag, _mm_sub_ps(x, x));
  }
  static bool FiniteAnyBad(FiniteFlag flag) {
    return _mm_movemask_ps(_mm_cmpunord_ps(flag, flag)) != 0;
  }

  // Two floats (one unaligned 64-bit load) widened to two doubles.
  static VD LoadWiden(const float *p) {
    return _mm_cvtps_pd(_mm_castsi128_ps(_mm_loadl_epi64(reinterpret_cast<const __m128i *>(p))));
  }
  // n < 2: one float; the other lane widens from +0.0f.
  static VD LoadWidenPartial(const float *p, size_t n) {
    return n == 0 ? _mm_setzero_pd() : _mm_cvtps_pd(_mm_load_ss(p));
  }
  static void StoreNarrow(float *p, VD v) {
    _mm_storel_epi64(reinterpret_cast<__m128i *>(p), _mm_castps_si128(_mm_cvtpd_ps(v)));
  }
  static void StoreNarrowPartial(float *p, VD v, size_t n) {
    if (n != 0) _mm_store_ss(p, _mm_cvtpd_ps(v));
  }
  static VD ZeroBeyond(VD v, size_t n) {
    return n == 0 ? _mm_setzero_pd() : _mm_move_sd(_mm_setzero_pd(), v);
  }
  static VD ZeroD() { return _mm_setzero_pd(); }
  static VD SetD(double x) { return _mm_set1_pd(x); }
  static VD AddD(VD a, VD b) { return _mm_add_pd(a, b); }
  static VD SubD(VD a, VD b) { return _mm_sub_pd(a, b); }
  static VD MulD(VD a, VD b) { return _mm_mul_pd(a, b); }
  static VD DivD(VD a, VD b) { return _mm_div_pd(a, b); }
  static VD FmaD(VD a, VD b, VD c) { return _mm_add_pd(_mm_mul_pd(a, b), c); }
  // v0 + v1: a fixed order, part of the ISA's deterministic result.
  static double ReduceD(VD v) { return _mm_cvtsd_f64(_mm_add_sd(v, _mm_unpackhi_pd(v, v))); }
};

}  // namespace
}  // namespace ffikit

#include "kernels_x86_inl.h"

namespace ffikit {
namespace {
constexpr KernelTable kSse2Table = MakeTable<Sse2>();
}  // namespace

const KernelTable *Sse2Kernels() noexcept { return &kSse2Table; }

}  // namespace ffikit
