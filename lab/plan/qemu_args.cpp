#include "lab/plan/qemu_args.h"

#include "base/error.h"
#include "base/hex.h"
#include "base/units.h"

namespace famlab::plan {

namespace {

// QEMU splits option values at commas; a literal comma is written twice.
std::string escape(const std::string& value) {
  std::string out;
  for (char c : value) {
    out += c;
    if (c == ',') out += ',';
  }
  return out;
}

void add(std::vector<std::string>& argv, const std::string& option, const std::string& value) {
  argv.push_back(option);
  argv.push_back(value);
}

std::string unix_server(const std::string& id, const std::filesystem::path& socket) {
  return "socket,id=" + id + ",path=" + escape(socket.string()) + ",server=on,wait=off";
}

void add_machine(std::vector<std::string>& argv, const VmDescription& vm) {
  const MachineSpec& m = vm.machine;
  argv.push_back("qemu-system-x86_64");
  add(argv, "-accel", m.accel == Accel::Kvm ? "kvm" : "tcg");
  std::string cpu = m.cpu_model;
  for (const auto& f : m.cpu_features_on) cpu += ",+" + f;
  for (const auto& f : m.cpu_features_off) cpu += ",-" + f;
  add(argv, "-cpu", cpu);
  add(argv, "-machine", m.type + (m.cxl ? ",cxl=on" : ""));
  std::string memory = format_size(m.memory);
  if (m.maxmem > 0) memory += ",maxmem=" + format_size(m.maxmem);
  if (m.memory_slots > 0) memory += ",slots=" + std::to_string(m.memory_slots);
  add(argv, "-m", memory);
  add(argv, "-smp", std::to_string(m.cpus));
  for (const char* flag : {"-nodefaults", "-no-user-config"}) argv.push_back(flag);
  add(argv, "-display", "none");
  if (m.exit_on_reboot) argv.push_back("-no-reboot");
  add(argv, "-serial", vm.console.with_monitor ? "mon:stdio" : "stdio");
  if (!m.firmware.empty()) add(argv, "-bios", m.firmware.string());
}

void add_boot(std::vector<std::string>& argv, const Boot& b) {
  if (b.kernel.empty()) throw Error("QEMU command: no kernel (famlab boots a kernel directly)");
  add(argv, "-kernel", b.kernel.string());
  if (!b.initrd.empty()) add(argv, "-initrd", b.initrd.string());
  if (!b.cmdline.empty()) add(argv, "-append", b.cmdline);
}

void add_agent_channel(std::vector<std::string>& argv, const AgentChannel& a) {
  // bus=pcie.0: without it QEMU plugs the device into the last PCI bus
  // created, which may be a CXL host bridge that takes only bridges.
  add(argv, "-device", "virtio-serial-pci,id=" + a.controller_id + ",bus=pcie.0");
  add(argv, "-chardev", unix_server(a.chardev_id, a.socket));
  add(argv, "-device",
      "virtserialport,bus=" + a.controller_id + ".0,chardev=" + a.chardev_id + ",name=" + a.port_name);
}

void add_qmp(std::vector<std::string>& argv, const QmpMonitor& q) {
  if (q.route != QmpMonitor::Route::UnixSocket)
    throw Error("QEMU command: QMP is routed through libvirt; this description is for a libvirt domain");
  add(argv, "-chardev", unix_server(q.chardev_id, q.socket));
  add(argv, "-mon", "chardev=" + q.chardev_id + ",mode=control");
}

std::string backend_value(const MemoryBackend& b) {
  std::string share = b.share ? ",share=on" : ",share=off";
  if (b.storage == MemoryBackend::Storage::Ram)
    return "memory-backend-ram,id=" + b.id + share + ",size=" + format_size(b.size);
  return "memory-backend-file,id=" + b.id + share + ",mem-path=" + escape(b.file.string()) +
         ",size=" + format_size(b.size);
}

std::string port_value(const char* driver, const CxlPort& p) {
  return std::string(driver) + ",port=" + std::to_string(p.number) + ",bus=" + p.bus + ",id=" + p.id +
         ",chassis=" + std::to_string(p.chassis) + ",slot=" + std::to_string(p.slot);
}

std::string type3_value(const Type3Device& d) {
  std::string v = "cxl-type3,bus=" + d.port;
  if (d.volatile_memory) v += ",volatile-memdev=" + d.volatile_memory->id;
  if (d.persistent_memory) v += ",persistent-memdev=" + d.persistent_memory->id;
  if (d.label_storage) v += ",lsa=" + d.label_storage->id;
  return v + ",id=" + d.id + ",sn=" + std::to_string(d.serial);
}

}  // namespace

std::vector<QemuOption> memory_and_cxl_options(const VmDescription& vm, bool explicit_root_slots) {
  std::vector<QemuOption> out;
  // One -object per device partition.
  for (const auto& d : vm.type3) {
    for (const auto* b : {&d.volatile_memory, &d.persistent_memory, &d.label_storage})
      if (*b) out.push_back({"-object", backend_value(**b)});
  }
  // Parents before children: QEMU needs a bus to exist before a device
  // plugs into it.
  for (const auto& hb : vm.host_bridges) {
    std::string v = "pxb-cxl,bus_nr=" + std::to_string(hb.bus_nr) + ",bus=pcie.0,id=" + hb.id;
    if (explicit_root_slots) {
      if (hb.pci_slot < 1 || hb.pci_slot > 0x1f)
        throw Error("host bridge " + hb.id + " has no slot on pcie.0 (" + std::to_string(hb.pci_slot) + ")");
      v += ",addr=" + hex(static_cast<uint64_t>(hb.pci_slot), 2);
    }
    out.push_back({"-device", v});
  }
  for (const auto& hb : vm.host_bridges)
    for (const auto& rp : hb.root_ports) out.push_back({"-device", port_value("cxl-rp", rp)});
  for (const auto& sw : vm.switches) {
    out.push_back({"-device", "cxl-upstream,bus=" + sw.upstream_port + ",id=" + sw.id});
    for (const auto& dp : sw.downstream_ports) out.push_back({"-device", port_value("cxl-downstream", dp)});
  }
  for (const auto& d : vm.type3) out.push_back({"-device", type3_value(d)});
  return out;
}

std::string cxl_windows_value(const VmDescription& vm) {
  std::string value;
  for (const auto& w : vm.windows) {
    const std::string prefix = "cxl-fmw." + std::to_string(w.index) + ".";
    for (size_t k = 0; k < w.targets.size(); ++k)
      value += prefix + "targets." + std::to_string(k) + "=" + w.targets[k] + ",";
    value += prefix + "size=" + format_size(w.size) + "," + prefix +
             "interleave-granularity=" + std::to_string(w.granularity) + ",";
  }
  if (!value.empty()) value.pop_back();
  return value;
}

std::vector<std::string> to_qemu_argv(const VmDescription& vm) {
  std::vector<std::string> argv;
  add_machine(argv, vm);
  add_boot(argv, vm.boot);
  add_agent_channel(argv, vm.agent);
  add_qmp(argv, vm.qmp);
  for (const auto& o : memory_and_cxl_options(vm, false)) add(argv, o.name, o.value);
  if (std::string windows = cxl_windows_value(vm); !windows.empty()) add(argv, "-M", windows);
  if (!vm.restore_state.empty()) add(argv, "-incoming", "file:" + vm.restore_state.string());
  return argv;
}

QemuPlan make_qemu_plan(const topology::Topology& t, const VmInputs& in) {
  QemuPlan plan;
  plan.vm = describe_vm(t, in);
  plan.argv = to_qemu_argv(plan.vm);
  plan.backing = backing_files(plan.vm);
  return plan;
}

}  // namespace famlab::plan
