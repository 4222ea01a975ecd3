#include "famfs/fuse/abi.h"

namespace famlab::famfs::fuse {

const FamfsAbi& famfs_abi(AbiGeneration generation) {
  // RFC V2 capped maps at 2 extents and 16 strips; V4 raised both to 32.
  static const FamfsAbi rfc_v2{AbiGeneration::RfcV2, "rfc-v2", 1ULL << 42, 53, 54, 2, 16};
  static const FamfsAbi v3{AbiGeneration::V3, "v3", 1ULL << 43, 54, 55, 32, 32};
  return generation == AbiGeneration::RfcV2 ? rfc_v2 : v3;
}

std::optional<AbiGeneration> parse_abi_generation(std::string_view text) {
  if (text == "rfc-v2" || text == "v2") return AbiGeneration::RfcV2;
  if (text == "v3") return AbiGeneration::V3;
  return std::nullopt;
}

}  // namespace famlab::famfs::fuse
