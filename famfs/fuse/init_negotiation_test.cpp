#include "famfs/fuse/init_negotiation.h"

#include <gtest/gtest.h>

#include <cerrno>

namespace famlab::famfs::fuse {
namespace {

// What a 6.12 kernel offers, plus optionally a famfs flag.
InitIn kernel_init(uint64_t extra = 0, bool init_ext = true) {
  uint64_t all = init_flag::kAsyncRead | init_flag::kBigWrites | init_flag::kMaxPages |
                 init_flag::kDoReaddirplus | init_flag::kWritebackCache | init_flag::kAutoInvalData |
                 init_flag::kHasInodeDax | init_flag::kPassthrough | extra;
  if (init_ext) all |= init_flag::kInitExt;
  InitIn in{};
  in.major = 7;
  in.minor = 41;
  in.max_readahead = 131072;
  in.flags = static_cast<uint32_t>(all);
  in.flags2 = static_cast<uint32_t>(all >> 32);
  return in;
}

InitPolicy policy(AbiGeneration abi, DaxFmapPolicy p = DaxFmapPolicy::Accept) {
  InitPolicy pol;
  pol.abi = abi;
  pol.dax_fmap = p;
  return pol;
}

TEST(InitNegotiation, AcceptsDaxFmapWhenOfferedRfcV2) {
  InitOutcome o = negotiate_init(kernel_init(1ULL << 42), policy(AbiGeneration::RfcV2));
  EXPECT_EQ(o.error, 0);
  EXPECT_TRUE(o.dax_fmap_offered);
  EXPECT_TRUE(o.dax_fmap_replied);
  EXPECT_EQ(o.dax_fmap_decision, "accepted");
  EXPECT_EQ(o.reply.flags2, 1u << 10);  // bit 42 travels as flags2 bit 10
  EXPECT_TRUE(o.reply.flags & init_flag::kInitExt);
  EXPECT_EQ(o.replied & (1ULL << 42), 1ULL << 42);
}

TEST(InitNegotiation, V3LooksAtBit43Only) {
  // Bit 42 in a V3 kernel is FUSE_REQUEST_TIMEOUT, not famfs.
  InitOutcome wrong = negotiate_init(kernel_init(1ULL << 42), policy(AbiGeneration::V3));
  EXPECT_FALSE(wrong.dax_fmap_offered);
  EXPECT_EQ(wrong.dax_fmap_decision, "not-offered");
  EXPECT_EQ(wrong.reply.flags2, 0u);

  InitOutcome right = negotiate_init(kernel_init(1ULL << 43), policy(AbiGeneration::V3));
  EXPECT_TRUE(right.dax_fmap_replied);
  EXPECT_EQ(right.reply.flags2, 1u << 11);
}

TEST(InitNegotiation, DeclineNeverRepliesTheFlag) {
  InitOutcome o =
      negotiate_init(kernel_init(1ULL << 42), policy(AbiGeneration::RfcV2, DaxFmapPolicy::Decline));
  EXPECT_TRUE(o.dax_fmap_offered);
  EXPECT_FALSE(o.dax_fmap_replied);
  EXPECT_EQ(o.dax_fmap_decision, "declined");
  EXPECT_EQ(o.replied & (1ULL << 42), 0u);
}

TEST(InitNegotiation, ForceRepliesTheFlagUnoffered) {
  InitOutcome o = negotiate_init(kernel_init(), policy(AbiGeneration::RfcV2, DaxFmapPolicy::Force));
  EXPECT_FALSE(o.dax_fmap_offered);
  EXPECT_TRUE(o.dax_fmap_replied);
  EXPECT_EQ(o.dax_fmap_decision, "forced");
  EXPECT_EQ(o.reply.flags2, 1u << 10);
  EXPECT_TRUE(o.reply.flags & init_flag::kInitExt);
}

TEST(InitNegotiation, StockKernelFallback) {
  InitOutcome o = negotiate_init(kernel_init(), policy(AbiGeneration::RfcV2));
  EXPECT_FALSE(o.dax_fmap_offered);
  EXPECT_FALSE(o.dax_fmap_replied);
  EXPECT_EQ(o.dax_fmap_decision, "not-offered");
}

TEST(InitNegotiation, Flags2IgnoredWithoutInitExt) {
  InitIn in = kernel_init(1ULL << 42, /*init_ext=*/false);
  InitOutcome o = negotiate_init(in, policy(AbiGeneration::RfcV2));
  EXPECT_FALSE(o.dax_fmap_offered);
  EXPECT_EQ(o.offered >> 32, 0u);
}

TEST(InitNegotiation, RepliesOnlyWantedAndOfferedFlags) {
  InitOutcome o = negotiate_init(kernel_init(), policy(AbiGeneration::RfcV2));
  EXPECT_TRUE(o.reply.flags & init_flag::kAsyncRead);
  EXPECT_TRUE(o.reply.flags & init_flag::kMaxPages);
  EXPECT_FALSE(o.reply.flags & init_flag::kWritebackCache);  // offered, not wanted
  EXPECT_FALSE(o.reply.flags & init_flag::kDoReaddirplus);
  EXPECT_EQ(o.replied & ~o.offered, 0u);  // never claims what was not offered
  EXPECT_EQ(o.reply.major, 7u);
  EXPECT_EQ(o.reply.minor, kOurMinor);
  EXPECT_EQ(o.reply.max_write, 1u << 20);
  EXPECT_EQ(o.reply.max_pages, 256);
  EXPECT_EQ(o.reply.max_readahead, 131072u);
  EXPECT_EQ(combined_init_flags(o.reply.flags, o.reply.flags2), o.replied);
}

TEST(InitNegotiation, WrongMajorIsAProtocolError) {
  InitIn in = kernel_init();
  in.major = 8;
  EXPECT_EQ(negotiate_init(in, policy(AbiGeneration::RfcV2)).error, EPROTO);
}

}  // namespace
}  // namespace famlab::famfs::fuse
