#include "lab/runner/output_artifacts.h"

#include <gtest/gtest.h>

#include "base/small_file.h"
#include "lab/common/paths.h"

namespace famlab::runner {
namespace {

TEST(OutputArtifacts, BlocksBecomeFilesAndTheRestIsIgnored) {
  std::string output =
      "fuzz-open: saved /tmp/s/fmap-1-2.fmap\n"
      "famlab-artifact-begin fmap-1-2.fmap\n"
      "famfs-saved-fmap 1\n"
      "\n"
      "reply 00ff\n"
      "famlab-artifact-end fmap-1-2.fmap\n"
      "other output\n"
      "famlab-artifact-begin b.txt\r\n"
      "famlab-artifact-end b.txt\r\n";
  OutputArtifacts a = find_output_artifacts(output);
  EXPECT_TRUE(a.problems.empty());
  ASSERT_EQ(a.files.size(), 2u);
  EXPECT_EQ(a.files[0].name, "fmap-1-2.fmap");
  EXPECT_EQ(a.files[0].text, "famfs-saved-fmap 1\n\nreply 00ff\n");
  EXPECT_EQ(a.files[1].name, "b.txt");
  EXPECT_EQ(a.files[1].text, "");

  RunDir dir("famlab-artifacts-test-");
  auto written = write_output_artifacts(dir.path() / "step-fuzz", a.files);
  ASSERT_EQ(written.size(), 2u);
  EXPECT_EQ(read_small_file(written[0]), a.files[0].text);
}

TEST(OutputArtifacts, BadBlocksAreProblemsNotFiles) {
  OutputArtifacts a = find_output_artifacts(
      "famlab-artifact-begin ../etc/passwd\nx\nfamlab-artifact-end ../etc/passwd\n"
      "famlab-artifact-begin .hidden\nfamlab-artifact-end .hidden\n"
      "famlab-artifact-begin a\nfamlab-artifact-end a\n"
      "famlab-artifact-begin a\nfamlab-artifact-end a\n"
      "famlab-artifact-begin cut\nno end\n");
  ASSERT_EQ(a.files.size(), 1u);
  EXPECT_EQ(a.files[0].name, "a");
  ASSERT_EQ(a.problems.size(), 4u);
  EXPECT_EQ(a.problems[0],
            "artifact '../etc/passwd': not a plain file name ([A-Za-z0-9._-], no leading dot)");
  EXPECT_EQ(a.problems[2], "artifact 'a' given twice");
  EXPECT_EQ(a.problems[3], "artifact 'cut' has no end line (famlab-artifact-end cut)");
}

}  // namespace
}  // namespace famlab::runner
