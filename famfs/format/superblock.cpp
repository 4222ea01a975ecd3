#include "famfs/format/superblock.h"

#include <cstdio>
#include <random>

#include "base/error.h"
#include "base/hex.h"
#include "famfs/format/bytes.h"
#include "famfs/format/checksum.h"
#include "famfs/format/layout.h"

namespace famlab::famfs::format {
namespace {

constexpr size_t kCrcOffset = kSuperblockBytes - 4;

}  // namespace

std::vector<uint8_t> encode_superblock(const Superblock& sb) {
  ByteWriter w;
  w.u64(kSuperblockMagic);
  w.u32(sb.version);
  w.u32(static_cast<uint32_t>(kSuperblockBytes));
  w.raw(sb.uuid);
  w.u64(sb.device_size);
  w.u64(sb.alloc_unit);
  w.u64(sb.log_offset);
  w.u64(sb.log_size);
  w.u64(sb.data_offset);
  w.u64(sb.created);
  if (sb.version >= 2) w.raw(sb.master_id);  // version 1 has reserved zeros here
  std::vector<uint8_t>& b = w.bytes();
  b.resize(kCrcOffset, 0);
  uint32_t crc = crc32c(b);
  w.u32(crc);
  return std::move(w.bytes());
}

Superblock decode_superblock(std::span<const uint8_t> bytes, uint64_t actual_device_size) {
  if (bytes.size() < kSuperblockBytes)
    throw Error("superblock: device holds only " + std::to_string(bytes.size()) + " bytes");
  ByteCursor c(bytes.first(kSuperblockBytes));
  uint64_t magic = 0;
  uint32_t size = 0;
  Superblock sb;
  c.u64(magic);
  if (magic != kSuperblockMagic)
    throw Error("superblock: bad magic " + famlab::hex(magic, 16) + " (no famfs here; run 'famfs mkfs')");
  c.u32(sb.version);
  c.u32(size);
  uint32_t stored_crc = 0;
  ByteCursor crc_cursor(bytes.subspan(kCrcOffset, 4));
  crc_cursor.u32(stored_crc);
  uint32_t crc = crc32c(bytes.first(kCrcOffset));
  if (crc != stored_crc)
    throw Error("superblock: checksum mismatch (stored " + std::to_string(stored_crc) + ", computed " +
                std::to_string(crc) + "): the superblock is corrupt");
  if (sb.version < kOldestReadableVersion || sb.version > kFormatVersion)
    throw Error("superblock: format version " + std::to_string(sb.version) +
                " is not supported (this famfs reads versions " + std::to_string(kOldestReadableVersion) +
                " to " + std::to_string(kFormatVersion) + ")");
  if (size != kSuperblockBytes) throw Error("superblock: size field " + std::to_string(size) + " is wrong");
  c.raw(sb.uuid);
  c.u64(sb.device_size);
  c.u64(sb.alloc_unit);
  c.u64(sb.log_offset);
  c.u64(sb.log_size);
  c.u64(sb.data_offset);
  c.u64(sb.created);
  if (sb.version >= 2) c.raw(sb.master_id);

  if (sb.alloc_unit != kAllocUnit)
    throw Error("superblock: allocation unit " + std::to_string(sb.alloc_unit) + " is not 2 MiB");
  if (sb.log_offset != kLogOffset || sb.log_size < kMinLogSize || sb.log_size % kAllocUnit != 0 ||
      sb.data_offset != sb.log_offset + sb.log_size || sb.device_size % kAllocUnit != 0 ||
      sb.device_size <= sb.data_offset)
    throw Error("superblock: inconsistent geometry (log at " + std::to_string(sb.log_offset) + " size " +
                std::to_string(sb.log_size) + ", data at " + std::to_string(sb.data_offset) + ", device " +
                std::to_string(sb.device_size) + ")");
  if (sb.device_size > actual_device_size)
    throw Error("superblock: filesystem is " + std::to_string(sb.device_size) +
                " bytes but the device holds only " + std::to_string(actual_device_size));
  return sb;
}

std::string uuid_text(const std::array<uint8_t, 16>& uuid) {
  std::string out;
  for (size_t i = 0; i < uuid.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += hex_bytes(&uuid[i], 1);
  }
  return out;
}

std::array<uint8_t, 16> random_uuid() {
  std::random_device rd;
  std::array<uint8_t, 16> u{};
  for (auto& b : u) b = static_cast<uint8_t>(rd());
  u[6] = static_cast<uint8_t>((u[6] & 0x0F) | 0x40);  // version 4
  u[8] = static_cast<uint8_t>((u[8] & 0x3F) | 0x80);  // RFC 4122 variant
  return u;
}

}  // namespace famlab::famfs::format
