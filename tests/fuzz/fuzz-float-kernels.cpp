// libFuzzer harness for the float kernels: simd_add, simd_dot, simd_axpy, simd_sum, process_data,
// batch_process and long_running_operation, on arbitrary float bit patterns (NaN, +-Inf,
// subnormals, -0), every length and misalignment, exact aliasing where allowed, NULL pointers,
// and lengths whose byte count overflows size_t (refused before any access).
//
// Oracle: each function's documented contract against a plain C++ reference that is the scalar
// ISA's formula. The scalar ISA must match it bit for bit (NaN payloads aside); avx2/avx512 must
// stay within the bound the header states for that function.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "fuzz-common.h"

namespace {

constexpr size_t kMaxLen = 4096;
constexpr size_t kHugeLen = fuzz::kSizeMax / sizeof(float) + 1;  // byte count overflows

enum class LenKind { kNormal, kZero, kHuge };

struct Args {
  const char *isa;
  LenKind kind;
  size_t len;  // the length passed
  size_t n;    // the elements really allocated (0 unless kNormal)
  uint8_t nulls;
  fuzz::Input *in;
};

size_t Shift(fuzz::Input &in) { return in.Byte() % 16; }

// Fills `count` floats from the input.
void Fill(fuzz::Input &in, float *dst, size_t count) {
  for (size_t i = 0; i < count; ++i) dst[i] = in.Float();
}

bool Unchanged(const float *data, const std::vector<float> &before) {
  for (size_t i = 0; i < before.size(); ++i) {
    if (!fuzz::SameFloat(data[i], before[i])) return false;
  }
  return true;
}

void CheckAdd(Args &args) {
  fuzz::Input &in = *args.in;
  const uint8_t alias = in.Byte() % 4;  // 0: distinct, 1: result == a, 2: result == b, 3: all
  fuzz::Buffer<float> a(args.n, Shift(in)), b(args.n, Shift(in)), out(args.n, Shift(in));
  Fill(in, a.data(), args.n);
  Fill(in, b.data(), args.n);
  std::vector<float> want(args.n);
  for (size_t i = 0; i < args.n; ++i) want[i] = alias == 3 ? a[i] + a[i] : a[i] + b[i];
  float *result = alias == 1 || alias == 3 ? a.data() : alias == 2 ? b.data() : out.data();
  const float *pa = (args.nulls & 1) ? nullptr : a.data();
  const float *pb = (args.nulls & 2) ? nullptr : alias == 3 ? a.data() : b.data();
  float *pr = (args.nulls & 4) ? nullptr : result;
  std::vector<float> before(result, result + args.n);

  ErrorCode expected = SUCCESS;
  if (args.kind == LenKind::kZero) {
    expected = SUCCESS;
  } else if (pa == nullptr || pb == nullptr || pr == nullptr) {
    expected = ERR_NULL_POINTER;
  } else if (args.kind == LenKind::kHuge) {
    expected = ERR_INVALID_SIZE;
  }
  FUZZ_CHECK(simd_add(pa, pb, pr, args.len) == expected);
  if (expected != SUCCESS || args.kind != LenKind::kNormal) {
    FUZZ_CHECK(Unchanged(result, before));
    return;
  }
  for (size_t i = 0; i < args.n; ++i) FUZZ_CHECK(fuzz::SameFloat(result[i], want[i]));
}

// simd_sum and simd_dot share the result-first check order and the reduction bound.
void CheckReduction(Args &args, bool dot) {
  fuzz::Input &in = *args.in;
  const bool same = dot && in.Flag();  // a == b: sum of squares
  fuzz::Buffer<float> a(args.n, Shift(in)), b(args.n, Shift(in));
  Fill(in, a.data(), args.n);
  Fill(in, b.data(), args.n);
  const float *pa = (args.nulls & 1) ? nullptr : a.data();
  const float *pb = (args.nulls & 2) ? nullptr : same ? a.data() : b.data();
  const bool null_result = (args.nulls & 4) != 0;
  double result = -3.5;

  ErrorCode expected = SUCCESS;
  if (null_result) {
    expected = ERR_NULL_POINTER;  // also for len == 0
  } else if (args.kind == LenKind::kZero) {
    expected = SUCCESS;
  } else if (pa == nullptr || (dot && pb == nullptr)) {
    expected = ERR_NULL_POINTER;
  } else if (args.kind == LenKind::kHuge) {
    expected = ERR_INVALID_SIZE;
  }
  const ErrorCode status = dot ? simd_dot(pa, pb, args.len, null_result ? nullptr : &result)
                               : simd_sum(pa, args.len, null_result ? nullptr : &result);
  FUZZ_CHECK(status == expected);
  if (status != SUCCESS) {
    if (!null_result) FUZZ_CHECK(result == -3.5);
    return;
  }
  if (args.kind == LenKind::kZero) {
    FUZZ_CHECK(result == 0.0 && !std::signbit(result));
    return;
  }
  double ref = 0.0, abs_sum = 0.0;
  for (size_t i = 0; i < args.n; ++i) {
    const double term =
        dot ? static_cast<double>(a[i]) * static_cast<double>(same ? a[i] : b[i]) : a[i];
    ref += term;
    abs_sum += std::fabs(term);
  }
  if (fuzz::IsScalar(args.isa)) {
    FUZZ_CHECK(fuzz::SameValue(result, ref));
  } else {
    FUZZ_CHECK(fuzz::SumMatches(result, ref, abs_sum, args.n));
  }
}

void CheckAxpy(Args &args) {
  fuzz::Input &in = *args.in;
  const float alpha = in.Float();
  const bool alias = in.Flag();  // x == y
  fuzz::Buffer<float> x(args.n, Shift(in)), y(args.n, Shift(in));
  Fill(in, x.data(), args.n);
  Fill(in, y.data(), args.n);
  float *py_buf = alias ? x.data() : y.data();
  const float *px = (args.nulls & 1) ? nullptr : x.data();
  float *py = (args.nulls & 2) ? nullptr : py_buf;
  std::vector<float> before(py_buf, py_buf + args.n);
  std::vector<float> xs(x.data(), x.data() + args.n);

  ErrorCode expected = SUCCESS;
  if (args.kind == LenKind::kZero) {
    expected = SUCCESS;
  } else if (px == nullptr || py == nullptr) {
    expected = ERR_NULL_POINTER;
  } else if (args.kind == LenKind::kHuge) {
    expected = ERR_INVALID_SIZE;
  }
  FUZZ_CHECK(simd_axpy(alpha, px, py, args.len) == expected);
  if (expected != SUCCESS || args.kind != LenKind::kNormal) {
    FUZZ_CHECK(Unchanged(py_buf, before));
    return;
  }
  for (size_t i = 0; i < args.n; ++i) {
    const float scaled = alpha * xs[i];
    const float scalar = scaled + before[i];  // two roundings: the scalar reference
    const float got = py_buf[i];
    if (fuzz::IsScalar(args.isa)) {
      FUZZ_CHECK(fuzz::SameFloat(got, scalar));
      continue;
    }
    const double p = static_cast<double>(alpha) * static_cast<double>(xs[i]);  // exact
    if (std::isnan(p) || std::fabs(p) > FLT_MAX) continue;  // header: scalar overflows first
    const double y0 = before[i];
    const double m =
        std::fmax(std::fabs(static_cast<double>(got)), std::fabs(static_cast<double>(scalar)));
    if (std::isnan(scalar) || std::isnan(got)) {
      FUZZ_CHECK(std::isnan(scalar) && std::isnan(got));
      continue;
    }
    const bool same_sign = p == 0.0 || y0 == 0.0 || std::signbit(p) == std::signbit(y0);
    const double bound = same_sign && std::isfinite(m)
                             ? fuzz::FloatUlp(m)
                             : FLT_EPSILON * (std::fabs(p) + m) + FLT_TRUE_MIN;
    FUZZ_CHECK(fuzz::WithinBound(got, scalar, bound));
  }
}

// The scalar ISA's normalisation, as the header spells it out; returns false for a non-finite row.
bool NormalizeReference(const float *row, size_t len, std::vector<float> *out, double *kappa,
                        double *std_dev) {
  out->assign(row, row + len);
  for (size_t i = 0; i < len; ++i) {
    if (!std::isfinite(row[i])) return false;
  }
  double sum = 0.0, abs_sum = 0.0;
  for (size_t i = 0; i < len; ++i) {
    sum += static_cast<double>(row[i]);
    abs_sum += std::fabs(static_cast<double>(row[i]));
  }
  const double count = static_cast<double>(len);
  const double mean = sum / count;
  double sq = 0.0;
  for (size_t i = 0; i < len; ++i) {
    const double dev = static_cast<double>(row[i]) - mean;
    sq += dev * dev;
  }
  *std_dev = std::sqrt(sq / count);
  const double m = abs_sum / count;
  *kappa = *std_dev > 0.0 ? count * DBL_EPSILON * m / *std_dev : 0.0;
  for (size_t i = 0; i < len; ++i) {
    (*out)[i] =
        *std_dev > 0.0 ? static_cast<float>((static_cast<double>(row[i]) - mean) / *std_dev) : 0.0f;
  }
  return true;
}

// Checks one normalised row against the reference (exact for scalar, the header's bound else).
void CheckNormalizedRow(const char *isa, const float *got, const float *input, size_t len) {
  std::vector<float> want;
  double kappa = 0.0, std_dev = 0.0;
  FUZZ_CHECK(NormalizeReference(input, len, &want, &kappa, &std_dev));
  double abs_sum = 0.0;
  for (size_t i = 0; i < len; ++i) abs_sum += std::fabs(static_cast<double>(input[i]));
  const double m = abs_sum / static_cast<double>(len);
  for (size_t i = 0; i < len; ++i) {
    FUZZ_CHECK(std::isfinite(got[i]));
    if (fuzz::IsScalar(isa)) {
      FUZZ_CHECK(fuzz::SameFloat(got[i], want[i]));
    } else if (std_dev == 0.0) {
      FUZZ_CHECK(got[i] == 0.0f);  // all equal: exactly zero in every ISA
    } else if (kappa <= 0.125) {
      const double ys = want[i];
      const double yi = got[i];
      const double bound = FLT_EPSILON * std::fmax(std::fabs(yi), std::fabs(ys)) +
                           4.0 * static_cast<double>(len) * DBL_EPSILON * (1.0 + m / std_dev) *
                               (1.0 + std::fabs(ys));
      FUZZ_CHECK(std::fabs(yi - ys) <= bound * (1.0 + 1e-9));
    }
  }
}

void CheckProcessData(Args &args) {
  fuzz::Input &in = *args.in;
  fuzz::Buffer<float> data(args.n, Shift(in));
  Fill(in, data.data(), args.n);
  // Narrow the values sometimes, so finite rows (the normalising path) are common.
  if (in.Flag()) {
    for (size_t i = 0; i < args.n; ++i) {
      if (!std::isfinite(data[i])) data[i] = static_cast<float>(i % 7);
    }
  }
  float *ptr = (args.nulls & 1) ? nullptr : data.data();
  std::vector<float> before(data.data(), data.data() + args.n);
  bool finite = true;
  for (float v : before) finite = finite && std::isfinite(v);

  ErrorCode expected = SUCCESS;
  if (args.kind == LenKind::kZero) {
    expected = SUCCESS;
  } else if (ptr == nullptr) {
    expected = ERR_NULL_POINTER;
  } else if (args.kind == LenKind::kHuge) {
    expected = ERR_INVALID_SIZE;
  } else if (!finite) {
    expected = ERR_INVALID_ARGUMENT;
  }
  FUZZ_CHECK(process_data(ptr, args.len) == expected);
  if (expected != SUCCESS || args.kind != LenKind::kNormal) {
    FUZZ_CHECK(Unchanged(data.data(), before));
    return;
  }
  CheckNormalizedRow(args.isa, data.data(), before.data(), args.n);
}

void CheckBatchProcess(Args &args) {
  fuzz::Input &in = *args.in;
  const uint8_t shape = in.Byte();
  size_t batch = 0, item = 0;
  bool huge = false;
  switch (shape % 8) {
    case 0:
      batch = in.Flag() ? 0 : 1 + in.Upto(8);
      item = batch == 0 ? 1 + in.Upto(8) : 0;
      break;
    case 1:  // batch * item overflows size_t
      batch = fuzz::kSizeMax / 2 + in.Upto(1 << 16);
      item = 2 + in.Upto(16);
      huge = true;
      break;
    case 2:  // the product fits, its byte count does not
      batch = fuzz::kSizeMax / sizeof(float) / 3 + 1 + in.Upto(1 << 10);
      item = 3;
      huge = true;
      break;
    default:
      batch = 1 + in.Upto(16);
      item = 1 + in.Upto(256);
      break;
  }
  const size_t n = huge ? 0 : batch * item;
  fuzz::Buffer<float> data(n, Shift(in));
  Fill(in, data.data(), n);
  if (in.Flag()) {  // mostly-finite rows, with the odd NaN/Inf deciding where the batch stops
    for (size_t i = 0; i < n; ++i) {
      if (!std::isfinite(data[i]) && in.Byte() % 4 != 0) data[i] = static_cast<float>(i % 5);
    }
  }
  float *ptr = (args.nulls & 1) ? nullptr : data.data();
  std::vector<float> before(data.data(), data.data() + n);

  ErrorCode expected = SUCCESS;
  size_t first_bad = batch;
  if (batch == 0 || item == 0) {
    expected = SUCCESS;
  } else if (ptr == nullptr) {
    expected = ERR_NULL_POINTER;
  } else if (huge) {
    expected = ERR_INVALID_SIZE;
  } else {
    for (size_t row = 0; row < batch && first_bad == batch; ++row) {
      for (size_t k = 0; k < item; ++k) {
        if (!std::isfinite(before[row * item + k])) {
          first_bad = row;
          break;
        }
      }
    }
    if (first_bad < batch) expected = ERR_INVALID_ARGUMENT;
  }
  FUZZ_CHECK(batch_process(ptr, batch, item) == expected);
  if (n == 0 || ptr == nullptr || huge) {
    FUZZ_CHECK(Unchanged(data.data(), before));
    return;
  }
  // Rows before the first rejected one are normalised; it and later rows are untouched.
  for (size_t row = 0; row < batch; ++row) {
    const float *got = data.data() + row * item;
    const float *input = before.data() + row * item;
    if (row < first_bad) {
      CheckNormalizedRow(args.isa, got, input, item);
    } else {
      for (size_t k = 0; k < item; ++k) FUZZ_CHECK(fuzz::SameFloat(got[k], input[k]));
    }
  }
}

void CheckLongRunning(Args &args) {
  fuzz::Input &in = *args.in;
  const size_t n = std::min<size_t>(args.n, 512);  // 64 passes each
  const size_t len = args.kind == LenKind::kNormal ? n : args.len;
  fuzz::Buffer<float> data(n, Shift(in));
  Fill(in, data.data(), n);
  float *ptr = (args.nulls & 1) ? nullptr : data.data();
  std::vector<float> before(data.data(), data.data() + n);

  ErrorCode expected = SUCCESS;
  if (args.kind == LenKind::kZero) {
    expected = SUCCESS;
  } else if (ptr == nullptr) {
    expected = ERR_NULL_POINTER;
  } else if (args.kind == LenKind::kHuge) {
    expected = ERR_INVALID_SIZE;
  }
  FUZZ_CHECK(long_running_operation(ptr, len) == expected);
  if (expected != SUCCESS || args.kind != LenKind::kNormal) {
    FUZZ_CHECK(Unchanged(data.data(), before));
    return;
  }
  // Bit-identical in every ISA: x = fround(fround(x * 0.5) + 1), 64 times.
  for (size_t i = 0; i < n; ++i) {
    float x = before[i];
    for (int pass = 0; pass < 64; ++pass) {
      const float scaled = x * 0.5f;
      x = scaled + 1.0f;
    }
    FUZZ_CHECK(fuzz::SameFloat(data[i], x));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t size) {
  fuzz::Input in(bytes, size);
  Args args;
  args.in = &in;
  const uint8_t op = in.Byte();
  args.isa = fuzz::ForceIsa(in.Byte());
  const uint8_t len_mode = in.Byte();
  // NULL pointers are rare (1 in 8) so most inputs reach the arithmetic.
  args.nulls = (in.Byte() & 7) == 0 ? in.Byte() : 0;
  switch (len_mode % 16) {
    case 0:
      args.kind = LenKind::kZero;
      args.len = 0;
      args.n = 0;
      break;
    case 1:
      args.kind = LenKind::kHuge;
      args.len = kHugeLen + in.Upto(1 << 20) * (in.Flag() ? 1 : 0);
      if (in.Flag()) args.len = fuzz::kSizeMax;
      args.n = 0;
      break;
    default:
      args.kind = LenKind::kNormal;
      args.n = 1 + in.Upto(len_mode % 16 < 8 ? 64 : kMaxLen - 1);
      args.len = args.n;
      break;
  }
  switch (op % 7) {
    case 0:
      CheckAdd(args);
      break;
    case 1:
      CheckReduction(args, /*dot=*/false);
      break;
    case 2:
      CheckReduction(args, /*dot=*/true);
      break;
    case 3:
      CheckAxpy(args);
      break;
    case 4:
      CheckProcessData(args);
      break;
    case 5:
      CheckBatchProcess(args);
      break;
    default:
      CheckLongRunning(args);
      break;
  }
  return 0;
}
