#include "lab/runner/artifacts.h"

#include <gtest/gtest.h>

#include "base/process.h"

using namespace famlab::runner;

TEST(Artifacts, ShellCommandRoundTripsThroughARealShell) {
  std::vector<std::string> argv = {"printf", "%s|", "plain", "-append", "console=ttyS0 memmap=512M!4G",
                                   "it's"};
  std::string cmd = shell_command(argv);
  auto r = famlab::run_process({"sh", "-c", cmd});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.output, "plain|-append|console=ttyS0 memmap=512M!4G|it's|");
}

TEST(Artifacts, DirNamesAreSafe) {
  EXPECT_EQ(artifact_dir_name("boot-and-devdax", "plain"), "boot-and-devdax-plain");
  EXPECT_EQ(artifact_dir_name("x", "/home/me/bzImage"), "x-bzImage");
  EXPECT_EQ(artifact_dir_name("a b", "k"), "a_b-k");
}
