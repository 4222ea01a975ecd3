#include "lab/runner/famfs_judge.h"

#include <gtest/gtest.h>

using namespace famlab;
using namespace famlab::runner;
using nlohmann::json;
using report::Status;

namespace {

report::StepResult agent_result(bool ok, json data) {
  report::StepResult r;
  r.status = ok ? Status::Passed : Status::Failed;
  if (!ok) r.message = "the agent's own words";
  r.data = std::move(data);
  return r;
}

json status(uint64_t reads, uint64_t writes) {
  return {{"opcodes", {{"READ", reads}, {"WRITE", writes}, {"GET_FMAP", 2}}}};
}

scenario::Step step_expecting_data(const std::string& want) {
  scenario::Step s;
  s.name = "cell";
  s.expect_data = {{"default", want}, {"stock", "server"}};
  return s;
}

TEST(JudgeData, DaxNeedsNoReadNoWriteAndDaxOnEveryFile) {
  auto s = step_expecting_data("dax");
  json files = json::array({{{"name", "a"}, {"dax", true}}, {{"name", "b"}, {"dax", true}}});
  auto r = agent_result(true, {{"status", status(0, 0)}, {"files", files}});
  judge_data_path(s, "famfs", r);
  EXPECT_EQ(r.status, Status::Passed) << r.message;
  EXPECT_EQ(r.data["data_path"], "dax");

  auto reads = agent_result(true, {{"status", status(3, 0)}, {"files", files}});
  judge_data_path(s, "famfs", reads);
  EXPECT_EQ(reads.status, Status::Failed);
  EXPECT_NE(reads.message.find("the server served READ 3 and WRITE 0 times"), std::string::npos)
      << reads.message;

  files[1]["dax"] = false;
  auto no_attr = agent_result(true, {{"status", status(0, 0)}, {"files", files}});
  judge_data_path(s, "famfs", no_attr);
  EXPECT_EQ(no_attr.status, Status::Failed);
  EXPECT_NE(no_attr.message.find("no DAX attribute on b"), std::string::npos) << no_attr.message;
}

TEST(JudgeData, ServerNeedsReadsAndPerKernelExpectationsApply) {
  auto s = step_expecting_data("dax");
  json files = json::array({{{"name", "probe"}, {"dax", false}}});
  auto r = agent_result(true, {{"status", status(5, 0)}, {"files", files}});
  judge_data_path(s, "stock", r);  // stock = "server"
  EXPECT_EQ(r.status, Status::Passed) << r.message;

  auto none = agent_result(true, {{"status", status(0, 0)}, {"files", files}});
  judge_data_path(s, "stock", none);
  EXPECT_EQ(none.status, Status::Failed);
  EXPECT_NE(none.message.find("on kernel stock: expected data through server, but the server saw no READ"),
            std::string::npos)
      << none.message;
}

TEST(JudgeData, NoExpectationOrAFailedStepIsLeftAlone) {
  scenario::Step s;
  auto r = agent_result(true, {{"status", status(0, 9)}});
  judge_data_path(s, "famfs", r);
  EXPECT_EQ(r.status, Status::Passed);
  auto failed = agent_result(false, {{"status", status(0, 0)}});
  judge_data_path(step_expecting_data("server"), "famfs", failed);
  EXPECT_EQ(failed.message, "the agent's own words");
}

scenario::Step malformed_step() {
  scenario::Step s;
  s.name = "overlap";
  s.expect_open_error = true;
  s.famfs_args = {"--bad-fmap", "overlap"};
  return s;
}

json refused(const std::string& name, int err, const std::string& err_name) {
  return {
      {"name", name}, {"open_errno", err}, {"open_errno_name", err_name}, {"open_error", err_name + " text"}};
}

TEST(JudgeOpenErrors, EveryOpenRefusedWithEinvalPassesAFailedAgentResult) {
  auto r =
      agent_result(false, {{"files", json::array({refused("s", 22, "EINVAL"), refused("i", 22, "EINVAL")})}});
  judge_open_errors(malformed_step(), r);
  EXPECT_EQ(r.status, Status::Passed) << r.message;
  EXPECT_NE(r.output.find("open results: s: EINVAL, i: EINVAL"), std::string::npos) << r.output;
}

TEST(JudgeOpenErrors, AFileThatOpensFailsNamingTheFault) {
  json opened = {{"name", "i"}, {"open_errno", 0}};
  auto r = agent_result(true, {{"files", json::array({refused("s", 22, "EINVAL"), opened})}});
  judge_open_errors(malformed_step(), r);
  EXPECT_EQ(r.status, Status::Failed);
  EXPECT_EQ(r.message, "opened although the map is malformed (--bad-fmap overlap): i");
}

TEST(JudgeOpenErrors, AnotherErrnoOrASetupErrorFails) {
  auto r = agent_result(false, {{"files", json::array({refused("s", 5, "EIO")})}});
  judge_open_errors(malformed_step(), r);
  EXPECT_EQ(r.status, Status::Failed);
  EXPECT_NE(r.message.find("not with EINVAL (--bad-fmap overlap): s (EIO text)"), std::string::npos)
      << r.message;

  auto setup =
      agent_result(false, {{"setup_error", "famfs mount failed (exit 1)"}, {"files", json::array()}});
  judge_open_errors(malformed_step(), setup);
  EXPECT_EQ(setup.status, Status::Failed);
  EXPECT_EQ(setup.message, "famfs mount failed (exit 1)");

  auto nothing = agent_result(false, {{"files", json::array()}});
  judge_open_errors(malformed_step(), nothing);
  EXPECT_EQ(nothing.status, Status::Failed);
}

TEST(JudgeFilePlacement, AMissingMapOrBackingFileFailsWithTheReason) {
  scenario::Step s;
  s.name = "files";
  s.check_placement = true;
  topology::Topology topo;
  topology::Region region;
  region.devices = {"mem0"};
  region.granularity = 4096;
  region.size = 256 * MiB;
  topo.regions.push_back(region);

  auto no_map = agent_result(true, {{"files", json::array({{{"name", "a"}, {"size", 4096}}})}});
  judge_file_placement(s, topo, {}, no_map);
  EXPECT_EQ(no_map.status, Status::Failed);
  EXPECT_EQ(no_map.message, "check_placement: the agent sent no map for /a");

  json map = {
      {"kind", "simple"}, {"chunk_size", 0}, {"extents", {{{"offset", 10 * MiB}, {"length", 2 * MiB}}}}};
  auto no_backing =
      agent_result(true, {{"files", json::array({{{"name", "a"}, {"size", 4096}, {"map", map}}})}});
  judge_file_placement(s, topo, {}, no_backing);
  EXPECT_EQ(no_backing.status, Status::Failed);
  EXPECT_NE(no_backing.message.find("has no volatile backing file"), std::string::npos) << no_backing.message;

  auto no_files = agent_result(true, {{"files", json::array()}});
  judge_file_placement(s, topo, {}, no_files);
  EXPECT_EQ(no_files.status, Status::Failed);
  EXPECT_EQ(no_files.message, "check_placement: nothing to check");
}

}  // namespace
