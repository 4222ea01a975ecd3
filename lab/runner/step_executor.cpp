#include "lab/runner/step_executor.h"

#include <algorithm>
#include <chrono>
#include <regex>

#include "base/error.h"
#include "lab/common/hash.h"
#include "lab/runner/famfs_judge.h"
#include "lab/runner/placement_check.h"
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

std::vector<protocol::FamfsFile> request_files(const scenario::Step& step) {
  std::vector<protocol::FamfsFile> files;
  for (const auto& f : step.files) files.push_back({f.name, f.size, f.strips, f.chunk, false});
  return files;
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
      case Action::Bringup:
        protocol::decode_bringup_result(call.finished.result);
        break;
      case Action::Dmesg:
        protocol::decode_dmesg_result(call.finished.result);
        break;
      case Action::FamfsMount: {
        auto mounted = protocol::decode_famfs_mount_result(call.finished.result);
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
      case Action::CheckPlacement:
      case Action::Join:
      case Action::BackingChecksum:
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
  if (scenario_first &&
      (call.outcome == vm::Outcome::Timeout || (call.outcome == vm::Outcome::Finished && !call.finished.ok &&
                                                call.finished.error.starts_with("timed out")))) {
    out.scenario_timeout = true;
    out.result.status = Status::Failed;
    out.result.message = "the scenario's timeout ran out during the step";
  }
  if (out.vm_alive) judge_result(step, ctx, call, out);
  judge_output(step, out);
  fail_on_splats(out);
  return out;
}

}  // namespace famlab::runner
