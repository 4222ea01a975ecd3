#pragma once
// Opcode names as the status file and the misbehaviour options spell them
// ("READ", "GET_FMAP"). The famfs names depend on the ABI generation.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "famfs/fuse/abi.h"

namespace famlab::famfs::fuse {

// "LOOKUP", "GET_FMAP", ...; "OPCODE_<n>" for numbers this table lacks.
std::string opcode_name(uint32_t opcode, const FamfsAbi& abi);

// The inverse, case-insensitive ("get_fmap" works); "OPCODE_<n>" too.
std::optional<uint32_t> opcode_from_name(std::string_view name, const FamfsAbi& abi);

}  // namespace famlab::famfs::fuse
