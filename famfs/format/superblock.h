#pragma once
// The superblock: the first bytes of the device. It says where the log is
// and where data starts; a CRC-32C covers it (FORMAT.md, "Superblock").
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace famlab::famfs::format {

constexpr uint64_t kSuperblockMagic = 0x5346424c4d414646ull;  // "FFAMLBFS" as little-endian bytes
// Version 2 records the master's host id and appends log entries with the
// commit word written last (FORMAT.md). Version 1 is still read: it can be
// listed, checked and mounted as a client, never changed.
constexpr uint32_t kFormatVersion = 2;
constexpr uint32_t kOldestReadableVersion = 1;
constexpr size_t kSuperblockBytes = 128;

struct Superblock {
  uint32_t version = kFormatVersion;
  std::array<uint8_t, 16> uuid{};
  uint64_t device_size = 0;  // bytes the filesystem uses (a multiple of 2 MiB)
  uint64_t alloc_unit = 0;
  uint64_t log_offset = 0;
  uint64_t log_size = 0;
  uint64_t data_offset = 0;  // log_offset + log_size
  uint64_t created = 0;      // unix seconds
  // Version 2: the host id (host_id.h) of the host that made it, the only
  // one that may change it. Zero in version 1, and in filesystems tests
  // make without one: then no host is master.
  std::array<uint8_t, 16> master_id{};
};

std::vector<uint8_t> encode_superblock(const Superblock& sb);

// Checks magic, version (1 or 2), checksum and geometry; throws
// famlab::Error saying which. actual_device_size is what the device holds now: a filesystem
// larger than its device is refused.
Superblock decode_superblock(std::span<const uint8_t> bytes, uint64_t actual_device_size);

std::string uuid_text(const std::array<uint8_t, 16>& uuid);
std::array<uint8_t, 16> random_uuid();

}  // namespace famlab::famfs::format
