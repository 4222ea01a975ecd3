#pragma once
// Runs scenarios on kernels over the pool of hosts: for each (scenario,
// kernel) pair it prepares the kernel and the image (both cached), launches
// the scenario's guests (launch.h), runs its steps (scenario_run.h) and
// records a ScenarioResult with its artifact folder. One pair's failure
// never stops the others; reports are rewritten after every scenario.
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "lab/kernel/kernel.h"
#include "lab/report/results.h"
#include "lab/report/terminal.h"
#include "lab/runner/guest_software.h"
#include "lab/runner/host_pool.h"
#include "lab/runner/launch.h"
#include "lab/runner/snapshot_store.h"
#include "lab/scenario/scenario_check.h"

namespace famlab::vm {
class LibvirtConnection;
}

namespace famlab::runner {

struct RunOptions {
  std::vector<kernel::KernelRequest> kernels;  // at least one
  std::filesystem::path report_dir = "famlab-report";
  double boot_timeout_s = 180;
  bool keep_run_dirs = false;    // keep backing files and sockets for debugging
  std::string backend = "qemu";  // "qemu" (direct QEMU here) or "libvirt"
  int local_jobs = 1;            // qemu: scenarios at a time on this machine (-j)
  bool cold = false;             // never start from a snapshot nor take one (--cold)
  std::vector<HostSpec> hosts;   // libvirt: the pool (parse_hosts); empty = libvirt's default URI
};

// Expands directories into the scenario files they hold (*.toml, sorted).
std::vector<std::filesystem::path> expand_scenario_args(const std::vector<std::string>& args);

class Runner {
 public:
  Runner(RunOptions options, report::Terminal& terminal);
  report::RunResult run(const std::vector<std::filesystem::path>& scenario_files);

 private:
  // Where one scenario runs: direct QEMU (no connection) or a libvirt host.
  struct Placement {
    std::string backend;
    std::string host;
    std::shared_ptr<vm::LibvirtConnection> connection;
  };
  report::ScenarioResult run_one(const scenario::Scenario& sc, const kernel::KernelRequest& kreq,
                                 const std::string& folder, report::Terminal& term, const Placement& where,
                                 bool cold = false);
  // run_one, and when the scenario did not pass on a guest that was
  // restored from a snapshot or whose timers stopped
  // (needs_a_cold_confirmation), once more from a cold boot: that run is
  // the one reported, the first is kept in <folder>/first-run and named in
  // the attempts. A failure famlab reports therefore reproduces from a cold
  // boot (qemu-command.sh), and neither a flaw of a snapshot nor the
  // emulator's lost timer interrupts become a verdict on their own.
  report::ScenarioResult run_confirmed(const scenario::Scenario& sc, const kernel::KernelRequest& kreq,
                                       const std::string& folder, report::Terminal& term,
                                       const Placement& where);
  const GuestSoftware& software(const kernel::KernelRequest& kreq);
  std::vector<std::unique_ptr<Guest>> plan_guests(const scenario::Scenario& sc, const GuestSoftware& sw,
                                                  const std::filesystem::path& run_dir,
                                                  const std::filesystem::path& artifacts,
                                                  const BackendFactory& make_backend,
                                                  const std::filesystem::path& restore_state = {});
  // Where this scenario's boot may use snapshots (snapshot_boot.h): a single
  // guest (on either backend), a kernel that is not a mutant, not --cold.
  // nullptr otherwise.
  SnapshotStore* snapshot_store(const scenario::Scenario& sc, const kernel::KernelRequest& kreq, bool cold);
  // How this scenario's guests get their VMs: QEMU children, or libvirt
  // domains on `where`, one per guest, named after scenario, kernel and guest.
  BackendFactory backend_factory(const scenario::Scenario& sc, const report::ScenarioResult& res,
                                 const Placement& where);

  RunOptions options_;
  report::Terminal& term_;
  std::mutex software_mu_;                         // scenarios run in parallel on a libvirt pool
  std::map<std::string, GuestSoftware> software_;  // by kernel spec
  std::string run_id_;                             // names this run's libvirt domains
  std::unique_ptr<SnapshotStore> snapshots_;       // made on first use
};

}  // namespace famlab::runner
