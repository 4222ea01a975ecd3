#include "famfs/fuse/opcode_names.h"

#include <gtest/gtest.h>

#include "famfs/fuse/wire.h"

namespace famlab::famfs::fuse {
namespace {

TEST(OpcodeNames, FamfsNamesFollowTheGeneration) {
  const FamfsAbi& v2 = famfs_abi(AbiGeneration::RfcV2);
  const FamfsAbi& v3 = famfs_abi(AbiGeneration::V3);
  EXPECT_EQ(opcode_name(53, v2), "GET_FMAP");
  EXPECT_EQ(opcode_name(54, v2), "GET_DAXDEV");
  EXPECT_EQ(opcode_name(54, v3), "GET_FMAP");
  EXPECT_EQ(opcode_name(55, v3), "GET_DAXDEV");
  EXPECT_EQ(opcode_name(53, v3), "OPCODE_53");
  EXPECT_EQ(opcode_name(kRead, v2), "READ");
}

TEST(OpcodeNames, ParseIsTheInverse) {
  const FamfsAbi& v3 = famfs_abi(AbiGeneration::V3);
  EXPECT_EQ(opcode_from_name("get_fmap", v3), 54u);
  EXPECT_EQ(opcode_from_name("READ", v3), kRead);
  EXPECT_EQ(opcode_from_name("opcode_200", v3), 200u);
  EXPECT_FALSE(opcode_from_name("opcode_", v3));
  EXPECT_FALSE(opcode_from_name("opcode_1x", v3));
  EXPECT_FALSE(opcode_from_name("nonsense", v3));
  for (uint32_t op = 1; op < 60; ++op) EXPECT_EQ(opcode_from_name(opcode_name(op, v3), v3), op);
}

}  // namespace
}  // namespace famlab::famfs::fuse
