// AVX2 + FMA kernel table: the only file compiled with -mavx2 -mfma (see kernels_x86_inl.h).
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "kernels.h"

namespace ffikit {
namespace {

// The traits kernels_x86_inl.h is written against: 8 floats per vector, and 4 floats widened
// to one vector of 4 doubles for the double-accumulating reductions.
struct Avx2 {
  static constexpr const char *kName = "avx2";
  static constexpr size_t kFloats = 8;
  static constexpr size_t kDoubles = 4;
  static constexpr size_t kStreamAlign = 32;
  using VF = __m256;
  using VD = __m256d;
  // NaN in some lane once a non-finite element was seen (x - x is +0 exactly when x is finite).
  using FiniteFlag = __m256;

  // Lanes [0, n) set; n < lane count. AVX2 has no mask registers, so masks are vectors.
  static __m256i MaskF(size_t n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)),
                              _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static __m128i MaskHalf(size_t n) {
    return _mm_cmpgt_epi32(_mm_set1_epi32(static_cast<int>(n)), _mm_setr_epi32(0, 1, 2, 3));
  }

  static VF LoadF(const float *p) { return _mm256_loadu_ps(p); }
  // Masked-off lanes read as +0.0f and are never touched, so a tail cannot fault.
  static VF LoadFPartial(const float *p, size_t n) { return _mm256_maskload_ps(p, MaskF(n)); }
  static void StoreF(float *p, VF v) { _mm256_storeu_ps(p, v); }
  static void StoreFPartial(float *p, VF v, size_t n) { _mm256_maskstore_ps(p, MaskF(n), v); }
  static void StreamF(float *p, VF v) { _mm256_stream_ps(p, v); }
  static void StoreFence() { _mm_sfence(); }
  static VF SetF(float x) { return _mm256_set1_ps(x); }
  static VF AddF(VF a, VF b) { return _mm256_add_ps(a, b); }
  static VF MulF(VF a, VF b) { return _mm256_mul_ps(a, b); }
  static VF FmaF(VF a, VF b, VF c) { return _mm256_fmadd_ps(a, b, c); }

  static FiniteFlag FiniteInit() { return _mm256_setzero_ps(); }
  static FiniteFlag FiniteAccumulate(FiniteFlag flag, VF x) {
    return _mm256_add_ps(flag, _mm256_sub_ps(x, x));
  }
  static bool FiniteAnyBad(FiniteFlag flag) {
    return _mm256_movemask_ps(_mm256_cmp_ps(flag, flag, _CMP_UNORD_Q)) != 0;
  }

  static VD LoadWiden(const float *p) { return _mm256_cvtps_pd(_mm_loadu_ps(p)); }
  static VD LoadWidenPartial(const float *p, size_t n) {
    return _mm256_cvtps_pd(_mm_maskload_ps(p, MaskHalf(n)));
  }
  static void StoreNarrow(float *p, VD v) { _mm_storeu_ps(p, _mm256_cvtpd_ps(v)); }
  static void StoreNarrowPartial(float *p, VD v, size_t n) {
    _mm_maskstore_ps(p, MaskHalf(n), _mm256_cvtpd_ps(v));
  }
  static VD ZeroBeyond(VD v, size_t n) {
    const __m256i lanes = _mm256_cmpgt_epi64(_mm256_set1_epi64x(static_cast<long long>(n)),
                                             _mm256_setr_epi64x(0, 1, 2, 3));
    return _mm256_and_pd(v, _mm256_castsi256_pd(lanes));
  }
  static VD ZeroD() { return _mm256_setzero_pd(); }
  static VD SetD(double x) { return _mm256_set1_pd(x); }
  static VD AddD(VD a, VD b) { return _mm256_add_pd(a, b); }
  static VD SubD(VD a, VD b) { return _mm256_sub_pd(a, b); }
  static VD MulD(VD a, VD b) { return _mm256_mul_pd(a, b); }
  static VD DivD(VD a, VD b) { return _mm256_div_pd(a, b); }
  static VD FmaD(VD a, VD b, VD c) { return _mm256_fmadd_pd(a, b, c); }
  // (v0 + v2) + (v1 + v3): a fixed order, part of the ISA's deterministic result.
  static double ReduceD(VD v) {
    const __m128d pair = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    return _mm_cvtsd_f64(_mm_add_sd(pair, _mm_unpackhi_pd(pair, pair)));
  }
};

}  // namespace
}  // namespace ffikit

#include "kernels_x86_inl.h"

namespace ffikit {
namespace {
constexpr KernelTable kAvx2Table = MakeTable<Avx2>();
}  // namespace

const KernelTable *Avx2Kernels() noexcept { return &kAvx2Table; }

}  // namespace ffikit
