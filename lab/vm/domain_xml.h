#pragma once
// VmDescription -> libvirt domain XML. The same description the direct
// backend renders to QEMU's argv (plan::to_qemu_argv), so both backends
// build the same guest hardware.
//
//   libvirt elements   domain type (accelerator), CPU model and hidden
//                      features, machine type, memory (maxMemory slots and
//                      the one NUMA cell libvirt requires for them), vCPUs,
//                      kernel/initrd/command line (<os>), firmware
//                      (<loader>), exit on reboot (<on_reboot>destroy), the
//                      serial console (a pty <serial>+<console>:
//                      virDomainOpenConsole), the agent's virtio-serial
//                      controller and port (a unix <channel> whose socket
//                      libvirt places itself: virDomainOpenChannel)
//   <qemu:commandline> cxl=on, the fixed memory windows, the memory backends
//                      and the CXL devices, written by the same functions as
//                      the direct backend's argv (plan/qemu_args.h)
//   nothing            QMP: libvirt owns QEMU's monitor
//                      (virDomainQemuMonitorCommand), see plan::through_libvirt
// libvirt has no CXL devices, so those must go through the QEMU namespace;
// libvirt realizes those key=value devices before its own, so every device
// on pcie.0 gets the explicit slot the description gives it (the one QEMU
// picks for the direct backend).
#include <string>

#include "lab/plan/vm_description.h"
#include "lab/vm/domain_metadata.h"

namespace famlab::vm {

struct DomainOptions {
  std::string name;   // unique per run and scenario (kDomainPrefix ...)
  DomainOwner owner;  // -> <metadata>
};

// "qemu" (TCG) or "kvm": libvirt's domain type for the accelerator.
const char* libvirt_domain_type(plan::Accel accel);

// Throws famlab::Error naming what it cannot express (no name, no kernel,
// no memory, a device without its pcie.0 slot, QMP not routed through libvirt).
std::string make_domain_xml(const plan::VmDescription& vm, const DomainOptions& options);

}  // namespace famlab::vm
