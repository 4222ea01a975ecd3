#pragma once
// Where a guest runs. Two implementations: QEMU started directly
// (qemu_backend) and a libvirt domain (libvirt_backend). Everything above
// this interface is the same for both.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "lab/plan/vm_description.h"
#include "lab/vm/qmp_transport.h"

namespace famlab::vm {

struct VmSpec {
  plan::VmDescription vm;         // from plan::describe_vm; each backend renders it
  bool interactive = false;       // console on the user's terminal
  std::filesystem::path run_dir;  // the run's private directory (backing files live here)
  // Multi-guest scenarios: the private directory above run_dir that holds
  // the files several guests share (their shared memory). A backend whose
  // VM runs as another user hands it over along with run_dir.
  std::filesystem::path shared_dir;
};

// The place a guest runs failed, not the guest: a libvirt host that cannot
// be reached (Down) or that would not start the domain (Refused). The
// runner moves the scenario to another host.
class HostError : public Error {
 public:
  enum class Kind { Down, Refused };
  HostError(Kind kind, const std::string& what) : Error(what), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
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
  // Why the host went away while the guest ran (connection lost), if it did:
  // the run says nothing about the guest then.
  virtual std::optional<std::string> host_failure() const { return std::nullopt; }
  // How QMP reaches this guest's QEMU, once started; nullptr when this
  // backend has no way (the transport is opened by its user).
  virtual std::unique_ptr<QmpTransport> qmp_transport(std::shared_ptr<QmpTranscript> transcript) {
    (void)transcript;
    return nullptr;
  }
  // What, besides its QEMU command, decides whether a machine state saved
  // from one of this backend's guests loads into another (a snapshot's
  // key): nothing for a QEMU famlab starts itself; the host and its
  // libvirt and QEMU versions for a libvirt domain.
  virtual std::string machine_identity() const { return ""; }
  // Whether QEMU may only touch files in the guest's run directory (it runs
  // as another user, or on another host sharing that directory): a state it
  // saves is written there, and a state it restores is staged there.
  virtual bool confined_to_run_dir() const { return false; }
};

}  // namespace famlab::vm
