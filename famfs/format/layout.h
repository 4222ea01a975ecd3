#pragma once
// Fixed numbers of the on-device layout (FORMAT.md says why each is what it is).
#include <cstdint>

namespace famlab::famfs::format {

constexpr uint64_t kAllocUnit = 2ull << 20;  // one PMD page: what famfs kernels map
constexpr uint64_t kLogOffset = kAllocUnit;  // the superblock owns the first unit
constexpr uint64_t kDefaultLogSize = 8ull << 20;
constexpr uint64_t kMinLogSize = kAllocUnit;
constexpr uint32_t kMaxStrips = 16;  // what the RFC V2 kernels accept
constexpr uint32_t kMaxSimpleExtents = 16;
constexpr uint64_t kMaxChunkSize = 1ull << 30;  // the wire carries chunk sizes in 32 bits
constexpr uint64_t kRootIno = 1;

inline uint64_t round_up(uint64_t value, uint64_t unit) { return (value + unit - 1) / unit * unit; }
inline uint64_t round_down(uint64_t value, uint64_t unit) { return value / unit * unit; }

}  // namespace famlab::famfs::format
