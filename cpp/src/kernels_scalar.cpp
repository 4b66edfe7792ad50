// Portable scalar kernels: the reference results every other ISA's kernels must reproduce.
#include <cmath>

#include "kernels.h"

namespace ffikit {
namespace {

void AddF32(const float *a, const float *b, float *result, size_t len) noexcept {
  for (size_t i = 0; i < len; ++i) result[i] = a[i] + b[i];
}

bool AllFiniteF32(const float *data, size_t len) noexcept {
  for (size_t i = 0; i < len; ++i) {
    if (!std::isfinite(data[i])) return false;
  }
  return true;
}

double SumF32(const float *data, size_t len) noexcept {
  double sum = 0.0;
  for (size_t i = 0; i < len; ++i) sum += static_cast<double>(data[i]);
  return sum;
}

double SumSqDevF32(const float *data, size_t len, double mean) noexcept {
  double sum = 0.0;
  for (size_t i = 0; i < len; ++i) {
    const double dev = static_cast<double>(data[i]) - mean;
    sum += dev * dev;
  }
  return sum;
}

void NormalizeF32(float *data, size_t len, double mean, double std_dev) noexcept {
  for (size_t i = 0; i < len; ++i) {
    data[i] = static_cast<float>((static_cast<double>(data[i]) - mean) / std_dev);
  }
}

void AffineF32(float *data, size_t len, float mul, float add) noexcept {
  for (size_t i = 0; i < len; ++i) {
    // Two statements keep the float rounding after the multiply explicit; the build also
    // passes -ffp-contract=off so no compiler fuses them into an FMA.
    const float scaled = data[i] * mul;
    data[i] = scaled + add;
  }
}

double DotF32(const float *a, const float *b, size_t len) noexcept {
  double sum = 0.0;
  for (size_t i = 0; i < len; ++i) {
    // Exact: the product of two floats always fits a double's significand.
    const double product = static_cast<double>(a[i]) * static_cast<double>(b[i]);
    sum += product;
  }
  return sum;
}

void AxpyF32(float alpha, const float *x, float *y, size_t len) noexcept {
  for (size_t i = 0; i < len; ++i) {
    // Two roundings on purpose (the reference the vector FMA is measured against); see
    // AffineF32 for why the statements are split.
    const float scaled = alpha * x[i];
    y[i] = scaled + y[i];
  }
}

constexpr KernelTable kScalarTable = {
    "scalar", AddF32, AllFiniteF32, SumF32, SumSqDevF32, NormalizeF32, AffineF32, DotF32, AxpyF32,
};

}  // namespace

const KernelTable *ScalarKernels() noexcept { return &kScalarTable; }

}  // namespace ffikit
