#pragma once
// The data pattern the agent writes through a dax device and the host later
// finds in the type-3 backing files. Every 8-byte word names its own offset
// in the region, so a word found at the wrong place proves which place it
// was meant for: the host's interleave oracle relies on that.
#include <cstdint>

namespace famlab::protocol {

inline uint64_t pattern_word(uint64_t seed, uint64_t region_offset) {
  // splitmix64 of (seed, offset): no two offsets share a word in practice,
  // and a zero page (never written) does not match.
  uint64_t z = seed * 0x9E3779B97F4A7C15ull + region_offset + 0x632BE59BD9B4E019ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace famlab::protocol
