#include "famfs/server/privilege_drop.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>

#include "base/error.h"
#include "famfs/server/capabilities.h"

namespace famlab::famfs::server {
namespace {

// Dropping privilege cannot be undone, so each drop runs in a forked copy of
// the test, which reports the credentials it ended with through a pipe.
protocol::FamfsCredentials after(const std::function<void()>& drop) {
  int p[2];
  EXPECT_EQ(pipe(p), 0);
  pid_t pid = fork();
  if (pid == 0) {
    close(p[0]);
    try {
      drop();
    } catch (const Error&) {
      _exit(2);
    }
    protocol::FamfsCredentials c = read_credentials();
    (void)!write(p[1], &c, sizeof(c));
    _exit(0);
  }
  close(p[1]);
  protocol::FamfsCredentials c{};
  ssize_t n = read(p[0], &c, sizeof(c));
  close(p[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_EQ(n, static_cast<ssize_t>(sizeof(c))) << "child exit " << WEXITSTATUS(status);
  return c;
}

class PrivilegeDrop : public ::testing::Test {
 protected:
  void SetUp() override {
    protocol::FamfsCredentials c = read_credentials();
    if (c.euid != 0 || !c.sys_rawio.effective || !c.sys_rawio.bounding)
      GTEST_SKIP() << "needs root with CAP_SYS_RAWIO";
  }
};

TEST_F(PrivilegeDrop, BoundingKeepsTheEffectiveCapability) {
  protocol::FamfsCredentials c = after(drop_rawio_from_bounding_set);
  EXPECT_FALSE(c.sys_rawio.bounding);
  EXPECT_TRUE(c.sys_rawio.effective);  // why the seed's experiment saw no change
  EXPECT_TRUE(c.sys_rawio.permitted);
  EXPECT_TRUE(c.sys_admin.effective);
}

TEST_F(PrivilegeDrop, CapsetRemovesEffectiveAndPermitted) {
  protocol::FamfsCredentials c = after(drop_rawio_with_capset);
  EXPECT_FALSE(c.sys_rawio.effective);
  EXPECT_FALSE(c.sys_rawio.permitted);
  EXPECT_TRUE(c.sys_rawio.bounding);
  EXPECT_TRUE(c.sys_admin.effective);  // mount(2) still possible
  EXPECT_EQ(c.euid, 0u);
}

TEST_F(PrivilegeDrop, BecomingAUserDropsEverything) {
  protocol::FamfsCredentials c = after([] { become_user(1000, 1000); });
  EXPECT_EQ(c.uid, 1000u);
  EXPECT_EQ(c.euid, 1000u);
  EXPECT_EQ(c.egid, 1000u);
  EXPECT_FALSE(c.sys_rawio.effective);
  EXPECT_FALSE(c.sys_admin.effective);
  EXPECT_FALSE(c.sys_admin.permitted);
}

TEST(Capabilities, ReadsTheCallersIds) {
  protocol::FamfsCredentials c = read_credentials();
  EXPECT_EQ(c.uid, getuid());
  EXPECT_EQ(c.egid, getegid());
}

}  // namespace
}  // namespace famlab::famfs::server
