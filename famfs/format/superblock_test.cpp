#include "famfs/format/superblock.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "famfs/format/layout.h"

namespace famlab::famfs::format {
namespace {

Superblock good() {
  Superblock sb;
  sb.uuid = random_uuid();
  sb.device_size = 64ull << 20;
  sb.alloc_unit = kAllocUnit;
  sb.log_offset = kLogOffset;
  sb.log_size = 8ull << 20;
  sb.data_offset = kLogOffset + sb.log_size;
  sb.created = 1700000000;
  return sb;
}

std::string error_of(const std::vector<uint8_t>& b, uint64_t dev = 64ull << 20) {
  try {
    decode_superblock(b, dev);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Superblock, RoundTrips) {
  Superblock sb = good();
  std::vector<uint8_t> b = encode_superblock(sb);
  ASSERT_EQ(b.size(), kSuperblockBytes);
  Superblock back = decode_superblock(b, 64ull << 20);
  EXPECT_EQ(back.uuid, sb.uuid);
  EXPECT_EQ(back.log_size, sb.log_size);
  EXPECT_EQ(back.data_offset, sb.data_offset);
  EXPECT_EQ(back.created, sb.created);
}

TEST(Superblock, EveryFlippedByteIsCaught) {
  std::vector<uint8_t> b = encode_superblock(good());
  for (size_t i = 0; i < b.size(); ++i) {
    std::vector<uint8_t> bad = b;
    bad[i] ^= 0x40;
    EXPECT_NE(error_of(bad), "") << "byte " << i;
  }
}

TEST(Superblock, ErrorsSayWhat) {
  std::vector<uint8_t> b = encode_superblock(good());
  std::vector<uint8_t> zero(kSuperblockBytes, 0);
  EXPECT_NE(error_of(zero).find("bad magic"), std::string::npos);
  std::vector<uint8_t> garbled = b;
  garbled[40] ^= 1;
  EXPECT_NE(error_of(garbled).find("checksum mismatch"), std::string::npos);
  EXPECT_NE(error_of(b, 32ull << 20).find("device holds only"), std::string::npos);
  EXPECT_NE(error_of(std::vector<uint8_t>(10, 0)).find("holds only 10 bytes"), std::string::npos);

  Superblock odd = good();
  odd.data_offset += kAllocUnit;  // consistent checksum, wrong geometry
  EXPECT_NE(error_of(encode_superblock(odd)).find("inconsistent geometry"), std::string::npos);
  Superblock future = good();
  future.version = 9;
  EXPECT_NE(error_of(encode_superblock(future)).find("version 9"), std::string::npos);
}

TEST(Superblock, RecordsTheMaster) {
  Superblock sb = good();
  for (size_t i = 0; i < 16; ++i) sb.master_id[i] = static_cast<uint8_t>(0xa0 + i);
  std::vector<uint8_t> b = encode_superblock(sb);
  EXPECT_EQ(b[80], 0xa0);  // FORMAT.md: master_id at offset 80
  EXPECT_EQ(b[95], 0xaf);
  Superblock back = decode_superblock(b, 64ull << 20);
  EXPECT_EQ(back.version, 2u);
  EXPECT_EQ(back.master_id, sb.master_id);
}

TEST(Superblock, VersionOneIsReadWithoutAMaster) {
  Superblock old = good();
  old.version = 1;
  old.master_id[0] = 0xff;  // version 1 has no such field: not written
  std::vector<uint8_t> b = encode_superblock(old);
  for (size_t i = 80; i < 124; ++i) EXPECT_EQ(b[i], 0) << "byte " << i;
  Superblock back = decode_superblock(b, 64ull << 20);
  EXPECT_EQ(back.version, 1u);
  EXPECT_EQ(back.master_id, (std::array<uint8_t, 16>{}));

  Superblock ancient = good();
  ancient.version = 0;
  EXPECT_NE(error_of(encode_superblock(ancient))
                .find("format version 0 is not supported (this famfs reads "
                      "versions 1 to 2)"),
            std::string::npos);
  Superblock next = good();
  next.version = 3;
  EXPECT_NE(error_of(encode_superblock(next)).find("format version 3 is not supported"), std::string::npos);
}

TEST(Superblock, UuidText) {
  std::array<uint8_t, 16> u{};
  for (size_t i = 0; i < 16; ++i) u[i] = static_cast<uint8_t>(i);
  EXPECT_EQ(uuid_text(u), "00010203-0405-0607-0809-0a0b0c0d0e0f");
  EXPECT_NE(random_uuid(), random_uuid());
}

}  // namespace
}  // namespace famlab::famfs::format
