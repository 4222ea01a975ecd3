#include "lab/vm/domain_xml.h"

#include <sstream>

#include "base/error.h"
#include "base/hex.h"
#include "base/units.h"
#include "lab/common/xml_escape.h"
#include "lab/plan/qemu_args.h"

namespace famlab::vm {
namespace {

constexpr const char* kQemuNamespace = "http://libvirt.org/schemas/domain/qemu/1.0";

void check(const plan::VmDescription& vm, const DomainOptions& options) {
  auto fail = [](const std::string& what) { throw Error("domain XML: " + what); };
  if (options.name.empty()) fail("a domain needs a name");
  if (vm.machine.type.empty()) fail("no machine type");
  if (vm.machine.memory == 0) fail("no memory");
  if (vm.machine.cpus < 1) fail("no vCPUs");
  if (vm.boot.kernel.empty()) fail("no kernel (famlab boots a kernel directly)");
  if (vm.agent.port_name.empty()) fail("no agent channel");
  if (vm.agent.controller_slot < 1 || vm.agent.controller_slot > 0x1f)
    fail("the agent's virtio-serial controller has no slot on pcie.0");
  if (vm.qmp.route != plan::QmpMonitor::Route::Libvirt)
    fail("QMP is routed to a unix socket; through libvirt, libvirt owns the monitor (plan::through_libvirt)");
}

}  // namespace

const char* libvirt_domain_type(plan::Accel accel) { return accel == plan::Accel::Kvm ? "kvm" : "qemu"; }

std::string make_domain_xml(const plan::VmDescription& vm, const DomainOptions& options) {
  check(vm, options);
  const plan::MachineSpec& m = vm.machine;
  const uint64_t mem_kib = m.memory / KiB;

  std::ostringstream x;
  x << "<domain type='" << libvirt_domain_type(m.accel) << "' xmlns:qemu='" << kQemuNamespace << "'>\n";
  x << "  <name>" << xml_escape(options.name) << "</name>\n";
  x << "  <metadata>\n    " << owner_element(options.owner) << "\n  </metadata>\n";
  if (m.maxmem > 0) {
    x << "  <maxMemory slots='" << (m.memory_slots > 0 ? m.memory_slots : 1) << "' unit='KiB'>"
      << m.maxmem / KiB << "</maxMemory>\n";
  }
  x << "  <memory unit='KiB'>" << mem_kib << "</memory>\n";
  x << "  <vcpu placement='static'>" << m.cpus << "</vcpu>\n";
  x << "  <os>\n";
  x << "    <type arch='x86_64' machine='" << xml_escape(m.type) << "'>hvm</type>\n";
  if (!m.firmware.empty())
    x << "    <loader readonly='yes' type='rom'>" << xml_escape(m.firmware.string()) << "</loader>\n";
  x << "    <kernel>" << xml_escape(vm.boot.kernel.string()) << "</kernel>\n";
  if (!vm.boot.initrd.empty()) x << "    <initrd>" << xml_escape(vm.boot.initrd.string()) << "</initrd>\n";
  if (!vm.boot.cmdline.empty()) x << "    <cmdline>" << xml_escape(vm.boot.cmdline) << "</cmdline>\n";
  x << "  </os>\n";
  // Without <acpi/> libvirt passes acpi=off: no CEDT, no CXL.
  x << "  <features>\n    <acpi/>\n    <apic/>\n  </features>\n";
  x << "  <cpu mode='custom' match='exact' check='none'>\n";
  if (!m.cpu_model.empty()) x << "    <model fallback='forbid'>" << xml_escape(m.cpu_model) << "</model>\n";
  // QEMU's -smp N is N cores in one socket; libvirt would make N sockets.
  x << "    <topology sockets='1' dies='1' clusters='1' cores='" << m.cpus << "' threads='1'/>\n";
  for (const auto& f : m.cpu_features_on)
    x << "    <feature policy='require' name='" << xml_escape(f) << "'/>\n";
  for (const auto& f : m.cpu_features_off)
    x << "    <feature policy='disable' name='" << xml_escape(f) << "'/>\n";
  // libvirt needs a NUMA cell for memory slots (maxMemory).
  if (m.maxmem > 0) {
    x << "    <numa>\n      <cell id='0' cpus='0-" << m.cpus - 1 << "' memory='" << mem_kib
      << "' unit='KiB'/>\n    </numa>\n";
  }
  x << "  </cpu>\n";
  x << "  <clock offset='utc'/>\n";
  x << "  <on_poweroff>destroy</on_poweroff>\n";
  x << "  <on_reboot>" << (m.exit_on_reboot ? "destroy" : "restart") << "</on_reboot>\n";
  x << "  <on_crash>destroy</on_crash>\n";
  x << "  <devices>\n";
  x << "    <controller type='usb' model='none'/>\n";
  x << "    <controller type='virtio-serial' index='0'>\n";
  x << "      <address type='pci' domain='0x0000' bus='0x00' slot='"
    << hex(static_cast<uint64_t>(vm.agent.controller_slot), 2) << "' function='0x0'/>\n";
  x << "    </controller>\n";
  x << "    <serial type='pty'>\n      <target type='isa-serial' port='0'>\n"
    << "        <model name='isa-serial'/>\n      </target>\n    </serial>\n";
  x << "    <console type='pty'>\n      <target type='serial' port='0'/>\n    </console>\n";
  // No path: libvirt puts the socket in its own channel directory, on the
  // host that runs QEMU; famlab reaches it through virDomainOpenChannel.
  x << "    <channel type='unix'>\n      <source mode='bind'/>\n"
    << "      <target type='virtio' name='" << xml_escape(vm.agent.port_name) << "'/>\n"
    << "      <address type='virtio-serial' controller='0' bus='0' port='1'/>\n    </channel>\n";
  x << "    <memballoon model='none'/>\n";
  x << "  </devices>\n";

  // libvirt merges these -machine options into its own.
  std::vector<plan::QemuOption> args;
  if (m.cxl) args.push_back({"-machine", "cxl=on"});
  if (std::string windows = plan::cxl_windows_value(vm); !windows.empty())
    args.push_back({"-machine", windows});
  for (auto& o : plan::memory_and_cxl_options(vm, true)) args.push_back(std::move(o));
  // A snapshot's state: libvirt starts QEMU paused (-S) and QEMU loads it.
  if (!vm.restore_state.empty()) args.push_back({"-incoming", "file:" + vm.restore_state.string()});
  if (!args.empty()) {
    x << "  <qemu:commandline>\n";
    for (const auto& [name, value] : args) {
      x << "    <qemu:arg value='" << xml_escape(name) << "'/>\n";
      x << "    <qemu:arg value='" << xml_escape(value) << "'/>\n";
    }
    x << "  </qemu:commandline>\n";
  }
  x << "</domain>\n";
  return x.str();
}

}  // namespace famlab::vm
