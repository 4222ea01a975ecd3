#include "lab/mutate/outcome.h"

#include <gtest/gtest.h>

using namespace famlab;
using namespace famlab::mutate;
using report::Status;

namespace {

report::StepResult step(const std::string& name, const std::string& action, Status st,
                        const std::string& msg = "") {
  report::StepResult s;
  s.name = name;
  s.action = action;
  s.status = st;
  s.message = msg;
  return s;
}

report::ScenarioResult scenario(Status st, std::vector<report::StepResult> steps,
                                const std::string& msg = "") {
  report::ScenarioResult r;
  r.name = "interleaved-reads-1way";
  r.status = st;
  r.message = msg;
  r.seconds = 42;
  r.artifacts = "/tmp/x/interleaved-reads-1way-famfs";
  r.steps = std::move(steps);
  return r;
}

}  // namespace

TEST(Classify, APassIsASurvival) {
  CellResult c = classify(scenario(Status::Passed, {step("boot", "boot", Status::Passed)}));
  EXPECT_EQ(c.cell, Cell::Survived);
  EXPECT_TRUE(c.message.empty());
  EXPECT_EQ(c.seconds, 42);
  EXPECT_EQ(c.artifacts, "/tmp/x/interleaved-reads-1way-famfs");
}

TEST(Classify, AFailedStepKillsAndSaysWhichStepAndWhy) {
  CellResult c = classify(scenario(Status::Failed,
                                   {step("boot", "boot", Status::Passed),
                                    step("files", "famfs_mount", Status::Failed, "i3: word 0x200000 differs"),
                                    step("after", "run", Status::Skipped, "an earlier step failed")},
                                   "files: i3: word 0x200000 differs"));
  EXPECT_EQ(c.cell, Cell::Killed);
  EXPECT_EQ(c.step, "files");
  EXPECT_EQ(c.message, "i3: word 0x200000 differs");
}

TEST(Classify, AKernelThatNeverBootsIsABootFailureAndAKill) {
  CellResult c = classify(
      scenario(Status::Failed, {step("boot", "boot", Status::Failed, "panic: Kernel panic - not syncing")}));
  EXPECT_EQ(c.cell, Cell::BootFailure);
  EXPECT_TRUE(is_kill(c.cell));
  EXPECT_EQ(c.step, "boot");
}

TEST(Classify, FamlabsOwnTroubleIsNoVerdict) {
  // QEMU refusing its arguments, an image that cannot be built, an interrupt:
  // the runner reports Error, which must never count as a kill.
  CellResult c =
      classify(scenario(Status::Error, {step("boot", "boot", Status::Error, "qemu: cannot open")}));
  EXPECT_EQ(c.cell, Cell::Error);
  EXPECT_FALSE(is_kill(c.cell));
  EXPECT_FALSE(is_verdict(c.cell));
  c = classify(scenario(Status::Error, {}, "kernel famfs: build failed"));
  EXPECT_EQ(c.cell, Cell::Error);
  EXPECT_EQ(c.message, "kernel famfs: build failed");
  EXPECT_EQ(classify(scenario(Status::Skipped, {}, "not run: interrupted")).cell, Cell::NotRun);
}

TEST(Verdict, AnyKillKillsAllPassesSurviveGapsAreIncomplete) {
  CellResult k(Cell::Killed), s(Cell::Survived), e(Cell::Error), n(Cell::NotRun), b(Cell::BootFailure);
  EXPECT_EQ(verdict_of(true, {s, k, e}), Verdict::Killed);
  EXPECT_EQ(verdict_of(true, {n, b}), Verdict::Killed);
  EXPECT_EQ(verdict_of(true, {s, s}), Verdict::Survived);
  EXPECT_EQ(verdict_of(true, {s, e}), Verdict::Incomplete);
  EXPECT_EQ(verdict_of(true, {s, n}), Verdict::Incomplete);
  EXPECT_EQ(verdict_of(true, {}), Verdict::Incomplete);
  EXPECT_EQ(verdict_of(false, {k}), Verdict::BuildFailure);
}

TEST(CellNames, RoundTrip) {
  for (Cell c : {Cell::Killed, Cell::BootFailure, Cell::Survived, Cell::Error, Cell::NotRun})
    EXPECT_EQ(cell_from_string(to_string(c)), c);
  EXPECT_FALSE(cell_from_string("maybe"));
}
