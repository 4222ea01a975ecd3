#pragma once
// The libvirt backend: the guest is a transient libvirt domain
// (virDomainCreateXML) built from the same VM description as the direct
// backend (see domain_xml.h). The console and the agent channel come through
// libvirt streams (virDomainOpenConsole, virDomainOpenChannel), so they
// work the same for a local or a remote host; a pump thread moves their
// bytes to a socketpair (console_fd) and to a unix socket at the plan's
// description's agent socket path in the run directory, which the guest session connects
// to exactly as it does with direct QEMU.
//
// The domain is created paused, the streams are opened, then it runs: no
// console byte is lost. kill() destroys it; a famlab killed with SIGKILL
// leaves it running (libvirt owns QEMU), which is what `famlab gc` is for.
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "lab/vm/backend.h"
#include "lab/vm/domain_xml.h"
#include "lab/vm/libvirt_connection.h"

namespace famlab::vm {

class LibvirtBackend : public Backend {
 public:
  struct Options {
    std::shared_ptr<LibvirtConnection> connection;
    DomainOptions domain;             // name and owner; owner.run_dir is filled in from the VmSpec
    std::filesystem::path artifacts;  // domain.xml and domain-live.xml go here ("" = nowhere)
  };
  explicit LibvirtBackend(Options options);
  ~LibvirtBackend() override;

  // Throws HostError when the host cannot take the domain.
  void start(const VmSpec& spec) override;
  int console_fd() const override;
  std::optional<int> exited() override;
  void kill() override;
  std::string describe() const override;
  std::string machine_identity() const override;
  bool confined_to_run_dir() const override { return true; }
  std::optional<std::string> host_failure() const override { return host_failure_; }
  // libvirt owns QEMU's monitor: QMP goes through its passthrough.
  std::unique_ptr<QmpTransport> qmp_transport(std::shared_ptr<QmpTranscript> transcript) override;

  const std::string& domain_name() const { return options_.domain.name; }

 private:
  class Pump;
  using Clock = std::chrono::steady_clock;

  Options options_;
  LibvirtDomain dom_;
  std::unique_ptr<Pump> pump_;
  std::optional<int> exit_status_;
  std::optional<std::string> host_failure_;
  Clock::time_point next_check_{};
  std::optional<Clock::time_point> gone_at_;
  bool killed_ = false;
};

// Copies the kernel and initrd into the run directory (the libvirt-run QEMU
// may not be able to reach famlab's cache, and libvirt relabels these files)
// and returns the description naming the copies.
plan::VmDescription stage_boot_files(plan::VmDescription vm, const std::filesystem::path& run_dir);

}  // namespace famlab::vm
