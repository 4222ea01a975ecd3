#include "famfs/server/fmap_reply.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include "famfs/format/layout.h"
#include "famfs/fuse/fmap_rules.h"

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

std::vector<std::string_view> split_words(std::string_view words) {
  std::vector<std::string_view> out;
  while (!words.empty()) {
    size_t bar = words.find('|');
    out.push_back(words.substr(0, bar));
    words = bar == std::string_view::npos ? std::string_view{} : words.substr(bar + 1);
  }
  return out;
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
      {FmapFault::DevindexUnknown, "device index 1 is not a device of this connection"},
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

// A kernel that checks only that the chunk is a 2 MiB multiple (a mutant
// famlab mutate plants) must accept this map: nothing else about it is wrong.
TEST_P(FmapFaults, ChunkNotPowerOfTwoBreaksOnlyThatRule) {
  const fuse::FamfsAbi& abi = fuse::famfs_abi(GetParam());
  for (const format::Node& n : {simple_file(), striped_file()}) {
    auto p = fuse::fmap_problems(malformed_fmap(fmap_for(n), FmapFault::ChunkNotPowerOfTwo, abi, kDevice),
                                 abi, kDevice, n.size);
    ASSERT_EQ(p.size(), 1u) << all(p);
    EXPECT_TRUE(mentions(p, "chunk size 6291456 is not a power of two")) << all(p);
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

// The issue-11 kinds, checked on the bytes they put on the wire: the
// field each one bends, at its offset, and the one rule it breaks.
struct WireHeader {
  fuse::FmapHeader h;
  std::vector<uint8_t> bytes;
};

WireHeader wire(const format::Node& n, FmapFault fault, const fuse::FamfsAbi& abi, uint32_t unserved = 1) {
  WireHeader w;
  w.bytes = fmap_reply_bytes(n, 0, fault, abi, kDevice, unserved);
  EXPECT_GE(w.bytes.size(), sizeof(fuse::FmapHeader));
  std::memcpy(&w.h, w.bytes.data(), sizeof(w.h));
  return w;
}

template <class T>
T record_at(const std::vector<uint8_t>& b, size_t offset) {
  T t{};
  EXPECT_LE(offset + sizeof(T), b.size());
  std::memcpy(&t, b.data() + offset, sizeof(T));
  return t;
}

fuse::FmapVerdict verdict(const std::vector<uint8_t>& bytes, const fuse::FamfsAbi& abi, uint64_t size) {
  return fuse::check_fmap(bytes, fuse::FmapContext{&abi, size, {{0, kDevice}}});
}

constexpr size_t kHdr = sizeof(fuse::FmapHeader);
constexpr size_t kRec = sizeof(fuse::FmapSimpleExt);

TEST_P(FmapFaults, DeviceIndexFaultsNameTheIndexOnTheWire) {
  const fuse::FamfsAbi& abi = fuse::famfs_abi(GetParam());
  WireHeader w = wire(simple_file(), FmapFault::DevindexBeyondTable, abi);
  auto se = record_at<fuse::FmapSimpleExt>(w.bytes, kHdr);
  EXPECT_EQ(se.devindex, 16u);
  EXPECT_EQ(se.offset, 10 * M2);
  fuse::FmapVerdict v = verdict(w.bytes, abi, simple_file().size);
  EXPECT_EQ(v.problems.size(), 1u) << all(v.problems);
  EXPECT_EQ(v.allowed_errnos(), std::vector<int>{EINVAL});

  w = wire(striped_file(), FmapFault::DevindexUnknown, abi, 3);
  auto strip = record_at<fuse::FmapSimpleExt>(w.bytes, kHdr + sizeof(fuse::FmapInterleavedExt));
  EXPECT_EQ(strip.devindex, 3u);
  v = verdict(w.bytes, abi, striped_file().size);
  EXPECT_TRUE(mentions(v.problems, "device index 3 is not a device of this connection")) << all(v.problems);
  EXPECT_EQ(v.allowed_errnos(), std::vector<int>{ENODEV});  // GET_DAXDEV fails, not the map
}

TEST_P(FmapFaults, ZeroLengthExtentAddsAnEmptyRangeAfterTheFirst) {
  const fuse::FamfsAbi& abi = fuse::famfs_abi(GetParam());
  WireHeader w = wire(simple_file(), FmapFault::ZeroLengthExtent, abi);
  EXPECT_EQ(w.h.nextents, 2u);
  ASSERT_EQ(w.bytes.size(), kHdr + 2 * kRec);
  auto second = record_at<fuse::FmapSimpleExt>(w.bytes, kHdr + kRec);
  EXPECT_EQ(second.offset, 14 * M2);
  EXPECT_EQ(second.length, 0u);
  fuse::FmapVerdict v = verdict(w.bytes, abi, simple_file().size);
  ASSERT_EQ(v.problems.size(), 1u) << all(v.problems);
  EXPECT_TRUE(mentions(v.problems, "extent 1: zero length"));
  // Interleaved: a fourth strip of length 0 (its capacity drops with it).
  w = wire(striped_file(), FmapFault::ZeroLengthExtent, abi);
  auto ie = record_at<fuse::FmapInterleavedExt>(w.bytes, kHdr);
  EXPECT_EQ(ie.nstrips, 4u);
  EXPECT_EQ(record_at<fuse::FmapSimpleExt>(w.bytes, kHdr + 24 + 3 * kRec).length, 0u);
  EXPECT_TRUE(mentions(verdict(w.bytes, abi, striped_file().size).problems, "strip 3: zero length"));
}

TEST_P(FmapFaults, ExtentWrapsPutsTheOffsetTwoMegabytesBelowTwoToThe64) {
  const fuse::FamfsAbi& abi = fuse::famfs_abi(GetParam());
  for (const format::Node& n : {simple_file(), striped_file()}) {
    WireHeader w = wire(n, FmapFault::ExtentWraps, abi);
    size_t at = n.map.kind == format::FileMap::Kind::Simple ? kHdr : kHdr + 24;
    auto se = record_at<fuse::FmapSimpleExt>(w.bytes, at);
    EXPECT_EQ(se.offset, 0xFFFFFFFFFFE00000ull);
    EXPECT_GE(se.length, M2);
    fuse::FmapVerdict v = verdict(w.bytes, abi, n.size);
    ASSERT_EQ(v.problems.size(), 1u) << all(v.problems);
    EXPECT_TRUE(mentions(v.problems, "wraps around 2^64"));
  }
}

TEST_P(FmapFaults, ShortCoverageCoversTheLargestUnitMultipleBelowTheSize) {
  const fuse::FamfsAbi& abi = fuse::famfs_abi(GetParam());
  WireHeader w = wire(simple_file(), FmapFault::ShortCoverage, abi);  // 3 units + 100 bytes
  EXPECT_EQ(record_at<fuse::FmapSimpleExt>(w.bytes, kHdr).length, 3 * M2);
  EXPECT_EQ(w.h.file_size, simple_file().size);
  fuse::FmapVerdict v = verdict(w.bytes, abi, simple_file().size);
  ASSERT_EQ(v.problems.size(), 1u) << all(v.problems);
  EXPECT_TRUE(mentions(v.problems, "less than the file size"));
  w = wire(striped_file(), FmapFault::ShortCoverage, abi);  // 6 units exactly
  EXPECT_EQ(record_at<fuse::FmapInterleavedExt>(w.bytes, kHdr).nbytes, 5 * M2);
  v = verdict(w.bytes, abi, striped_file().size);
  ASSERT_EQ(v.problems.size(), 1u) << all(v.problems);
  EXPECT_TRUE(mentions(v.problems, "less than the file size"));
  // Two extents, the second smaller than what must go: it goes entirely.
  format::Node two = simple_file();
  two.size = 2 * M2;
  two.map.extents = {{0, M2}, {8 * M2, M2}};
  w = wire(two, FmapFault::ShortCoverage, abi);
  EXPECT_EQ(w.h.nextents, 1u);
  EXPECT_EQ(w.bytes.size(), kHdr + kRec);
  EXPECT_TRUE(mentions(verdict(w.bytes, abi, two.size).problems, "cover 2097152 bytes, less than"));
}

TEST_P(FmapFaults, ReservedFaultsFillTheReservedBytes) {
  const fuse::FamfsAbi& abi = fuse::famfs_abi(GetParam());
  WireHeader w = wire(simple_file(), FmapFault::ReservedHeader, abi);
  EXPECT_EQ(w.h.reserved, 0x5a);
  EXPECT_EQ(w.h.reserved0, 0x5a5a5a5au);
  EXPECT_EQ(w.h.reserved1, 0x5a5a5a5a5a5a5a5aull);
  EXPECT_EQ(w.bytes[1], 0x5a);  // byte 1 of the header, between file_type and the version
  fuse::FmapVerdict v = verdict(w.bytes, abi, simple_file().size);
  EXPECT_EQ(v.problems.size(), 3u) << all(v.problems);
  EXPECT_EQ(v.allowed_errnos(), std::vector<int>{EINVAL});

  w = wire(simple_file(), FmapFault::ReservedExtent, abi);
  EXPECT_EQ(record_at<uint32_t>(w.bytes, kHdr + 4), 0xa5a5a5a5u);  // se reserved @4
  v = verdict(w.bytes, abi, simple_file().size);
  ASSERT_EQ(v.problems.size(), 1u) << all(v.problems);
  EXPECT_TRUE(mentions(v.problems, "extent 0: reserved field is"));

  w = wire(simple_file(), FmapFault::ReservedInterleave, abi);
  EXPECT_EQ(w.h.ext_type, fuse::kExtInterleave);
  EXPECT_EQ(record_at<uint64_t>(w.bytes, kHdr + 16), 0xa5a5a5a5a5a5a5a5ull);  // ie reserved @16
  v = verdict(w.bytes, abi, simple_file().size);
  ASSERT_EQ(v.problems.size(), 1u) << all(v.problems);
  EXPECT_TRUE(mentions(v.problems, "extent 0: reserved field is"));
}

TEST_P(FmapFaults, StripCountFaults) {
  const fuse::FamfsAbi& abi = fuse::famfs_abi(GetParam());
  WireHeader w = wire(striped_file(), FmapFault::StripsZero, abi);
  EXPECT_EQ(record_at<fuse::FmapInterleavedExt>(w.bytes, kHdr).nstrips, 0u);
  EXPECT_EQ(w.bytes.size(), kHdr + 24);  // no strip records either
  EXPECT_TRUE(mentions(verdict(w.bytes, abi, striped_file().size).problems, "strip count 0 outside"));

  w = wire(striped_file(), FmapFault::HugeStripCount, abi);
  EXPECT_EQ(record_at<fuse::FmapInterleavedExt>(w.bytes, kHdr).nstrips, 0xFFFFFFFFu);
  EXPECT_EQ(w.bytes.size(), kHdr + 24 + 3 * kRec);  // the real strips stay
  EXPECT_TRUE(
      mentions(verdict(w.bytes, abi, striped_file().size).problems, "strip count 4294967295 outside"));
}

TEST_P(FmapFaults, EveryFaultIsRefusedByTheModel) {
  const fuse::FamfsAbi& abi = fuse::famfs_abi(GetParam());
  const std::string words = fmap_fault_words();
  for (const format::Node& n : {simple_file(), striped_file()}) {
    for (std::string_view word : split_words(words)) {
      FmapFault fault = *parse_fmap_fault(word);
      std::vector<uint8_t> b = fmap_reply_bytes(n, 0, fault, abi, kDevice);
      fuse::FmapVerdict v = verdict(b, abi, n.size);
      EXPECT_EQ(v.valid(), fault == FmapFault::None) << word << ": " << all(v.problems);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(BothAbis, FmapFaults,
                         ::testing::Values(fuse::AbiGeneration::RfcV2, fuse::AbiGeneration::V3));

}  // namespace
}  // namespace famlab::famfs::server
