#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/process.h"
#include "lab/report/json_report.h"
#include "lab/report/junit.h"
#include "lab/report/terminal.h"

using namespace famlab::report;
namespace fs = std::filesystem;

namespace {

RunResult sample() {
  RunResult run;
  run.started_at = "2026-11-26T10:00:00Z";
  run.seconds = 12.5;
  ScenarioResult ok;
  ok.name = "boot-and-devdax";
  ok.kernel = "plain";
  ok.status = Status::Passed;
  ok.steps.push_back({"bring-up", "bringup", Status::Passed, 0.5, "", "", {}, {{"regions", 1}}, ""});
  ScenarioResult bad;
  bad.name = "interleave <2way> & \"more\"";
  bad.kernel = "stock";
  bad.status = Status::Failed;
  bad.message = "step 'placement' failed";
  StepResult st{
      "placement", "check_placement", Status::Failed, 0.1, "out\x01put", "word at 0x1000 on mem1", {}, {}, ""};
  st.splats.push_back(
      {"WARNING", "WARNING: CPU: 0 PID: 1 at x.c:1", "WARNING: CPU: 0 PID: 1 at x.c:1\nCall Trace:\n"});
  bad.steps.push_back(st);
  run.scenarios = {ok, bad};
  return run;
}

}  // namespace

TEST(Report, ExitCodeFollowsWorstScenario) {
  RunResult run = sample();
  EXPECT_EQ(run.exit_code(), 1);
  run.scenarios[1].status = Status::Error;
  EXPECT_EQ(run.exit_code(), 2);
  run.scenarios.pop_back();
  EXPECT_EQ(run.exit_code(), 0);
}

TEST(Report, JunitIsWellFormedAndCarriesTheTrace) {
  fs::path dir = fs::temp_directory_path() / ("famlab-report-test-" + std::to_string(getpid()));
  fs::create_directories(dir);
  write_junit(sample(), dir / "junit.xml");
  // A real XML parser must accept it.
  auto r = famlab::run_process({"xmllint", "--noout", (dir / "junit.xml").string()});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::string xml = junit_xml(sample());
  EXPECT_NE(xml.find("tests=\"2\" failures=\"1\""), std::string::npos);
  EXPECT_NE(xml.find("Call Trace:"), std::string::npos);
  EXPECT_NE(xml.find("&lt;2way&gt; &amp; &quot;more&quot;"), std::string::npos);
  EXPECT_EQ(xml.find('\x01'), std::string::npos);
  fs::remove_all(dir);
}

TEST(Report, JsonHasEveryStep) {
  auto j = to_json(sample());
  EXPECT_EQ(j["exit_code"], 1);
  ASSERT_EQ(j["scenarios"].size(), 2u);
  EXPECT_EQ(j["scenarios"][0]["steps"][0]["data"]["regions"], 1);
  EXPECT_EQ(j["scenarios"][1]["steps"][0]["status"], "failed");
  EXPECT_EQ(j["scenarios"][1]["steps"][0]["splats"][0]["kind"], "WARNING");
}

TEST(Report, TerminalLinesNameStepAndReason) {
  std::ostringstream out;
  Terminal t(out);
  RunResult run = sample();
  t.step_done(run.scenarios[1].steps[0]);
  t.summary(run, "rep");
  EXPECT_NE(out.str().find("FAIL  placement"), std::string::npos);
  EXPECT_NE(out.str().find("word at 0x1000 on mem1"), std::string::npos);
  EXPECT_NE(out.str().find("kernel WARNING"), std::string::npos);
  EXPECT_NE(out.str().find("1 passed, 1 failed, 0 errors"), std::string::npos);
}

// libvirt runs: every report says which backend and host ran a scenario,
// and which hosts could not.
TEST(Report, BackendAndHostInEveryReport) {
  RunResult run = sample();
  run.scenarios[0].backend = "libvirt";
  run.scenarios[0].host = "qemu:///system?socket=/tmp/a&b";
  run.scenarios[0].domain = "famlab-0123abcd-boot-and-devdax-plain";
  run.scenarios[0].attempts = {"qemu+ssh://ci-2/system: cannot connect: refused"};
  run.scenarios[1].backend = "qemu";
  run.hosts = {{"qemu:///system?socket=/tmp/a&b", 2, "", {"boot-and-devdax [plain]"}},
               {"qemu+ssh://ci-2/system", 1, "cannot connect: refused", {}}};

  auto j = to_json(run);
  EXPECT_EQ(j["scenarios"][0]["backend"], "libvirt");
  EXPECT_EQ(j["scenarios"][0]["host"], "qemu:///system?socket=/tmp/a&b");
  EXPECT_EQ(j["scenarios"][0]["domain"], "famlab-0123abcd-boot-and-devdax-plain");
  EXPECT_EQ(j["scenarios"][0]["attempts"][0], "qemu+ssh://ci-2/system: cannot connect: refused");
  EXPECT_EQ(j["scenarios"][1]["host"], "");
  EXPECT_EQ(j["hosts"][1]["down"], "cannot connect: refused");
  EXPECT_EQ(j["hosts"][0]["scenarios"][0], "boot-and-devdax [plain]");

  fs::path dir = fs::temp_directory_path() / ("famlab-report-host-" + std::to_string(getpid()));
  fs::create_directories(dir);
  write_junit(run, dir / "junit.xml");
  auto r = famlab::run_process({"xmllint", "--noout", (dir / "junit.xml").string()});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  fs::remove_all(dir);
  std::string xml = junit_xml(run);
  EXPECT_NE(xml.find("<property name=\"host\" value=\"qemu:///system?socket=/tmp/a&amp;b\"/>"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<property name=\"backend\" value=\"libvirt\"/>"), std::string::npos);
  EXPECT_NE(xml.find("<property name=\"not-run-on\""), std::string::npos);
  EXPECT_NE(xml.find("backend libvirt on qemu:///system"), std::string::npos);

  std::ostringstream out;
  Terminal t(out);
  t.scenario_start(run.scenarios[0]);
  t.scenario_done(run.scenarios[0]);
  t.summary(run, "rep");
  EXPECT_NE(out.str().find("(libvirt qemu:///system?socket=/tmp/a&b)"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("not run on qemu+ssh://ci-2/system"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("host qemu+ssh://ci-2/system: 0 scenario(s), DOWN: cannot connect"),
            std::string::npos)
      << out.str();
}
