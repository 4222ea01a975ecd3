#include "lab/mutate/matrix.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "lab/common/paths.h"
#include "lab/mutate/mutate.h"

using namespace famlab;
using namespace famlab::mutate;
namespace fs = std::filesystem;

namespace {

MutantRow row(const std::string& id, std::vector<Cell> cells, bool equivalent = false,
              Build build = Build::Built) {
  MutantRow r;
  r.mutant.id = id;
  r.mutant.klass = "interleave";
  r.mutant.bug = "bug of " + id + " | with a pipe";
  r.mutant.patch = "patches/common/0004.patch";
  r.mutant.line = "addr = a + b;";
  r.mutant.equivalent = equivalent;
  if (equivalent) r.mutant.reason = "same code";
  r.old_line = "+\taddr = a + b;";
  r.new_line = "+\taddr = a;";
  r.patch_line = 613;
  r.build = build;
  if (build == Build::Failed) r.build_message = "fs/fuse/famfs.c:613: error: 'b' undeclared";
  for (Cell c : cells) {
    CellResult cr;
    cr.cell = c;
    if (is_kill(c)) {
      cr.step = "files";
      cr.message = "i3: word 0x200000 differs";
    }
    r.cells.push_back(cr);
  }
  r.seconds = 100;
  return r;
}

Matrix sample() {
  Matrix m;
  m.variant = "famfs";
  m.mutation_file = "kernel-config/mutations/famfs.toml";
  m.scenarios = {"interleaved-reads-1way", "malformed-maps"};
  m.scenario_files = {"scenarios/a.toml", "scenarios/b.toml"};
  m.baseline = {CellResult(Cell::Survived), CellResult(Cell::Survived)};
  m.rows.push_back(row("killed-one", {Cell::Survived, Cell::Killed}));
  m.rows.push_back(row("boot-one", {Cell::BootFailure, Cell::BootFailure}));
  m.rows.push_back(row("survivor", {Cell::Survived, Cell::Survived}));
  m.rows.push_back(row("no-compile", {Cell::NotRun, Cell::NotRun}, false, Build::Failed));
  m.rows.push_back(row("equiv", {Cell::Survived, Cell::Survived}, true));
  m.rows.push_back(row("half", {Cell::Survived, Cell::Error}));
  m.started_at = "2025-01-01T00:00:00Z";
  return m;
}

}  // namespace

TEST(Score, KilledOverNonEquivalentMutantsThatBuiltAndRan) {
  Score s = score(sample());
  EXPECT_EQ(s.killed, 2);
  EXPECT_EQ(s.survived, 1);
  EXPECT_EQ(s.build_failures, 1);
  EXPECT_EQ(s.equivalent, 1);
  EXPECT_EQ(s.incomplete, 1);
  EXPECT_EQ(s.denominator(), 3);
  EXPECT_NEAR(s.percent(), 66.67, 0.01);
  EXPECT_EQ(score(Matrix{}).percent(), 0);
}

TEST(Score, AnEquivalentMutantThatWasKilledIsFlagged) {
  Matrix m = sample();
  m.rows[4].cells[1].cell = Cell::Killed;
  EXPECT_EQ(wrongly_equivalent(m), std::vector<std::string>{"equiv"});
  EXPECT_EQ(score(m).equivalent, 1);  // still outside the score
}

TEST(Matrix, TerminalShowsOneCharacterPerCellAndTheScore) {
  std::ostringstream out;
  print_matrix(sample(), out);
  std::string t = out.str();
  EXPECT_NE(t.find("   1 interleaved-reads-1way"), std::string::npos) << t;
  EXPECT_NE(t.find("killed-one  interleave  .K  killed"), std::string::npos) << t;
  EXPECT_NE(t.find("boot-one    interleave  BB  killed"), std::string::npos) << t;
  EXPECT_NE(t.find("no-compile  interleave  CC  build-failure"), std::string::npos) << t;
  EXPECT_NE(t.find("equiv       interleave  ..  survived (equivalent)"), std::string::npos) << t;
  EXPECT_NE(t.find("half        interleave  .E  incomplete"), std::string::npos) << t;
  EXPECT_NE(t.find("score: 2/3 killed = 66.7%"), std::string::npos) << t;
  EXPECT_NE(t.find("[partial]"), std::string::npos) << t;
}

TEST(Matrix, JsonHasEveryCellWithItsReasonAndTheScore) {
  auto j = to_json(sample());
  EXPECT_EQ(j["variant"], "famfs");
  EXPECT_EQ(j["score"]["killed"], 2);
  EXPECT_EQ(j["score"]["denominator"], 3);
  EXPECT_EQ(j["mutants"].size(), 6u);
  auto& k = j["mutants"][0];
  EXPECT_EQ(k["verdict"], "killed");
  EXPECT_EQ(k["patch_line"], 613);
  EXPECT_EQ(k["cells"]["malformed-maps"]["outcome"], "killed");
  EXPECT_EQ(k["cells"]["malformed-maps"]["step"], "files");
  EXPECT_EQ(k["cells"]["malformed-maps"]["message"], "i3: word 0x200000 differs");
  EXPECT_EQ(j["mutants"][3]["build"], "failed");
  EXPECT_EQ(j["mutants"][4]["reason"], "same code");
  EXPECT_EQ(j["baseline"]["interleaved-reads-1way"]["outcome"], "survived");
}

TEST(Matrix, MarkdownTableAndWhyEachMutantWasKilled) {
  std::string md = to_markdown(sample());
  EXPECT_NE(md.find("**Score: 2/3 = 66.7 %**"), std::string::npos) << md;
  EXPECT_NE(md.find("| `killed-one` | interleave | killed | . | K |"), std::string::npos) << md;
  EXPECT_NE(md.find("bug of killed-one \\| with a pipe"), std::string::npos) << md;  // table-safe
  EXPECT_NE(md.find("- killed by `malformed-maps`, step `files`: i3: word 0x200000 differs"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("- no scenario noticed it (2 passed)"), std::string::npos) << md;
  EXPECT_NE(md.find("- error by `malformed-maps`"), std::string::npos) << md;
  Matrix m = sample();
  m.rows[5].cells[1].cell = Cell::NotRun;  // interrupted before its second scenario
  md = to_markdown(m);
  EXPECT_NE(md.find("- no kill yet: 1 of 2 scenario(s) ran and passed"), std::string::npos) << md;
  EXPECT_NE(md.find("Does not compile"), std::string::npos) << md;
  EXPECT_NE(md.find("```diff\n-+\taddr = a + b;\n++\taddr = a;\n```"), std::string::npos) << md;
}

TEST(Matrix, WriteReportsLeavesBothFilesWhole) {
  RunDir dir{"famlab-mutreport-"};
  write_reports(sample(), dir.path() / "out");
  std::ifstream j(dir.path() / "out" / "mutate-report.json");
  auto parsed = nlohmann::json::parse(j);
  EXPECT_EQ(parsed["tool"], "famlab mutate");
  EXPECT_TRUE(fs::is_regular_file(dir.path() / "out" / "mutate-report.md"));
  for (const auto& e : fs::directory_iterator(dir.path() / "out"))
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();
}

TEST(CompileFailure, CompilerAndLinkerErrorsAreTheMutantsOthersAreNot) {
  EXPECT_TRUE(is_compile_failure(
      "kernel famfs: kernel build failed (build-kernel.sh exit 2); full log: /nonexistent\n"
      "../src/fs/fuse/famfs.c:613:9: error: 'within' undeclared"));
  EXPECT_TRUE(is_compile_failure("ld: vmlinux.o: in function `f': undefined reference to `g'"));
  EXPECT_FALSE(
      is_compile_failure("kernel famfs: kernel build failed (build-kernel.sh exit 3); patch does not apply"));
  EXPECT_FALSE(is_compile_failure("linux-source-6.12 is not installed"));
  // The whole log counts, not only the tail the error shows.
  RunDir dir{"famlab-buildlog-"};
  std::ofstream(dir.path() / "build.log") << "x.c:1:1: error: boom\n" << std::string(40, '\n');
  EXPECT_TRUE(is_compile_failure("kernel build failed; full log: " + (dir.path() / "build.log").string() +
                                 "\nmake: *** Error 2"));
}
