#include "lab/mutate/patch_mutation.h"

#include <gtest/gtest.h>

#include <fstream>

#include "base/error.h"
#include "base/error_of.h"
#include "lab/common/paths.h"
#include "lab/kernel/kernel_recipe.h"

using namespace famlab;
using namespace famlab::mutate;
namespace fs = std::filesystem;

namespace {

// Two hunks in two files; "return 0;" is added twice, "int x;" is context.
const char* kPatch = R"(Subject: [PATCH] demo

+++ this prose line looks like a header but is before any hunk
---
--- a/fs/a.c
+++ b/fs/a.c
@@ -1,3 +1,5 @@
 int x;
+int y;
+	return 0;
+++counter;
 int z;
-int old;
--- a/fs/b.c
+++ b/fs/b.c
@@ -0,0 +1,2 @@
+	return 0;
+	if (len > max)
)";

Mutant mutant(const std::string& line, const std::string& replacement) {
  Mutant m;
  m.id = "m1";
  m.line = line;
  m.replacement = replacement;
  m.where = Location{"muts.toml", 7, 1};
  return m;
}

}  // namespace

TEST(HunkLines, KnowsAddedRemovedAndContextLinesAndTheirFiles) {
  auto lines = hunk_lines(kPatch);
  ASSERT_EQ(lines.size(), 8u);
  EXPECT_EQ(lines[0].kind, ' ');
  EXPECT_EQ(lines[0].text, "int x;");
  EXPECT_EQ(lines[0].file, "fs/a.c");
  EXPECT_EQ(lines[3].kind, '+');
  EXPECT_EQ(lines[3].text, "++counter;");  // an added line that starts with "++" is no header
  EXPECT_EQ(lines[5].kind, '-');
  EXPECT_EQ(lines[6].file, "fs/b.c");
  EXPECT_EQ(lines[7].number, 18);
}

TEST(PlantMutant, ReplacesExactlyTheOneAddedLineKeepingItsIndentation) {
  PlantedMutant p = plant_mutant(mutant("if (len > max)", "if (len >= max)"), kPatch, "demo.patch");
  EXPECT_EQ(p.patch_line, 18);
  EXPECT_EQ(p.old_line, "+\tif (len > max)");
  EXPECT_EQ(p.new_line, "+\tif (len >= max)");
  std::string want = kPatch;
  want.replace(want.find("+\tif (len > max)"), 16, "+\tif (len >= max)");
  EXPECT_EQ(p.patch_text, want);
  // A replacement with its own indentation is taken as it is.
  EXPECT_EQ(plant_mutant(mutant("int y;", "  int y = 1;"), kPatch, "demo.patch").new_line, "+  int y = 1;");
}

TEST(PlantMutant, NoMatchOrTwoMatchesIsAnErrorAtTheMutant) {
  std::string err = error_of([] { plant_mutant(mutant("return 0;", "return 1;"), kPatch, "demo.patch"); });
  EXPECT_NE(err.find("muts.toml:7:1: mutant m1: 'return 0;' is ambiguous: added lines 10, 17"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("say which with occurrence = N"), std::string::npos) << err;
  err = error_of([] { plant_mutant(mutant("return 2;", "return 1;"), kPatch, "demo.patch"); });
  EXPECT_NE(err.find("muts.toml:7:1: mutant m1: no added line of demo.patch reads 'return 2;'"),
            std::string::npos)
      << err;
  err = error_of([] { plant_mutant(mutant("int x;", "int x = 0;"), kPatch, "demo.patch"); });
  EXPECT_NE(err.find("line 8 has it as a context line"), std::string::npos) << err;
  err = error_of([] { plant_mutant(mutant("int old;", "int new;"), kPatch, "demo.patch"); });
  EXPECT_NE(err.find("as a removed line"), std::string::npos) << err;
}

TEST(PlantMutant, OccurrencePicksOneOfIdenticalAddedLines) {
  Mutant m = mutant("return 0;", "return 1;");
  m.occurrence = 2;
  PlantedMutant p = plant_mutant(m, kPatch, "demo.patch");
  EXPECT_EQ(p.patch_line, 17);
  EXPECT_EQ(p.new_line, "+\treturn 1;");
  m.occurrence = 3;
  std::string err = error_of([&] { plant_mutant(m, kPatch, "demo.patch"); });
  EXPECT_NE(err.find("occurrence 3 of 'return 0;', but demo.patch adds it only at line(s) 10, 17"),
            std::string::npos)
      << err;
  Mutant unique = mutant("int y;", "int y = 2;");
  unique.occurrence = 2;
  err = error_of([&] { plant_mutant(unique, kPatch, "demo.patch"); });
  EXPECT_NE(err.find("occurrence 2 of 'int y;', but demo.patch adds it only at line(s) 9"), std::string::npos)
      << err;
}

TEST(CheckAgainstSeries, PatchInTheSeriesAndNoLaterPatchRemovingTheLine) {
  RunDir dir{"famlab-series-"};
  fs::create_directories(dir.path() / "patches");
  std::ofstream(dir.path() / "patches/0001.patch") << kPatch;
  std::ofstream(dir.path() / "patches/0002.patch") << "--- a/fs/b.c\n+++ b/fs/b.c\n@@ -1,2 +1,3 @@\n \tif "
                                                      "(len > max)\n+\t\treturn -E2BIG;\n \treturn 0;\n";
  std::ofstream(dir.path() / "patches/0003.patch")
      << "--- a/fs/a.c\n+++ b/fs/a.c\n@@ -1,2 +1,1 @@\n-int y;\n int z;\n";
  std::vector<fs::path> series = {dir.path() / "patches/0001.patch", dir.path() / "patches/0002.patch",
                                  dir.path() / "patches/0003.patch"};
  MutationFile mf;
  Mutant removed = mutant("int y;", "int y = 1;");
  removed.patch = "patches/0001.patch";
  Mutant context = mutant("if (len > max)", "if (len >= max)");
  context.id = "m2";
  context.patch = "patches/0001.patch";
  Mutant elsewhere = mutant("int y;", "int y = 1;");
  elsewhere.id = "m3";
  elsewhere.patch = "patches/0009.patch";
  mf.mutants = {removed, context, elsewhere};
  auto diags = check_against_series(mf, dir.path(), series);
  ASSERT_EQ(diags.size(), 2u);
  EXPECT_NE(diags[0].message.find("mutant m1: a later patch removes the line (0003.patch line 4)"),
            std::string::npos)
      << diags[0].message;
  EXPECT_NE(diags[1].message.find("mutant m3: patches/0009.patch is not in the variant's series"),
            std::string::npos)
      << diags[1].message;

  // A later patch quoting the line as context gets the mutated line there.
  PlantedMutant planted;
  auto texts = plant_in_series(context, dir.path(), series, &planted);
  ASSERT_EQ(texts.size(), 2u);
  EXPECT_EQ(planted.patch_line, 18);
  EXPECT_NE(texts[series[0]].find("+\tif (len >= max)\n"), std::string::npos);
  EXPECT_EQ(
      texts[series[1]],
      "--- a/fs/b.c\n+++ b/fs/b.c\n@@ -1,2 +1,3 @@\n \tif (len >= max)\n+\t\treturn -E2BIG;\n \treturn 0;\n");
}

// The shipped mutation file against the shipped famfs series: every mutant
// plants into exactly one added line.
TEST(CheckAgainstSeries, TheShippedFamfsMutantsMatchTheirPatches) {
  fs::path root = FAMLAB_SOURCE_DIR;
  MutationFile mf = load_mutation_file(root / "kernel-config/mutations/famfs.toml");
  auto recipe = kernel::load_kernel_recipe(root);
  const auto& variant = kernel::find_variant(recipe, mf.variant);
  auto diags = check_against_series(mf, root / "kernel-config", variant.patches);
  std::string all;
  for (const auto& d : diags) all += d.str() + "\n";
  EXPECT_TRUE(diags.empty()) << all;
}
