#pragma once
// The guest's hardware as typed data, made once from the topology
// (describe_vm) and rendered twice: to the direct backend's QEMU argv
// (qemu_args.h) and to libvirt's domain XML (lab/vm/domain_xml.h). Whatever
// QEMU is to build is a field here first, so the two backends cannot drift
// apart. Plain data and pure functions: no files, no processes.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "lab/topology/model.h"

namespace famlab::plan {

// What describe_vm takes besides the topology.
struct VmInputs {
  std::filesystem::path kernel, initrd, run_dir;
  std::string extra_cmdline;       // appended to the kernel command line
  bool interactive = false;        // console multiplexed with QEMU's human monitor
  std::filesystem::path firmware;  // empty = QEMU's default (SeaBIOS)
  // Multi-guest scenarios: device id -> a file other guests map too (their
  // shared memory); such a device's volatile memory is that file instead of
  // one in run_dir.
  std::map<std::string, std::filesystem::path> shared_volatile;
  // A saved machine state to resume instead of booting (lab/runner/snapshot_boot.h).
  std::filesystem::path restore_state;
};

enum class Accel { Tcg, Kvm };

struct MachineSpec {
  std::string type = "q35";
  bool cxl = false;  // cxl=on: CXL host bridges and windows exist
  Accel accel = Accel::Tcg;
  std::string cpu_model = "qemu64";
  std::vector<std::string> cpu_features_on;   // CPUID features added to the model
  std::vector<std::string> cpu_features_off;  // CPUID features hidden from the guest
  uint64_t memory = 0;
  uint64_t maxmem = 0;  // 0 = no hotplug range
  int memory_slots = 0;
  int cpus = 1;                    // cores of one socket
  std::filesystem::path firmware;  // empty = SeaBIOS
  bool exit_on_reboot = true;      // a guest reboot ends QEMU (a panic is final)
};

struct Boot {
  std::filesystem::path kernel, initrd;
  std::string cmdline;
};

// The serial console (ttyS0).
struct Console {
  bool with_monitor = false;  // QEMU's human monitor multiplexed in (famlab shell)
};

// The agent's channel: a virtio-serial controller on pcie.0 with one port,
// and the unix socket famlab's guest session connects to (QEMU listens on
// it directly; the libvirt backend relays libvirt's channel to it).
struct AgentChannel {
  std::string controller_id = "vser0";
  int controller_slot = 0;  // on pcie.0, see root-bus slots in vm_description.cpp
  std::string chardev_id = "agent";
  std::string port_name;  // what the guest opens and virDomainOpenChannel takes
  std::filesystem::path socket;
};

// QEMU's machine protocol monitor, for famlab itself: poison injection and
// dynamic capacity (cxl-inject-poison, cxl-add-dynamic-capacity) name a
// type-3 device by its QOM path. Never on TCP.
struct QmpMonitor {
  enum class Route {
    UnixSocket,  // QEMU started by famlab serves QMP on `socket` in the private run directory
    Libvirt,     // libvirt owns QEMU's monitor: virDomainQemuMonitorCommand on the domain
  };
  Route route = Route::UnixSocket;
  std::string chardev_id = "qmp";
  std::filesystem::path socket;  // UnixSocket only
};

// Guest memory behind a type-3 device partition.
struct MemoryBackend {
  enum class Storage { Ram, File };
  std::string id;
  Storage storage = Storage::Ram;
  uint64_t size = 0;
  // File only: in the run directory, or a file given from outside that
  // several guests' QEMUs map (VmInputs::shared_volatile).
  std::filesystem::path file;
  // Mapped shared: guest writes reach the file, and every QEMU mapping the
  // same file sees them. Off = a private copy-on-write mapping.
  bool share = true;
};

struct Type3Device {
  std::string id;
  std::string port;  // the root or downstream port it plugs into
  uint64_t serial = 0;
  std::optional<MemoryBackend> volatile_memory, persistent_memory, label_storage;
  std::string qom_path;  // "/machine/peripheral/<id>": what QMP commands take
};

// A CXL root port (below a host bridge) or a switch's downstream port.
// (chassis, slot) is unique among all ports.
struct CxlPort {
  std::string id;
  std::string bus;  // the host bridge or switch it belongs to
  int number = 0;   // the port number the decoders see
  int chassis = 0;  // libvirt numbers its own root ports from chassis 1
  int slot = 0;
};

struct CxlHostBridge {
  std::string id;
  int bus_nr = 0;    // first PCI bus of its subtree
  int pci_slot = 0;  // on pcie.0
  std::vector<CxlPort> root_ports;
};

// One level only: an upstream port on a root port, downstream ports below.
struct CxlSwitch {
  std::string id;
  std::string upstream_port;
  std::vector<CxlPort> downstream_ports;
};

// A fixed memory window (CFMWS); targets are host bridge ids, in
// interleave position order.
struct CxlWindow {
  int index = 0;
  std::vector<std::string> targets;
  uint64_t size = 0;
  uint32_t granularity = 0;
};

struct VmDescription {
  MachineSpec machine;
  Boot boot;
  Console console;
  AgentChannel agent;
  QmpMonitor qmp;
  std::vector<CxlHostBridge> host_bridges;
  std::vector<CxlSwitch> switches;
  std::vector<Type3Device> type3;
  std::vector<CxlWindow> windows;
  // Non-empty: QEMU loads this migration stream (-incoming file:) and waits,
  // paused, instead of booting. Same machine otherwise, to the last device.
  std::filesystem::path restore_state;
};

// Throws famlab::Error when the inputs cannot be expressed (e.g. a socket
// path longer than a unix socket allows).
VmDescription describe_vm(const topology::Topology& t, const VmInputs& in);

// The same guest as a libvirt domain: QMP goes through libvirt, which owns
// QEMU's monitor.
VmDescription through_libvirt(VmDescription vm);

// A file QEMU maps as guest memory; the host reads it to check placement.
struct BackingFile {
  std::string device_id;
  std::string kind;  // "volatile" | "persistent" | "lsa"
  std::filesystem::path file;
  uint64_t size = 0;
};

// Every file-backed partition of every type-3 device, in device order.
std::vector<BackingFile> backing_files(const VmDescription& vm);

// The backing file describe_vm gives one device partition inside run_dir.
std::filesystem::path backing_file_path(const std::filesystem::path& run_dir, const std::string& device_id,
                                        const std::string& kind);

}  // namespace famlab::plan
