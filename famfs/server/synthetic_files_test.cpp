#include "famfs/server/synthetic_files.h"

#include <gtest/gtest.h>

namespace famlab::famfs::server {
namespace {

const fuse::FamfsAbi& v2 = fuse::famfs_abi(fuse::AbiGeneration::RfcV2);

TEST(FuzzFiles, EachIndexHasOneNameAndItsOwnNode) {
  FuzzSetup setup{11, &v2, 256ull << 20};
  FuzzFiles files(setup, 1000);
  EXPECT_EQ(files.lookup("fmap-0"), kSyntheticNodeBase);
  EXPECT_EQ(files.lookup("fmap-999"), kSyntheticNodeBase + 999);
  for (const char* bad :
       {"fmap-1000", "fmap-01", "fmap-", "fmap-1x", "fmap--1", "map-1", "fmap-99999999999999999999"})
    EXPECT_FALSE(files.lookup(bad)) << bad;
  auto f = files.file(kSyntheticNodeBase + 42);
  ASSERT_TRUE(f);
  FuzzCase c = fuzz_case(setup, 42);
  EXPECT_EQ(f->size, c.file_size);
  EXPECT_EQ(f->reply, c.reply);
  EXPECT_FALSE(files.file(kSyntheticNodeBase + 1000));
  EXPECT_FALSE(files.file(5));
}

TEST(ReplayFiles, ServeTheSavedBytesUnderTheSavedName) {
  SavedFmap m;
  m.file_size = 12345;
  m.reply = {1, 2, 3};
  ReplayFiles files({{"fmap-11-4242", m}});
  EXPECT_EQ(files.lookup("fmap-11-4242"), kSyntheticNodeBase);
  EXPECT_FALSE(files.lookup("fmap-11-4243"));
  auto f = files.file(kSyntheticNodeBase);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->size, 12345u);
  EXPECT_EQ(f->reply, m.reply);
  EXPECT_FALSE(files.file(kSyntheticNodeBase + 1));
}

}  // namespace
}  // namespace famlab::famfs::server
