// famlab shell: the same lab, interactively. Regions are built and checked
// exactly as in a run; then a shell is on the console. Leave with `poweroff`
// (or Ctrl-A X, QEMU's escape).
#include <iostream>

#include "base/error.h"
#include "lab/cli/commands.h"
#include "lab/common/paths.h"
#include "lab/plan/guest_plan.h"
#include "lab/plan/qemu_args.h"
#include "lab/report/terminal.h"
#include "lab/runner/runner.h"
#include "lab/topology/load.h"
#include "lab/vm/guest_session.h"
#include "lab/vm/qemu_backend.h"

namespace famlab::cli {

int cmd_shell(const ShellArgs& args) {
  report::Terminal term(std::cerr);
  auto requests = args.kernel.requests();
  if (requests.size() != 1) throw Error("famlab shell takes one kernel");
  topology::Topology topo = topology::load_topology(args.topology);
  runner::GuestSoftware sw = runner::prepare_guest(requests[0], term);

  RunDir run_dir("famlab-shell-");
  plan::QemuInputs in;
  in.kernel = sw.kernel.image;
  in.initrd = sw.image.cpio;
  in.run_dir = run_dir.path();
  in.interactive = true;
  plan::QemuPlan qemu = plan::make_qemu_plan(topo, in);
  term.info("run directory " + run_dir.path().string() + " (backing files live here while the shell runs)");

  vm::QemuBackend backend;
  vm::GuestSession session(
      backend, {qemu.argv, qemu.agent_socket, true, run_dir.path()},
      {run_dir.path() / "serial.log", run_dir.path() / "dmesg.log", run_dir.path() / "agent.log"});
  vm::CallResult boot = session.boot(180);
  if (boot.outcome != vm::Outcome::Finished) throw Error("boot failed: " + boot.detail);
  if (!args.no_bringup) {
    protocol::Request req;
    req.op = protocol::Op::Bringup;
    req.plan = plan::make_guest_plan(topo);
    vm::CallResult r = session.call(req, 120);
    if (r.outcome != vm::Outcome::Finished || !r.finished.ok)
      term.info("bring-up FAILED: " + (r.finished.error.empty() ? r.detail : r.finished.error) +
                " (the shell starts anyway, to investigate)");
    else
      term.info("devdax ready after " + std::to_string(session.elapsed()) + " s");
  }
  protocol::Request sh;
  sh.op = protocol::Op::Shell;
  vm::CallResult started = session.call(sh, 30);
  if (started.outcome != vm::Outcome::Finished || !started.finished.ok)
    throw Error("the guest shell did not start: " +
                (started.finished.error.empty() ? started.detail : started.finished.error));
  session.wait_exit();
  return 0;
}

}  // namespace famlab::cli
