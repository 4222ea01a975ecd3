#include "harness/agent/kmsg.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "base/error.h"

using namespace famlab::agent;

TEST(Kmsg, ParsesARecordWithDictionaryLines) {
  auto r = parse_kmsg_record(
      "30,339,5140900,-;NET: Registered protocol family 10\n SUBSYSTEM=net\n DEVICE=+net:lo\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->level, 6);  // facility 3 (daemon), severity 6
  EXPECT_EQ(r->seq, 339u);
  EXPECT_EQ(r->ts_us, 5140900u);
  EXPECT_EQ(r->text, "NET: Registered protocol family 10");
}

TEST(Kmsg, AcceptsExtraPrefixFieldsAndUndoesEscapes) {
  auto r = parse_kmsg_record("4,12,99,c,caller=T1;WARNING: at x\\x0aline two \\x5c end\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->level, 4);
  EXPECT_EQ(r->text, "WARNING: at x\nline two \\ end");
  EXPECT_EQ(unescape_kmsg("\\xZZ and \\x4"), "\\xZZ and \\x4");  // not escapes: kept
}

TEST(Kmsg, RejectsMalformedRecords) {
  EXPECT_FALSE(parse_kmsg_record("no semicolon"));
  EXPECT_FALSE(parse_kmsg_record("6,1;too few fields"));
  EXPECT_FALSE(parse_kmsg_record("x,1,2,-;bad prio"));
  EXPECT_FALSE(parse_kmsg_record(""));
}

TEST(Kmsg, FormatsLikeDmesg) {
  KmsgRecord r;
  r.ts_us = 1234567;
  r.text = "hello";
  EXPECT_EQ(format_kmsg(r), "[    1.234567] hello");
}

TEST(Kmsg, ReadsTheRealKernelLogWithoutBlocking) {
  if (access("/dev/kmsg", R_OK) != 0) GTEST_SKIP() << "/dev/kmsg not readable here";
  KmsgReader reader("/dev/kmsg");
  auto first = reader.read_available();
  ASSERT_FALSE(first.empty());
  for (size_t i = 1; i < first.size(); ++i) EXPECT_GT(first[i].seq, first[i - 1].seq);
  // Everything was read; a second call returns at once.
  EXPECT_LE(reader.read_available().size(), 5u);
  EXPECT_NE(read_kernel_log("/dev/kmsg").find("] "), std::string::npos);
}

TEST(Kmsg, MissingDeviceIsAnError) { EXPECT_THROW(KmsgReader("/nonexistent/kmsg"), famlab::Error); }
