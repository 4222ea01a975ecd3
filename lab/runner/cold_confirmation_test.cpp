#include "lab/runner/cold_confirmation.h"

#include <gtest/gtest.h>

#include <fstream>

#include "lab/common/paths.h"

namespace famlab::runner {
namespace {

namespace fs = std::filesystem;

report::StepResult step(const std::string& name, const std::string& action, nlohmann::json data = {}) {
  report::StepResult s;
  s.name = name;
  s.action = action;
  s.data = std::move(data);
  return s;
}

TEST(ColdConfirmation, AColdRunThatFailedPlainlyStands) {
  report::ScenarioResult r;
  r.steps = {step("boot", "boot", {{"snapshot", {{"cold", "no snapshot yet"}, {"taken", "deda46ae700a"}}}}),
             step("write", "write_pattern", {{"mismatches", 3}})};
  EXPECT_EQ(needs_a_cold_confirmation(r), "");
}

TEST(ColdConfirmation, ARestoredGuestIsConfirmedCold) {
  report::ScenarioResult r;
  r.steps = {step("boot", "boot", {{"snapshot", {{"restored", "deda46ae700a"}}}})};
  EXPECT_EQ(needs_a_cold_confirmation(r), "the guest was restored from snapshot deda46ae700a");
}

TEST(ColdConfirmation, AGuestWhoseAgentMissedItsOwnDeadlineIsConfirmedCold) {
  report::ScenarioResult r;
  r.steps = {step("boot", "boot"), step("recovered", "run", {{"guest_timers_stopped", true}})};
  EXPECT_EQ(needs_a_cold_confirmation(r), "the guest's timers stopped during step 'recovered'");
}

TEST(ColdConfirmation, RcuSayingATimerWakeupDidNotHappenIsReadFromEveryGuestsKernelLog) {
  RunDir dir{"famlab-cold-confirmation-"};
  report::ScenarioResult r;
  r.artifacts = dir.path();
  fs::create_directories(dir.path() / "b");
  std::ofstream(dir.path() / "b" / "dmesg.log")
      << "[   22.9] rcu: INFO: rcu_sched detected stalls on CPUs/tasks:\n";
  EXPECT_EQ(needs_a_cold_confirmation(r), "");
  std::ofstream(dir.path() / "b" / "dmesg.log", std::ios::app)
      << "[   22.9] rcu: rcu_sched kthread timer wakeup didn't happen for 5251 jiffies! g-887\n";
  EXPECT_NE(needs_a_cold_confirmation(r).find("lost a timer interrupt"), std::string::npos);
  // A confirmed run's own first run is not read again.
  fs::create_directories(dir.path() / "first-run");
  fs::rename(dir.path() / "b" / "dmesg.log", dir.path() / "first-run" / "dmesg.log");
  EXPECT_EQ(needs_a_cold_confirmation(r), "");
  fs::copy_file(dir.path() / "first-run" / "dmesg.log", dir.path() / "dmesg.log");
  EXPECT_NE(needs_a_cold_confirmation(r), "");
}

}  // namespace
}  // namespace famlab::runner
