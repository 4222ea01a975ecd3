#include "lab/plan/qemu_args.h"

#include <sys/un.h>

#include "base/error.h"
#include "base/units.h"
#include "lab/topology/lookup.h"
#include "lab/topology/pci_buses.h"
#include "protocol/messages.h"

namespace famlab::plan {

namespace {

using topology::Topology;

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

std::string kernel_cmdline(const Topology& t, const QemuInputs& in) {
  // no_timer_check: under TCG on a busy host the vCPU can be too slow for
  // the kernel's IO-APIC timer check, which then panics ("IO-APIC + timer
  // doesn't work!"): seen with two guests booting on 2 loaded cores.
  std::string cmdline = "console=ttyS0 panic=-1 loglevel=4 no_timer_check";
  for (const auto& p : t.pmem) cmdline += " memmap=" + format_size(p.size) + "!" + format_size(p.start);
  if (!in.extra_cmdline.empty()) cmdline += " " + in.extra_cmdline;
  return cmdline;
}

void add_machine(std::vector<std::string>& argv, const Topology& t, const QemuInputs& in) {
  argv.push_back("qemu-system-x86_64");
  add(argv, "-accel", "tcg");
  // The hypervisor CPUID bit makes Linux refuse to commit CXL regions
  // ("Failed to synchronize CPU cache state") unless built with
  // CXL_REGION_INVALIDATION_TEST.
  add(argv, "-cpu", "qemu64,-hypervisor");
  add(argv, "-machine", topology::has_cxl(t) ? "q35,cxl=on" : "q35");
  add(argv, "-m", format_size(t.machine.memory) + ",maxmem=" + format_size(t.machine.maxmem) + ",slots=8");
  add(argv, "-smp", std::to_string(t.machine.cpus));
  for (const char* flag : {"-nodefaults", "-no-user-config"}) argv.push_back(flag);
  add(argv, "-display", "none");
  argv.push_back("-no-reboot");
  add(argv, "-serial", in.interactive ? "mon:stdio" : "stdio");
  if (!in.firmware.empty()) add(argv, "-bios", in.firmware);
}

void add_agent_channel(std::vector<std::string>& argv, const std::filesystem::path& socket) {
  // bus=pcie.0: without it QEMU plugs the device into the last PCI bus
  // created, which may be a CXL host bridge that takes only bridges.
  add(argv, "-device", "virtio-serial-pci,id=vser0,bus=pcie.0");
  add(argv, "-chardev", "socket,id=agent,path=" + escape(socket.string()) + ",server=on,wait=off");
  add(argv, "-device", std::string("virtserialport,bus=vser0.0,chardev=agent,name=") + protocol::kPortName);
}

std::string file_backend(const std::string& id, const std::filesystem::path& file, uint64_t size) {
  return "memory-backend-file,id=" + id + ",share=on,mem-path=" + escape(file.string()) +
         ",size=" + format_size(size);
}

// One -object per device partition; share=on makes guest writes reach the file.
void add_backends(std::vector<std::string>& argv, QemuPlan& plan, const Topology& t, const QemuInputs& in) {
  for (const auto& d : t.devices) {
    if (d.volatile_size > 0) {
      if (d.file_backed) {
        auto shared = in.shared_volatile.find(d.id);
        auto file = shared != in.shared_volatile.end() ? shared->second
                                                       : backing_file_path(in.run_dir, d.id, "volatile");
        add(argv, "-object", file_backend(d.id + "-vmem", file, d.volatile_size));
        plan.backing.push_back({d.id, "volatile", file, d.volatile_size});
      } else {
        add(argv, "-object",
            "memory-backend-ram,id=" + d.id + "-vmem,share=on,size=" + format_size(d.volatile_size));
      }
    }
    if (d.persistent_size > 0) {
      auto file = backing_file_path(in.run_dir, d.id, "persistent");
      add(argv, "-object", file_backend(d.id + "-pmem", file, d.persistent_size));
      plan.backing.push_back({d.id, "persistent", file, d.persistent_size});
    }
    if (d.lsa_size > 0) {
      auto file = backing_file_path(in.run_dir, d.id, "lsa");
      add(argv, "-object", file_backend(d.id + "-lsa", file, d.lsa_size));
      plan.backing.push_back({d.id, "lsa", file, d.lsa_size});
    }
  }
}

// Parents before children: QEMU needs a bus to exist before a device plugs
// into it. (chassis, slot) must be unique across all ports.
void add_cxl_devices(std::vector<std::string>& argv, const Topology& t) {
  std::vector<int> bus_numbers = topology::host_bridge_bus_numbers(t);
  for (size_t i = 0; i < t.host_bridges.size(); ++i) {
    add(argv, "-device",
        "pxb-cxl,bus_nr=" + std::to_string(bus_numbers[i]) + ",bus=pcie.0,id=" + t.host_bridges[i].id);
  }
  int slot = 0;
  for (const auto& hb : t.host_bridges) {
    for (int port = 0; port < hb.root_ports; ++port) {
      add(argv, "-device",
          "cxl-rp,port=" + std::to_string(port) + ",bus=" + hb.id +
              ",id=" + topology::root_port_id(hb, port) + ",chassis=0,slot=" + std::to_string(++slot));
    }
  }
  for (const auto& sw : t.switches) {
    add(argv, "-device", "cxl-upstream,bus=" + sw.upstream + ",id=" + sw.id);
    for (int port = 0; port < sw.downstream_ports; ++port) {
      add(argv, "-device",
          "cxl-downstream,port=" + std::to_string(port) + ",bus=" + sw.id +
              ",id=" + topology::downstream_port_id(sw, port) + ",chassis=0,slot=" + std::to_string(++slot));
    }
  }
  for (const auto& d : t.devices) {
    std::string device = "cxl-type3,bus=" + d.port;
    if (d.volatile_size > 0) device += ",volatile-memdev=" + d.id + "-vmem";
    if (d.persistent_size > 0) device += ",persistent-memdev=" + d.id + "-pmem";
    if (d.lsa_size > 0) device += ",lsa=" + d.id + "-lsa";
    device += ",id=" + d.id + ",sn=" + std::to_string(d.serial);
    add(argv, "-device", device);
  }
}

// All windows in one -M: QEMU merges -M options key by key, and a second
// -M with cxl-fmw.1.* is refused ("Parameters 'cxl-fmw.*' used
// inconsistently").
void add_windows(std::vector<std::string>& argv, const Topology& t) {
  std::string value;
  for (const auto& w : t.windows) {
    const std::string prefix = "cxl-fmw." + std::to_string(w.index) + ".";
    for (size_t k = 0; k < w.targets.size(); ++k) {
      value += prefix + "targets." + std::to_string(k) + "=" + w.targets[k] + ",";
    }
    value += prefix + "size=" + format_size(w.size) + "," + prefix +
             "interleave-granularity=" + std::to_string(w.granularity) + ",";
  }
  if (value.empty()) return;
  value.pop_back();
  add(argv, "-M", value);
}

}  // namespace

std::filesystem::path backing_file_path(const std::filesystem::path& run_dir, const std::string& device_id,
                                        const std::string& kind) {
  return run_dir / (device_id + "-" + kind + ".raw");
}

QemuPlan make_qemu_plan(const Topology& t, const QemuInputs& in) {
  QemuPlan plan;
  plan.agent_socket = in.run_dir / "agent.sock";
  if (plan.agent_socket.string().size() >= sizeof(sockaddr_un{}.sun_path)) {
    throw Error("agent socket path " + plan.agent_socket.string() + " is longer than a unix socket allows (" +
                std::to_string(sizeof(sockaddr_un{}.sun_path) - 1) + " bytes); use a shorter run directory");
  }
  plan.kernel_cmdline = kernel_cmdline(t, in);

  auto& argv = plan.argv;
  add_machine(argv, t, in);
  add(argv, "-kernel", in.kernel.string());
  add(argv, "-initrd", in.initrd.string());
  add(argv, "-append", plan.kernel_cmdline);
  add_agent_channel(argv, plan.agent_socket);
  add_backends(argv, plan, t, in);
  add_cxl_devices(argv, t);
  add_windows(argv, t);
  return plan;
}

}  // namespace famlab::plan
