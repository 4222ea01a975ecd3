#include "lab/scenario/scenario.h"

#include <algorithm>

#include "lab/common/kernel_flavour.h"

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
    {Action::Qmp, "qmp"},
    {Action::InjectPoison, "inject_poison"},
    {Action::PoisonList, "poison_list"},
    {Action::TraceEvents, "trace_events"},
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

namespace {

// A per-kernel table looked up for a kernel as run: its own name, then its
// variant (the flavour "famfs+debug" keeps famfs's expectations), then
// "default" when `use_default`.
std::optional<std::string> lookup(const std::map<std::string, std::string>& table, const std::string& kernel,
                                  bool use_default) {
  if (auto it = table.find(kernel); it != table.end()) return it->second;
  if (auto it = table.find(split_kernel_name(kernel).variant); it != table.end()) return it->second;
  if (use_default)
    if (auto it = table.find("default"); it != table.end()) return it->second;
  return std::nullopt;
}

}  // namespace

bool Scenario::applies_to(const std::string& kernel) const {
  auto named = [&](const std::string& k) {
    return std::find(kernels.begin(), kernels.end(), k) != kernels.end();
  };
  return kernels.empty() || named(kernel) || named(split_kernel_name(kernel).variant);
}

std::optional<std::string> Step::famfs_expected_on(const std::string& kernel) const {
  return lookup(expect_famfs, kernel, true);
}

std::optional<std::string> Step::data_expected_on(const std::string& kernel) const {
  return lookup(expect_data, kernel, true);
}

std::optional<std::string> Step::decided_by_expected_on(const std::string& kernel) const {
  return lookup(expect_decided_by, kernel, false);
}

}  // namespace famlab::scenario
