#include "lab/runner/scenario_run.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "base/small_file.h"
#include "lab/common/paths.h"
#include "lab/report/terminal.h"
#include "lab/runner/scripted_guest.h"
#include "lab/topology/load.h"
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
        vm::SessionLogs{dir.path() / "serial.log", dir.path() / "dmesg.log", dir.path() / "agent.log", {}});
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
    if (req.shell == "save")
      r.output += "famlab-artifact-begin m.fmap\nreply 00\nfamlab-artifact-end m.fmap\n";
    if (req.shell == "save-badly") r.output += "famlab-artifact-begin m.fmap\nreply 00\n";
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

TEST(StepLoop, ArtifactBlocksInARunStepsOutputAreKeptInItsFolder) {
  ScriptedGuest g("", shell_like());
  g.guest->artifacts = g.dir.path();
  auto sc = scenario_of({run("fuzz", "save"), run("broken", "save-badly")});
  sc.keep_going = true;
  auto res = run_on(sc, {g.guest.get()});
  EXPECT_EQ(res.steps[0].status, Status::Passed) << res.steps[0].message;
  EXPECT_EQ(res.steps[0].data["artifacts"], nlohmann::json::array({"fuzz/m.fmap"}));
  EXPECT_EQ(res.steps[0].data["exit"], 0);
  EXPECT_EQ(read_small_file(g.dir.path() / "fuzz" / "m.fmap"), "reply 00\n");
  EXPECT_EQ(res.steps[1].status, Status::Failed);
  EXPECT_EQ(res.steps[1].message,
            "output artifacts: artifact 'm.fmap' has no end line (famlab-artifact-end m.fmap)");
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
  // Well under the step's 20 s timeout, with room for a loaded machine.
  EXPECT_LT(s, 15) << "a panic must not wait for the step's timeout";
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
  // The message says which deadline ended it; this says it was not the
  // step's own 20 s (with room for a loaded machine).
  EXPECT_LT(s, 15) << "the step ran past its scenario's timeout";
}

// The agent enforces a step's timeout itself; the host waits 15 s longer.
// When even that passes, an agent that answers a probe at once is in a guest
// whose timers stopped; one that does not is stuck in the guest's kernel.
TEST(StepLoop, AnAgentThatMissedItsOwnDeadlineButAnswersMeansTheGuestsTimersStopped) {
  ScriptedGuest g("", shell_like());
  auto step = run("wait", "hang");
  step.timeout_s = 1;
  auto res = run_on(scenario_of({step}), {g.guest.get()});
  EXPECT_EQ(res.status, Status::Failed);
  EXPECT_EQ(res.steps[0].data.value("guest_timers_stopped", false), true) << res.steps[0].data.dump();
  EXPECT_NE(
      res.steps[0].message.find("the guest's timers stopped (its agent answers at once, but its own 1 s "
                                "deadline never fired)"),
      std::string::npos)
      << res.steps[0].message;
  ASSERT_GE(g.backend->requests().size(), 2u);
  EXPECT_EQ(g.backend->requests()[1].argv, std::vector<std::string>{"true"});  // the probe
}

TEST(StepLoop, AnAgentThatAnswersNothingIsStuckNotATimerProblem) {
  ScriptedGuest g("", [](const protocol::Request&) {
    Reply r;
    r.never_answer = true;
    return r;
  });
  auto step = run("wait", "hang");
  step.timeout_s = 1;
  auto res = run_on(scenario_of({step}), {g.guest.get()});
  EXPECT_EQ(res.status, Status::Failed);
  EXPECT_FALSE(res.steps[0].data.is_object() && res.steps[0].data.contains("guest_timers_stopped"));
  EXPECT_EQ(res.steps[0].message.find("timers stopped"), std::string::npos) << res.steps[0].message;
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

// Overlap is shown by order, not by a stopwatch: the producer (on a)
// answers only once the consumer's request has reached b, which happens only
// when the step loop sends it while the producer still runs. (A limit of
// 1.9 s on two 1 s steps failed at 2.2 s on a loaded machine.)
TEST(StepLoop, ABackgroundStepRunsWhileAnotherGuestWorksAndJoinWaitsForIt) {
  std::atomic<bool> consumer_arrived{false}, overlapped{false};
  ScriptedGuest a("a",
                  [&](const protocol::Request&req) {
                    Reply r = shell_like()(req);
                    if (req.shell == "sleep") {
                      r.delay_s = 0;
                      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
                      while (!consumer_arrived && std::chrono::steady_clock::now() < deadline)
                        std::this_thread::sleep_for(std::chrono::milliseconds(1));
                      overlapped = consumer_arrived.load();
                    }
                    return r;
                  }),
      b("b", [&](const protocol::Request&req) {
        if (req.shell == "sleep") consumer_arrived = true;
        return shell_like()(req);
      });
  auto producer = run("producer", "sleep", "a");
  producer.background = true;
  scenario::Step join;
  join.name = "wait";
  join.action = scenario::Action::Join;
  join.join = "producer";
  auto sc =
      scenario_of({producer, run("consumer", "sleep", "b"), join, run("after", "true", "a")}, {"a", "b"});
  StepLoopResult res = run_on(sc, {a.guest.get(), b.guest.get()});
  EXPECT_EQ(res.status, Status::Passed) << res.message;
  ASSERT_EQ(res.steps.size(), 4u);
  EXPECT_EQ(res.steps[0].name, "producer");
  EXPECT_EQ(res.steps[0].guest, "a");
  EXPECT_EQ(res.steps[0].output, "ran: sleep\n");
  EXPECT_EQ(res.steps[1].guest, "b");
  EXPECT_EQ(res.steps[2].output, "joined 'producer': passed");
  EXPECT_TRUE(overlapped) << "the consumer was not sent while the producer ran";
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
      vm::SessionLogs{dir.path() / "serial.log", dir.path() / "dmesg.log", dir.path() / "agent.log", {}});
  BootOutcome boot = boot_guest(g, 1);
  EXPECT_EQ(boot.step.status, Status::Failed);
  EXPECT_EQ(boot.step.message, "timeout: no hello from the agent within 1 s");
  EXPECT_FALSE(boot.infrastructure);
}

// A guest in its own folder whose QEMU crashes as it starts (134: it
// aborted on an assertion), or boots when `crash` is false.
std::unique_ptr<Guest> scripted_guest(const fs::path& dir, const std::string& name, bool crash) {
  auto g = std::make_unique<Guest>();
  g->name = name;
  g->artifacts = dir / name;
  fs::create_directories(g->artifacts);
  auto b = std::make_unique<ScriptedBackend>(shell_like());
  if (crash)
    b->crash_on_start({"qemu-system-x86_64: system/physmem.c:2678: iotlb_to_section: Assertion failed."},
                      134);
  g->backend = std::move(b);
  vm::VmSpec spec = scripted_spec(g->artifacts);
  g->session = std::make_unique<vm::GuestSession>(
      *g->backend, spec,
      vm::SessionLogs{
          g->artifacts / "serial.log", g->artifacts / "dmesg.log", g->artifacts / "agent.log", {}});
  return g;
}

TEST(Launch, AQemuCrashBeforeHelloBootsAllGuestsOnceMoreAndKeepsTheCrashedConsole) {
  RunDir dir("famlab-scripted-");
  std::vector<std::unique_ptr<Guest>> first;
  first.push_back(scripted_guest(dir.path(), "a", false));
  first.push_back(scripted_guest(dir.path(), "b", true));
  int replans = 0;
  BootedGuests booted = boot_guests_once_more(
      std::move(first),
      [&] {
        ++replans;
        std::vector<std::unique_ptr<Guest>> fresh;
        fresh.push_back(scripted_guest(dir.path(), "a", false));
        fresh.push_back(scripted_guest(dir.path(), "b", false));
        return fresh;
      },
      10);
  EXPECT_EQ(replans, 1);
  ASSERT_EQ(booted.boots.size(), 2u);
  EXPECT_EQ(booted.boots[0].step.status, Status::Passed) << booted.boots[0].step.message;
  EXPECT_EQ(booted.boots[1].step.status, Status::Passed) << booted.boots[1].step.message;
  EXPECT_NE(booted.retried.find("guest b: vm exited: QEMU died of signal 6 before the agent said hello"),
            std::string::npos)
      << booted.retried;
  EXPECT_NE(read_small_file(dir.path() / "b" / "serial.qemu-crash.log").find("iotlb_to_section"),
            std::string::npos);
  shutdown_guests(booted.guests, 5);
}

TEST(Launch, ASecondQemuCrashIsTheBootsErrorAndAGuestThatJustExitsIsNotRetried) {
  RunDir dir("famlab-scripted-");
  std::vector<std::unique_ptr<Guest>> first;
  first.push_back(scripted_guest(dir.path(), "a", true));
  BootedGuests twice = boot_guests_once_more(
      std::move(first),
      [&] {
        std::vector<std::unique_ptr<Guest>> fresh;
        fresh.push_back(scripted_guest(dir.path(), "a", true));
        return fresh;
      },
      10);
  ASSERT_EQ(twice.boots.size(), 1u);
  EXPECT_EQ(twice.boots[0].step.status, Status::Failed);
  EXPECT_TRUE(twice.boots[0].infrastructure);
  EXPECT_TRUE(twice.boots[0].qemu_crashed);
  EXPECT_FALSE(twice.retried.empty());

  // QEMU that exits normally (it refused its arguments, exit 1) would only
  // fail the same way again.
  std::vector<std::unique_ptr<Guest>> refused;
  refused.push_back(scripted_guest(dir.path(), "c", false));
  static_cast<ScriptedBackend&>(*refused[0]->backend).crash_on_start({"qemu: bad option"}, 1);
  int replans = 0;
  BootedGuests once = boot_guests_once_more(
      std::move(refused),
      [&] {
        ++replans;
        return std::vector<std::unique_ptr<Guest>>{};
      },
      10);
  EXPECT_EQ(replans, 0);
  EXPECT_TRUE(once.retried.empty());
  EXPECT_TRUE(once.boots[0].infrastructure);
  EXPECT_FALSE(once.boots[0].qemu_crashed);
  EXPECT_EQ(once.boots[0].step.message,
            "guest c: vm exited: QEMU exited before the agent said hello (see serial.log)");
}

// A guest that brings up (as planned: an empty plan) and answers kmemleak's
// scripts: `kmemleak_exit` for each, and `leaks` as its report.
testing::Script with_kmemleak(int kmemleak_exit, const std::string& leaks) {
  return [=](const protocol::Request& req) {
    Reply r;
    if (req.op == protocol::Op::Bringup) {
      r.result = protocol::encode(protocol::BringupResult{});
      return r;
    }
    if (req.shell.find("kmemleak") != std::string::npos) {
      r.exit_code = kmemleak_exit;
      if (req.shell.find("cat $k") != std::string::npos) r.output = leaks;
      return r;
    }
    r.output = "ran: " + req.shell + "\n";
    return r;
  };
}

scenario::Step bringup() {
  scenario::Step s;
  s.name = "up";
  s.action = scenario::Action::Bringup;
  s.timeout_s = 20;
  return s;
}

StepLoopResult run_with_leak_check(const scenario::Scenario& sc, Guest* guest) {
  std::ostringstream sink;
  report::Terminal term(sink);
  return run_steps({sc, "famfs+debug", {guest}, std::chrono::steady_clock::now(), true}, term);
}

TEST(StepLoop, ALeakAfterTheStepsFailsTheKmemleakStepWithItsObject) {
  const std::string leak =
      "unreferenced object 0xffff888003a1c000 (size 64):\n"
      "  comm \"famfs\", pid 91, jiffies 4294901234\n"
      "  backtrace (crc 0):\n"
      "    kmalloc_trace+0x25/0x30\n";
  ScriptedGuest g("", with_kmemleak(0, leak));
  auto res = run_with_leak_check(scenario_of({bringup(), run("work", "true")}), g.guest.get());
  EXPECT_EQ(res.status, Status::Failed);
  ASSERT_EQ(res.steps.size(), 4u);  // up, work, kmemleak-baseline, kmemleak
  EXPECT_EQ(res.steps[2].name, "kmemleak-baseline");
  EXPECT_EQ(res.steps[2].status, Status::Passed) << res.steps[2].message;
  EXPECT_EQ(res.steps[3].name, "kmemleak");
  EXPECT_EQ(res.steps[3].status, Status::Failed);
  EXPECT_NE(res.message.find("0xffff888003a1c000"), std::string::npos) << res.message;
}

TEST(StepLoop, NoLeakPassesAndAKernelWithoutKmemleakSkipsTheCheck) {
  {
    ScriptedGuest g("", with_kmemleak(0, ""));
    auto res = run_with_leak_check(scenario_of({bringup(), run("work", "true")}), g.guest.get());
    EXPECT_EQ(res.status, Status::Passed) << res.message;
    ASSERT_EQ(res.steps.size(), 4u);
    EXPECT_EQ(res.steps[3].status, Status::Passed);
  }
  {
    ScriptedGuest g("", with_kmemleak(10, ""));  // leak_check.cpp: 10 = no kmemleak
    auto res = run_with_leak_check(scenario_of({bringup(), run("work", "true")}), g.guest.get());
    EXPECT_EQ(res.status, Status::Passed) << res.message;
    ASSERT_EQ(res.steps.size(), 4u);
    EXPECT_EQ(res.steps[2].status, Status::Skipped);
    EXPECT_EQ(res.steps[3].status, Status::Skipped);
  }
}

TEST(StepLoop, WithoutLeakCheckNoKmemleakStepIsAdded) {
  ScriptedGuest g("", with_kmemleak(0, "unreferenced object 0x1 (size 8):\n"));
  auto res = run_on(scenario_of({bringup(), run("work", "true")}), {g.guest.get()});
  EXPECT_EQ(res.status, Status::Passed) << res.message;
  EXPECT_EQ(res.steps.size(), 2u);
}

// An older QEMU lacks a command the scenario needs: that step and every
// later one are skipped with the reason, and the scenario is skipped, not
// failed.
TEST(StepLoop, AStepAnOlderQemuCannotRunSkipsTheRestAndTheScenario) {
  ScriptedGuest g("", shell_like());
  EXPECT_EQ(g.guest->qmp_problem, "scripted guest offers no QMP");
  g.guest->qmp = std::make_unique<vm::QmpClient>(
      std::make_unique<testing::ScriptedQmp>("7.2.0", std::vector<std::string>{"query-commands"}),
      std::make_shared<vm::QmpTranscript>(""));
  g.guest->qmp->connect(1);
  scenario::Step dram;
  dram.name = "dram";
  dram.action = scenario::Action::Qmp;
  dram.qmp_command = "cxl-inject-dram-event";
  auto res = run_on(scenario_of({run("before", "true"), dram, run("after", "true")}), {g.guest.get()});
  EXPECT_EQ(res.status, Status::Skipped);
  EXPECT_EQ(res.message,
            "step 'dram': QEMU 7.2.0 has no QMP command cxl-inject-dram-event (a newer QEMU has it)");
  EXPECT_EQ(res.steps[0].status, Status::Passed);
  EXPECT_EQ(res.steps[1].status, Status::Skipped);
  EXPECT_EQ(res.steps[2].status, Status::Skipped);
  EXPECT_EQ(res.steps[2].message, "an earlier step was skipped (" + res.message + ")");
}

// The poison list step, through the executor: the HPA it expects comes
// from the region base the guest's bringup reported.
TEST(StepLoop, PoisonListIsJudgedWithTheRegionBaseTheBringupReported) {
  for (uint64_t listed_hpa : {uint64_t{0x490003000}, uint64_t{0x490002000}}) {
    ScriptedGuest g("", [listed_hpa](const protocol::Request& req) {
      Reply r;
      if (req.op == protocol::Op::Bringup) {
        protocol::BringupResult b;
        protocol::RegionView v;
        v.index = 0;
        v.name = "region0";
        v.resource = 0x490000000;
        b.view.regions.push_back(v);
        r.result = protocol::encode(b);
      } else if (req.op == protocol::Op::PoisonList) {
        protocol::PoisonListResult list;
        list.triggered = {"mem0", "mem1"};
        list.records.push_back(
            {"mem1", "0000:0e:00.0", 0x1001, "region0", listed_hpa, 0x1000, 64, "Internal", ""});
        r.result = protocol::encode(list);
      }
      return r;
    });
    g.guest->topology =
        topology::load_topology(fs::path(FAMLAB_SOURCE_DIR) / "scenarios/topologies/cxl2-1hb.toml");
    scenario::Step up;
    up.name = "up";
    up.action = scenario::Action::Bringup;
    scenario::Step list;
    list.name = "list";
    list.action = scenario::Action::PoisonList;
    scenario::MemorySpot spot;
    spot.device = "mem1";
    spot.offset = 0x1000;
    list.expect_poison = std::vector<scenario::MemorySpot>{spot};
    auto res = run_on(scenario_of({up, list}), {g.guest.get()});
    if (listed_hpa == 0x490003000) {
      EXPECT_EQ(res.status, Status::Passed) << res.message;
    } else {
      EXPECT_EQ(res.status, Status::Failed);
      EXPECT_NE(res.message.find("to HPA 0x490002000, the host computes 0x490003000"), std::string::npos)
          << res.message;
    }
  }
}

TEST(StepLoop, TraceEventsAsksTheAgentForWhatItExpects) {
  ScriptedGuest g("", [](const protocol::Request& req) {
    Reply r;
    protocol::TraceEventsResult t;
    t.tracefs = "/sys/kernel/tracing";
    t.complete = true;
    if (req.op == protocol::Op::TraceEvents)
      t.events.push_back({"cxl/cxl_dram", 1.5, 0, "kworker/0:1-9", {{"log", "Warning"}}, "log=Warning ..."});
    r.result = protocol::encode(t);
    return r;
  });
  scenario::Step ev;
  ev.name = "events";
  ev.action = scenario::Action::TraceEvents;
  ev.timeout_s = 7;
  ev.trace_events = {"ras/aer_event"};
  scenario::ExpectedEvent dram;
  dram.event = "cxl/cxl_dram";
  dram.fields = {{"log", "Warning"}};
  ev.expect_events = {dram};
  auto res = run_on(scenario_of({ev}), {g.guest.get()});
  EXPECT_EQ(res.status, Status::Passed) << res.message;
  auto reqs = g.backend->requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].op, protocol::Op::TraceEvents);
  EXPECT_EQ(reqs[0].trace_events, (std::vector<std::string>{"ras/aer_event", "cxl/cxl_dram"}));
  EXPECT_EQ(reqs[0].await_events, (std::map<std::string, int>{{"cxl/cxl_dram", 1}}));
  EXPECT_DOUBLE_EQ(reqs[0].timeout_s, 7);
}

}  // namespace
}  // namespace famlab::runner
