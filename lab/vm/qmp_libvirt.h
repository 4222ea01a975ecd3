#pragma once
// QMP through libvirt, for guests that are libvirt domains: libvirt owns
// QEMU's monitor, so commands go through its passthrough
// (virDomainQemuMonitorCommand, libvirt-qemu) and events come from its
// QEMU monitor event callback. Works the same over a remote connection.
// libvirt assigns the command ids itself. The deadline of a command is
// libvirt's own (its monitor job timeout): the passthrough call has none.
#include <libvirt/libvirt.h>

#include <memory>
#include <string>

#include "lab/vm/libvirt_connection.h"
#include "lab/vm/qmp_transport.h"

namespace famlab::vm {

class QmpLibvirtTransport : public QmpTransport {
 public:
  // Holds its own reference to `domain` (virDomainRef).
  QmpLibvirtTransport(std::shared_ptr<LibvirtConnection> connection, virDomainPtr domain,
                      std::shared_ptr<QmpTranscript> transcript);
  ~QmpLibvirtTransport() override;
  QmpLibvirtTransport(const QmpLibvirtTransport&) = delete;
  QmpLibvirtTransport& operator=(const QmpLibvirtTransport&) = delete;

  std::optional<QmpGreeting> open(double timeout_s) override;
  QmpReply execute(const std::string& command, const nlohmann::json& arguments, double timeout_s) override;
  std::vector<QmpEvent> take_events() override;
  std::string describe() const override;

  struct Events;  // shared with libvirt's event thread (its callback is a free function)

 private:
  std::shared_ptr<LibvirtConnection> connection_;
  LibvirtDomain domain_;
  std::string name_;
  std::shared_ptr<QmpTranscript> transcript_;
  std::shared_ptr<Events> events_;
  int callback_id_ = -1;
};

}  // namespace famlab::vm
