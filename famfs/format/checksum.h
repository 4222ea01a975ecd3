#pragma once
// CRC-32C (Castagnoli): protects the superblock and every log entry against
// torn writes and stray stores into the metadata.
#include <cstdint>
#include <span>

namespace famlab::famfs::format {

uint32_t crc32c(std::span<const uint8_t> bytes);

}  // namespace famlab::famfs::format
