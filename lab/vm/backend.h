#pragma once
// Where a guest runs. Two implementations: QEMU started directly
// (qemu_backend) and, later, a libvirt domain. Everything above this
// interface is the same for both.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace famlab::vm {

struct VmSpec {
  std::vector<std::string> qemu_argv;     // from plan::make_qemu_plan
  std::filesystem::path agent_socket;     // the virtio-serial chardev socket
  bool interactive = false;               // console on the user's terminal
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual void start(const VmSpec& spec) = 0;
  // Console output to read (non-blocking), or -1 when it goes elsewhere.
  virtual int console_fd() const = 0;
  // nullopt while the guest runs; its exit status once it stopped.
  virtual std::optional<int> exited() = 0;
  // Immediate teardown; safe to call more than once.
  virtual void kill() = 0;
  virtual std::string describe() const = 0;  // e.g. "qemu pid 1234"
};

}  // namespace famlab::vm
