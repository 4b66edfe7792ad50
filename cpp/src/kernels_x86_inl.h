// The vector kernels, written once over an ISA traits struct and compiled once per x86 ISA.
//
// Included only by kernels_sse2.cpp, kernels_avx2.cpp and kernels_avx512.cpp, after they
// define their traits struct `Isa` (see any of them for the members it must provide).
// Deliberately no include guard: each ISA translation unit includes it exactly once.
// Everything here lives in an anonymous namespace and uses only intrinsics and plain
// arithmetic, never an inline function with external linkage (see kernels.h for why that matters in
// a file built with ISA flags).
//
// Floating-point contract shared by every kernel (the reasons are in ffikit_ref.h):
//  - element-wise kernels (add, affine, normalize) round every operation exactly like the
//    scalar reference, so their results are bit-identical to it;
//  - axpy uses one fused multiply-add per element with avx2 and avx512 (the only intended
//    difference; sse2 has no FMA and rounds twice, exactly like the scalar reference);
//  - reductions (sum, dot, sum of squared deviations) accumulate in double, in an order that
//    depends only on `len`, never on the buffers' alignment, so a given ISA is deterministic.
//    The build passes -ffp-contract=off, so the separate multiply and add intrinsics below
//    are never fused behind our back.

namespace ffikit {
namespace {

// Below this output size the destination probably stays in cache for the caller's next read,
// and regular stores win; above it, streaming stores skip the read-for-ownership of `result`
// (a quarter of the memory traffic). Measured with AVX2 on the machine described in
// dispatch.cpp (32 MiB L3), best of 40, microseconds, regular / streaming stores:
//   MiB per array          1        2        4        8        12        16        38
//   add alone          31/43    63/74  150/148  461/382  919/716  1312/1028  4564/3121
//   add, then read c   45/72   90/128  204/258  600/608 1239/1071 1749/1523  5940/4553
// Streaming pays off for the add alone from ~4 MiB, but leaves the result out of cache; the
// threshold is where add-then-use breaks even: 8 MiB (a 24 MiB working set, 3/4 of that L3).
constexpr size_t kStreamMinBytes = size_t{8} << 20;
constexpr size_t kStreamMinElements = kStreamMinBytes / sizeof(float);

// Reductions keep four independent vector accumulators: enough to hide the latency of the
// double adds, few enough that the fixed final combination stays cheap for short inputs.
constexpr size_t kAccumulators = 4;

// AllFinite checks its flag once per this many vectors, so a non-finite element stops the
// scan early without a branch per vector.
constexpr size_t kFiniteCheckVectors = 8;

template <class D>
void AddF32(const float *a, const float *b, float *result, size_t len) noexcept {
  constexpr size_t kF = D::kFloats;
  size_t i = 0;
  const uintptr_t address = reinterpret_cast<uintptr_t>(result);
  // Not in place: when `result` is also an input, each of its lines has just been loaded into
  // the cache, so there is no read-for-ownership to save, and a streaming store to a cached
  // line forces that line out: slower, not faster.
  const bool stream =
      len >= kStreamMinElements && result != a && result != b && address % sizeof(float) == 0;
  if (stream) {
    // Peel the head so every streaming store is aligned (they require it).
    const size_t misalign = static_cast<size_t>(address % D::kStreamAlign);
    const size_t head = misalign == 0 ? 0 : (D::kStreamAlign - misalign) / sizeof(float);
    if (head != 0) {
      D::StoreFPartial(result, D::AddF(D::LoadFPartial(a, head), D::LoadFPartial(b, head)), head);
      i = head;
    }
    for (; i + 4 * kF <= len; i += 4 * kF) {
      D::StreamF(result + i, D::AddF(D::LoadF(a + i), D::LoadF(b + i)));
      D::StreamF(result + i + kF, D::AddF(D::LoadF(a + i + kF), D::LoadF(b + i + kF)));
      D::StreamF(result + i + 2 * kF, D::AddF(D::LoadF(a + i + 2 * kF), D::LoadF(b + i + 2 * kF)));
      D::StreamF(result + i + 3 * kF, D::AddF(D::LoadF(a + i + 3 * kF), D::LoadF(b + i + 3 * kF)));
    }
    for (; i + kF <= len; i += kF)
      D::StreamF(result + i, D::AddF(D::LoadF(a + i), D::LoadF(b + i)));
    // Streaming stores are weakly ordered: fence before returning so the caller (or another
    // thread it signals) sees every element.
    D::StoreFence();
  } else {
    for (; i + 4 * kF <= len; i += 4 * kF) {
      D::StoreF(result + i, D::AddF(D::LoadF(a + i), D::LoadF(b + i)));
      D::StoreF(result + i + kF, D::AddF(D::LoadF(a + i + kF), D::LoadF(b + i + kF)));
      D::StoreF(result + i + 2 * kF, D::AddF(D::LoadF(a + i + 2 * kF), D::LoadF(b + i + 2 * kF)));
      D::StoreF(result + i + 3 * kF, D::AddF(D::LoadF(a + i + 3 * kF), D::LoadF(b + i + 3 * kF)));
    }
    for (; i + kF <= len; i += kF) D::StoreF(result + i, D::AddF(D::LoadF(a + i), D::LoadF(b + i)));
  }
  if (i < len) {
    const size_t rest = len - i;
    D::StoreFPartial(result + i,
                     D::AddF(D::LoadFPartial(a + i, rest), D::LoadFPartial(b + i, rest)), rest);
  }
}

template <class D>
bool AllFiniteF32(const float *data, size_t len) noexcept {
  constexpr size_t kF = D::kFloats;
  constexpr size_t kBlock = kFiniteCheckVectors * kF;
  typename D::FiniteFlag flag = D::FiniteInit();
  size_t i = 0;
  for (; i + kBlock <= len; i += kBlock) {
    for (size_t v = 0; v < kBlock; v += kF)
      flag = D::FiniteAccumulate(flag, D::LoadF(data + i + v));
    if (D::FiniteAnyBad(flag)) return false;
  }
  for (; i + kF <= len; i += kF) flag = D::FiniteAccumulate(flag, D::LoadF(data + i));
  // Lanes past the end load as +0.0f, which is finite.
  if (i < len) flag = D::FiniteAccumulate(flag, D::LoadFPartial(data + i, len - i));
  return !D::FiniteAnyBad(flag);
}

// Combines the accumulators in a fixed order, so the result depends only on the values and
// len (the documented determinism of each ISA).
template <class D>
double Combine(const typename D::VD (&acc)[kAccumulators]) noexcept {
  return D::ReduceD(D::AddD(D::AddD(acc[0], acc[1]), D::AddD(acc[2], acc[3])));
}

template <class D>
double SumF32(const float *data, size_t len) noexcept {
  constexpr size_t kD = D::kDoubles;
  typename D::VD acc[kAccumulators] = {D::ZeroD(), D::ZeroD(), D::ZeroD(), D::ZeroD()};
  size_t i = 0;
  for (; i + kAccumulators * kD <= len; i += kAccumulators * kD) {
    for (size_t k = 0; k < kAccumulators; ++k) {
      acc[k] = D::AddD(acc[k], D::LoadWiden(data + i + k * kD));
    }
  }
  for (; i + kD <= len; i += kD) acc[0] = D::AddD(acc[0], D::LoadWiden(data + i));
  // Missing lanes widen to +0.0, which leaves an accumulator unchanged: an accumulator is
  // never -0.0, since it starts at +0.0 and a round-to-nearest sum is -0.0 only when both
  // addends are.
  if (i < len) acc[1] = D::AddD(acc[1], D::LoadWidenPartial(data + i, len - i));
  return Combine<D>(acc);
}

template <class D>
double DotF32(const float *a, const float *b, size_t len) noexcept {
  constexpr size_t kD = D::kDoubles;
  typename D::VD acc[kAccumulators] = {D::ZeroD(), D::ZeroD(), D::ZeroD(), D::ZeroD()};
  size_t i = 0;
  // The fused multiply-add rounds once, exactly like the scalar multiply-then-add, because
  // the double product of two floats is exact.
  for (; i + kAccumulators * kD <= len; i += kAccumulators * kD) {
    for (size_t k = 0; k < kAccumulators; ++k) {
      const size_t at = i + k * kD;
      acc[k] = D::FmaD(D::LoadWiden(a + at), D::LoadWiden(b + at), acc[k]);
    }
  }
  for (; i + kD <= len; i += kD) acc[0] = D::FmaD(D::LoadWiden(a + i), D::LoadWiden(b + i), acc[0]);
  if (i < len) {
    acc[1] =
        D::FmaD(D::LoadWidenPartial(a + i, len - i), D::LoadWidenPartial(b + i, len - i), acc[1]);
  }
  return Combine<D>(acc);
}

template <class D>
double SumSqDevF32(const float *data, size_t len, double mean) noexcept {
  constexpr size_t kD = D::kDoubles;
  const typename D::VD m = D::SetD(mean);
  typename D::VD acc[kAccumulators] = {D::ZeroD(), D::ZeroD(), D::ZeroD(), D::ZeroD()};
  size_t i = 0;
  // Multiply and add stay separate (no FMA) so every term d*d rounds exactly as in the scalar
  // reference; only the order of the additions differs, which keeps the documented bound
  // simple.
  for (; i + kAccumulators * kD <= len; i += kAccumulators * kD) {
    for (size_t k = 0; k < kAccumulators; ++k) {
      const typename D::VD dev = D::SubD(D::LoadWiden(data + i + k * kD), m);
      acc[k] = D::AddD(acc[k], D::MulD(dev, dev));
    }
  }
  for (; i + kD <= len; i += kD) {
    const typename D::VD dev = D::SubD(D::LoadWiden(data + i), m);
    acc[0] = D::AddD(acc[0], D::MulD(dev, dev));
  }
  if (i < len) {
    // Missing lanes would contribute (0 - mean)^2: zero them after the subtraction.
    const size_t rest = len - i;
    const typename D::VD dev = D::ZeroBeyond(D::SubD(D::LoadWidenPartial(data + i, rest), m), rest);
    acc[1] = D::AddD(acc[1], D::MulD(dev, dev));
  }
  return Combine<D>(acc);
}

template <class D>
void NormalizeF32(float *data, size_t len, double mean, double std_dev) noexcept {
  constexpr size_t kD = D::kDoubles;
  const typename D::VD m = D::SetD(mean);
  const typename D::VD s = D::SetD(std_dev);
  size_t i = 0;
  // Same operations as the scalar reference (widen, subtract, divide, narrow), each correctly
  // rounded, so the output is bit-identical to it for the same mean and std_dev.
  for (; i + kD <= len; i += kD) {
    D::StoreNarrow(data + i, D::DivD(D::SubD(D::LoadWiden(data + i), m), s));
  }
  if (i < len) {
    const size_t rest = len - i;
    D::StoreNarrowPartial(data + i, D::DivD(D::SubD(D::LoadWidenPartial(data + i, rest), m), s),
                          rest);
  }
}

template <class D>
void AffineF32(float *data, size_t len, float mul, float add) noexcept {
  constexpr size_t kF = D::kFloats;
  const typename D::VF vm = D::SetF(mul);
  const typename D::VF va = D::SetF(add);
  size_t i = 0;
  for (; i + 2 * kF <= len; i += 2 * kF) {
    D::StoreF(data + i, D::AddF(D::MulF(D::LoadF(data + i), vm), va));
    D::StoreF(data + i + kF, D::AddF(D::MulF(D::LoadF(data + i + kF), vm), va));
  }
  for (; i + kF <= len; i += kF) D::StoreF(data + i, D::AddF(D::MulF(D::LoadF(data + i), vm), va));
  if (i < len) {
    const size_t rest = len - i;
    D::StoreFPartial(data + i, D::AddF(D::MulF(D::LoadFPartial(data + i, rest), vm), va), rest);
  }
}

template <class D>
void AxpyF32(float alpha, const float *x, float *y, size_t len) noexcept {
  constexpr size_t kF = D::kFloats;
  const typename D::VF va = D::SetF(alpha);
  size_t i = 0;
  for (; i + 4 * kF <= len; i += 4 * kF) {
    for (size_t k = 0; k < 4 * kF; k += kF) {
      D::StoreF(y + i + k, D::FmaF(va, D::LoadF(x + i + k), D::LoadF(y + i + k)));
    }
  }
  for (; i + kF <= len; i += kF) D::StoreF(y + i, D::FmaF(va, D::LoadF(x + i), D::LoadF(y + i)));
  if (i < len) {
    const size_t rest = len - i;
    D::StoreFPartial(y + i, D::FmaF(va, D::LoadFPartial(x + i, rest), D::LoadFPartial(y + i, rest)),
                     rest);
  }
}

// The table for ISA `D`; constant-initialised, so no code of this ISA runs at load time.
template <class D>
constexpr KernelTable MakeTable() noexcept {
  return KernelTable{
      D::kName,        AddF32<D>,    AllFiniteF32<D>, SumF32<D>,  SumSqDevF32<D>,
      NormalizeF32<D>, AffineF32<D>, DotF32<D>,       AxpyF32<D>,
  };
}

}  // namespace
}  // namespace ffikit
