#include "famfs/fuse/reply.h"

#include <gtest/gtest.h>

#include <cerrno>

namespace famlab::famfs::fuse {
namespace {

TEST(FuseReply, ErrorIsANegatedErrnoWithNoBody) {
  Bytes b = reply_error(42, ENOENT);
  ASSERT_EQ(b.size(), sizeof(OutHeader));
  auto p = parse_reply(b);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->header.error, -ENOENT);
  EXPECT_EQ(p->header.unique, 42u);
  EXPECT_EQ(p->header.len, 16u);
  EXPECT_TRUE(p->body.empty());
}

TEST(FuseReply, RecordReplyCarriesTheRecord) {
  OpenOut o{7, kOpenKeepCache, 0};
  Bytes b = reply_record(9, o);
  ASSERT_EQ(b.size(), 16u + sizeof(OpenOut));
  auto p = parse_reply(b);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->header.error, 0);
  auto back = body_record<OpenOut>(p->body);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->fh, 7u);
  EXPECT_EQ(back->open_flags, kOpenKeepCache);
  EXPECT_FALSE(body_record<EntryOut>(p->body));  // body too short for it
}

TEST(FuseReply, ParseRejectsALengthThatLies) {
  Bytes b = reply_ok(1, Bytes{1, 2, 3});
  b.pop_back();
  EXPECT_FALSE(parse_reply(b));
  EXPECT_FALSE(parse_reply(Bytes(15, 0)));
}

TEST(FuseReply, DirentsArePaddedToEightBytes) {
  DirentBuffer d(4096);
  ASSERT_TRUE(d.add(5, 1, 4, "a"));         // 24 + 1 -> 32
  ASSERT_TRUE(d.add(6, 2, 8, "abcdefgh"));  // 24 + 8 -> 32
  ASSERT_EQ(d.bytes().size(), 64u);
  auto first = body_record<DirentHeader>(d.bytes());
  ASSERT_TRUE(first);
  EXPECT_EQ(first->ino, 5u);
  EXPECT_EQ(first->namelen, 1u);
  EXPECT_EQ(d.bytes()[24], 'a');
  EXPECT_EQ(d.bytes()[25], 0);  // padding is zero
}

TEST(FuseReply, DirentBufferStopsAtTheRequestedSize) {
  DirentBuffer d(40);
  EXPECT_TRUE(d.add(1, 1, 4, "x"));   // 32 bytes
  EXPECT_FALSE(d.add(2, 2, 4, "y"));  // would need 64
  EXPECT_EQ(d.bytes().size(), 32u);
}

}  // namespace
}  // namespace famlab::famfs::fuse
