// Chooses the kernel table once per process (CPUID/XGETBV, FFIKIT_FORCE_ISA); ffikit_simd_* API.
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "internal.h"
#include "kernels.h"

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__) || defined(_M_IX86)
#define FFIKIT_X86 1
#if defined(_MSC_VER) && !defined(__clang__)
#include <intrin.h>
#else
#include <cpuid.h>
#endif
#else
#define FFIKIT_X86 0
#endif

namespace ffikit {
namespace {

struct CpuFeatures {
  bool avx2 = false;
  bool avx512 = false;
};

#if FFIKIT_X86
// regs = {eax, ebx, ecx, edx}; false when the CPU does not implement `leaf`, because reading
// an unimplemented leaf returns data of the highest leaf on Intel, not zeros.
bool Cpuid(uint32_t leaf, uint32_t subleaf, uint32_t regs[4]) noexcept {
#if defined(_MSC_VER) && !defined(__clang__)
  int info[4];
  __cpuid(info, 0);
  if (static_cast<uint32_t>(info[0]) < leaf) return false;
  __cpuidex(info, static_cast<int>(leaf), static_cast<int>(subleaf));
  for (int i = 0; i < 4; ++i) regs[i] = static_cast<uint32_t>(info[i]);
  return true;
#else
  unsigned int eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid_count(leaf, subleaf, &eax, &ebx, &ecx, &edx) == 0) return false;
  regs[0] = eax;
  regs[1] = ebx;
  regs[2] = ecx;
  regs[3] = edx;
  return true;
#endif
}

// XCR0 says which register states the OS saves on context switch; a CPU feature bit is
// useless (and its instructions fault) if the OS does not manage the matching state. Inline
// asm rather than _xgetbv() because GCC only offers the intrinsic under -mxsave, and this
// file must stay free of ISA flags.
uint64_t ReadXcr0() noexcept {
#if defined(_MSC_VER) && !defined(__clang__)
  return _xgetbv(0);
#else
  uint32_t eax = 0, edx = 0;
  __asm__ __volatile__("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<uint64_t>(edx) << 32) | eax;
#endif
}

// Inside the x86 block: clang's -Wunused-function flags it on ARM builds (no CPUID bits there).
constexpr uint32_t Bit(int n) { return 1u << n; }
#endif  // FFIKIT_X86

CpuFeatures DetectCpu() noexcept {
  CpuFeatures features;
#if FFIKIT_X86
  uint32_t leaf1[4];
  if (!Cpuid(1, 0, leaf1)) return features;
  const uint32_t ecx1 = leaf1[2];
  const bool has_fma = (ecx1 & Bit(12)) != 0;
  const bool has_osxsave = (ecx1 & Bit(27)) != 0;
  const bool has_avx = (ecx1 & Bit(28)) != 0;
  // XGETBV raises #UD unless the OS set CR4.OSXSAVE, so nothing below may run without it.
  if (!has_osxsave || !has_avx) return features;

  const uint64_t xcr0 = ReadXcr0();
  constexpr uint64_t kXmmYmmState = 0x6;      // bit 1 SSE, bit 2 AVX (upper YMM halves)
  constexpr uint64_t kOpmaskZmmState = 0xE0;  // bits 5-7: k0-k7, ZMM0-15 upper, ZMM16-31
  const bool ymm_enabled = (xcr0 & kXmmYmmState) == kXmmYmmState;
  // Together with ymm_enabled this requires all of XCR0 mask 0xE6.
  const bool zmm_enabled = ymm_enabled && (xcr0 & kOpmaskZmmState) == kOpmaskZmmState;

  uint32_t leaf7[4];
  if (!Cpuid(7, 0, leaf7)) return features;
  const uint32_t ebx7 = leaf7[1];
  const bool has_avx2 = (ebx7 & Bit(5)) != 0;
  const bool has_avx512f = (ebx7 & Bit(16)) != 0;
  const bool has_avx512dq = (ebx7 & Bit(17)) != 0;
  const bool has_avx512bw = (ebx7 & Bit(30)) != 0;
  const bool has_avx512vl = (ebx7 & Bit(31)) != 0;

  features.avx2 = ymm_enabled && has_avx2 && has_fma;
  // macOS enables ZMM state lazily (XCR0 bits clear until first use); Linux and Windows set
  // them up front, which is all this library targets today.
  features.avx512 =
      features.avx2 && zmm_enabled && has_avx512f && has_avx512dq && has_avx512bw && has_avx512vl;
#endif
  return features;
}

struct IsaEntry {
  const char *name;
  // A function rather than the table's address keeps this array constant-initialised (no
  // static-initialisation-order question). nullptr: this build has no kernels for the ISA.
  const KernelTable *(*table)() noexcept;
  bool CpuFeatures::*cpu_flag;  // nullptr: needs no CPU feature
  // false: usable only through FFIKIT_FORCE_ISA / ffikit_simd_force(), never picked
  // automatically.
  bool auto_select;
};

// Why AVX-512 is not selected automatically (measured on the development machine: AMD EPYC
// family 25 model 17, i.e. Zen 4, 2 vCPUs of a KVM guest, 1 MiB L2 per core, 32 MiB L3;
// g++ 12, -O2):
//
//   simd_add, n = 2048 (3 x 8 KiB, L1-resident), ns per call, min / median of 60 interleaved
//   rounds (each the best of 20 x 200 calls), arrays 64-byte aligned and staggered:
//     scalar 1127 / 1127     avx2 80.3 / 81.5     avx512 92.6 / 92.9
//   (arrays exactly 4 KiB-aliased: avx2 79.7 / 100.3, avx512 92.3 / 115.2; all misaligned by
//   one float: avx2 134 / 169, avx512 147 / 202.) AVX2 is 14x scalar, AVX-512 ~13% slower than
//   AVX2: Zen 4 executes 512-bit loads and stores as two 256-bit halves, so wider vectors buy
//   nothing for a load/store-bound kernel.
//
//   simd_add, n = 1e7 (3 x 40 MB, DRAM-bound), GB/s counting 12 bytes per element (STREAM
//   convention), best (median) of 25 interleaved rounds, two runs:
//     plain C loop at -O3 (bench/native/stream.c's kernel)   25.1 (21.5)   29.7 (17.9)
//     avx2,   streaming stores                               34.2 (27.9)   37.5 (25.5)
//     avx2,   regular stores                                 24.0 (20.5)   26.8 (18.0)
//     avx512, streaming stores                               35.3 (28.2)   38.9 (22.7)
//     avx512, regular stores                                 22.8 (19.8)   23.2 (16.7)
//   Memory-bound, the two ISAs tie within noise.
//
// The rule was "AVX-512 is the default only if it is not slower than AVX2 for simd_add at
// n = 2048"; it is slower, so the automatic order is avx2 > sse2 > scalar, and avx512 stays
// available on request (it is faster for the double-accumulating reductions: simd_dot at
// n = 2048 takes 295 ns with avx512 vs 484 ns with avx2). CPUs that really downclock under AVX-512
// (Intel Skylake-SP and similar) are a second reason not to pick it blindly.
constexpr IsaEntry kIsaPriority[] = {
#if defined(FFIKIT_HAVE_AVX512)
    {"avx512", &Avx512Kernels, &CpuFeatures::avx512, false},
#else
    {"avx512", nullptr, &CpuFeatures::avx512, false},
#endif
#if defined(FFIKIT_HAVE_AVX2)
    {"avx2", &Avx2Kernels, &CpuFeatures::avx2, true},
#else
    {"avx2", nullptr, &CpuFeatures::avx2, true},
#endif
#if defined(FFIKIT_HAVE_SSE2)
    // The x86-64 baseline: no CPU check. It outranks scalar, which on x86-64 is built without
    // the compiler's auto-vectorisation (CMakeLists.txt) so that it stays the plain reference.
    {"sse2", &Sse2Kernels, nullptr, true},
#else
    {"sse2", nullptr, nullptr, true},
#endif
    {"scalar", &ScalarKernels, nullptr, true},
};

std::once_flag g_init_once;
CpuFeatures g_cpu;  // written inside call_once, which also publishes it to every reader
// nullptr is the error state left by a bad FFIKIT_FORCE_ISA; one atomic pointer (instead of a
// pointer plus a status flag) means readers can never see a torn combination of the two.
std::atomic<const KernelTable *> g_active{nullptr};

const KernelTable *UsableTable(const char *name) noexcept {
  for (const IsaEntry &entry : kIsaPriority) {
    if (std::strcmp(entry.name, name) != 0) continue;
    if (entry.table == nullptr) return nullptr;
    if (entry.cpu_flag != nullptr && !(g_cpu.*entry.cpu_flag)) return nullptr;
    return entry.table();
  }
  return nullptr;
}

void Initialize() noexcept {
  g_cpu = DetectCpu();
  const char *forced = std::getenv("FFIKIT_FORCE_ISA");
  const KernelTable *chosen = nullptr;
  if (forced != nullptr && forced[0] != '\0') {
    // No fallback on purpose: a CI job that forces an ISA must fail loudly, not quietly
    // test the scalar path instead.
    chosen = UsableTable(forced);
  } else {
    for (const IsaEntry &entry : kIsaPriority) {
      if (!entry.auto_select) continue;
      chosen = UsableTable(entry.name);
      if (chosen != nullptr) break;
    }
  }
  g_active.store(chosen, std::memory_order_release);
}

// False only if std::call_once itself failed (e.g. the threading runtime is unusable).
bool EnsureInitialized() noexcept {
  try {
    std::call_once(g_init_once, Initialize);
    return true;
  } catch (...) {
    return false;
  }
}

}  // namespace

const KernelTable *ActiveKernels() noexcept {
  if (!EnsureInitialized()) return nullptr;
  return g_active.load(std::memory_order_acquire);
}

}  // namespace ffikit

extern "C" {

FFIKIT_API const char *ffikit_simd_level(void) {
  const ffikit::KernelTable *table = ffikit::ActiveKernels();
  return table != nullptr ? table->name : "none";
}

FFIKIT_API int32_t ffikit_simd_supported(const char *isa) {
  if (isa == nullptr || !ffikit::EnsureInitialized()) return 0;
  return ffikit::UsableTable(isa) != nullptr ? 1 : 0;
}

FFIKIT_API ErrorCode ffikit_simd_force(const char *isa) {
  return ffikit::Guarded([&]() -> ErrorCode {
    if (isa == nullptr) return ERR_NULL_POINTER;
    // Initialise first: otherwise a later lazy initialisation would overwrite the forced table.
    if (!ffikit::EnsureInitialized()) return ERR_INTERNAL;
    const ffikit::KernelTable *table = ffikit::UsableTable(isa);
    if (table == nullptr) return ERR_INVALID_ARGUMENT;
    ffikit::g_active.store(table, std::memory_order_release);
    return SUCCESS;
  });
}

FFIKIT_API ErrorCode ffikit_simd_status(void) {
  if (!ffikit::EnsureInitialized()) return ERR_INTERNAL;
  return ffikit::g_active.load(std::memory_order_acquire) != nullptr ? SUCCESS
                                                                     : ERR_INVALID_ARGUMENT;
}

}  // extern "C"
