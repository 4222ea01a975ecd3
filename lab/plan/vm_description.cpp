#include "lab/plan/vm_description.h"

#include <sys/un.h>

#include "base/error.h"
#include "base/units.h"
#include "lab/topology/lookup.h"
#include "lab/topology/pci_buses.h"
#include "protocol/messages.h"

namespace famlab::plan {

namespace {

using topology::Topology;

std::string kernel_cmdline(const Topology& t, const VmInputs& in) {
  // no_timer_check: under TCG on a busy host the vCPU can be too slow for
  // the kernel's IO-APIC timer check, which then panics ("IO-APIC + timer
  // doesn't work!"): seen with two guests booting on 2 loaded cores.
  std::string cmdline = "console=ttyS0 panic=-1 loglevel=4 no_timer_check";
  for (const auto& p : t.pmem) cmdline += " memmap=" + format_size(p.size) + "!" + format_size(p.start);
  if (!in.extra_cmdline.empty()) cmdline += " " + in.extra_cmdline;
  return cmdline;
}

std::filesystem::path socket_in(const std::filesystem::path& run_dir, const std::string& name,
                                const std::string& what) {
  std::filesystem::path p = run_dir / name;
  if (p.string().size() >= sizeof(sockaddr_un{}.sun_path)) {
    throw Error(what + " socket path " + p.string() + " is longer than a unix socket allows (" +
                std::to_string(sizeof(sockaddr_un{}.sun_path) - 1) + " bytes); use a shorter run directory");
  }
  return p;
}

MemoryBackend file_backend(const std::string& id, const std::filesystem::path& file, uint64_t size) {
  return {id, MemoryBackend::Storage::File, size, file, true};
}

Type3Device type3(const topology::Device& d, const VmInputs& in) {
  Type3Device out;
  out.id = d.id;
  out.port = d.port;
  out.serial = d.serial;
  // QEMU puts every -device with an id under /machine/peripheral.
  out.qom_path = "/machine/peripheral/" + d.id;
  if (d.volatile_size > 0 && d.file_backed) {
    auto shared = in.shared_volatile.find(d.id);
    auto file =
        shared != in.shared_volatile.end() ? shared->second : backing_file_path(in.run_dir, d.id, "volatile");
    out.volatile_memory = file_backend(d.id + "-vmem", file, d.volatile_size);
  } else if (d.volatile_size > 0) {
    out.volatile_memory =
        MemoryBackend{d.id + "-vmem", MemoryBackend::Storage::Ram, d.volatile_size, {}, true};
  }
  if (d.persistent_size > 0) {
    out.persistent_memory =
        file_backend(d.id + "-pmem", backing_file_path(in.run_dir, d.id, "persistent"), d.persistent_size);
  }
  if (d.lsa_size > 0)
    out.label_storage = file_backend(d.id + "-lsa", backing_file_path(in.run_dir, d.id, "lsa"), d.lsa_size);
  return out;
}

// (chassis, slot) must be unique across all ports: root ports first, then
// the switches' downstream ports, numbered from 1.
void add_cxl(VmDescription& vm, const Topology& t, const VmInputs& in) {
  std::vector<int> bus_numbers = topology::host_bridge_bus_numbers(t);
  int slot = 0;
  for (size_t i = 0; i < t.host_bridges.size(); ++i) {
    const auto& hb = t.host_bridges[i];
    CxlHostBridge out{hb.id, bus_numbers[i], 0, {}};
    for (int port = 0; port < hb.root_ports; ++port)
      out.root_ports.push_back({topology::root_port_id(hb, port), hb.id, port, 0, ++slot});
    vm.host_bridges.push_back(std::move(out));
  }
  for (const auto& sw : t.switches) {
    CxlSwitch out{sw.id, sw.upstream, {}};
    for (int port = 0; port < sw.downstream_ports; ++port)
      out.downstream_ports.push_back({topology::downstream_port_id(sw, port), sw.id, port, 0, ++slot});
    vm.switches.push_back(std::move(out));
  }
  for (const auto& d : t.devices) vm.type3.push_back(type3(d, in));
  for (const auto& w : t.windows) vm.windows.push_back({w.index, w.targets, w.size, w.granularity});
}

// Slots on pcie.0 as QEMU hands them out to devices without addr=: the
// lowest free one from 1 (0 is the host bridge), in command-line order,
// which to_qemu_argv keeps: the agent's controller, then the host bridges.
// The direct backend leaves the choice to QEMU; libvirt must be told
// (it realizes <qemu:commandline> devices before its own).
void assign_root_slots(VmDescription& vm) {
  int next = 1;
  vm.agent.controller_slot = next++;
  for (auto& hb : vm.host_bridges) hb.pci_slot = next++;
  if (next - 1 > 0x1f) throw Error("more devices on pcie.0 than it has slots (31)");
}

}  // namespace

std::filesystem::path backing_file_path(const std::filesystem::path& run_dir, const std::string& device_id,
                                        const std::string& kind) {
  return run_dir / (device_id + "-" + kind + ".raw");
}

VmDescription describe_vm(const Topology& t, const VmInputs& in) {
  VmDescription vm;
  auto& m = vm.machine;
  m.cxl = topology::has_cxl(t);
  // The hypervisor CPUID bit makes Linux refuse to commit CXL regions
  // ("Failed to synchronize CPU cache state") unless built with
  // CXL_REGION_INVALIDATION_TEST.
  m.cpu_features_off = {"hypervisor"};
  // RDRAND, which TCG emulates: the kernel trusts it (random.trust_cpu is
  // on by default) and its CRNG is ready before /init. Without it the first
  // use of randomness in a cold guest (daxctl, mkfs uuids) waited 1-2 s
  // under TCG for the kernel's jitter entropy.
  m.cpu_features_on = {"rdrand"};
  m.memory = t.machine.memory;
  m.maxmem = t.machine.maxmem;
  m.memory_slots = 8;
  m.cpus = t.machine.cpus;
  m.firmware = in.firmware;

  vm.boot = {in.kernel, in.initrd, kernel_cmdline(t, in)};
  vm.console.with_monitor = in.interactive;
  vm.agent.port_name = protocol::kPortName;
  vm.agent.socket = socket_in(in.run_dir, "agent.sock", "agent");
  vm.qmp.socket = socket_in(in.run_dir, "qmp.sock", "QMP");
  add_cxl(vm, t, in);
  assign_root_slots(vm);
  vm.restore_state = in.restore_state;
  return vm;
}

VmDescription through_libvirt(VmDescription vm) {
  vm.qmp.route = QmpMonitor::Route::Libvirt;
  vm.qmp.socket.clear();
  return vm;
}

std::vector<BackingFile> backing_files(const VmDescription& vm) {
  std::vector<BackingFile> out;
  for (const auto& d : vm.type3) {
    auto add = [&](const std::optional<MemoryBackend>& b, const char* kind) {
      if (b && b->storage == MemoryBackend::Storage::File) out.push_back({d.id, kind, b->file, b->size});
    };
    add(d.volatile_memory, "volatile");
    add(d.persistent_memory, "persistent");
    add(d.label_storage, "lsa");
  }
  return out;
}

}  // namespace famlab::plan
