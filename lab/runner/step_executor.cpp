#include "lab/runner/step_executor.h"

#include <algorithm>
#include <chrono>
#include <regex>

#include "base/error.h"
#include "famfs/format/file_map_json.h"
#include "lab/common/hash.h"
#include "lab/runner/famfs_judge.h"
#include "lab/runner/fault_judge.h"
#include "lab/runner/output_artifacts.h"
#include "lab/runner/placement_check.h"
#include "lab/runner/qmp_steps.h"
#include "protocol/famfs_file.h"
#include "protocol/results.h"

namespace famlab::runner {
namespace {

using report::Status;
using scenario::Action;

// Copies a guest call's result into the step, failing it when the VM did
// not answer or the kernel complained.
void absorb_call(const vm::CallResult& call, StepOutcome& out) {
  auto& r = out.result;
  r.seconds = call.seconds;
  r.output = call.output;
  for (const auto& s : call.splats) r.splats.push_back({s.kind, s.title, s.text});
  if (call.outcome != vm::Outcome::Finished) {
    r.status = Status::Failed;
    r.message = std::string(vm::to_string(call.outcome)) + ": " + call.detail;
    out.vm_alive = false;
    out.interrupted = call.outcome == vm::Outcome::Interrupted;
    if (out.interrupted) r.status = Status::Error;
    return;
  }
  r.data = call.finished.result;
  r.status = call.finished.ok ? Status::Passed : Status::Failed;
  if (!call.finished.ok)
    r.message = call.finished.error.empty() ? "the agent reported failure" : call.finished.error;
}

// After the agent missed its own deadline: whether it still answers. An
// agent that answers at once while its own timer never fired runs in a guest
// whose timer interrupts stopped (seen under TCG, rarely, cold and restored
// alike); one that does not answer is stuck in the kernel.
bool agent_answers(vm::GuestSession& session) {
  protocol::Request probe;
  probe.op = protocol::Op::Exec;
  probe.argv = {"true"};
  probe.timeout_s = 5;
  vm::CallResult r = session.call(probe, 5);
  return r.outcome == vm::Outcome::Finished && r.finished.ok;
}

void fail_on_splats(StepOutcome& out) {
  auto& r = out.result;
  if (r.splats.empty() || r.status != Status::Passed) return;
  r.status = Status::Failed;
  r.message = "kernel " + r.splats.front().kind + " during the step: " + r.splats.front().title;
}

void judge_exit(const scenario::Step& step, const vm::CallResult& call, StepOutcome& out) {
  auto& r = out.result;
  if (r.status != Status::Passed) return;
  int code = call.finished.exit_code;
  r.data = {{"exit", code}};
  if (code != step.expect_exit) {
    r.status = Status::Failed;
    r.message = "exit status " + std::to_string(code) + ", expected " + std::to_string(step.expect_exit);
  }
}

// expect_output / reject_output apply to any step with guest output (run,
// dmesg).
void judge_output(const scenario::Step& step, StepOutcome& out) {
  auto& r = out.result;
  if (r.status != Status::Passed) return;
  for (const auto& re : step.expect_output) {
    if (!std::regex_search(r.output, std::regex(re))) {
      r.status = Status::Failed;
      r.message = "output does not match /" + re + "/";
      return;
    }
  }
  for (const auto& re : step.reject_output) {
    std::smatch m;
    if (std::regex_search(r.output, m, std::regex(re))) {
      r.status = Status::Failed;
      r.message = "output matches rejected /" + re + "/: '" + m.str() + "'";
      return;
    }
  }
}

// Artifact blocks in a run step's output become files in the guest's
// artifacts, <artifacts>/<step>/NAME; the step's data lists them. A block
// that cannot be kept fails the step (a guest tool's mistake, said as such).
void keep_output_artifacts(const scenario::Step& step, const StepContext& ctx, StepOutcome& out) {
  auto& r = out.result;
  OutputArtifacts found = find_output_artifacts(r.output);
  if (found.files.empty() && found.problems.empty()) return;
  nlohmann::json kept = nlohmann::json::array();
  try {
    if (!ctx.artifacts.empty())
      for (const auto& path : write_output_artifacts(ctx.artifacts / step.name, found.files))
        kept.push_back((std::filesystem::path(step.name) / path.filename()).string());
  } catch (const Error& e) {
    found.problems.push_back(e.what());
  }
  if (!r.data.is_object()) r.data = nlohmann::json::object();
  r.data["artifacts"] = kept;
  if (!found.problems.empty() && r.status == Status::Passed) {
    r.status = Status::Failed;
    r.message = "output artifacts: " + found.problems.front();
  }
}

std::vector<protocol::FamfsFile> request_files(const scenario::Step& step) {
  std::vector<protocol::FamfsFile> files;
  for (const auto& f : step.files) files.push_back({f.name, f.size, f.strips, f.chunk, false, f.extents});
  return files;
}

// What the host knows of the guest's memory, for judging what the guest
// reports (no QOM paths needed: nothing is injected here).
GuestMemory guest_memory(const StepContext& ctx) {
  return {&ctx.topology, ctx.region_base, ctx.famfs_maps, {}};
}

// The maps famfs gave the files: later poison steps name file offsets.
void remember_famfs_maps(const scenario::Step& step, const protocol::FamfsMountResult& result,
                         StepContext& ctx) {
  auto& maps = ctx.famfs_maps[step.region];
  maps.clear();
  for (const auto& f : result.files) {
    if (f.map.is_null()) continue;
    try {
      maps[f.name] = famfs::format::file_map_from_json(f.map);
    } catch (const Error&) {
      // A malformed map is the famfs judge's to report; poison steps then
      // say the file has no map.
    }
  }
}

// The poison list against the step's expect_poison (resolved now, with
// what the host knows of the guest's memory), else against what was
// injected.
void judge_poison_list(const StepContext& ctx, const scenario::Step& step,
                       const protocol::PoisonListResult& list, report::StepResult& r) {
  std::vector<PoisonTarget> expected;
  if (step.expect_poison) {
    try {
      for (const auto& spot : *step.expect_poison)
        for (auto& t : resolve_poison(spot, guest_memory(ctx))) expected.push_back(std::move(t));
    } catch (const Error& e) {
      r.status = Status::Failed;
      r.message = std::string("expect_poison: ") + e.what();
      return;
    }
  } else {
    expected = ctx.injected;
  }
  runner::judge_poison_list(expected, list, ctx.topology, r);
}

// Reads the agent's typed result for the step's action and judges it. A
// result that does not decode is the agent's fault, said as such.
void judge_result(const scenario::Step& step, StepContext& ctx, const vm::CallResult& call,
                  StepOutcome& out) {
  auto& r = out.result;
  try {
    switch (step.action) {
      case Action::Run:
        judge_exit(step, call, out);
        break;
      case Action::WritePattern:
      case Action::VerifyPattern: {
        protocol::PatternResult p = protocol::decode_pattern_result(call.finished.result);
        if (step.action == Action::WritePattern && r.status == Status::Passed)
          ctx.written[step.region] = {step.bytes, step.seed};
        if (step.action == Action::VerifyPattern && r.status == Status::Passed && p.mismatches != 0) {
          r.status = Status::Failed;
          r.message =
              "read back " + std::to_string(p.mismatches) + " words that differ from what was written";
        }
        break;
      }
      case Action::Bringup: {
        // Where the guest put each region: HPAs the poison steps expect.
        for (const auto& region : protocol::decode_bringup_result(call.finished.result).view.regions)
          ctx.region_base[region.index] = region.resource;
        break;
      }
      case Action::Dmesg:
        protocol::decode_dmesg_result(call.finished.result);
        break;
      case Action::FamfsMount: {
        auto mounted = protocol::decode_famfs_mount_result(call.finished.result);
        remember_famfs_maps(step, mounted, ctx);
        judge_famfs_mount(step, ctx.kernel, {ctx.topology, ctx.qemu.backing}, mounted, r);
        if (!step.expect_same_maps_as.empty()) {
          const report::StepResult* master = ctx.earlier ? ctx.earlier(step.expect_same_maps_as) : nullptr;
          judge_same_maps(step, master, mounted, r);
        }
        break;
      }
      case Action::DaxMode:
        protocol::decode_dax_mode_change(call.finished.result);
        break;
      case Action::PoisonList:
        judge_poison_list(ctx, step, protocol::decode_poison_list_result(call.finished.result), r);
        break;
      case Action::TraceEvents:
        judge_trace_events(step, guest_memory(ctx),
                           protocol::decode_trace_events_result(call.finished.result), r);
        break;
      case Action::CheckPlacement:
      case Action::Join:
      case Action::BackingChecksum:
      case Action::Qmp:
      case Action::InjectPoison:
        break;  // host side, never reaches the agent
    }
  } catch (const std::invalid_argument& e) {
    r.status = Status::Failed;
    r.message = std::string("the agent's ") + scenario::action_name(step.action) +
                " result is malformed: " + e.what();
  }
}
// sha256 of every type-3 backing file of the guest (a shared device's file
// is the one every guest maps); with expect_same_as, each must still be what
// that earlier step found.
report::StepResult checksum_backing(const scenario::Step& step, StepContext& ctx) {
  report::StepResult r;
  r.name = step.name;
  r.action = scenario::action_name(step.action);
  auto t0 = std::chrono::steady_clock::now();
  nlohmann::json files = nlohmann::json::object();
  try {
    for (const auto& b : ctx.qemu.backing) files[b.file.string()] = Hasher().add_file(b.file).hex();
  } catch (const Error& e) {
    r.status = Status::Failed;
    r.message = e.what();
    return r;
  }
  r.data = {{"sha256", files}};
  r.status = files.empty() ? Status::Failed : Status::Passed;
  if (files.empty()) r.message = "the guest has no file-backed memory to checksum";
  for (auto& [file, sum] : files.items()) r.output += sum.get<std::string>() + "  " + file + "\n";
  if (r.status == Status::Passed && !step.expect_same_as.empty()) {
    const report::StepResult* before = ctx.earlier ? ctx.earlier(step.expect_same_as) : nullptr;
    std::string changed;
    if (!before || !before->data.contains("sha256")) {
      r.status = Status::Failed;
      r.message = "step '" + step.expect_same_as + "' left no checksums to compare with";
    } else {
      for (auto& [file, sum] : files.items()) {
        auto was = before->data["sha256"].find(file);
        if (was == before->data["sha256"].end() || *was != sum)
          changed += (changed.empty() ? "" : ", ") + file;
      }
      if (!changed.empty()) {
        r.status = Status::Failed;
        r.message = "changed since step '" + step.expect_same_as + "': " + changed;
      }
    }
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace

StepOutcome execute_step(const scenario::Step& step, StepContext& ctx) {
  StepOutcome out;
  out.result.name = step.name;
  out.result.action = scenario::action_name(step.action);
  protocol::Request req;
  switch (step.action) {
    case Action::Bringup:
      req.op = protocol::Op::Bringup;
      req.plan = ctx.guest_plan;
      break;
    case Action::Run:
      req.op = protocol::Op::Exec;
      req.shell = step.command;
      req.timeout_s = std::min(step.timeout_s, ctx.time_left_s);
      break;
    case Action::WritePattern:
    case Action::VerifyPattern:
      req.op = step.action == Action::WritePattern ? protocol::Op::WritePattern : protocol::Op::VerifyPattern;
      req.region = step.region;
      req.bytes = step.bytes;
      req.seed = step.seed;
      req.timeout_s = step.timeout_s;
      break;
    case Action::Dmesg:
      req.op = protocol::Op::Dmesg;
      break;
    case Action::DaxMode:
      req.op = protocol::Op::DaxMode;
      req.region = step.region;
      req.dax_mode = step.dax_mode;
      break;
    case Action::BackingChecksum:
      out.result = checksum_backing(step, ctx);
      return out;
    case Action::FamfsMount:
      req.op = protocol::Op::FamfsMount;
      req.famfs_role = step.famfs_role;
      req.region = step.region;
      req.bytes = step.bytes;
      req.seed = step.seed;
      req.famfs_args = step.famfs_args;
      req.famfs_files = request_files(step);
      req.timeout_s = step.timeout_s;
      break;
    case Action::Join:
      out.result.status = Status::Error;
      out.result.message = "a join step is the step loop's to run";
      return out;
    case Action::Qmp:
    case Action::InjectPoison: {
      out = step.action == Action::Qmp ? run_qmp_step(step, ctx) : run_inject_poison(step, ctx);
      // What the guest kernel said meanwhile: a splat an injection caused
      // right away fails this step.
      vm::CallResult idle = ctx.session.idle_check();
      for (const auto& s : idle.splats) out.result.splats.push_back({s.kind, s.title, s.text});
      if (idle.outcome != vm::Outcome::Finished) {
        out.vm_alive = false;
        out.result.status = Status::Failed;
        out.result.message = std::string(vm::to_string(idle.outcome)) + " after the step: " + idle.detail;
      }
      judge_output(step, out);
      fail_on_splats(out);
      return out;
    }
    case Action::PoisonList:
      req.op = protocol::Op::PoisonList;
      req.timeout_s = step.timeout_s;
      break;
    case Action::TraceEvents:
      req.op = protocol::Op::TraceEvents;
      req.trace_events = trace_events_of(step);
      req.await_events = awaited_events_of(step);
      req.timeout_s = std::min(step.timeout_s, ctx.time_left_s);
      break;
    case Action::CheckPlacement: {
      auto t0 = std::chrono::steady_clock::now();
      auto it = ctx.written.find(step.region);
      if (it == ctx.written.end()) {
        out.result.status = Status::Failed;
        out.result.message = "no write_pattern step wrote region " + std::to_string(step.region) + " before";
        return out;
      }
      try {
        PlacementReport rep =
            check_placement(ctx.topology, ctx.qemu.backing, step.region, it->second.first, it->second.second);
        out.result.output = rep.summary();
        out.result.data = {
            {"granules", rep.granules_checked}, {"words", rep.words_checked}, {"misplaced", rep.mismatches}};
        out.result.status = rep.mismatches == 0 && rep.words_checked > 0 ? Status::Passed : Status::Failed;
        if (rep.mismatches) out.result.message = rep.summary();
        if (rep.words_checked == 0) out.result.message = "nothing to check";
      } catch (const Error& e) {
        out.result.status = Status::Failed;
        out.result.message = e.what();
      }
      out.result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      return out;
    }
  }
  // A step's own timeout bounds the guest's work; give the reply a margin.
  // The scenario's deadline bounds both.
  const double margin = 15;
  const bool scenario_first = ctx.time_left_s < step.timeout_s + margin;
  vm::CallResult call =
      ctx.session.call(req, std::max(0.0, std::min(step.timeout_s + margin, ctx.time_left_s)));
  absorb_call(call, out);
  if (call.outcome == vm::Outcome::Timeout && !scenario_first && agent_answers(ctx.session)) {
    out.result.data["guest_timers_stopped"] = true;
    out.result.message += ": the guest's timers stopped (its agent answers at once, but its own " +
                          std::to_string(static_cast<int>(step.timeout_s)) + " s deadline never fired)";
  }
  if (scenario_first &&
      (call.outcome == vm::Outcome::Timeout || (call.outcome == vm::Outcome::Finished && !call.finished.ok &&
                                                call.finished.error.starts_with("timed out")))) {
    out.scenario_timeout = true;
    out.result.status = Status::Failed;
    out.result.message = "the scenario's timeout ran out during the step";
  }
  if (out.vm_alive) judge_result(step, ctx, call, out);
  if (step.action == Action::Run) keep_output_artifacts(step, ctx, out);
  judge_output(step, out);
  fail_on_splats(out);
  return out;
}

}  // namespace famlab::runner
