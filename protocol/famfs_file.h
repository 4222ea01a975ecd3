#pragma once
// A file the famfs_mount op creates before mounting and then checks through
// the mount (write(2), pread(2) across chunk boundaries, mmap). Shared by
// the host (scenario step -> request, placement oracle) and the agent.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace famlab::protocol {

struct FamfsFile {
  std::string name;     // one path component below the famfs root
  uint64_t size = 0;    // bytes, a multiple of 8 (pattern words)
  uint32_t strips = 0;  // 0: a simple map; N: interleaved over N strips
  uint64_t chunk = 0;   // interleave chunk (0: famfs creat's default)
  // Written before the mount by `famfs cp` (the classic probe) instead of
  // created zero-filled and written through the mount.
  bool prefilled = false;
  // Several extents: the file bytes each covers, in order (famfs creat
  // --extents); with strips, each is an interleaved extent. Empty: one.
  std::vector<uint64_t> extents = {};
  bool operator==(const FamfsFile&) const = default;
};

// The pattern seed of file `index` of a step whose seed is `seed`: files of
// one step never share words, so a chunk that lands in another file's place
// cannot look right.
inline uint64_t famfs_file_seed(uint64_t seed, size_t index) { return seed + 0x10000 * (index + 1); }

void to_json(nlohmann::json& j, const FamfsFile& f);
void from_json(const nlohmann::json& j, FamfsFile& f);

}  // namespace famlab::protocol
