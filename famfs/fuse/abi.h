#pragma once
// The two generations of the famfs-over-FUSE kernel ABI. They differ in the
// INIT flag bit, the two famfs opcodes and the map limits; the messages
// themselves are the same (famfs_wire.h).
#include <cstdint>
#include <optional>
#include <string_view>

namespace famlab::famfs::fuse {

enum class AbiGeneration {
  RfcV2,  // the seed's kernels (6.14 RFC V2): bit 42, opcodes 53/54
  V3,     // V3 and later (6.19+): bit 43, opcodes 54/55
};

struct FamfsAbi {
  AbiGeneration generation;
  const char* name;        // "rfc-v2" or "v3"
  uint64_t dax_fmap_flag;  // FUSE_DAX_FMAP in the 64-bit INIT flags
  uint32_t get_fmap_opcode;
  uint32_t get_daxdev_opcode;
  uint32_t max_extents;  // simple extents (or interleaved extents) per map
  uint32_t max_strips;   // strips per interleaved extent
};

const FamfsAbi& famfs_abi(AbiGeneration generation);

// "rfc-v2" / "v2" / "v3"; nullopt for anything else.
std::optional<AbiGeneration> parse_abi_generation(std::string_view text);

}  // namespace famlab::famfs::fuse
