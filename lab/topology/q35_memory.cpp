#include "lab/topology/q35_memory.h"

#include <algorithm>

#include "base/units.h"

namespace famlab::topology {

namespace {
constexpr uint64_t kFourG = 4 * GiB;
constexpr uint64_t kLowSplit = 2 * GiB + 768 * MiB;  // 2.75G: from here on q35 keeps only 2G low
}  // namespace

Q35Ram q35_ram_layout(uint64_t memory) {
  uint64_t low = memory < kLowSplit ? memory : 2 * GiB;
  return Q35Ram{low, memory - low};
}

bool q35_ram_covers(uint64_t memory, uint64_t start, uint64_t size) {
  if (size == 0 || start + size < start) return false;
  Q35Ram ram = q35_ram_layout(memory);
  uint64_t end = start + size;
  if (end <= ram.low) return true;
  return start >= kFourG && end - kFourG <= ram.high;
}

std::optional<uint64_t> q35_memory_needed(uint64_t start, uint64_t size) {
  if (size == 0 || start + size < start) return std::nullopt;
  uint64_t end = start + size;
  if (end < kLowSplit) return end;  // all RAM low, just enough of it
  if (start < kFourG) return std::nullopt;
  return std::max(kLowSplit, 2 * GiB + (end - kFourG));
}

}  // namespace famlab::topology
