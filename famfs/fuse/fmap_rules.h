#pragma once
// The rules a famfs kernel applies to a GET_FMAP reply before it lets a
// file open (kernel-config/patches/README.md, "Validation"), checked on the
// raw reply bytes: reserved fields, lying counts, truncated or extended
// replies are all visible here, whatever produced them. The fuzzer's oracle
// and the malformed-map tests both ask this model, so "bad for the reason
// intended" and "the kernel must refuse it" are one definition.
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "famfs/fuse/abi.h"

namespace famlab::famfs::fuse {

constexpr uint64_t kFmapAlign = 2ull << 20;  // PMD size: famfs maps whole huge pages
constexpr uint32_t kMaxDaxdevs = 16;         // FUSE_FAMFS_MAX_DAXDEVS: the kernel's device table
constexpr size_t kFmapMaxReply = 32768;      // FUSE_FAMFS_FMAP_MAX: the largest buffer it grants

// What the map is checked against: the kernel's limits, the size the server
// gave the file in LOOKUP/GETATTR, and the devices GET_DAXDEV will resolve
// on this connection (index -> bytes).
struct FmapContext {
  const FamfsAbi* abi = nullptr;
  uint64_t file_size = 0;
  std::map<uint32_t, uint64_t> devices;
};

struct FmapVerdict {
  // Every rule the reply breaks, in words; empty when the kernel must
  // accept it.
  std::vector<std::string> problems;
  // Some problem is in the map itself: the open must fail with EINVAL.
  bool malformed = false;
  // The map names a device index inside the kernel's table that this
  // connection does not serve: GET_DAXDEV fails, the open with ENODEV.
  bool unserved_device = false;

  bool valid() const { return problems.empty(); }
  // The errnos a correct kernel may fail the open with (empty: it must
  // open). A map that is malformed and names an unserved device may fail
  // either way: the order of the checks is the kernel's business.
  std::vector<int> allowed_errnos() const;
};

FmapVerdict check_fmap(std::span<const uint8_t> reply, const FmapContext& context);

}  // namespace famlab::famfs::fuse
