#include "lab/scenario/scenario.h"

#include <algorithm>

namespace famlab::scenario {

namespace {
struct ActionName {
  Action action;
  const char* name;
};
constexpr ActionName kActionNames[] = {
    {Action::Bringup, "bringup"},
    {Action::Run, "run"},
    {Action::WritePattern, "write_pattern"},
    {Action::VerifyPattern, "verify_pattern"},
    {Action::CheckPlacement, "check_placement"},
    {Action::Dmesg, "dmesg"},
    {Action::FamfsMount, "famfs_mount"},
    {Action::Join, "join"},
    {Action::DaxMode, "dax_mode"},
    {Action::BackingChecksum, "backing_checksum"},
};
}  // namespace

std::string action_name(Action action) {
  for (const auto& a : kActionNames) {
    if (a.action == action) return a.name;
  }
  return "unknown";
}

std::optional<Action> action_from_name(const std::string& name) {
  for (const auto& a : kActionNames) {
    if (name == a.name) return a.action;
  }
  return std::nullopt;
}

const GuestSpec* Scenario::guest_of(const Step& step) const {
  if (step.guest.empty()) return guests.empty() ? nullptr : &guests.front();
  for (const auto& g : guests)
    if (g.name == step.guest) return &g;
  return nullptr;
}

bool Scenario::applies_to(const std::string& kernel) const {
  return kernels.empty() || std::find(kernels.begin(), kernels.end(), kernel) != kernels.end();
}

std::optional<std::string> Step::famfs_expected_on(const std::string& kernel) const {
  if (auto it = expect_famfs.find(kernel); it != expect_famfs.end()) return it->second;
  if (auto it = expect_famfs.find("default"); it != expect_famfs.end()) return it->second;
  return std::nullopt;
}

std::optional<std::string> Step::data_expected_on(const std::string& kernel) const {
  if (auto it = expect_data.find(kernel); it != expect_data.end()) return it->second;
  if (auto it = expect_data.find("default"); it != expect_data.end()) return it->second;
  return std::nullopt;
}

}  // namespace famlab::scenario
