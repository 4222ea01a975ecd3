#include "famfs/server/server_options.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "famfs/fuse/wire.h"

namespace famlab::famfs::server {
namespace {

const fuse::FamfsAbi& v2 = fuse::famfs_abi(fuse::AbiGeneration::RfcV2);

TEST(ServerOptions, WordsRoundTrip) {
  for (auto w : {"none", "bounding", "capset", "user", "user-fd"})
    EXPECT_STREQ(to_string(*parse_cap_drop(w)), w);
  for (auto w : {"none", "overlap", "beyond-device", "misaligned-offset", "misaligned-length", "zero-extents",
                 "huge-extent-count", "too-many-extents", "too-many-strips", "chunk-zero", "chunk-not-pow2",
                 "short-reply", "wrong-file-size"})
    EXPECT_STREQ(to_string(*parse_fmap_fault(w)), w);
  EXPECT_FALSE(parse_cap_drop("sometimes"));
  EXPECT_FALSE(parse_fmap_fault(""));
  EXPECT_EQ(parse_mount_method("fusermount3"), MountMethod::Fusermount);
  EXPECT_EQ(parse_dax_fmap_policy("force"), fuse::DaxFmapPolicy::Force);
  EXPECT_NE(fmap_fault_words().find("short-reply|wrong-file-size"), std::string::npos);
}

TEST(ServerOptions, LateReply) {
  LateReply l = parse_late_reply("get_fmap:3000", v2);
  EXPECT_EQ(l.opcode, 53u);
  EXPECT_EQ(l.delay_ms, 3000u);
  EXPECT_FALSE(parse_late_reply("all:5", v2).opcode);
  EXPECT_THROW(parse_late_reply("read", v2), Error);
  EXPECT_THROW(parse_late_reply("read:soon", v2), Error);
  EXPECT_THROW(parse_late_reply("bogus:5", v2), Error);
}

TEST(ServerOptions, DieOn) {
  EXPECT_EQ(parse_die_on("read", v2), (std::pair<uint32_t, uint32_t>{fuse::kRead, 1}));
  EXPECT_EQ(parse_die_on("GET_DAXDEV:3", v2), (std::pair<uint32_t, uint32_t>{54, 3}));
  EXPECT_THROW(parse_die_on("read:0", v2), Error);
  EXPECT_THROW(parse_die_on("nothing", v2), Error);
}

}  // namespace
}  // namespace famlab::famfs::server

namespace famlab::famfs::server {

TEST(ServerOptions, DaxdevAndFileDeviceWords) {
  EXPECT_EQ(parse_daxdev("1=/dev/dax1.0"), (std::pair<uint32_t, std::string>{1, "/dev/dax1.0"}));
  EXPECT_EQ(parse_daxdev("15=/dev/dax9.0").first, 15u);
  for (const char* bad : {"0=/dev/dax0.0", "16=/dev/x", "x=/dev/x", "1=", "/dev/dax1.0"}) {
    try {
      parse_daxdev(bad);
      ADD_FAILURE() << bad << " accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("--daxdev: '"), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(parse_file_device("/dir/a=2"), (std::pair<std::string, uint32_t>{"/dir/a", 2}));
  EXPECT_EQ(parse_file_device("b=0").first, "/b");
  EXPECT_THROW(parse_file_device("b=16"), Error);
  EXPECT_THROW(parse_file_device("=1"), Error);
  EXPECT_THROW(parse_file_device("b"), Error);
}

}  // namespace famlab::famfs::server
