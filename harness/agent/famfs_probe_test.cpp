#include "harness/agent/famfs_probe.h"

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

TEST(FamfsProbe, FilesAreCreatedWithTheirLayoutAndMappedBeforeTheMount) {
  FamfsProbeJob job;
  job.device = "/dev/dax0.0";
  job.tag = "unit-files-" + std::to_string(getpid());
  job.files = {{"simple", 6u << 20, 0, 0, false}, {"i3", 13u << 20, 3, 2u << 20, false}};
  std::vector<std::vector<std::string>> seen;
  auto fake = [&](const std::vector<std::string>& argv, double) {
    seen.push_back(argv);
    if (argv[1] == "getmap")
      return ToolResult{
          0, R"({"kind":"simple","chunk_size":0,"extents":[{"offset":10485760,"length":6291456}]})", false};
    if (argv[1] == "mount") return ToolResult{1, "famfs: mount refused", false};
    return ToolResult{0, "", false};
  };
  FamfsProbeResult r = run_famfs_probe(job, fake, {});
  EXPECT_FALSE(r.ok);
  using V = std::vector<std::string>;
  ASSERT_GE(seen.size(), 6u);
  EXPECT_EQ(seen[1], (V{"famfs", "creat", "--size", "6291456", "/dev/dax0.0", "/simple"}));
  EXPECT_EQ(seen[2], (V{"famfs", "getmap", "--json", "/dev/dax0.0", "/simple"}));
  EXPECT_EQ(seen[3], (V{"famfs", "creat", "--size", "13631488", "--strips", "3", "--chunk", "2097152",
                        "/dev/dax0.0", "/i3"}));
  EXPECT_EQ(seen[5][1], "mount");
  ASSERT_EQ(r.result.files.size(), 2u);
  EXPECT_EQ(r.result.files[0].map["extents"][0]["offset"], 10485760);
  EXPECT_EQ(r.result.files[1].seed, famlab::protocol::famfs_file_seed(1, 1));
  EXPECT_NE(r.result.setup_error.find("mount refused"), std::string::npos);
}

TEST(FamfsProbe, TheProbeIsOnePrefilledFileCopiedIn) {
  famlab::protocol::FamfsFile probe{"probe", 65536, 0, 0, true};
  EXPECT_EQ(famfs_create_command("/dev/dax0.0", probe, "/tmp/src"),
            (std::vector<std::string>{"famfs", "cp", "/dev/dax0.0", "/tmp/src", "/probe"}));
}

TEST(FamfsProbe, AGetmapWithoutJsonIsASetupError) {
  FamfsProbeJob job;
  job.device = "/dev/dax0.0";
  job.tag = "unit-nojson-" + std::to_string(getpid());
  job.files = {{"a", 4096, 0, 0, false}};
  auto fake = [&](const std::vector<std::string>& argv, double) {
    return ToolResult{0, argv[1] == "getmap" ? "no map here" : "", false};
  };
  FamfsProbeResult r = run_famfs_probe(job, fake, {});
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("famfs getmap --json /a printed no JSON"), std::string::npos) << r.error;
}
