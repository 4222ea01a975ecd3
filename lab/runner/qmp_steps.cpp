#include "lab/runner/qmp_steps.h"

#include <algorithm>
#include <chrono>

#include "base/error.h"

namespace famlab::runner {

namespace {

using nlohmann::json;
using report::Status;
using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string nearest_command(const vm::QmpClient& qmp, const std::string& name) {
  std::string best;
  size_t best_d = SIZE_MAX;
  for (const auto& c : qmp.commands()) {
    size_t d = edit_distance(name, c);
    if (d < best_d) best_d = d, best = c;
  }
  return best_d <= std::max<size_t>(3, name.size() / 3) ? best : "";
}

// The step cannot talk QMP at all, or this QEMU lacks the command: the
// outcome says which (nullopt: go ahead).
std::optional<StepOutcome> unusable(const scenario::Step& step, const StepContext& ctx,
                                    const std::string& command) {
  StepOutcome out;
  out.result.name = step.name;
  out.result.action = scenario::action_name(step.action);
  if (!ctx.qmp) {
    out.result.status = Status::Failed;
    out.result.message = "QMP " + command + ": no QMP connection to this guest's QEMU" +
                         (ctx.qmp_problem.empty() ? std::string() : ": " + ctx.qmp_problem);
    return out;
  }
  if (ctx.qmp->has(command)) return std::nullopt;
  const std::string qemu = "QEMU " + (ctx.qmp->qemu_version().empty() ? "?" : ctx.qmp->qemu_version());
  if (commands_added_in_newer_qemu().count(command)) {
    out.result.status = Status::Skipped;
    out.result.message = qemu + " has no QMP command " + command + " (a newer QEMU has it)";
    return out;
  }
  std::string near = nearest_command(*ctx.qmp, command);
  out.result.status = Status::Failed;
  out.result.message = "QMP: " + qemu + " has no command '" + command + "'" +
                       (near.empty() ? std::string() : " (did you mean '" + near + "'?)");
  return out;
}

// QEMU's asynchronous events since the last step (they are in qmp.log as
// they come; the step that was running gets them in its data too).
json events_since(vm::QmpClient& qmp) {
  json out = json::array();
  for (const auto& e : qmp.take_events()) out.push_back(vm::to_json(e));
  return out;
}

std::string error_text(const vm::QmpReply& reply) {
  return reply.error->error_class + ": " + reply.error->desc;
}

}  // namespace

const std::set<std::string>& commands_added_in_newer_qemu() {
  static const std::set<std::string> commands = {"cxl-inject-poison",
                                                 "cxl-inject-uncorrectable-errors",
                                                 "cxl-inject-correctable-error",
                                                 "cxl-inject-general-media-event",
                                                 "cxl-inject-dram-event",
                                                 "cxl-inject-memory-module-event",
                                                 "cxl-add-dynamic-capacity",
                                                 "cxl-release-dynamic-capacity"};
  return commands;
}

std::string qom_path_of(const StepContext& ctx, const std::string& device) {
  for (const auto& d : ctx.qemu.vm.type3)
    if (d.id == device) return d.qom_path;
  throw Error("no type-3 device '" + device + "' in this guest's VM description");
}

std::string json_difference(const json& want, const json& got, const std::string& path) {
  const std::string here = path.empty() ? "the return value" : path;
  if (want.is_object()) {
    if (!got.is_object()) return here + " is " + got.dump() + ", not an object";
    for (const auto& [k, v] : want.items()) {
      if (!got.contains(k)) return here + " has no '" + k + "'";
      std::string d = json_difference(v, got[k], path.empty() ? k : path + "." + k);
      if (!d.empty()) return d;
    }
    return "";
  }
  if (want.is_array()) {
    if (!got.is_array() || got.size() != want.size())
      return here + " is " + got.dump() + ", expected " + std::to_string(want.size()) + " element(s)";
    for (size_t i = 0; i < want.size(); ++i) {
      std::string d = json_difference(want[i], got[i], path + "[" + std::to_string(i) + "]");
      if (!d.empty()) return d;
    }
    return "";
  }
  if (want != got) return here + " is " + got.dump() + ", expected " + want.dump();
  return "";
}

StepOutcome run_qmp_step(const scenario::Step& step, StepContext& ctx) {
  auto t0 = Clock::now();
  if (auto out = unusable(step, ctx, step.qmp_command)) return *out;
  StepOutcome out;
  auto& r = out.result;
  r.name = step.name;
  r.action = "qmp";
  json args = step.qmp_arguments;
  const std::string what = "QMP " + step.qmp_command;
  try {
    if (!step.device.empty()) args["path"] = qom_path_of(ctx, step.device);
  } catch (const Error& e) {
    r.status = Status::Failed;
    r.message = what + ": " + e.what();
    return out;
  }
  r.data = {{"command", step.qmp_command}, {"arguments", args}};
  try {
    vm::QmpReply reply = ctx.qmp->execute(step.qmp_command, args, std::min(step.timeout_s, ctx.time_left_s));
    r.data["reply"] = vm::to_json(reply);
    r.output = vm::to_json(reply).dump();
    r.status = Status::Passed;
    if (!reply.ok() && step.expect_error.empty()) {
      r.status = Status::Failed;
      r.message = what + " failed: " + error_text(reply);
    } else if (!reply.ok() && reply.error->error_class != step.expect_error) {
      r.status = Status::Failed;
      r.message = what + ": expected error " + step.expect_error + ", QEMU said " + error_text(reply);
    } else if (reply.ok() && !step.expect_error.empty()) {
      r.status = Status::Failed;
      r.message = what + ": expected error " + step.expect_error + ", but QEMU accepted it: " + r.output;
    } else if (reply.ok() && step.expect_return) {
      std::string d = json_difference(*step.expect_return, *reply.value);
      if (!d.empty()) {
        r.status = Status::Failed;
        r.message = what + ": " + d;
      }
    }
  } catch (const vm::QmpTransportError& e) {
    r.status = Status::Failed;
    r.message = what + ": " + e.what();
  }
  r.data["events"] = events_since(*ctx.qmp);
  r.seconds = since(t0);
  return out;
}

StepOutcome run_inject_poison(const scenario::Step& step, StepContext& ctx) {
  auto t0 = Clock::now();
  const std::string command = "cxl-inject-poison";
  if (auto out = unusable(step, ctx, command)) return *out;
  StepOutcome out;
  auto& r = out.result;
  r.name = step.name;
  r.action = "inject_poison";
  GuestMemory memory{&ctx.topology, ctx.region_base, ctx.famfs_maps,
                     [&ctx](const std::string& d) { return qom_path_of(ctx, d); }};
  std::vector<PoisonTarget> targets;
  try {
    targets = resolve_poison(step.poison, memory);
  } catch (const Error& e) {
    r.status = Status::Failed;
    r.message = "inject_poison: " + std::string(e.what());
    return out;
  }
  json injected = json::array(), replies = json::array();
  r.status = Status::Passed;
  for (auto& t : targets) {
    t.step = step.name;
    json args = {{"path", t.qom_path}, {"start", t.dpa}, {"length", t.length}};
    try {
      vm::QmpReply reply = ctx.qmp->execute(command, args, std::min(step.timeout_s, ctx.time_left_s));
      replies.push_back({{"arguments", args}, {"reply", vm::to_json(reply)}});
      if (!reply.ok()) {
        r.status = Status::Failed;
        r.message = command + " at " + t.describe() + " failed: " + error_text(reply);
        break;
      }
    } catch (const vm::QmpTransportError& e) {
      r.status = Status::Failed;
      r.message = command + " at " + t.describe() + ": " + e.what();
      break;
    }
    ctx.injected.push_back(t);
    injected.push_back(to_json(t));
    r.output += "poisoned " + t.describe() + " (" + t.named_as + ")\n";
  }
  r.data = {{"injected", injected}, {"qmp", replies}, {"events", events_since(*ctx.qmp)}};
  r.seconds = since(t0);
  return out;
}

}  // namespace famlab::runner
