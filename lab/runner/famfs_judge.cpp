#include "lab/runner/famfs_judge.h"

#include <algorithm>

#include "base/error.h"
#include "famfs/format/file_map_json.h"
#include "lab/runner/placement_check.h"
#include "protocol/famfs_file.h"

namespace famlab::runner {

using report::Status;

namespace {

uint64_t opcode_count(const protocol::FamfsMountResult& result, const char* opcode) {
  if (!result.status) return 0;
  auto it = result.status->opcodes.find(opcode);
  return it == result.status->opcodes.end() ? 0 : it->second;
}

std::string cap_line(const protocol::FamfsCapability& c, const char* name) {
  auto bit = [](bool b) { return b ? "1" : "0"; };
  return std::string(name) + " eff=" + bit(c.effective) + " perm=" + bit(c.permitted) +
         " bnd=" + bit(c.bounding);
}

std::string kernel_report_text(const protocol::FamfsStatus& st) {
  if (st.kernel_famfs.empty()) return "none";
  std::string s;
  for (const auto& [k, v] : st.kernel_famfs) s += (s.empty() ? "" : " ") + k + "=" + v;
  return s;
}

std::string opcodes_text(const protocol::FamfsStatus& st) {
  std::string s;
  for (const auto& [k, v] : st.opcodes) s += (s.empty() ? "" : " ") + k + "=" + std::to_string(v);
  return s.empty() ? "none" : s;
}

}  // namespace

std::string famfs_observed(const protocol::FamfsMountResult& result) {
  if (result.kernel_report) return result.famfs_enabled ? "on" : "off";
  return result.status && result.status->dax_fmap_offered ? "off" : "not-offered";
}

void judge_famfs_mount(const scenario::Step& step, const std::string& kernel,
                       const FamfsPlacementContext& where, const protocol::FamfsMountResult& result,
                       report::StepResult& r) {
  judge_open_errors(step, result, r);
  judge_famfs_cell(step, kernel, result, r);
  judge_data_path(step, kernel, result, r);
  judge_file_placement(step, where, result, r);
}

// expect_open_error: the agent reports the failed opens as failures; the
// step passes when the mount itself worked and every file's open failed
// with EINVAL (the kernel contract for a malformed map), and nothing else.
void judge_open_errors(const scenario::Step& step, const protocol::FamfsMountResult& result,
                       report::StepResult& r) {
  if (!step.expect_open_error) return;
  if (!result.setup_error.empty()) {
    r.status = Status::Failed;
    r.message = result.setup_error;
    return;
  }
  if (result.files.empty()) {
    r.status = Status::Failed;
    r.message = "the agent reported no files, so no open could fail";
    return;
  }
  std::string fault;
  for (size_t i = 0; i + 1 < step.famfs_args.size(); ++i)
    if (step.famfs_args[i] == "--bad-fmap") fault = " (--bad-fmap " + step.famfs_args[i + 1] + ")";
  std::string opened, wrong_errno, seen;
  for (const auto& f : result.files) {
    seen += (seen.empty() ? "" : ", ") + f.name + ": " +
            (f.open_errno ? (f.open_errno_name.empty() ? std::to_string(f.open_errno) : f.open_errno_name)
                          : "opened");
    if (f.open_errno == 0)
      opened += (opened.empty() ? "" : ", ") + f.name;
    else if (f.open_errno_name != "EINVAL")
      wrong_errno += (wrong_errno.empty() ? "" : ", ") + f.name + " (" + f.open_error + ")";
  }
  r.output += (r.output.empty() ? "" : "\n") + std::string("open results: ") + seen;
  if (!opened.empty()) {
    r.status = Status::Failed;
    r.message = "opened although the map is malformed" + fault + ": " + opened;
  } else if (!wrong_errno.empty()) {
    r.status = Status::Failed;
    r.message = "open failed, but not with EINVAL" + fault + ": " + wrong_errno;
  } else {
    r.status = Status::Passed;
    r.message.clear();
  }
}

// Judges the cell against the kernel's expectations and writes a
// one-paragraph account of it into the step output.
void judge_famfs_cell(const scenario::Step& step, const std::string& kernel,
                      const protocol::FamfsMountResult& result, report::StepResult& r) {
  const protocol::FamfsStatus st = result.status.value_or(protocol::FamfsStatus{});
  const std::string observed = famfs_observed(result);
  auto decided_it = st.kernel_famfs.find("decided_by");
  const std::string decided = decided_it == st.kernel_famfs.end() ? "" : decided_it->second;
  const auto& cred = st.at_mount;
  std::string account = "famfs " + observed + " (kernel report: " + kernel_report_text(st) +
                        "); server at mount: uid " + std::to_string(cred.euid) + ", " +
                        cap_line(cred.sys_rawio, "cap_sys_rawio") + "; mount via " +
                        (st.mount_method.empty() ? "?" : st.mount_method) + "; opcodes " + opcodes_text(st);
  bool bounding_only =
      std::find(step.famfs_args.begin(), step.famfs_args.end(), "bounding") != step.famfs_args.end();
  if (bounding_only && cred.sys_rawio.effective)
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
                cap_line(cred.sys_rawio, "cap_sys_rawio") + ", uid " + std::to_string(cred.euid);
    return;
  }
  // With famfs off the server must have served the probe itself.
  if (observed != "on" && opcode_count(result, "READ") == 0) {
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

// expect_data: "dax" means no READ or WRITE reached the server and every
// file carries STATX_ATTR_DAX; "server" means the server saw READ and no
// file claims DAX.
void judge_data_path(const scenario::Step& step, const std::string& kernel,
                     const protocol::FamfsMountResult& result, report::StepResult& r) {
  auto want = step.data_expected_on(kernel);
  if (!want || r.status != Status::Passed) return;
  uint64_t reads = opcode_count(result, "READ"), writes = opcode_count(result, "WRITE");
  std::string dax_files, plain_files;
  for (const auto& f : result.files) (f.dax ? dax_files : plain_files) += f.name + " ";
  r.data["data_path"] = reads == 0 && writes == 0 ? "dax" : "server";
  auto fail = [&](const std::string& why) {
    r.status = Status::Failed;
    r.message =
        "step '" + step.name + "' on kernel " + kernel + ": expected data through " + *want + ", but " + why;
  };
  if (*want == "dax") {
    if (reads || writes)
      fail("the server served READ " + std::to_string(reads) + " and WRITE " + std::to_string(writes) +
           " times");
    else if (!plain_files.empty())
      fail("statx shows no DAX attribute on " + plain_files);
  } else {
    if (reads == 0)
      fail("the server saw no READ");
    else if (!dax_files.empty())
      fail("statx shows the DAX attribute on " + dax_files);
  }
}

void judge_same_maps(const scenario::Step& step, const report::StepResult* master,
                     const protocol::FamfsMountResult& result, report::StepResult& r) {
  if (r.status != Status::Passed) return;
  auto fail = [&](const std::string& why) {
    r.status = Status::Failed;
    r.message = "step '" + step.name + "': " + why;
  };
  if (!master || master->data.is_null()) return fail("step '" + step.expect_same_maps_as + "' left no maps");
  protocol::FamfsMountResult theirs;
  try {
    theirs = protocol::decode_famfs_mount_result(master->data);
  } catch (const std::invalid_argument& e) {
    return fail(std::string("the maps of step '") + step.expect_same_maps_as + "' do not read: " + e.what());
  }
  std::string differ;
  size_t compared = 0;
  for (const auto& mine : result.files)
    for (const auto& other : theirs.files)
      if (other.name == mine.name) {
        ++compared;
        if (other.map != mine.map) differ += (differ.empty() ? "" : ", ") + mine.name;
      }
  r.data["same_maps_as"] = {{"step", step.expect_same_maps_as}, {"files", compared}};
  if (compared != result.files.size())
    fail(std::to_string(result.files.size() - compared) + " file(s) not made by step '" +
         step.expect_same_maps_as + "'");
  else if (!differ.empty())
    fail("the maps of " + differ + " differ from step '" + step.expect_same_maps_as + "' (the master's)");
}

// check_placement on a famfs_mount step: every file's words where famfs
// interleave and then CXL interleave put them, using the map the agent
// took with `famfs getmap --json` before mounting.
void judge_file_placement(const scenario::Step& step, const FamfsPlacementContext& where,
                          const protocol::FamfsMountResult& result, report::StepResult& r) {
  if (!step.check_placement || r.status != Status::Passed) return;
  nlohmann::json per_file = nlohmann::json::array();
  uint64_t words = 0, misplaced = 0, pieces = 0;
  std::string text;
  try {
    for (size_t i = 0; i < result.files.size(); ++i) {
      const auto& f = result.files[i];
      std::string name = "/" + f.name;
      if (f.map.is_null()) throw Error("the agent sent no map for " + name);
      auto map = famfs::format::file_map_from_json(f.map);
      PlacementReport rep = check_file_placement(where.topology, where.backing, step.region, name, map,
                                                 f.size, protocol::famfs_file_seed(step.seed, i));
      words += rep.words_checked;
      misplaced += rep.mismatches;
      pieces += rep.granules_checked;
      per_file.push_back({{"name", name}, {"words", rep.words_checked}, {"misplaced", rep.mismatches}});
      text += "\nplacement of " + name + ": " + rep.summary();
    }
  } catch (const Error& e) {
    r.status = Status::Failed;
    r.message = std::string("check_placement: ") + e.what();
    return;
  }
  r.output += text;
  r.data["placement"] = {{"files", per_file},
                         {"words", words},
                         {"bytes", words * 8},
                         {"pieces", pieces},
                         {"misplaced", misplaced}};
  if (words == 0) {
    r.status = Status::Failed;
    r.message = "check_placement: nothing to check";
  } else if (misplaced) {
    r.status = Status::Failed;
    r.message = "check_placement: " + std::to_string(misplaced) + " of " + std::to_string(words) +
                " words are not where famfs and CXL interleave put them" + text;
  }
}

}  // namespace famlab::runner
