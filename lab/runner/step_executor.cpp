#include "lab/runner/step_executor.h"

#include <algorithm>
#include <chrono>
#include <regex>

#include "base/error.h"
#include "lab/runner/famfs_judge.h"
#include "lab/runner/placement_check.h"
#include "protocol/famfs_file.h"

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

// What the guest saw of famfs: "on"/"off" from the kernel's own report
// (patched kernels), otherwise "not-offered" or "off" from the server.
std::string famfs_observed(const nlohmann::json& result) {
  const auto& st = result.value("status", nlohmann::json::object());
  if (result.value("kernel_report", false)) return result.value("famfs_enabled", false) ? "on" : "off";
  return st.value("dax_fmap_offered", false) ? "off" : "not-offered";
}

std::string cap_line(const nlohmann::json& cred, const char* cap) {
  const auto& c = cred.value(cap, nlohmann::json::object());
  auto bit = [&](const char* k) { return c.value(k, false) ? "1" : "0"; };
  return std::string(cap) + " eff=" + bit("effective") + " perm=" + bit("permitted") +
         " bnd=" + bit("bounding");
}

// Judges a famfs_mount step against the kernel's expectations and writes a
// one-paragraph account of the cell into the step output.
void judge_famfs(const scenario::Step& step, const std::string& kernel, StepOutcome& out) {
  auto& r = out.result;
  if (r.status != Status::Passed && r.data.is_null()) return;
  const auto& st = r.data.value("status", nlohmann::json::object());
  const auto& kf = st.value("kernel_famfs", nlohmann::json::object());
  const auto& cred = st.value("at_mount", nlohmann::json::object());
  std::string observed = famfs_observed(r.data);
  std::string decided = kf.value("decided_by", "");
  std::string account = "famfs " + observed +
                        " (kernel report: " + (kf.empty() ? std::string("none") : kf.dump()) +
                        "); server at mount: uid " + std::to_string(cred.value("euid", 0)) + ", " +
                        cap_line(cred, "cap_sys_rawio") + "; mount via " + st.value("mount_method", "?") +
                        "; opcodes " + st.value("opcodes", nlohmann::json::object()).dump();
  bool bounding_only =
      std::find(step.famfs_args.begin(), step.famfs_args.end(), "bounding") != step.famfs_args.end();
  if (bounding_only && cred.value("cap_sys_rawio", nlohmann::json::object()).value("effective", false))
    account +=
        "\nnote: PR_CAPBSET_DROP removed CAP_SYS_RAWIO from the bounding set only; it stayed effective, "
        "so the kernel rightly saw a privileged server (this is what misled the seed's experiment)";
  r.output += (r.output.empty() ? "" : "\n") + account;
  r.data["famfs"] = observed;
  if (r.status != Status::Passed) return;

  if (auto want = step.famfs_expected_on(kernel); want && *want != observed) {
    r.status = Status::Failed;
    r.message = "cell '" + step.name + "' on kernel " + kernel + ": famfs " + observed + ", expected " +
                *want + (decided.empty() ? "" : " (decided_by=" + decided + ")") + "; server " +
                cap_line(cred, "cap_sys_rawio") + ", uid " + std::to_string(cred.value("euid", 0));
    return;
  }
  // With famfs off the server must have served the probe itself.
  uint64_t reads = st.value("opcodes", nlohmann::json::object()).value("READ", uint64_t{0});
  if (observed != "on" && reads == 0) {
    r.status = Status::Failed;
    r.message = "cell '" + step.name + "': famfs is " + observed +
                " but the server saw no READ: the probe did not come through the fallback path";
    return;
  }
  if (auto it = step.expect_decided_by.find(kernel);
      it != step.expect_decided_by.end() && it->second != decided) {
    r.status = Status::Failed;
    r.message = "cell '" + step.name + "' on kernel " + kernel +
                ": decided_by=" + (decided.empty() ? std::string("(none)") : decided) + ", expected " +
                it->second;
  }
}

std::vector<protocol::FamfsFile> request_files(const scenario::Step& step) {
  std::vector<protocol::FamfsFile> files;
  for (const auto& f : step.files) files.push_back({f.name, f.size, f.strips, f.chunk, false, f.extents});
  return files;
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
      req.timeout_s = step.timeout_s;
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
    case Action::FamfsMount:
      req.op = protocol::Op::FamfsMount;
      req.region = step.region;
      req.bytes = step.bytes;
      req.seed = step.seed;
      req.famfs_args = step.famfs_args;
      req.famfs_files = request_files(step);
      req.timeout_s = step.timeout_s;
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
  vm::CallResult call = ctx.session.call(req, step.timeout_s + 15);
  absorb_call(call, out);
  if (step.action == Action::Run) judge_exit(step, call, out);
  if (step.action == Action::FamfsMount) {
    if (out.vm_alive) judge_open_errors(step, out.result);
    judge_famfs(step, ctx.kernel, out);
    judge_data_path(step, ctx.kernel, out.result);
    judge_file_placement(step, ctx.topology, ctx.qemu.backing, out.result);
  }
  judge_output(step, out);
  if (step.action == Action::WritePattern && out.result.status == Status::Passed)
    ctx.written[step.region] = {step.bytes, step.seed};
  if (step.action == Action::VerifyPattern && out.result.status == Status::Passed &&
      out.result.data.value("mismatches", uint64_t{0}) != 0) {
    out.result.status = Status::Failed;
    out.result.message = "read back " + std::to_string(out.result.data.value("mismatches", uint64_t{0})) +
                         " words that differ from what was written";
  }
  fail_on_splats(out);
  return out;
}

}  // namespace famlab::runner
