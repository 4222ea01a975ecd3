// famlab shell: the same lab, interactively. The guests are launched and
// their regions built and checked exactly as in a run (lab/runner/launch.h);
// then a shell is on one guest's console. Leave with `exit` (or Ctrl-A X,
// QEMU's escape). With --scenario, every guest of a multi-guest scenario
// boots (sharing its memory as in a run) and --guest names the one whose
// console you get.
#include <iostream>

#include "base/error.h"
#include "lab/cli/commands.h"
#include "lab/common/paths.h"
#include "lab/report/terminal.h"
#include "lab/runner/launch.h"
#include "lab/scenario/scenario_check.h"
#include "lab/vm/qemu_backend.h"

namespace famlab::cli {
namespace {

// The guests to launch: the topology's one, or the scenario's.
std::vector<runner::GuestSetup> guest_setups(const ShellArgs& args, const runner::GuestSoftware& sw,
                                             const std::filesystem::path& run_dir) {
  std::vector<runner::GuestSetup> setups;
  if (args.scenario.empty()) {
    if (!args.guest.empty()) throw Error("--guest names a guest of --scenario; give --scenario FILE");
    runner::GuestSetup one;
    one.topology_file = args.topology;
    one.interactive = true;
    setups.push_back(one);
  } else {
    scenario::Scenario sc = scenario::load_scenario(args.scenario);
    std::string known;
    for (const auto& g : sc.guests) known += (known.empty() ? "" : ", ") + g.name;
    std::string wanted = args.guest.empty() ? sc.guests.front().name : args.guest;
    bool found = false;
    auto shared = runner::make_shared_memory(sc, run_dir);
    for (const auto& g : sc.guests) {
      runner::GuestSetup s;
      s.name = g.name;
      s.topology_file = g.topology_file;
      s.interactive = g.name == wanted;
      s.shared_volatile = shared;
      found = found || s.interactive;
      setups.push_back(s);
    }
    if (!found)
      throw Error(Location{args.scenario}, "no guest named '" + args.guest + "' (guests: " + known + ")");
  }
  for (auto& s : setups) {
    s.software = &sw;
    s.run_dir = s.name.empty() ? run_dir : run_dir / s.name;
    s.artifacts = s.run_dir;
    std::filesystem::create_directories(s.run_dir);
  }
  return setups;
}

}  // namespace

int cmd_shell(const ShellArgs& args) {
  report::Terminal term(std::cerr);
  auto requests = args.kernel.requests();
  if (requests.size() != 1) throw Error("famlab shell takes one kernel");
  if (args.topology.empty() == args.scenario.empty())
    throw Error("famlab shell takes --topology FILE or --scenario FILE [--guest NAME]");
  runner::GuestSoftware sw = runner::prepare_guest(requests[0], term);
  RunDir run_dir("famlab-shell-");
  term.info("run directory " + run_dir.path().string() +
            " (backing files and logs live here while the shell runs)");

  std::vector<std::unique_ptr<runner::Guest>> guests;
  runner::Guest* console = nullptr;
  for (const auto& setup : guest_setups(args, sw, run_dir.path())) {
    guests.push_back(runner::plan_guest(
        setup, [](const runner::GuestSetup&) { return std::make_unique<vm::QemuBackend>(); }));
    if (setup.interactive) console = guests.back().get();
  }
  for (const auto& boot : runner::boot_guests(guests, 180))
    if (boot.step.status != report::Status::Passed) throw Error("boot failed: " + boot.step.message);

  if (!args.no_bringup) {
    for (auto& g : guests) {
      protocol::Request req;
      req.op = protocol::Op::Bringup;
      req.plan = g->guest_plan;
      vm::CallResult r = g->session->call(req, 120);
      std::string who = g->name.empty() ? "" : "guest " + g->name + ": ";
      if (r.outcome != vm::Outcome::Finished || !r.finished.ok)
        term.info(who + "bring-up FAILED: " + (r.finished.error.empty() ? r.detail : r.finished.error) +
                  " (the shell starts anyway, to investigate)");
      else
        term.info(who + "devdax ready after " + std::to_string(g->session->elapsed()) + " s");
    }
  }
  protocol::Request sh;
  sh.op = protocol::Op::Shell;
  vm::CallResult started = console->session->call(sh, 30);
  if (started.outcome != vm::Outcome::Finished || !started.finished.ok)
    throw Error("the guest shell did not start: " +
                (started.finished.error.empty() ? started.detail : started.finished.error));
  console->session->wait_exit();
  for (auto& g : guests)
    if (g.get() != console) g->session->shutdown(5);
  return 0;
}

}  // namespace famlab::cli
