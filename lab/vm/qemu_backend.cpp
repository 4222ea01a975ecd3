#include "lab/vm/qemu_backend.h"

#include <chrono>

#include "base/error.h"
#include "lab/plan/qemu_args.h"

namespace famlab::vm {

void QemuBackend::start(const VmSpec& spec) {
  if (child_) throw Error("QemuBackend: already started");
  ProcessOptions opts;
  opts.inherit_stdio = spec.interactive;
  // An interactive QEMU reads the terminal, so it must stay in the
  // foreground process group (it still dies with famlab).
  opts.own_process_group = !spec.interactive;
  child_ = std::make_unique<Child>(plan::to_qemu_argv(spec.vm), opts);
}

int QemuBackend::console_fd() const { return child_ ? child_->output_fd() : -1; }

std::optional<int> QemuBackend::exited() {
  if (!child_) return 0;
  return child_->wait_for(std::chrono::milliseconds(0));
}

void QemuBackend::kill() {
  if (!child_) return;
  child_->kill_group(9);
  child_->wait();
}

std::string QemuBackend::describe() const {
  return child_ ? "qemu pid " + std::to_string(child_->pid()) : "qemu (not started)";
}

}  // namespace famlab::vm
