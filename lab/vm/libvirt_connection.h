#pragma once
// libvirt's C API with RAII: a connection to one host (virConnectPtr), its
// domains and streams. Every libvirt failure becomes a famlab::Error (or a
// HostError when the host is at fault) carrying the URI and libvirt's own
// message; libvirt itself never prints to stderr.
#include <libvirt/libvirt.h>
#include <sys/types.h>

#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "lab/vm/backend.h"

namespace famlab::vm {

// libvirt's message for the calling thread's last error ("" if none).
std::string libvirt_error();
// Its error code (virErrorNumber), 0 if none.
int libvirt_error_code();
// Whether the last error is the connection's (RPC: the host went away, the
// transport broke), not the operation's.
bool libvirt_error_is_connection();

// Once per process, before the first connection: silences libvirt's stderr
// printing and runs its default event loop in a background thread (needed
// for keepalive, stream data on remote connections and noticing a
// connection that went away).
void libvirt_init();

class LibvirtConnection {
 public:
  // "" opens libvirt's default URI. Throws HostError(Down) naming the URI.
  explicit LibvirtConnection(const std::string& uri);
  ~LibvirtConnection();
  LibvirtConnection(const LibvirtConnection&) = delete;
  LibvirtConnection& operator=(const LibvirtConnection&) = delete;

  virConnectPtr get() const { return conn_; }
  // The URI as given, or the one libvirt chose when none was given.
  const std::string& uri() const { return uri_; }
  bool alive() const;
  // The host's name as libvirt reports it.
  std::string hostname() const;
  // "libvirt X.Y.Z, QEMU X.Y.Z" as the host reports them.
  std::string versions() const;
  // Whether the host is the machine famlab runs on: its files (run
  // directory, kernel) are the host's files.
  bool same_machine() const;
  // uid:gid libvirt runs QEMU as for this domain type (the DAC security
  // model's base label), when the host has one (system daemons do). Asked
  // once per connection.
  std::optional<std::pair<uid_t, gid_t>> qemu_owner(const std::string& domain_type = "qemu") const;

  // "libvirt URI: what: libvirt's message".
  std::string message(const std::string& what) const;

 private:
  virConnectPtr conn_ = nullptr;
  std::string uri_;
  mutable std::mutex caps_mu_;
  mutable std::optional<std::string> caps_;  // virConnectGetCapabilities, cached
};

// The base label "+64055:+64055" of a capabilities document's DAC model for
// domain_type (parsed here so it is testable without a daemon).
std::optional<std::pair<uid_t, gid_t>> dac_base_label(const std::string& capabilities_xml,
                                                      const std::string& domain_type);

// An owned virDomainPtr.
class LibvirtDomain {
 public:
  LibvirtDomain() = default;
  explicit LibvirtDomain(virDomainPtr d) : dom_(d) {}
  ~LibvirtDomain() { reset(); }
  LibvirtDomain(LibvirtDomain&& o) noexcept : dom_(std::exchange(o.dom_, nullptr)) {}
  LibvirtDomain& operator=(LibvirtDomain&& o) noexcept {
    if (this != &o) {
      reset();
      dom_ = std::exchange(o.dom_, nullptr);
    }
    return *this;
  }
  LibvirtDomain(const LibvirtDomain&) = delete;
  LibvirtDomain& operator=(const LibvirtDomain&) = delete;

  virDomainPtr get() const { return dom_; }
  explicit operator bool() const { return dom_ != nullptr; }
  std::string name() const;
  bool persistent() const;
  // The element in namespace ns under <metadata>, if there is one.
  std::optional<std::string> metadata(const std::string& ns) const;
  void reset();

 private:
  virDomainPtr dom_ = nullptr;
};

// Every domain on the host that is running (transient and persistent).
std::vector<LibvirtDomain> list_active_domains(const LibvirtConnection& c);

}  // namespace famlab::vm
