#include "famfs_probe.h"

#include <gtest/gtest.h>

#include <cstring>

#include "protocol/pattern.h"

using namespace famlab::agent;

TEST(FamfsProbe, ProbeBytesAreThePatternWords) {
  std::string b = famfs_probe_bytes(4096, 9);
  ASSERT_EQ(b.size(), 4096u);
  uint64_t w = 0;
  std::memcpy(&w, b.data() + 1024, 8);
  EXPECT_EQ(w, famlab::protocol::pattern_word(9, 1024));
  EXPECT_NE(famfs_probe_bytes(4096, 9), famfs_probe_bytes(4096, 10));
}

TEST(FamfsProbe, AFailingMkfsStopsWithTheCommandAndItsOutput) {
  FamfsProbeJob job;
  job.device = "/nonexistent/dax9.9";
  job.tag = "unit-" + std::to_string(getpid());
  job.probe_bytes = 4096;
  std::vector<std::vector<std::string>> seen;
  auto fake = [&](const std::vector<std::string>& argv, double) {
    seen.push_back(argv);
    return ToolResult{1, "famfs: /nonexistent/dax9.9: no such device", false};
  };
  FamfsProbeResult r = run_famfs_probe(job, fake, {});
  EXPECT_FALSE(r.ok);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0][1], "mkfs");
  EXPECT_NE(r.error.find("famfs mkfs --force /nonexistent/dax9.9 failed"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("no such device"), std::string::npos);
}
