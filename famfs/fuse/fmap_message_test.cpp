#include "famfs/fuse/fmap_message.h"

#include <gtest/gtest.h>

#include <cstring>

namespace famlab::famfs::fuse {
namespace {

constexpr uint64_t M2 = 2ull << 20;
const FamfsAbi& v2 = famfs_abi(AbiGeneration::RfcV2);

TEST(FmapMessage, SimpleLayoutMatchesTheKernelStructs) {
  FmapMessage m = simple_fmap(5000, {{0, 10 * M2, M2}});
  std::vector<uint8_t> b = encode_fmap(m);
  ASSERT_EQ(b.size(), 32u + 24u);  // fmap_msg_min_size() in the series
  FmapHeader h;
  std::memcpy(&h, b.data(), sizeof(h));
  EXPECT_EQ(h.fmap_version, 1);
  EXPECT_EQ(h.ext_type, kExtSimple);
  EXPECT_EQ(h.nextents, 1u);
  EXPECT_EQ(h.file_size, 5000u);
  uint64_t offset;
  std::memcpy(&offset, b.data() + 32 + 8, 8);  // se_offset @8 in the extent
  EXPECT_EQ(offset, 10 * M2);
}

TEST(FmapMessage, InterleavedLayoutPutsStripsAfterEachExtent) {
  FmapMessage m = interleaved_fmap(3 * M2, static_cast<uint32_t>(M2), {{0, 4 * M2, M2}, {0, 8 * M2, M2}});
  std::vector<uint8_t> b = encode_fmap(m);
  ASSERT_EQ(b.size(), 32u + 24u + 2 * 24u);
  FmapInterleavedExt ie;
  std::memcpy(&ie, b.data() + 32, sizeof(ie));
  EXPECT_EQ(ie.nstrips, 2u);
  EXPECT_EQ(ie.chunk_size, M2);
  EXPECT_EQ(ie.nbytes, 2 * M2);
}

TEST(FmapMessage, RoundTrips) {
  for (const FmapMessage& m : {simple_fmap(M2, {{0, 2 * M2, M2}, {0, 6 * M2, 2 * M2}}),
                               interleaved_fmap(M2, static_cast<uint32_t>(M2), {{0, 2 * M2, M2}})}) {
    FmapDecodeResult r = decode_fmap(encode_fmap(m));
    ASSERT_TRUE(r.message) << r.error;
    EXPECT_EQ(encode_fmap(*r.message), encode_fmap(m));
  }
}

TEST(FmapMessage, DecodeRejectsCountsThatLie) {
  FmapMessage m = simple_fmap(M2, {{0, 2 * M2, M2}});
  m.nextents = 0xFFFFFFFFu;  // huge count, one record present
  FmapDecodeResult r = decode_fmap(encode_fmap(m));
  EXPECT_FALSE(r.message);
  EXPECT_NE(r.error.find("4294967295 records declared"), std::string::npos) << r.error;

  std::vector<uint8_t> cut = encode_fmap(simple_fmap(M2, {{0, 2 * M2, M2}, {0, 4 * M2, M2}}));
  cut.resize(cut.size() - 24);  // shorter than its header says
  EXPECT_FALSE(decode_fmap(cut).message);
  EXPECT_FALSE(decode_fmap(std::vector<uint8_t>(31, 0)).message);

  std::vector<uint8_t> extra = encode_fmap(m = simple_fmap(M2, {{0, 2 * M2, M2}}));
  extra.push_back(0);
  EXPECT_NE(decode_fmap(extra).error.find("1 bytes after the last record"), std::string::npos);
}

TEST(FmapMessage, EveryTruncationDecodesSafely) {
  std::vector<uint8_t> b =
      encode_fmap(interleaved_fmap(M2, static_cast<uint32_t>(M2), {{0, 2 * M2, M2}, {0, 4 * M2, M2}}));
  for (size_t n = 0; n < b.size(); ++n) {
    std::vector<uint8_t> cut(b.begin(), b.begin() + static_cast<long>(n));
    EXPECT_FALSE(decode_fmap(cut).message) << n;
  }
}

TEST(FmapMessage, GoodMapsHaveNoProblems) {
  uint64_t dev = 64 * M2;
  EXPECT_TRUE(fmap_problems(simple_fmap(M2 + 1, {{0, 10 * M2, 2 * M2}}), v2, dev, M2 + 1).empty());
  EXPECT_TRUE(fmap_problems(interleaved_fmap(3 * M2, static_cast<uint32_t>(M2),
                                             {{0, 10 * M2, 2 * M2}, {0, 20 * M2, 2 * M2}}),
                            v2, dev, 3 * M2)
                  .empty());
}

bool mentions(const std::vector<std::string>& problems, const std::string& text) {
  for (const auto& p : problems)
    if (p.find(text) != std::string::npos) return true;
  return false;
}

TEST(FmapMessage, ProblemsNameEachKernelRule) {
  uint64_t dev = 64 * M2;
  EXPECT_TRUE(
      mentions(fmap_problems(simple_fmap(M2, {{0, 2 * M2, M2}, {0, 2 * M2, M2}}), v2, dev, M2), "overlap"));
  EXPECT_TRUE(mentions(fmap_problems(simple_fmap(M2, {{0, 64 * M2, M2}}), v2, dev, M2), "beyond"));
  EXPECT_TRUE(mentions(fmap_problems(simple_fmap(M2, {{0, 2 * M2 + 4096, M2}}), v2, dev, M2), "offset"));
  EXPECT_TRUE(mentions(fmap_problems(simple_fmap(M2, {{0, 2 * M2, M2 + 4096}}), v2, dev, M2), "length"));
  EXPECT_TRUE(mentions(fmap_problems(simple_fmap(M2, {}), v2, dev, M2), "extent count 0"));
  EXPECT_TRUE(mentions(fmap_problems(simple_fmap(M2, {{1, 2 * M2, M2}}), v2, dev, M2), "device index"));
  EXPECT_TRUE(mentions(fmap_problems(simple_fmap(3 * M2, {{0, 2 * M2, M2}}), v2, dev, 3 * M2), "less than"));
  EXPECT_TRUE(mentions(fmap_problems(simple_fmap(M2, {{0, 2 * M2, M2}}), v2, dev, 5), "but the file has 5"));
  EXPECT_TRUE(mentions(
      fmap_problems(simple_fmap(M2, {{0, 2 * M2, M2}, {0, 4 * M2, M2}, {0, 6 * M2, M2}}), v2, dev, M2),
      "extent count 3 outside 1..2"));
  FmapMessage chunk0 = interleaved_fmap(M2, 0, {{0, 2 * M2, M2}});
  EXPECT_TRUE(mentions(fmap_problems(chunk0, v2, dev, M2), "power of two"));
  FmapMessage chunk3 = interleaved_fmap(M2, static_cast<uint32_t>(3 * M2), {{0, 2 * M2, M2}});
  EXPECT_TRUE(mentions(fmap_problems(chunk3, v2, dev, M2), "power of two"));
  std::vector<FmapExtent> strips;
  for (int i = 0; i < 17; ++i) strips.push_back({0, static_cast<uint64_t>(i + 2) * M2, M2});
  EXPECT_TRUE(
      mentions(fmap_problems(interleaved_fmap(M2, static_cast<uint32_t>(M2), strips), v2, 64 * M2, M2),
               "strip count 17 outside 1..16"));
}

}  // namespace
}  // namespace famlab::famfs::fuse

namespace famlab::famfs::fuse {
namespace {

TEST(FmapMessage, OtherDevicesOfTheConnectionAreFineAndCheckedOnTheirOwn) {
  const std::map<uint32_t, uint64_t> devices = {{0, 64 * M2}, {3, 8 * M2}};
  // The same range on two devices is no overlap.
  EXPECT_TRUE(
      fmap_problems(simple_fmap(2 * M2, {{0, 2 * M2, M2}, {3, 2 * M2, M2}}), v2, devices, 2 * M2).empty());
  // Device 3 is smaller: a range that fits device 0 is beyond it.
  EXPECT_TRUE(mentions(fmap_problems(simple_fmap(M2, {{3, 16 * M2, M2}}), v2, devices, M2), "beyond"));
  // Index 1 is not a device of this connection.
  EXPECT_TRUE(mentions(fmap_problems(simple_fmap(M2, {{1, 2 * M2, M2}}), v2, devices, M2),
                       "device index 1 is not a device of this connection"));
  // Overlap is still caught on one device other than 0.
  EXPECT_TRUE(mentions(fmap_problems(simple_fmap(M2, {{3, 2 * M2, M2}, {3, 2 * M2, M2}}), v2, devices, M2),
                       "overlap"));
}

}  // namespace
}  // namespace famlab::famfs::fuse
