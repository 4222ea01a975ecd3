#include "lab/runner/famfs_judge.h"

#include "base/error.h"
#include "famfs/format/file_map_json.h"
#include "lab/runner/placement_check.h"
#include "protocol/famfs_file.h"

namespace famlab::runner {

using report::Status;

namespace {

const nlohmann::json& famfs_files(const nlohmann::json& result) {
  static const nlohmann::json none = nlohmann::json::array();
  auto it = result.find("files");
  return it != result.end() && it->is_array() ? *it : none;
}

}  // namespace

// expect_open_error: the agent reports the failed opens as failures; the
// step passes when the mount itself worked and every file's open failed
// with EINVAL (the kernel contract for a malformed map), and nothing else.
void judge_open_errors(const scenario::Step& step, report::StepResult& r) {
  if (!step.expect_open_error || r.data.is_null()) return;
  std::string setup = r.data.value("setup_error", "");
  if (!setup.empty()) {
    r.status = Status::Failed;
    r.message = setup;
    return;
  }
  const auto& files = famfs_files(r.data);
  if (files.empty()) {
    r.status = Status::Failed;
    r.message = "the agent reported no files, so no open could fail";
    return;
  }
  std::string fault;
  for (size_t i = 0; i + 1 < step.famfs_args.size(); ++i)
    if (step.famfs_args[i] == "--bad-fmap") fault = " (--bad-fmap " + step.famfs_args[i + 1] + ")";
  std::string opened, wrong_errno, seen;
  for (const auto& f : files) {
    std::string name = f.value("name", "?");
    int err = f.value("open_errno", 0);
    seen += (seen.empty() ? "" : ", ") + name + ": " +
            (err ? f.value("open_errno_name", std::to_string(err)) : "opened");
    if (err == 0)
      opened += (opened.empty() ? "" : ", ") + name;
    else if (f.value("open_errno_name", "") != "EINVAL")
      wrong_errno += (wrong_errno.empty() ? "" : ", ") + name + " (" + f.value("open_error", "?") + ")";
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

// expect_data: "dax" means no READ or WRITE reached the server and every
// file carries STATX_ATTR_DAX; "server" means the server saw READ and no
// file claims DAX.
void judge_data_path(const scenario::Step& step, const std::string& kernel, report::StepResult& r) {
  auto want = step.data_expected_on(kernel);
  if (!want || r.status != Status::Passed) return;
  const auto& ops =
      r.data.value("status", nlohmann::json::object()).value("opcodes", nlohmann::json::object());
  uint64_t reads = ops.value("READ", uint64_t{0}), writes = ops.value("WRITE", uint64_t{0});
  std::string dax_files, plain_files;
  for (const auto& f : famfs_files(r.data))
    (f.value("dax", false) ? dax_files : plain_files) += (f.value("name", "?") + " ");
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

// check_placement on a famfs_mount step: every file's words where famfs
// interleave and then CXL interleave put them, using the map the agent
// took with `famfs getmap --json` before mounting.
void judge_file_placement(const scenario::Step& step, const topology::Topology& topology,
                          const std::vector<plan::BackingFile>& backing, report::StepResult& r) {
  if (!step.check_placement || r.status != Status::Passed) return;
  const auto& files = famfs_files(r.data);
  nlohmann::json per_file = nlohmann::json::array();
  uint64_t words = 0, misplaced = 0, pieces = 0;
  std::string text;
  try {
    for (size_t i = 0; i < files.size(); ++i) {
      const auto& f = files[i];
      std::string name = "/" + f.value("name", "?");
      if (!f.contains("map")) throw Error("the agent sent no map for " + name);
      auto map = famfs::format::file_map_from_json(f["map"]);
      uint64_t size = f.value("size", uint64_t{0});
      PlacementReport rep = check_file_placement(topology, backing, step.region, name, map, size,
                                                 protocol::famfs_file_seed(step.seed, i));
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
