#include "lab/runner/scenario_run.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

#include "lab/common/paths.h"
#include "lab/report/terminal.h"
#include "lab/runner/scripted_guest.h"
#include "protocol/results.h"

namespace famlab::runner {
namespace {

namespace fs = std::filesystem;
using report::Status;
using testing::Reply;
using testing::ScriptedBackend;

// What a scripted guest needs of a VM: the agent socket it listens on.
vm::VmSpec scripted_spec(const fs::path& dir) {
  vm::VmSpec spec{{}, false, dir, {}};
  spec.vm.agent.socket = dir / "agent.sock";
  return spec;
}

const std::vector<std::string> kWarn = {
    "------------[ cut here ]------------",
    "WARNING: CPU: 0 PID: 77 at drivers/misc/lkdtm/bugs.c:100 lkdtm_WARNING+0x10/0x20",
    "Call Trace:",
    " <TASK>",
    " lkdtm_do_action+0x1a/0x30",
    " </TASK>",
    "---[ end trace 0000000000000000 ]---"};
const std::vector<std::string> kPanic = {"Kernel panic - not syncing: sysrq triggered crash",
                                         "CPU: 1 PID: 80 Comm: sh Not tainted 6.12.0 #1"};

// A guest played by a script, booted and ready for the step loop.
struct ScriptedGuest {
  RunDir dir{"famlab-scripted-"};
  ScriptedBackend* backend = nullptr;
  std::unique_ptr<Guest> guest;

  ScriptedGuest(const std::string& name, testing::Script script) {
    guest = std::make_unique<Guest>();
    guest->name = name;
    auto b = std::make_unique<ScriptedBackend>(std::move(script));
    backend = b.get();
    guest->backend = std::move(b);
    guest->session = std::make_unique<vm::GuestSession>(
        *guest->backend, scripted_spec(dir.path()),
        vm::SessionLogs{dir.path() / "serial.log", dir.path() / "dmesg.log", dir.path() / "agent.log"});
    BootOutcome boot = boot_guest(*guest, 10);
    EXPECT_EQ(boot.step.status, Status::Passed) << boot.step.message;
  }
};

// Exec requests answer with the exit code the command names ("exit 3"),
// after `delay` seconds for "sleep".
testing::Script shell_like() {
  return [](const protocol::Request& req) {
    Reply r;
    if (req.shell.rfind("exit ", 0) == 0) r.exit_code = std::stoi(req.shell.substr(5));
    if (req.shell == "sleep") r.delay_s = 1.0;
    if (req.shell == "hang") r.never_answer = true;
    if (req.shell == "warn") r.kmsg = kWarn;
    if (req.shell == "panic") r.panic = kPanic;
    r.output = "ran: " + req.shell + "\n";
    return r;
  };
}

scenario::Step run(const std::string& name, const std::string& cmd, const std::string& guest = "") {
  scenario::Step s;
  s.name = name;
  s.action = scenario::Action::Run;
  s.command = cmd;
  s.guest = guest;
  s.timeout_s = 20;
  return s;
}

scenario::Scenario scenario_of(std::vector<scenario::Step> steps, std::vector<std::string> guests = {""}) {
  scenario::Scenario sc;
  sc.name = "scripted";
  for (const auto& g : guests) sc.guests.push_back({g, "", {}});
  sc.steps = std::move(steps);
  return sc;
}

StepLoopResult run_on(const scenario::Scenario& sc, std::vector<Guest*> guests) {
  std::ostringstream sink;
  report::Terminal term(sink);
  return run_steps({sc, "plain", std::move(guests), std::chrono::steady_clock::now()}, term);
}

double seconds_of(const std::function<void()>& f) {
  auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

TEST(StepLoop, PassingStepsPassAndTheirOutputIsKept) {
  ScriptedGuest g("", shell_like());
  auto res = run_on(scenario_of({run("one", "true"), run("two", "exit 0")}), {g.guest.get()});
  EXPECT_EQ(res.status, Status::Passed) << res.message;
  ASSERT_EQ(res.steps.size(), 2u);
  EXPECT_EQ(res.steps[1].output, "ran: exit 0\n");
  EXPECT_EQ(g.backend->requests().size(), 2u);
}

TEST(StepLoop, AWrongExitFailsTheStepAndSkipsTheRest) {
  ScriptedGuest g("", shell_like());
  auto res = run_on(scenario_of({run("bad", "exit 3"), run("after", "true")}), {g.guest.get()});
  EXPECT_EQ(res.status, Status::Failed);
  EXPECT_EQ(res.message, "step 'bad': exit status 3, expected 0");
  EXPECT_EQ(res.steps[1].status, Status::Skipped);
  EXPECT_EQ(res.steps[1].message, "an earlier step failed");
  EXPECT_EQ(g.backend->requests().size(), 1u);  // "after" never reached the guest
}

TEST(StepLoop, AKernelWarningFailsTheStepItHappenedIn) {
  ScriptedGuest g("", shell_like());
  auto sc = scenario_of({run("fine", "true"), run("provoke", "warn"), run("later", "true")});
  sc.keep_going = true;
  auto res = run_on(sc, {g.guest.get()});
  EXPECT_EQ(res.steps[0].status, Status::Passed);
  EXPECT_EQ(res.steps[1].status, Status::Failed);
  ASSERT_FALSE(res.steps[1].splats.empty());
  EXPECT_EQ(res.steps[1].splats[0].kind, "WARNING");
  EXPECT_NE(res.steps[1].message.find("kernel WARNING during the step"), std::string::npos)
      << res.steps[1].message;
  EXPECT_EQ(res.steps[2].status, Status::Passed);  // keep_going, and the splat was pinned on its step only
}

TEST(StepLoop, APanicEndsTheGuestAndIsReportedAsAPanic) {
  ScriptedGuest g("", shell_like());
  auto sc = scenario_of({run("crash", "panic"), run("after", "true")});
  sc.keep_going = true;
  double s = seconds_of([&] {
    auto res = run_on(sc, {g.guest.get()});
    EXPECT_EQ(res.status, Status::Failed);
    EXPECT_NE(res.steps[0].message.find("kernel panic"), std::string::npos) << res.steps[0].message;
    EXPECT_NE(res.steps[0].message.find("sysrq triggered crash"), std::string::npos) << res.steps[0].message;
    EXPECT_EQ(res.steps[1].status, Status::Skipped);
    EXPECT_EQ(res.steps[1].message, "guest is gone");
  });
  EXPECT_LT(s, 10) << "a panic must not wait for the step's timeout";
}

TEST(StepLoop, TheScenarioTimeoutBoundsAStepsDeadline) {
  ScriptedGuest g("", shell_like());
  auto sc = scenario_of({run("hang", "hang"), run("after", "true")});  // the step's own timeout: 20 s
  sc.timeout_s = 2;
  double s = seconds_of([&] {
    auto res = run_on(sc, {g.guest.get()});
    EXPECT_EQ(res.status, Status::Failed);
    EXPECT_EQ(res.steps[0].message, "the scenario's timeout of 2 s ran out during the step");
    EXPECT_EQ(res.steps[1].status, Status::Skipped);
  });
  EXPECT_LT(s, 6) << "the step ran past its scenario's timeout";
}

TEST(StepLoop, AMalformedAgentResultIsTheAgentsFaultNamingTheField) {
  ScriptedGuest g("", [](const protocol::Request&) {
    Reply r;
    r.result = {{"bytes", 4096}};  // no dax, seconds, ...
    return r;
  });
  scenario::Step write;
  write.name = "write";
  write.action = scenario::Action::WritePattern;
  auto res = run_on(scenario_of({write}), {g.guest.get()});
  EXPECT_EQ(res.status, Status::Failed);
  EXPECT_EQ(res.steps[0].message,
            "the agent's write_pattern result is malformed: pattern result: field 'dax' is missing");
}

TEST(StepLoop, VerifyFailsOnMismatchesInTheTypedResult) {
  ScriptedGuest g("", [](const protocol::Request&) {
    Reply r;
    r.result =
        protocol::encode(protocol::PatternResult{"/dev/dax0.0", 4096, 0.1, 0.04, 2, {8, 16}, std::nullopt});
    return r;
  });
  scenario::Step verify;
  verify.name = "verify";
  verify.action = scenario::Action::VerifyPattern;
  auto res = run_on(scenario_of({verify}), {g.guest.get()});
  EXPECT_EQ(res.steps[0].status, Status::Failed);
  EXPECT_EQ(res.steps[0].message, "read back 2 words that differ from what was written");
}

TEST(StepLoop, ABackgroundStepRunsWhileAnotherGuestWorksAndJoinWaitsForIt) {
  ScriptedGuest a("a", shell_like()), b("b", shell_like());
  auto producer = run("producer", "sleep", "a");
  producer.background = true;
  scenario::Step join;
  join.name = "wait";
  join.action = scenario::Action::Join;
  join.join = "producer";
  auto sc =
      scenario_of({producer, run("consumer", "sleep", "b"), join, run("after", "true", "a")}, {"a", "b"});
  StepLoopResult res;
  double s = seconds_of([&] { res = run_on(sc, {a.guest.get(), b.guest.get()}); });
  EXPECT_EQ(res.status, Status::Passed) << res.message;
  ASSERT_EQ(res.steps.size(), 4u);
  EXPECT_EQ(res.steps[0].name, "producer");
  EXPECT_EQ(res.steps[0].guest, "a");
  EXPECT_EQ(res.steps[0].output, "ran: sleep\n");
  EXPECT_EQ(res.steps[1].guest, "b");
  EXPECT_EQ(res.steps[2].output, "joined 'producer': passed");
  EXPECT_LT(s, 1.9) << "producer and consumer (1 s each) did not overlap";
  EXPECT_EQ(a.backend->requests().size(), 2u);
  EXPECT_EQ(b.backend->requests().size(), 1u);
}

TEST(StepLoop, AFailureOnAnotherGuestNamesThatGuest) {
  ScriptedGuest a("a", shell_like()), b("b", shell_like());
  auto res = run_on(scenario_of({run("fine", "true", "a"), run("bad", "exit 1", "b")}, {"a", "b"}),
                    {a.guest.get(), b.guest.get()});
  EXPECT_EQ(res.message, "step 'bad' on guest b: exit status 1, expected 0");
}

TEST(StepLoop, AnIdleGuestThatPanicsFailsTheRunningStepNamingIt) {
  ScriptedGuest a("a", shell_like()), b("b", shell_like());
  auto sc = scenario_of({run("work", "sleep", "a"), run("on-b", "true", "b")}, {"a", "b"});
  sc.keep_going = true;
  std::thread crash([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    b.backend->panic_now(kPanic);
  });
  auto res = run_on(sc, {a.guest.get(), b.guest.get()});
  crash.join();
  EXPECT_EQ(res.steps[0].status, Status::Failed);
  EXPECT_NE(res.steps[0].message.find("guest b while idle: kernel panic"), std::string::npos)
      << res.steps[0].message;
  EXPECT_EQ(res.steps[1].status, Status::Skipped);
  EXPECT_EQ(res.steps[1].message, "guest b is gone");
}

TEST(StepLoop, AnIdleGuestsSplatFailsTheRunningStepNamingIt) {
  ScriptedGuest a("a", shell_like()), b("b", shell_like());
  auto sc = scenario_of({run("work", "sleep", "a")}, {"a", "b"});
  std::thread warn([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    for (const auto& l : kWarn) b.backend->send_kmsg(l);
  });
  auto res = run_on(sc, {a.guest.get(), b.guest.get()});
  warn.join();
  EXPECT_EQ(res.steps[0].status, Status::Failed);
  EXPECT_NE(res.steps[0].message.find("kernel WARNING on guest b (idle) during the step"), std::string::npos)
      << res.steps[0].message;
}

TEST(Launch, AGuestThatNeverSaysHelloTimesOutAtBoot) {
  RunDir dir("famlab-scripted-");
  Guest g;
  g.backend = std::make_unique<ScriptedBackend>(shell_like(), /*say_hello=*/false);
  g.session = std::make_unique<vm::GuestSession>(
      *g.backend, scripted_spec(dir.path()),
      vm::SessionLogs{dir.path() / "serial.log", dir.path() / "dmesg.log", dir.path() / "agent.log"});
  BootOutcome boot = boot_guest(g, 1);
  EXPECT_EQ(boot.step.status, Status::Failed);
  EXPECT_EQ(boot.step.message, "timeout: no hello from the agent within 1 s");
  EXPECT_FALSE(boot.infrastructure);
}

}  // namespace
}  // namespace famlab::runner
