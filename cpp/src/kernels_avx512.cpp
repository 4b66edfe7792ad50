// AVX-512 (F/BW/DQ/VL) + FMA kernel table: the only file compiled with the AVX-512 flags.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "kernels.h"

namespace ffikit {
namespace {

// The traits kernels_x86_inl.h is written against: 16 floats per vector, and 8 floats
// widened to one vector of 8 doubles. Tails use opmask registers, so no lane past the end is
// ever read or written.
struct Avx512 {
  static constexpr const char *kName = "avx512";
  static constexpr size_t kFloats = 16;
  static constexpr size_t kDoubles = 8;
  static constexpr size_t kStreamAlign = 64;
  static constexpr __mmask8 kAllDoubles = 0xFF;
  using VF = __m512;
  using VD = __m512d;
  using FiniteFlag = __mmask16;  // lane bit set once a NaN or +-Inf was seen there

  // Lanes [0, n) set; n < lane count.
  static __mmask16 Mask16(size_t n) { return static_cast<__mmask16>((1u << n) - 1u); }
  static __mmask8 Mask8(size_t n) { return static_cast<__mmask8>((1u << n) - 1u); }

  static VF LoadF(const float *p) { return _mm512_loadu_ps(p); }
  static VF LoadFPartial(const float *p, size_t n) { return _mm512_maskz_loadu_ps(Mask16(n), p); }
  static void StoreF(float *p, VF v) { _mm512_storeu_ps(p, v); }
  static void StoreFPartial(float *p, VF v, size_t n) { _mm512_mask_storeu_ps(p, Mask16(n), v); }
  static void StreamF(float *p, VF v) { _mm512_stream_ps(p, v); }
  static void StoreFence() { _mm_sfence(); }
  static VF SetF(float x) { return _mm512_set1_ps(x); }
  static VF AddF(VF a, VF b) { return _mm512_add_ps(a, b); }
  static VF MulF(VF a, VF b) { return _mm512_mul_ps(a, b); }
  static VF FmaF(VF a, VF b, VF c) { return _mm512_fmadd_ps(a, b, c); }

  static FiniteFlag FiniteInit() { return 0; }
  static FiniteFlag FiniteAccumulate(FiniteFlag flag, VF x) {
    // fpclass categories: 0x01 QNaN | 0x08 +Inf | 0x10 -Inf | 0x80 SNaN.
    return static_cast<__mmask16>(flag | _mm512_fpclass_ps_mask(x, 0x99));
  }
  static bool FiniteAnyBad(FiniteFlag flag) { return flag != 0; }

  // The conversions use the zero-masking forms with every lane selected (same instruction):
  // GCC 12's unmasked _mm512_cvtps_pd / _mm512_cvtpd_ps pass _mm512_undefined_pd() and trip
  // -Wmaybe-uninitialized under -Werror (GCC bug 105593).
  static VD Widen(__m256 v) { return _mm512_maskz_cvtps_pd(kAllDoubles, v); }
  static __m256 Narrow(VD v) { return _mm512_maskz_cvtpd_ps(kAllDoubles, v); }
  static VD LoadWiden(const float *p) { return Widen(_mm256_loadu_ps(p)); }
  static VD LoadWidenPartial(const float *p, size_t n) {
    return Widen(_mm256_maskz_loadu_ps(Mask8(n), p));
  }
  static void StoreNarrow(float *p, VD v) { _mm256_storeu_ps(p, Narrow(v)); }
  static void StoreNarrowPartial(float *p, VD v, size_t n) {
    _mm256_mask_storeu_ps(p, Mask8(n), Narrow(v));
  }
  static VD ZeroBeyond(VD v, size_t n) { return _mm512_maskz_mov_pd(Mask8(n), v); }
  static VD ZeroD() { return _mm512_setzero_pd(); }
  static VD SetD(double x) { return _mm512_set1_pd(x); }
  static VD AddD(VD a, VD b) { return _mm512_add_pd(a, b); }
  static VD SubD(VD a, VD b) { return _mm512_sub_pd(a, b); }
  static VD MulD(VD a, VD b) { return _mm512_mul_pd(a, b); }
  static VD DivD(VD a, VD b) { return _mm512_div_pd(a, b); }
  static VD FmaD(VD a, VD b, VD c) { return _mm512_fmadd_pd(a, b, c); }
  // ((v0 + v4) + (v2 + v6)) + ((v1 + v5) + (v3 + v7)): a fixed order, part of the ISA's
  // deterministic result. Through memory rather than 512->256 casts, whose GCC 12 headers
  // trip -Wuninitialized (_mm256_undefined_pd, GCC bug 105593); it runs once per call.
  static double ReduceD(VD v) {
    alignas(64) double lane[8];
    _mm512_store_pd(lane, v);
    return ((lane[0] + lane[4]) + (lane[2] + lane[6])) +
           ((lane[1] + lane[5]) + (lane[3] + lane[7]));
  }
};

}  // namespace
}  // namespace ffikit

#include "kernels_x86_inl.h"

namespace ffikit {
namespace {
constexpr KernelTable kAvx512Table = MakeTable<Avx512>();
}  // namespace

const KernelTable *Avx512Kernels() noexcept { return &kAvx512Table; }

}  // namespace ffikit
