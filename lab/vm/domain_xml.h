#pragma once
// QEMU plan -> libvirt domain XML. A pure function over the argv that
// plan::make_qemu_plan produced for the direct backend, so the topology is
// turned into QEMU arguments in exactly one place and both backends build
// the same guest hardware.
//
// The split (one table in domain_xml.cpp):
//   libvirt elements   -accel (domain type), -cpu, -machine TYPE, -m (memory,
//                      maxMemory slots, one NUMA cell as libvirt requires for
//                      memory slots), -smp, -kernel/-initrd/-append (<os>),
//                      -bios (<loader>), -no-reboot (<on_reboot>destroy),
//                      -serial (a pty <serial>+<console>: virDomainOpenConsole),
//                      the agent's virtio-serial controller and port (a unix
//                      <channel> whose socket libvirt places itself:
//                      virDomainOpenChannel), -nodefaults/-display none
//                      (libvirt's defaults)
//   <qemu:commandline> everything else: memory backends, the CXL devices,
//                      -machine properties (cxl=on) and the fixed memory
//                      windows (QEMU merges repeated -machine options)
// libvirt has no CXL devices, so those must go through the QEMU namespace;
// libvirt realizes those key=value devices before its own, so every device
// on pcie.0 gets an explicit slot: the one QEMU would have picked for the
// direct backend (first free slot from 1, in argv order). An option without
// a libvirt mapping is an error, never silently dropped.
#include <string>
#include <vector>

#include "lab/vm/domain_metadata.h"

namespace famlab::vm {

struct DomainOptions {
  std::string name;   // unique per run and scenario (kDomainPrefix ...)
  DomainOwner owner;  // -> <metadata>
};

// Throws famlab::Error naming the QEMU option it cannot express.
std::string make_domain_xml(const std::vector<std::string>& qemu_argv, const DomainOptions& options);

// The virtio-serial port name of the agent channel in qemu_argv (what
// virDomainOpenChannel takes); throws when the argv has none.
std::string agent_channel_name(const std::vector<std::string>& qemu_argv);

}  // namespace famlab::vm
