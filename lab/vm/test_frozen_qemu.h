#pragma once
// Test helper: a shipped topology's machine in a real QEMU, started frozen
// (-S, a stand-in kernel, so no guest runs) from its VM description, and a
// QmpClient connected to the description's monitor socket in a private
// directory. Killed with the object.
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "base/error.h"
#include "base/process.h"
#include "lab/common/paths.h"
#include "lab/plan/qemu_args.h"
#include "lab/plan/test_stand_in_kernel.h"
#include "lab/topology/load.h"
#include "lab/vm/qmp_client.h"
#include "lab/vm/qmp_socket.h"

namespace famlab::vm::test_support {

inline bool have_qemu() {
  try {
    find_program("qemu-system-x86_64");
    return true;
  } catch (const Error&) {
    return false;
  }
}

class FrozenQemu {
 public:
  // `topology`: a file name in scenarios/topologies. `restore_state`: a
  // machine state for it to load (-incoming) instead.
  explicit FrozenQemu(const std::string& topology, const std::filesystem::path& restore_state = {}) {
    plan::VmInputs in;
    in.kernel = run_.path() / "bzImage";
    in.initrd = run_.path() / "initrd";
    in.run_dir = run_.path();
    in.restore_state = restore_state;
    plan::test_support::write_stand_in_kernel(in.kernel);
    std::ofstream(in.initrd) << "initrd";
    auto plan = plan::make_qemu_plan(
        topology::load_topology(std::filesystem::path(FAMLAB_SOURCE_DIR) / "scenarios/topologies" / topology),
        in);
    std::vector<std::string> argv = plan.argv;
    argv.push_back("-S");
    ProcessOptions opts;
    opts.stdout_file = run_.path() / "qemu.log";
    qemu_ = std::make_unique<Child>(argv, opts);
    vm_ = plan.vm;
    client_ = std::make_unique<QmpClient>(
        std::make_unique<QmpSocketTransport>(plan.vm.qmp.socket, transcript_), transcript_);
    client_->connect(20);
  }
  ~FrozenQemu() {
    client_.reset();
    if (qemu_) {
      qemu_->kill_group();
      qemu_->wait();
    }
  }
  FrozenQemu(const FrozenQemu&) = delete;
  FrozenQemu& operator=(const FrozenQemu&) = delete;

  QmpClient& client() { return *client_; }
  const plan::VmDescription& vm() const { return vm_; }
  const std::filesystem::path& dir() const { return run_.path(); }
  std::filesystem::path transcript_file() const { return run_.path() / "qmp.log"; }

 private:
  RunDir run_{"famlab-frozen-qemu-"};
  plan::VmDescription vm_;
  std::shared_ptr<QmpTranscript> transcript_ = std::make_shared<QmpTranscript>(run_.path() / "qmp.log");
  std::unique_ptr<Child> qemu_;
  std::unique_ptr<QmpClient> client_;
};

}  // namespace famlab::vm::test_support
