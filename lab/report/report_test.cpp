#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/process.h"
#include "lab/report/json_report.h"
#include "lab/report/junit.h"
#include "lab/report/splat_frames.h"
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

// A symbolized KASAN splat: every report shows its frames with file:line,
// report.json also as structured frames.
TEST(Report, SymbolizedFramesInEveryReport) {
  KernelSplat kasan{"KASAN",
                    "BUG: KASAN: slab-use-after-free in lkdtm_READ_AFTER_FREE+0x1c4/0x3a0 "
                    "(drivers/misc/lkdtm/heap.c:160)",
                    "BUG: KASAN: slab-use-after-free in lkdtm_READ_AFTER_FREE+0x1c4/0x3a0 "
                    "(drivers/misc/lkdtm/heap.c:160)\n"
                    "Read of size 4 at addr ffff888004a4a004 by task sh/95\n"
                    "Call Trace:\n <TASK>\n"
                    " dump_stack_lvl+0x5d/0x80 (lib/dump_stack.c:120)\n"
                    " print_report+0xce/0x630 (mm/kasan/report.c:377)\n"
                    " ? lkdtm_READ_AFTER_FREE+0x1c4/0x3a0\n"
                    " kasan_report+0xd8/0x110 (mm/kasan/report.c:601)\n"
                    " lkdtm_READ_AFTER_FREE+0x1c4/0x3a0 (drivers/misc/lkdtm/heap.c:160)\n"
                    " lkdtm_do_action+0x25/0x40 (drivers/misc/lkdtm/core.c:223, inlined helper "
                    "drivers/misc/lkdtm/core.c:190)\n"
                    " direct_entry+0x1c3/0x210 (drivers/misc/lkdtm/core.c:274)\n"
                    " full_proxy_write+0xf6/0x160 (fs/debugfs/file.c:388)\n"
                    " </TASK>\n"};
  RunResult run = sample();
  StepResult& st = run.scenarios[1].steps[0];
  st.splats = {kasan};

  auto j = to_json(run);
  const auto& frames = j["scenarios"][1]["steps"][0]["splats"][0]["frames"];
  ASSERT_EQ(frames.size(), 9u) << frames.dump(1);  // the title's frame, then the trace
  EXPECT_EQ(frames[0]["function"], "lkdtm_READ_AFTER_FREE");
  EXPECT_EQ(frames[0]["file"], "drivers/misc/lkdtm/heap.c");
  EXPECT_EQ(frames[0]["line"], 160);
  EXPECT_EQ(frames[3]["reliable"], false);
  EXPECT_FALSE(frames[3].contains("file"));
  EXPECT_EQ(frames[6]["inlined"][0]["function"], "helper");
  EXPECT_EQ(frames[6]["frame"],
            "lkdtm_do_action+0x25/0x40 (drivers/misc/lkdtm/core.c:223, inlined helper "
            "drivers/misc/lkdtm/core.c:190)");
  EXPECT_EQ(frames[6]["offset"], 0x25);

  std::string xml = junit_xml(run);
  EXPECT_NE(xml.find("lkdtm_do_action+0x25/0x40 (drivers/misc/lkdtm/core.c:223"), std::string::npos);

  std::ostringstream out;
  Terminal t(out);
  t.step_done(st);
  // The terminal names where it happened, not the reporting machinery.
  EXPECT_NE(
      out.str().find("kernel KASAN: BUG: KASAN: slab-use-after-free in lkdtm_READ_AFTER_FREE+0x1c4/0x3a0 "
                     "(drivers/misc/lkdtm/heap.c:160)"),
      std::string::npos)
      << out.str();
  EXPECT_NE(
      out.str().find("at lkdtm_READ_AFTER_FREE+0x1c4/0x3a0 (drivers/misc/lkdtm/heap.c:160)\n"
                     "           at lkdtm_do_action+0x25/0x40 (drivers/misc/lkdtm/core.c:223, inlined helper "
                     "drivers/misc/lkdtm/core.c:190)\n"
                     "           at direct_entry+0x1c3/0x210 (drivers/misc/lkdtm/core.c:274)"),
      std::string::npos)
      << out.str();
  EXPECT_EQ(out.str().find("at dump_stack"), std::string::npos);
  EXPECT_EQ(out.str().find("at full_proxy_write"), std::string::npos);  // three at most
}

// A real KASAN report from a famfs+debug kernel, symbolized by the host
// (harness/tests/test_debug_kernel.py): every frame reads back with its
// location, and the terminal's frames are where the bug is.
TEST(Report, RealSymbolizedKasanReportFrames) {
  std::ifstream in(std::string(FAMLAB_SOURCE_DIR) + "/lab/report/testdata/kasan-symbolized.txt");
  ASSERT_TRUE(in);
  std::stringstream text;
  text << in.rdbuf();
  KernelSplat s{"KASAN", "", text.str()};
  auto frames = splat_frames(s);
  ASSERT_GT(frames.size(), 20u);
  size_t located = 0;
  for (const auto& f : frames) located += !f.file.empty();
  EXPECT_EQ(located, frames.size());  // every frame of the kernel got file:line
  auto key = key_frames(s, 3);
  ASSERT_EQ(key.size(), 3u);
  EXPECT_EQ(key[0].function, "lkdtm_READ_AFTER_FREE");
  EXPECT_EQ(key[0].file, "drivers/misc/lkdtm/heap.c");
  EXPECT_EQ(key[1].function, "lkdtm_do_action");
}
