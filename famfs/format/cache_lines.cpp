#include "famfs/format/cache_lines.h"

#include <cstdint>

#if defined(__x86_64__)
#include <emmintrin.h>  // _mm_clflush, _mm_mfence: SSE2, part of every x86-64
#endif

namespace famlab::famfs::format {
namespace {

void flush_lines(const void* p, size_t n) {
  if (n == 0) return;
#if defined(__x86_64__)
  auto first = reinterpret_cast<uintptr_t>(p) & ~(uintptr_t{kCacheLine} - 1);
  auto end = reinterpret_cast<uintptr_t>(p) + n;
  // CLFLUSH writes a dirty line back and invalidates it in every cache of
  // this coherence domain; it is ordered against stores to the same line,
  // and the MFENCE below orders it against everything else.
  for (uintptr_t line = first; line < end; line += kCacheLine)
    _mm_clflush(reinterpret_cast<const void*>(line));
#else
  // Other architectures need their own cache maintenance (arm64: DC CIVAC
  // per line, then DSB); the lab builds famfs for x86-64 only.
  (void)p;
#endif
  full_fence();
}

}  // namespace

void write_back(const void* p, size_t n) { flush_lines(p, n); }

void drop_cached(const void* p, size_t n) { flush_lines(p, n); }

void full_fence() {
#if defined(__x86_64__)
  _mm_mfence();
#endif
  __atomic_thread_fence(__ATOMIC_SEQ_CST);  // and the compiler must not move accesses across it
}

}  // namespace famlab::famfs::format
