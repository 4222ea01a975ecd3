#include "lab/runner/cold_confirmation.h"

#include <filesystem>

#include "base/small_file.h"
#include "lab/runner/snapshot_boot.h"

namespace famlab::runner {
namespace fs = std::filesystem;

namespace {

// RCU's words when a CPU's timer never fired (kernel/rcu/tree_stall.h).
constexpr const char* kLostTimer = "timer wakeup didn't happen";

bool says_a_timer_was_lost(const fs::path& kernel_log) {
  auto text = try_read_small_file(kernel_log);
  return text && text->find(kLostTimer) != std::string::npos;
}

// The guests' kernel logs: the scenario's own folder, or one folder per
// guest (an earlier run kept in first-run/ is not this run's).
bool kernel_log_says_a_timer_was_lost(const fs::path& artifacts) {
  std::error_code ec;
  if (artifacts.empty() || !fs::is_directory(artifacts, ec)) return false;
  if (says_a_timer_was_lost(artifacts / "dmesg.log")) return true;
  for (const auto& e : fs::directory_iterator(artifacts, ec))
    if (e.is_directory() && e.path().filename() != "first-run" &&
        says_a_timer_was_lost(e.path() / "dmesg.log"))
      return true;
  return false;
}

}  // namespace

std::string needs_a_cold_confirmation(const report::ScenarioResult& first) {
  if (std::string key = restored_snapshot(first); !key.empty())
    return "the guest was restored from snapshot " + key;
  for (const auto& step : first.steps)
    if (step.data.is_object() && step.data.value("guest_timers_stopped", false))
      return "the guest's timers stopped during step '" + step.name + "'";
  if (kernel_log_says_a_timer_was_lost(first.artifacts))
    return "the guest's kernel lost a timer interrupt (RCU: \"" + std::string(kLostTimer) + "\")";
  return "";
}

}  // namespace famlab::runner
