#pragma once
// How QMP commands reach one guest's QEMU. Two implementations, so the
// runner does not care which backend runs the guest:
//   QmpSocketTransport   QEMU's monitor socket in the private run directory
//                        (the direct backend; never TCP)
//   QmpLibvirtTransport  libvirt's monitor passthrough
//                        (virDomainQemuMonitorCommand), for libvirt domains,
//                        local or remote
// Each writes what it sends and receives, as it goes over the wire, to the
// guest's transcript.
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "lab/vm/qmp_protocol.h"
#include "lab/vm/qmp_transcript.h"

namespace famlab::vm {

class QmpTransport {
 public:
  virtual ~QmpTransport() = default;
  // Makes the monitor ready for commands within timeout_s: the socket reads
  // QEMU's greeting and negotiates capabilities (returning the greeting);
  // libvirt has done that itself (nullopt). Throws QmpTransportError.
  virtual std::optional<QmpGreeting> open(double timeout_s) = 0;
  // One command and QEMU's reply to it. A command QEMU refuses is a reply
  // with an error; a monitor that is gone, closes or stays silent past
  // timeout_s throws QmpTransportError.
  virtual QmpReply execute(const std::string& command, const nlohmann::json& arguments, double timeout_s) = 0;
  // Asynchronous events QEMU sent since the last call, in order.
  virtual std::vector<QmpEvent> take_events() = 0;
  // "QMP socket /tmp/famlab-.../qmp.sock", "libvirt domain famlab-... on URI".
  virtual std::string describe() const = 0;
};

}  // namespace famlab::vm
