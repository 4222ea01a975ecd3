#pragma once
// Memory shared by several hosts over CXL is not kept coherent between
// their caches by default: a store can sit in the writer's cache, and a
// reader can keep reading a stale line of its own. So the writer pushes its
// stores out to memory before it publishes them, and a reader drops its
// cached copy before it looks (FORMAT.md, "Sharing the log between hosts").
// Under QEMU (TCG) the guests' memory is coherent, so the lab cannot show
// a missing flush; these calls are here so the code is right on hardware.
#include <cstddef>

namespace famlab::famfs::format {

constexpr size_t kCacheLine = 64;

// Writes every cache line of [p, p+n) back to memory and waits until that
// is done (x86-64: CLFLUSH each line, then MFENCE).
void write_back(const void* p, size_t n);

// Drops this CPU's cached copies of [p, p+n), so the loads after it read
// memory (x86-64: CLFLUSH invalidates as well, then MFENCE).
void drop_cached(const void* p, size_t n);

// Orders every load and store before it against every one after it.
void full_fence();

}  // namespace famlab::famfs::format
