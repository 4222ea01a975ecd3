#pragma once
// Runs scenarios on kernels: for each (scenario, kernel) pair it prepares
// the kernel and the image (both cached), plans the VM from the topology,
// boots it, executes the steps and records a ScenarioResult with its
// artifact folder. One pair's failure never stops the others.
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "lab/image/initramfs.h"
#include "lab/kernel/kernel.h"
#include "lab/report/results.h"
#include "lab/report/terminal.h"
#include "lab/runner/host_pool.h"
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
  std::string backend = "qemu";  // "qemu" (direct, one guest at a time) or "libvirt"
  std::vector<HostSpec> hosts;   // libvirt: the pool (parse_hosts); empty = libvirt's default URI
};

// Expands directories into the scenario files they hold (*.toml, sorted).
std::vector<std::filesystem::path> expand_scenario_args(const std::vector<std::string>& args);

// Everything a guest needs that does not depend on the scenario.
struct GuestSoftware {
  kernel::Kernel kernel;
  image::Image image;
};

// Resolves (building when needed) the kernel and the image for it.
GuestSoftware prepare_guest(const kernel::KernelRequest& request, report::Terminal& term);

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
                                 report::Terminal& term, const Placement& where);
  const GuestSoftware& software(const kernel::KernelRequest& kreq);

  RunOptions options_;
  report::Terminal& term_;
  std::mutex software_mu_;                         // scenarios run in parallel on a libvirt pool
  std::map<std::string, GuestSoftware> software_;  // by kernel spec
  std::string run_id_;                             // names this run's libvirt domains
};

std::string kernel_label(const kernel::KernelRequest& k);

}  // namespace famlab::runner
