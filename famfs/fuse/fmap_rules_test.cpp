#include "famfs/fuse/fmap_rules.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>

#include "famfs/fuse/fmap_message.h"

namespace famlab::famfs::fuse {
namespace {

constexpr uint64_t M2 = 2ull << 20;
const FamfsAbi& v2 = famfs_abi(AbiGeneration::RfcV2);

FmapContext context(uint64_t file_size, std::map<uint32_t, uint64_t> devices = {{0, 64 * M2}}) {
  return FmapContext{&v2, file_size, std::move(devices)};
}

FmapVerdict check(const FmapMessage& m, const FmapContext& c) { return check_fmap(encode_fmap(m), c); }

std::string all(const FmapVerdict& v) {
  std::string s;
  for (const auto& p : v.problems) s += p + "; ";
  return s;
}

bool mentions(const FmapVerdict& v, const std::string& text) {
  return all(v).find(text) != std::string::npos;
}

// One problem, in the EINVAL class, that says `text`.
void expect_only(const FmapVerdict& v, const std::string& text) {
  EXPECT_EQ(v.problems.size(), 1u) << all(v);
  EXPECT_TRUE(mentions(v, text)) << all(v);
  EXPECT_EQ(v.allowed_errnos(), std::vector<int>{EINVAL}) << all(v);
}

FmapMessage simple4() { return simple_fmap(4 * M2, {{0, 10 * M2, 4 * M2}}); }
FmapMessage striped3() {
  return interleaved_fmap(6 * M2, M2, {{0, 20 * M2, 2 * M2}, {0, 30 * M2, 2 * M2}, {0, 40 * M2, 2 * M2}});
}

TEST(FmapRules, GoodMapsPass) {
  for (const FmapMessage& m : {simple4(), striped3(), simple_fmap(0, {{0, 0, M2}}),
                               simple_fmap(3 * M2 + 1, {{0, 0, 2 * M2}, {0, 62 * M2, 2 * M2}})}) {
    FmapVerdict v = check(m, context(m.file_size));
    EXPECT_TRUE(v.valid()) << all(v);
    EXPECT_TRUE(v.allowed_errnos().empty());
  }
  // The last unit of the device, and a map on a second device.
  EXPECT_TRUE(check(simple_fmap(M2, {{0, 63 * M2, M2}}), context(M2)).valid());
  EXPECT_TRUE(check(simple_fmap(M2, {{5, 0, M2}}), context(M2, {{0, 64 * M2}, {5, 2 * M2}})).valid());
  // Strips longer than the extent needs, and a chunk larger than 2 MiB.
  FmapMessage wide = interleaved_fmap(4 * M2, 2 * M2, {{0, 0, 4 * M2}, {0, 8 * M2, 6 * M2}});
  wide.interleaved[0].nbytes = 4 * M2;
  EXPECT_TRUE(check(wide, context(4 * M2)).valid()) << all(check(wide, context(4 * M2)));
}

TEST(FmapRules, HeaderRules) {
  FmapMessage m = simple4();
  m.version = 2;
  expect_only(check(m, context(4 * M2)), "map version 2");
  m = simple4();
  m.file_type = 1;
  expect_only(check(m, context(4 * M2)), "file type 1");
  m = simple4();
  m.ext_type = 7;
  EXPECT_TRUE(mentions(check(m, context(4 * M2)), "unknown extent type 7"));
  expect_only(check(simple4(), context(4 * M2 + 1)), "map file size 8388608 but the file has 8388609");
  m = simple4();
  m.nextents = 0;
  m.extents.clear();
  expect_only(check(m, context(4 * M2)), "extent count 0 outside 1..2");
}

TEST(FmapRules, EveryReservedFieldMustBeZero) {
  FmapMessage m = simple4();
  m.reserved = 1;
  expect_only(check(m, context(4 * M2)), "header reserved byte is 1");
  m = simple4();
  m.reserved0 = 2;
  expect_only(check(m, context(4 * M2)), "header reserved0 is 2");
  m = simple4();
  m.reserved1 = 3;
  expect_only(check(m, context(4 * M2)), "header reserved1 is 3");
  m = simple4();
  m.extents[0].reserved = 4;
  expect_only(check(m, context(4 * M2)), "extent 0: reserved field is 4");
  m = striped3();
  m.interleaved[0].reserved = 5;
  expect_only(check(m, context(6 * M2)), "extent 0: reserved field is 5");
  m = striped3();
  m.interleaved[0].strips[2].reserved = 6;
  expect_only(check(m, context(6 * M2)), "extent 0 strip 2: reserved field is 6");
}

TEST(FmapRules, RangeRules) {
  auto one = [](uint32_t dev, uint64_t off, uint64_t len) { return simple_fmap(M2, {{dev, off, len}}); };
  expect_only(check(one(0, M2 + 4096, M2), context(M2)), "offset 2101248 not 2 MiB aligned");
  expect_only(check(one(0, 0, M2 + 4096), context(M2)), "length 2101248 not 2 MiB aligned");
  FmapVerdict zero = check(simple_fmap(M2, {{0, 0, M2}, {0, 2 * M2, 0}}), context(M2));
  expect_only(zero, "extent 1: zero length");
  FmapVerdict wraps = check(one(0, UINT64_MAX - M2 + 1, 2 * M2), context(M2));
  expect_only(wraps, "offset + length wraps around 2^64");
  expect_only(check(one(0, 63 * M2, 2 * M2), context(M2)), "ends beyond the 134217728-byte device 0");
  expect_only(check(one(0, 128 * M2, M2), context(M2)), "ends beyond");
  expect_only(check(one(16, 0, M2), context(M2)),
              "device index 16 is not a device of this connection: beyond the kernel's table of 16");
  expect_only(check(one(0xFFFFFFFFu, 0, M2), context(M2)),
              "device index 4294967295 is not a device of this connection: beyond");
  expect_only(check(simple_fmap(M2, {{0, 0, 2 * M2}, {0, M2, M2}}), context(M2)), "overlap");
  // The same offsets on two devices do not overlap.
  EXPECT_TRUE(
      check(simple_fmap(M2, {{0, 0, M2}, {1, 0, M2}}), context(M2, {{0, 64 * M2}, {1, 64 * M2}})).valid());
}

TEST(FmapRules, AnUnservedDeviceMeansEnodev) {
  FmapVerdict v = check(simple_fmap(M2, {{3, 0, M2}}), context(M2));
  ASSERT_EQ(v.problems.size(), 1u) << all(v);
  EXPECT_TRUE(mentions(v, "device index 3 is not a device of this connection"));
  EXPECT_FALSE(v.malformed);
  EXPECT_EQ(v.allowed_errnos(), std::vector<int>{ENODEV});
  // Malformed as well: the kernel may notice either first.
  FmapMessage m = simple_fmap(M2, {{3, 0, M2}});
  m.reserved0 = 1;
  EXPECT_EQ(check(m, context(M2)).allowed_errnos(), (std::vector<int>{EINVAL, ENODEV}));
}

TEST(FmapRules, InterleaveRules) {
  auto striped = [](uint32_t nstrips, uint32_t chunk, uint64_t strip_len) {
    std::vector<FmapExtent> strips;
    for (uint32_t i = 0; i < nstrips; ++i) strips.push_back({0, i * 8 * M2, strip_len});
    return interleaved_fmap(M2, chunk, strips);
  };
  EXPECT_TRUE(check(striped(4, M2, M2), context(M2)).valid());
  EXPECT_TRUE(mentions(check(striped(4, 0, M2), context(M2)), "chunk size 0 is not a power of two"));
  EXPECT_TRUE(mentions(check(striped(4, 3 * M2, 3 * M2), context(M2)), "chunk size 6291456 is not a power"));
  EXPECT_TRUE(mentions(check(striped(4, M2 / 2, M2), context(M2)), "chunk size 1048576 is not"));
  FmapMessage many = interleaved_fmap(M2, M2, {});
  for (uint32_t i = 0; i < 17; ++i) many.interleaved[0].strips.push_back({0, i * M2, M2});
  many.interleaved[0].nstrips = 17;
  many.interleaved[0].nbytes = M2;
  expect_only(check(many, context(M2)), "strip count 17 outside 1..16");
  FmapMessage none = striped(1, M2, M2);
  none.interleaved[0].nstrips = 0;
  none.interleaved[0].strips.clear();
  EXPECT_TRUE(mentions(check(none, context(M2)), "strip count 0 outside 1..16"));
  // nbytes: nonzero, aligned, at most strips x whole chunks of the shortest strip.
  FmapMessage m = striped(2, 2 * M2, 3 * M2);  // shortest holds 1 whole 4 MiB chunk: 2 x 4 MiB
  m.interleaved[0].nbytes = 4 * M2;
  m.file_size = 4 * M2;
  EXPECT_TRUE(check(m, context(4 * M2)).valid()) << all(check(m, context(4 * M2)));
  m.interleaved[0].nbytes = 5 * M2;
  expect_only(check(m, context(4 * M2)), "is more than its strips hold (8388608 bytes)");
  m.interleaved[0].nbytes = 4 * M2 - 4096;
  m.file_size = 4 * M2 - 4096;
  expect_only(check(m, context(4 * M2 - 4096)), "not 2 MiB aligned");
  m = striped(2, M2, M2);
  m.interleaved[0].nbytes = 0;
  m.file_size = 0;
  expect_only(check(m, context(0)), "zero bytes");
  // Strips near 2^64 on an unserved device: no capacity fits in 64 bits.
  FmapMessage huge = interleaved_fmap(M2, M2, std::vector<FmapExtent>(5, FmapExtent{3, 0, 1ull << 62}));
  huge.interleaved[0].nbytes = M2;
  FmapVerdict hv = check(huge, context(M2));
  EXPECT_TRUE(mentions(hv, "capacity does not fit in 64 bits")) << all(hv);
  EXPECT_TRUE(hv.malformed);
}

TEST(FmapRules, CoverageCountsEveryExtent) {
  expect_only(check(simple_fmap(5 * M2, {{0, 0, 2 * M2}, {0, 10 * M2, 2 * M2}}), context(5 * M2)),
              "extents cover 8388608 bytes, less than the file size 10485760");
  EXPECT_TRUE(check(simple_fmap(4 * M2, {{0, 0, 2 * M2}, {0, 10 * M2, 2 * M2}}), context(4 * M2)).valid());
  // Two interleaved extents whose sizes add up past 2^64.
  FmapMessage m = interleaved_fmap(M2, M2, {{5, 0, 1ull << 62}});
  m.interleaved[0].nbytes = 1ull << 63;
  m.interleaved.push_back(m.interleaved[0]);
  m.nextents = 2;
  EXPECT_TRUE(mentions(check(m, context(M2, {{0, 64 * M2}, {5, 1ull << 62}})), "wrap around 2^64"));
}

TEST(FmapRules, TheReplyLengthMustBeExactlyWhatTheHeaderSays) {
  std::vector<uint8_t> good = encode_fmap(striped3());
  for (size_t n = 0; n < good.size(); ++n) {
    std::vector<uint8_t> cut(good.begin(), good.begin() + static_cast<long>(n));
    FmapVerdict v = check_fmap(cut, context(6 * M2));
    EXPECT_FALSE(v.valid()) << n;
    EXPECT_EQ(v.allowed_errnos(), std::vector<int>{EINVAL}) << n;
  }
  EXPECT_TRUE(mentions(check_fmap(std::vector<uint8_t>(31, 0), context(0)), "shorter than the 32-byte"));
  std::vector<uint8_t> longer = good;
  longer.push_back(0);
  expect_only(check_fmap(longer, context(6 * M2)), "1 bytes after the last record");
  // A count that lies: 0xffffffff extents, one record present.
  FmapMessage lie = simple4();
  lie.nextents = 0xFFFFFFFFu;
  FmapVerdict v = check(lie, context(4 * M2));
  EXPECT_TRUE(mentions(v, "extent count 4294967295 outside 1..2"));
  EXPECT_TRUE(mentions(v, "reply ends inside extent 1"));
  FmapMessage strips_lie = striped3();
  strips_lie.interleaved[0].nstrips = 0xFFFFFFFFu;
  EXPECT_TRUE(mentions(check(strips_lie, context(6 * M2)), "reply ends inside extent 0's strips"));
}

TEST(FmapRules, RepliesLargerThanTheKernelBufferAreRefused) {
  std::vector<uint8_t> big = encode_fmap(simple4());
  big.resize(kFmapMaxReply + 1);
  EXPECT_TRUE(mentions(check_fmap(big, context(4 * M2)), "larger than the kernel's 32768-byte limit"));
}

TEST(FmapRules, ArbitraryBytesNeverCrashTheModel) {
  uint64_t x = 88172645463325252ull;
  for (int round = 0; round < 2000; ++round) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    std::vector<uint8_t> bytes(x % 300);
    for (auto& b : bytes) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      b = static_cast<uint8_t>(x % 4 == 0 ? x >> 8 : 0);  // mostly zero: counts stay small
    }
    FmapVerdict v = check_fmap(bytes, context(x % (8 * M2)));
    EXPECT_EQ(v.valid(), v.allowed_errnos().empty());
  }
}

}  // namespace
}  // namespace famlab::famfs::fuse
