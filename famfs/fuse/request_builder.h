#pragma once
// Builds requests the way the kernel lays them out: for tests, the fuzzer's
// seed corpus, and anything else that has to talk like a kernel.
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string_view>

#include "famfs/fuse/reply.h"

namespace famlab::famfs::fuse {

// A header (len filled in) followed by the given argument parts.
Bytes encode_request(uint32_t opcode, uint64_t unique, uint64_t nodeid,
                     std::initializer_list<std::span<const uint8_t>> parts = {});

// A name argument: the characters and a terminating NUL.
Bytes name_arg(std::string_view name);

}  // namespace famlab::famfs::fuse
