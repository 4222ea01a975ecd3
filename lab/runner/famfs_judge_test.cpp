#include "lab/runner/famfs_judge.h"

#include <gtest/gtest.h>

using namespace famlab;
using namespace famlab::runner;
using nlohmann::json;
using report::Status;

namespace {

report::StepResult agent_verdict(bool ok) {
  report::StepResult r;
  r.status = ok ? Status::Passed : Status::Failed;
  if (!ok) r.message = "the agent's own words";
  return r;
}

protocol::FamfsStatus status(uint64_t reads, uint64_t writes) {
  protocol::FamfsStatus st;
  st.opcodes = {{"READ", reads}, {"WRITE", writes}, {"GET_FMAP", 2}};
  return st;
}

protocol::FamfsFileResult file(const std::string& name, bool dax) {
  protocol::FamfsFileResult f;
  f.name = name;
  f.dax = dax;
  return f;
}

protocol::FamfsMountResult mounted(protocol::FamfsStatus st, std::vector<protocol::FamfsFileResult> files) {
  protocol::FamfsMountResult m;
  m.status = std::move(st);
  m.files = std::move(files);
  return m;
}

scenario::Step step_expecting_data(const std::string& want) {
  scenario::Step s;
  s.name = "cell";
  s.expect_data = {{"default", want}, {"stock", "server"}};
  return s;
}

TEST(JudgeData, DaxNeedsNoReadNoWriteAndDaxOnEveryFile) {
  auto s = step_expecting_data("dax");
  std::vector<protocol::FamfsFileResult> files = {file("a", true), file("b", true)};
  auto r = agent_verdict(true);
  judge_data_path(s, "famfs", mounted(status(0, 0), files), r);
  EXPECT_EQ(r.status, Status::Passed) << r.message;
  EXPECT_EQ(r.data["data_path"], "dax");

  auto reads = agent_verdict(true);
  judge_data_path(s, "famfs", mounted(status(3, 0), files), reads);
  EXPECT_EQ(reads.status, Status::Failed);
  EXPECT_NE(reads.message.find("the server served READ 3 and WRITE 0 times"), std::string::npos)
      << reads.message;

  files[1].dax = false;
  auto no_attr = agent_verdict(true);
  judge_data_path(s, "famfs", mounted(status(0, 0), files), no_attr);
  EXPECT_EQ(no_attr.status, Status::Failed);
  EXPECT_NE(no_attr.message.find("no DAX attribute on b"), std::string::npos) << no_attr.message;
}

TEST(JudgeData, ServerNeedsReadsAndPerKernelExpectationsApply) {
  auto s = step_expecting_data("dax");
  auto r = agent_verdict(true);
  judge_data_path(s, "stock", mounted(status(5, 0), {file("probe", false)}), r);  // stock = "server"
  EXPECT_EQ(r.status, Status::Passed) << r.message;

  auto none = agent_verdict(true);
  judge_data_path(s, "stock", mounted(status(0, 0), {file("probe", false)}), none);
  EXPECT_EQ(none.status, Status::Failed);
  EXPECT_NE(none.message.find("on kernel stock: expected data through server, but the server saw no READ"),
            std::string::npos)
      << none.message;
}

TEST(JudgeData, NoExpectationOrAFailedStepIsLeftAlone) {
  scenario::Step s;
  auto r = agent_verdict(true);
  judge_data_path(s, "famfs", mounted(status(0, 9), {}), r);
  EXPECT_EQ(r.status, Status::Passed);
  auto failed = agent_verdict(false);
  judge_data_path(step_expecting_data("server"), "famfs", mounted(status(0, 0), {}), failed);
  EXPECT_EQ(failed.message, "the agent's own words");
}

scenario::Step malformed_step() {
  scenario::Step s;
  s.name = "overlap";
  s.expect_open_error = true;
  s.famfs_args = {"--bad-fmap", "overlap"};
  return s;
}

protocol::FamfsFileResult refused(const std::string& name, int err, const std::string& err_name) {
  protocol::FamfsFileResult f;
  f.name = name;
  f.open_errno = err;
  f.open_errno_name = err_name;
  f.open_error = err_name + " text";
  return f;
}

TEST(JudgeOpenErrors, EveryOpenRefusedWithEinvalPassesAFailedAgentResult) {
  auto r = agent_verdict(false);
  judge_open_errors(malformed_step(), mounted({}, {refused("s", 22, "EINVAL"), refused("i", 22, "EINVAL")}),
                    r);
  EXPECT_EQ(r.status, Status::Passed) << r.message;
  EXPECT_NE(r.output.find("open results: s: EINVAL, i: EINVAL"), std::string::npos) << r.output;
}

TEST(JudgeOpenErrors, AFileThatOpensFailsNamingTheFault) {
  auto r = agent_verdict(true);
  judge_open_errors(malformed_step(), mounted({}, {refused("s", 22, "EINVAL"), file("i", false)}), r);
  EXPECT_EQ(r.status, Status::Failed);
  EXPECT_EQ(r.message, "opened although the map is malformed (--bad-fmap overlap): i");
}

TEST(JudgeOpenErrors, AnotherErrnoOrASetupErrorFails) {
  auto r = agent_verdict(false);
  judge_open_errors(malformed_step(), mounted({}, {refused("s", 5, "EIO")}), r);
  EXPECT_EQ(r.status, Status::Failed);
  EXPECT_NE(r.message.find("not with EINVAL (--bad-fmap overlap): s (EIO text)"), std::string::npos)
      << r.message;

  // A step that expects ENODEV (the map names a device the server lacks).
  scenario::Step enodev = malformed_step();
  enodev.famfs_args = {"--bad-fmap", "devindex-unknown"};
  enodev.expect_open_errno = "ENODEV";
  auto wrong = agent_verdict(false);
  judge_open_errors(enodev, mounted({}, {refused("s", 22, "EINVAL")}), wrong);
  EXPECT_EQ(wrong.status, Status::Failed);
  EXPECT_NE(wrong.message.find("not with ENODEV (--bad-fmap devindex-unknown): s (EINVAL text)"),
            std::string::npos)
      << wrong.message;
  auto right = agent_verdict(false);
  judge_open_errors(enodev, mounted({}, {refused("s", 19, "ENODEV"), refused("i", 19, "ENODEV")}), right);
  EXPECT_EQ(right.status, Status::Passed) << right.message;

  protocol::FamfsMountResult setup_failed;
  setup_failed.setup_error = "famfs mount failed (exit 1)";
  auto setup = agent_verdict(false);
  judge_open_errors(malformed_step(), setup_failed, setup);
  EXPECT_EQ(setup.status, Status::Failed);
  EXPECT_EQ(setup.message, "famfs mount failed (exit 1)");

  auto nothing = agent_verdict(false);
  judge_open_errors(malformed_step(), mounted({}, {}), nothing);
  EXPECT_EQ(nothing.status, Status::Failed);
}

scenario::Step cell(const std::string& name, std::map<std::string, std::string> expect) {
  scenario::Step s;
  s.name = name;
  s.expect_famfs = std::move(expect);
  return s;
}

protocol::FamfsMountResult kernel_said(bool enabled, const std::string& decided_by, uint64_t reads) {
  protocol::FamfsMountResult m = mounted(status(reads, 0), {file("probe", enabled)});
  m.kernel_report = true;
  m.famfs_enabled = enabled;
  m.status->kernel_famfs = {{"enabled", enabled ? "1" : "0"}, {"decided_by", decided_by}};
  m.status->mount_method = "fusermount3";
  m.status->at_mount.euid = 1000;
  return m;
}

TEST(JudgeCell, AnUnprivilegedServerWithFamfsOnFailsNamingTheCell) {
  auto s = cell("fusermount3-unprivileged", {{"default", "off"}});
  auto r = agent_verdict(true);
  judge_famfs_cell(s, "famfs-v3", kernel_said(true, "mounter-cap", 0), r);
  EXPECT_EQ(r.status, Status::Failed);
  EXPECT_NE(r.message.find("cell 'fusermount3-unprivileged' on kernel famfs-v3: famfs on, expected off "
                           "(decided_by=mounter-cap)"),
            std::string::npos)
      << r.message;
  EXPECT_EQ(r.data["famfs"], "on");
  EXPECT_NE(r.output.find("mount via fusermount3"), std::string::npos) << r.output;
}

TEST(JudgeCell, FamfsOffNeedsTheProbeThroughTheServer) {
  auto s = cell("capset-effective-drop", {{"default", "off"}});
  auto served = agent_verdict(true);
  judge_famfs_cell(s, "famfs", kernel_said(false, "mounter-cap", 2), served);
  EXPECT_EQ(served.status, Status::Passed) << served.message;

  auto nothing = agent_verdict(true);
  judge_famfs_cell(s, "famfs", kernel_said(false, "mounter-cap", 0), nothing);
  EXPECT_EQ(nothing.status, Status::Failed);
  EXPECT_NE(nothing.message.find("the server saw no READ"), std::string::npos) << nothing.message;
}

TEST(JudgeCell, DecidedByIsCheckedPerKernel) {
  auto s = cell("fusermount3-unprivileged", {{"default", "off"}});
  s.expect_decided_by = {{"famfs", "server-cap"}};
  auto r = agent_verdict(true);
  judge_famfs_cell(s, "famfs", kernel_said(false, "mounter-cap", 1), r);
  EXPECT_EQ(r.status, Status::Failed);
  EXPECT_NE(r.message.find("decided_by=mounter-cap, expected server-cap"), std::string::npos) << r.message;
  // The debug flavour is held to the same expectation.
  auto d = agent_verdict(true);
  judge_famfs_cell(s, "famfs+debug", kernel_said(false, "mounter-cap", 1), d);
  EXPECT_EQ(d.status, Status::Failed);
  EXPECT_NE(d.message.find("on kernel famfs+debug: decided_by=mounter-cap, expected server-cap"),
            std::string::npos)
      << d.message;
}

TEST(JudgeCell, WithoutAKernelReportTheServerSaysWhetherItWasOffered) {
  protocol::FamfsMountResult m = mounted(status(1, 0), {});
  EXPECT_EQ(famfs_observed(m), "not-offered");
  m.status->dax_fmap_offered = true;
  EXPECT_EQ(famfs_observed(m), "off");
  m.status.reset();
  EXPECT_EQ(famfs_observed(m), "not-offered");
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
  std::vector<plan::BackingFile> none;
  FamfsPlacementContext where{topo, none};

  protocol::FamfsFileResult a = file("a", true);
  a.size = 4096;
  auto no_map = agent_verdict(true);
  judge_file_placement(s, where, mounted({}, {a}), no_map);
  EXPECT_EQ(no_map.status, Status::Failed);
  EXPECT_EQ(no_map.message, "check_placement: the agent sent no map for /a");

  a.map = {{"kind", "simple"}, {"chunk_size", 0}, {"extents", {{{"offset", 10 * MiB}, {"length", 2 * MiB}}}}};
  auto no_backing = agent_verdict(true);
  judge_file_placement(s, where, mounted({}, {a}), no_backing);
  EXPECT_EQ(no_backing.status, Status::Failed);
  EXPECT_NE(no_backing.message.find("has no volatile backing file"), std::string::npos) << no_backing.message;

  auto no_files = agent_verdict(true);
  judge_file_placement(s, where, mounted({}, {}), no_files);
  EXPECT_EQ(no_files.status, Status::Failed);
  EXPECT_EQ(no_files.message, "check_placement: nothing to check");
}

}  // namespace
