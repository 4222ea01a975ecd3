#include "harness/agent/tool_runner.h"

#include <gtest/gtest.h>

#include <chrono>

using namespace famlab::agent;

TEST(ToolRunner, CollectsOutputAndExitCode) {
  int idles = 0;
  ToolResult r = run_tool({"sh", "-c", "echo one; sleep 0.1; echo two >&2; exit 2"}, 10, [&] { ++idles; });
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.output.find("one\n"), std::string::npos);
  EXPECT_NE(r.output.find("two\n"), std::string::npos);
  EXPECT_GT(idles, 0);
}

TEST(ToolRunner, KillsAtTheDeadlineWithItsChildren) {
  auto t0 = std::chrono::steady_clock::now();
  ToolResult r = run_tool({"sh", "-c", "sleep 30 & sleep 30"}, 0.3);
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_TRUE(r.timed_out);
  EXPECT_LT(took, 5);
  EXPECT_EQ(command_line({"daxctl", "list"}), "daxctl list");
}
