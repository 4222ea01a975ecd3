#include "famfs/server/fmap_reply.h"

#include <gtest/gtest.h>

#include "famfs/format/layout.h"

namespace famlab::famfs::server {
namespace {

constexpr uint64_t M2 = format::kAllocUnit;
constexpr uint64_t kDevice = 256 * M2;

format::Node simple_file() {
  format::Node n;
  n.size = 3 * M2 + 100;
  n.map = format::FileMap{format::FileMap::Kind::Simple, {{10 * M2, 4 * M2}}, 0};
  return n;
}

format::Node striped_file() {
  format::Node n;
  n.size = 6 * M2;
  n.map = format::FileMap{
      format::FileMap::Kind::Interleaved, {{20 * M2, 2 * M2}, {30 * M2, 2 * M2}, {40 * M2, 2 * M2}}, M2};
  return n;
}

bool mentions(const std::vector<std::string>& problems, const std::string& text) {
  for (const auto& p : problems)
    if (p.find(text) != std::string::npos) return true;
  return false;
}

std::string all(const std::vector<std::string>& problems) {
  std::string s;
  for (const auto& p : problems) s += p + "; ";
  return s;
}

struct Case {
  FmapFault fault;
  std::string problem;  // what fmap_problems must say about the result
};

class FmapFaults : public ::testing::TestWithParam<fuse::AbiGeneration> {};

TEST_P(FmapFaults, GoodMapsAreGood) {
  const fuse::FamfsAbi& abi = fuse::famfs_abi(GetParam());
  for (const format::Node& n : {simple_file(), striped_file()}) {
    auto p = fuse::fmap_problems(fmap_for(n), abi, kDevice, n.size);
    EXPECT_TRUE(p.empty()) << all(p);
  }
}

TEST_P(FmapFaults, EachFaultBreaksItsRule) {
  const fuse::FamfsAbi& abi = fuse::famfs_abi(GetParam());
  const Case cases[] = {
      {FmapFault::Overlap, "overlap"},
      {FmapFault::BeyondDevice, "beyond the"},
      {FmapFault::MisalignedOffset, "offset"},
      {FmapFault::MisalignedLength, "length"},
      {FmapFault::ZeroExtents, "extent count 0"},
      {FmapFault::HugeExtentCount, "extent count 4294967295"},
      {FmapFault::TooManyExtents, "extent count " + std::to_string(abi.max_extents + 1)},
      {FmapFault::TooManyStrips, "strip count " + std::to_string(abi.max_strips + 1)},
      {FmapFault::ChunkZero, "chunk size 0 is not a power of two"},
      {FmapFault::ChunkNotPowerOfTwo, "chunk size 6291456 is not a power of two"},
      {FmapFault::WrongFileSize, "but the file has"},
      {FmapFault::DevindexBeyondTable, "device index 16 is not a device of this connection"},
      {FmapFault::DevindexUnknown, "device index 9 is not a device of this connection"},
  };
  for (const format::Node& n : {simple_file(), striped_file()}) {
    for (const Case& c : cases) {
      const std::string& expected = c.problem;
      fuse::FmapMessage bad = malformed_fmap(fmap_for(n), c.fault, abi, kDevice);
      auto p = fuse::fmap_problems(bad, abi, kDevice, n.size);
      EXPECT_TRUE(mentions(p, expected))
          << to_string(c.fault) << " on " << (n.map.extents.size() == 1 ? "simple" : "striped") << ": "
          << all(p);
    }
  }
}

TEST_P(FmapFaults, FaultsStayIsolatedWhereTheyCan) {
  // Alignment and chunk faults must not also look like overlap or bounds
  // trouble, or a kernel rejecting them would not show which check fired.
  const fuse::FamfsAbi& abi = fuse::famfs_abi(GetParam());
  for (FmapFault fault : {FmapFault::MisalignedOffset, FmapFault::ChunkZero, FmapFault::ChunkNotPowerOfTwo,
                          FmapFault::BeyondDevice, FmapFault::TooManyStrips, FmapFault::DevindexBeyondTable,
                          FmapFault::DevindexUnknown}) {
    auto p = fuse::fmap_problems(malformed_fmap(fmap_for(simple_file()), fault, abi, kDevice), abi, kDevice,
                                 simple_file().size);
    EXPECT_FALSE(mentions(p, "overlap")) << to_string(fault) << ": " << all(p);
    EXPECT_FALSE(mentions(p, "file size")) << to_string(fault) << ": " << all(p);
  }
}

TEST_P(FmapFaults, WrongFileSizeBreaksOnlyTheSizeRule) {
  const fuse::FamfsAbi& abi = fuse::famfs_abi(GetParam());
  for (const format::Node& n : {simple_file(), striped_file()}) {
    auto p = fuse::fmap_problems(malformed_fmap(fmap_for(n), FmapFault::WrongFileSize, abi, kDevice), abi,
                                 kDevice, n.size);
    ASSERT_EQ(p.size(), 1u) << all(p);
    EXPECT_TRUE(mentions(p, "but the file has " + std::to_string(n.size))) << all(p);
  }
}

TEST_P(FmapFaults, ShortReplyIsShorterThanItsHeaderSays) {
  const fuse::FamfsAbi& abi = fuse::famfs_abi(GetParam());
  for (const format::Node& n : {simple_file(), striped_file()}) {
    std::vector<uint8_t> good = fmap_reply_bytes(n, 0, FmapFault::None, abi, kDevice);
    std::vector<uint8_t> bad = fmap_reply_bytes(n, 0, FmapFault::ShortReply, abi, kDevice);
    EXPECT_EQ(bad.size(), good.size() - 24);
    EXPECT_TRUE(fuse::decode_fmap(good).message);
    fuse::FmapDecodeResult r = fuse::decode_fmap(bad);
    EXPECT_FALSE(r.message);
    EXPECT_FALSE(r.error.empty());
  }
}

TEST_P(FmapFaults, HugeCountKeepsTheRealRecords) {
  const fuse::FamfsAbi& abi = fuse::famfs_abi(GetParam());
  std::vector<uint8_t> good = fmap_reply_bytes(simple_file(), 0, FmapFault::None, abi, kDevice);
  std::vector<uint8_t> bad = fmap_reply_bytes(simple_file(), 0, FmapFault::HugeExtentCount, abi, kDevice);
  EXPECT_EQ(bad.size(), good.size());
  EXPECT_NE(fuse::decode_fmap(bad).error.find("4294967295 records declared"), std::string::npos);
}

TEST_P(FmapFaults, SeveralInterleavedExtentsGoOutAsSeveral) {
  const fuse::FamfsAbi& abi = fuse::famfs_abi(GetParam());
  format::Node n;
  n.size = 5 * M2;
  n.map = format::striped_map({format::Stripe{3 * M2, 2 * M2, {{20 * M2, 2 * M2}, {30 * M2, 2 * M2}}},
                               format::Stripe{2 * M2, M2, {{40 * M2, 2 * M2}}}});
  fuse::FmapMessage m = fmap_for(n);
  EXPECT_EQ(m.ext_type, fuse::kExtInterleave);
  ASSERT_EQ(m.nextents, 2u);
  EXPECT_EQ(m.interleaved[0].nbytes, 3 * M2);
  EXPECT_EQ(m.interleaved[0].chunk_size, 2 * M2);
  EXPECT_EQ(m.interleaved[1].nstrips, 1u);
  auto p = fuse::fmap_problems(m, abi, kDevice, n.size);
  EXPECT_TRUE(p.empty()) << all(p);
}

INSTANTIATE_TEST_SUITE_P(BothAbis, FmapFaults,
                         ::testing::Values(fuse::AbiGeneration::RfcV2, fuse::AbiGeneration::V3));

}  // namespace
}  // namespace famlab::famfs::server
