#include "famfs/format/role.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "base/error_of.h"

namespace famlab::famfs::format {
namespace {

const HostId kMaster = *parse_host_id("11111111-1111-1111-1111-111111111111");
const HostId kOther = *parse_host_id("22222222-2222-2222-2222-222222222222");

Superblock made_by(const HostId& master, uint32_t version = kFormatVersion) {
  Superblock sb;
  sb.version = version;
  sb.master_id = master;
  return sb;
}

TEST(Role, TheRecordedHostIsMasterEveryOtherAClient) {
  EXPECT_EQ(decide_role(made_by(kMaster), kMaster, RoleRequest::Auto, "/dev/dax0.0"), Role::Master);
  EXPECT_EQ(decide_role(made_by(kMaster), kOther, RoleRequest::Auto, "/dev/dax0.0"), Role::Client);
  EXPECT_EQ(decide_role(made_by(kMaster), kMaster, RoleRequest::Client, "/dev/dax0.0"), Role::Client);
  EXPECT_EQ(decide_role(made_by(kMaster), kMaster, RoleRequest::Master, "/dev/dax0.0"), Role::Master);
  EXPECT_NO_THROW(require_master(made_by(kMaster), kMaster, "/dev/dax0.0"));
}

TEST(Role, ASecondMasterIsRefused) {
  std::string e = error_of([] { decide_role(made_by(kMaster), kOther, RoleRequest::Master, "/dev/dax0.0"); });
  EXPECT_EQ(
      e,
      "/dev/dax0.0: this host (host id 22222222-2222-2222-2222-222222222222) is not the master of this famfs "
      "(master 11111111-1111-1111-1111-111111111111): only the master changes it; here, mount it with "
      "--role client");
  EXPECT_EQ(error_of([] { require_master(made_by(kMaster), kOther, "/dev/dax0.0"); }), e);
}

TEST(Role, NoRecordedMasterMeansNoMaster) {
  EXPECT_EQ(decide_role(made_by(HostId{}), kOther, RoleRequest::Auto, "d"), Role::Client);
  EXPECT_EQ(error_of([] { require_master(made_by(HostId{}), HostId{}, "d"); }),
            "d: this famfs records no master, so no host may change it");
  EXPECT_EQ(decide_role(made_by(kMaster, 1), kMaster, RoleRequest::Auto, "d"), Role::Client);
  EXPECT_NE(error_of([] {
              require_master(made_by(kMaster, 1), kMaster, "d");
            }).find("d: this famfs is format version 1, which records no master"),
            std::string::npos);
}

TEST(Role, Words) {
  EXPECT_EQ(parse_role_request("auto"), RoleRequest::Auto);
  EXPECT_EQ(parse_role_request("master"), RoleRequest::Master);
  EXPECT_EQ(parse_role_request("client"), RoleRequest::Client);
  EXPECT_FALSE(parse_role_request("Master"));
  EXPECT_STREQ(to_string(Role::Client), "client");
  EXPECT_STREQ(to_string(RoleRequest::Auto), "auto");
}

}  // namespace
}  // namespace famlab::famfs::format
