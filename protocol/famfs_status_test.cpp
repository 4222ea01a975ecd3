#include "protocol/famfs_status.h"

#include <gtest/gtest.h>

using namespace famlab::protocol;

namespace {

FamfsStatus sample() {
  FamfsStatus s;
  s.pid = 1234;
  s.state = "initialized";
  s.device = "/dev/dax0.0";
  s.mountpoint = "/mnt/famfs";
  s.abi = "rfc-v2";
  s.dax_fmap_bit = 42;
  s.mount_method = "mount";
  s.cap_drop = "bounding";
  s.dax_fmap_policy = "decline";
  s.fmap_fault = "none";
  s.role = "client";
  s.host_id = "22222222-2222-2222-2222-222222222222";
  s.master_id = "11111111-1111-1111-1111-111111111111";
  s.log_entries = 7;
  s.logplays = 2;
  s.log_tail = "torn";
  s.init_seen = true;
  s.kernel_major = 7;
  s.kernel_minor = 41;
  s.flags_offered = (1ULL << 42) | (1ULL << 30) | 1;
  s.flags_replied = (1ULL << 30) | 1;
  s.dax_fmap_offered = true;
  s.dax_fmap_decision = "declined";
  s.kernel_famfs = {{"policy", "famfs"}, {"enabled", "0"}};
  s.at_start.sys_rawio = {true, true, true};
  s.at_mount.sys_rawio = {true, true, false};
  s.at_mount.uid = 1000;
  s.opcodes = {{"READ", 12}, {"GET_FMAP", 0}, {"INIT", 1}};
  s.requests = 13;
  s.exit_reason = "";
  return s;
}

TEST(FamfsStatus, RoundTrips) {
  FamfsStatus back = decode_famfs_status(encode_famfs_status(sample()));
  EXPECT_EQ(back.flags_offered, sample().flags_offered);
  EXPECT_EQ(back.flags_replied, sample().flags_replied);
  EXPECT_EQ(back.dax_fmap_decision, "declined");
  EXPECT_TRUE(back.at_mount.sys_rawio.effective);
  EXPECT_FALSE(back.at_mount.sys_rawio.bounding);
  EXPECT_EQ(back.at_mount.uid, 1000u);
  EXPECT_EQ(back.opcodes.at("READ"), 12u);
  EXPECT_EQ(back.pid, 1234);
  EXPECT_EQ(back.kernel_famfs.at("policy"), "famfs");
  EXPECT_EQ(back.role, "client");
  EXPECT_EQ(back.host_id, "22222222-2222-2222-2222-222222222222");
  EXPECT_EQ(back.master_id, "11111111-1111-1111-1111-111111111111");
  EXPECT_EQ(back.log_entries, 7u);
  EXPECT_EQ(back.logplays, 2u);
  EXPECT_EQ(back.log_tail, "torn");
}

// Empty role and tail: a server that failed before it read the superblock.
TEST(FamfsStatus, RoleAndTailAreCheckedWords) {
  nlohmann::json j = famfs_status_to_json(sample());
  j["role"] = "";
  j["log_tail"] = "";
  EXPECT_EQ(famfs_status_from_json(j).role, "");
  j["role"] = "boss";
  EXPECT_THROW(famfs_status_from_json(j), std::invalid_argument);
  j = famfs_status_to_json(sample());
  j["log_tail"] = "half";
  EXPECT_THROW(famfs_status_from_json(j), std::invalid_argument);
  for (const char* field : {"role", "host_id", "master_id", "log_entries", "logplays", "log_tail"}) {
    j = famfs_status_to_json(sample());
    j.erase(field);
    try {
      famfs_status_from_json(j);
      ADD_FAILURE() << "accepted a status without " << field;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("'") + field + "' is missing"), std::string::npos);
    }
  }
  j = famfs_status_to_json(sample());
  j["logplays"] = -1;
  EXPECT_THROW(famfs_status_from_json(j), std::invalid_argument);
  j = famfs_status_to_json(sample());
  j["version"] = 1;  // written by a famfs from before the client role
  EXPECT_THROW(famfs_status_from_json(j), std::invalid_argument);
}

TEST(FamfsStatus, ParsesTheKernelFamfsLine) {
  auto m = parse_kernel_famfs_line(
      "policy=famfs init=done offered=1 replied=1 enabled=0 mounter_rawio=1 server_rawio=0 "
      "decided_by=server-cap\n");
  EXPECT_EQ(m.size(), 8u);
  EXPECT_EQ(m.at("decided_by"), "server-cap");
  EXPECT_EQ(m.at("enabled"), "0");
  EXPECT_EQ(m.at("offered"), "1");
  EXPECT_TRUE(parse_kernel_famfs_line("").empty());
  EXPECT_EQ(parse_kernel_famfs_line("junk =x a=").size(), 1u);  // "a" with an empty value
}

TEST(FamfsStatus, FlagsAreHexStrings) {
  nlohmann::json j = famfs_status_to_json(sample());
  EXPECT_EQ(j["flags_offered"], "0x0000040040000001");
  EXPECT_EQ(flags_from_hex("0x0000040040000001"), (1ULL << 42) | (1ULL << 30) | 1);
  EXPECT_EQ(flags_from_hex("0XfF"), 255u);
  EXPECT_THROW(flags_from_hex("42"), std::invalid_argument);
  EXPECT_THROW(flags_from_hex("0x"), std::invalid_argument);
  EXPECT_THROW(flags_from_hex("0x12345678901234567"), std::invalid_argument);
  EXPECT_THROW(flags_from_hex("0xzz"), std::invalid_argument);
}

TEST(FamfsStatus, ErrorsNameTheField) {
  nlohmann::json j = famfs_status_to_json(sample());
  j.erase("dax_fmap_accepted");
  try {
    famfs_status_from_json(j);
    FAIL() << "accepted a status without dax_fmap_accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'dax_fmap_accepted' is missing"), std::string::npos);
  }
  j = famfs_status_to_json(sample());
  j["requests"] = "many";
  EXPECT_THROW(famfs_status_from_json(j), std::invalid_argument);
  j = famfs_status_to_json(sample());
  j["at_mount"].erase("cap_sys_rawio");
  EXPECT_THROW(famfs_status_from_json(j), std::invalid_argument);
  EXPECT_THROW(decode_famfs_status("{not json"), std::invalid_argument);
  EXPECT_THROW(decode_famfs_status("[]"), std::invalid_argument);
}

}  // namespace
