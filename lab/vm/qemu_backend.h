#pragma once
// The direct backend: qemu-system-x86_64 as a child of famlab, in its own
// process group, killed with famlab (see common/process.h).
#include <memory>

#include "base/process.h"
#include "lab/vm/backend.h"

namespace famlab::vm {

class QemuBackend : public Backend {
 public:
  void start(const VmSpec& spec) override;
  int console_fd() const override;
  std::optional<int> exited() override;
  void kill() override;
  std::string describe() const override;
  // QEMU's own monitor socket in the run directory (the description's).
  std::unique_ptr<QmpTransport> qmp_transport(std::shared_ptr<QmpTranscript> transcript) override;

 private:
  std::unique_ptr<Child> child_;
  std::filesystem::path qmp_socket_;
};

}  // namespace famlab::vm
