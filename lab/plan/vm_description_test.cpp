#include "lab/plan/vm_description.h"

#include <gtest/gtest.h>

#include <set>

#include "base/error.h"
#include "lab/topology/load.h"

using namespace famlab;
using namespace famlab::plan;
namespace fs = std::filesystem;

namespace {

topology::Topology load(const std::string& relative) {
  return topology::load_topology(fs::path(FAMLAB_SOURCE_DIR) / relative);
}

topology::Topology shipped(const std::string& name) { return load("scenarios/topologies/" + name); }

VmInputs inputs() {
  VmInputs in;
  in.kernel = "/k/bzImage";
  in.initrd = "/k/initrd.cpio.gz";
  in.run_dir = "/tmp/run1";
  return in;
}

}  // namespace

TEST(VmDescription, MachineBootConsoleAndChannels) {
  VmDescription vm = describe_vm(shipped("cxl1.toml"), inputs());
  EXPECT_EQ(vm.machine.type, "q35");
  EXPECT_TRUE(vm.machine.cxl);
  EXPECT_EQ(vm.machine.accel, Accel::Tcg);
  EXPECT_EQ(vm.machine.cpu_model, "qemu64");
  EXPECT_EQ(vm.machine.cpu_features_off, std::vector<std::string>{"hypervisor"});
  EXPECT_EQ(vm.machine.memory, 2 * GiB);
  EXPECT_EQ(vm.machine.maxmem, 8 * GiB);
  EXPECT_EQ(vm.machine.memory_slots, 8);
  EXPECT_EQ(vm.machine.cpus, 2);
  EXPECT_TRUE(vm.machine.firmware.empty());
  EXPECT_TRUE(vm.machine.exit_on_reboot);
  EXPECT_EQ(vm.boot.kernel, "/k/bzImage");
  EXPECT_EQ(vm.boot.initrd, "/k/initrd.cpio.gz");
  EXPECT_EQ(vm.boot.cmdline, "console=ttyS0 panic=-1 loglevel=4 no_timer_check");
  EXPECT_FALSE(vm.console.with_monitor);
  EXPECT_EQ(vm.agent.port_name, "org.famlab.agent");
  EXPECT_EQ(vm.agent.socket, "/tmp/run1/agent.sock");
  EXPECT_EQ(vm.agent.controller_slot, 1);
  // QMP for every guest, on a unix socket in the private run directory.
  EXPECT_EQ(vm.qmp.route, QmpMonitor::Route::UnixSocket);
  EXPECT_EQ(vm.qmp.socket, "/tmp/run1/qmp.sock");
}

TEST(VmDescription, TwoHostBridgesTheirPortsSlotsAndWindow) {
  VmDescription vm = describe_vm(shipped("cxl2-2hb.toml"), inputs());
  ASSERT_EQ(vm.host_bridges.size(), 2u);
  EXPECT_EQ(vm.host_bridges[0].id, "hb0");
  EXPECT_EQ(vm.host_bridges[0].bus_nr, 12);
  EXPECT_EQ(vm.host_bridges[1].bus_nr, 134);
  // pcie.0 slots in the order QEMU plugs them: the agent's controller first.
  EXPECT_EQ(vm.agent.controller_slot, 1);
  EXPECT_EQ(vm.host_bridges[0].pci_slot, 2);
  EXPECT_EQ(vm.host_bridges[1].pci_slot, 3);
  ASSERT_EQ(vm.host_bridges[1].root_ports.size(), 1u);
  const CxlPort& rp = vm.host_bridges[1].root_ports[0];
  EXPECT_EQ(rp.id, "hb1.rp0");
  EXPECT_EQ(rp.bus, "hb1");
  EXPECT_EQ(rp.number, 0);
  EXPECT_EQ(rp.chassis, 0);
  EXPECT_EQ(rp.slot, 2);
  ASSERT_EQ(vm.windows.size(), 1u);
  EXPECT_EQ(vm.windows[0].targets, (std::vector<std::string>{"hb0", "hb1"}));
  EXPECT_EQ(vm.windows[0].size, 4 * GiB);
  EXPECT_EQ(vm.windows[0].granularity, 4096u);
  ASSERT_EQ(vm.type3.size(), 2u);
  const Type3Device& mem1 = vm.type3[1];
  EXPECT_EQ(mem1.id, "mem1");
  EXPECT_EQ(mem1.port, "hb1.rp0");
  EXPECT_EQ(mem1.serial, 4097u);
  EXPECT_EQ(mem1.qom_path, "/machine/peripheral/mem1");
  ASSERT_TRUE(mem1.volatile_memory);
  EXPECT_EQ(mem1.volatile_memory->id, "mem1-vmem");
  EXPECT_EQ(mem1.volatile_memory->storage, MemoryBackend::Storage::File);
  EXPECT_EQ(mem1.volatile_memory->file, "/tmp/run1/mem1-volatile.raw");
  EXPECT_EQ(mem1.volatile_memory->size, 256 * MiB);
  EXPECT_TRUE(mem1.volatile_memory->share);
  EXPECT_FALSE(mem1.persistent_memory);
  EXPECT_FALSE(mem1.label_storage);
}

TEST(VmDescription, SwitchPortsAreNumberedAfterTheRootPorts) {
  VmDescription vm = describe_vm(shipped("cxl4-switch.toml"), inputs());
  ASSERT_EQ(vm.switches.size(), 1u);
  const CxlSwitch& sw = vm.switches[0];
  EXPECT_EQ(sw.id, "sw0");
  EXPECT_EQ(sw.upstream_port, "hb0.rp0");
  ASSERT_EQ(sw.downstream_ports.size(), 4u);
  // (chassis, slot) unique over all ports: root ports take 1..N first.
  std::set<int> slots;
  for (const auto& hb : vm.host_bridges)
    for (const auto& p : hb.root_ports) slots.insert(p.slot);
  for (const auto& p : sw.downstream_ports) {
    EXPECT_EQ(p.bus, "sw0");
    slots.insert(p.slot);
  }
  size_t ports = sw.downstream_ports.size();
  for (const auto& hb : vm.host_bridges) ports += hb.root_ports.size();
  EXPECT_EQ(slots.size(), ports);
  EXPECT_EQ(sw.downstream_ports[3].id, "sw0.dp3");
  EXPECT_EQ(sw.downstream_ports[3].number, 3);
  EXPECT_EQ(sw.downstream_ports[3].slot, 6);
}

TEST(VmDescription, PmemOnlyMachineHasNoCxl) {
  VmInputs in = inputs();
  in.extra_cmdline = "famlab.debug=1";
  VmDescription vm = describe_vm(shipped("pmem.toml"), in);
  EXPECT_FALSE(vm.machine.cxl);
  EXPECT_EQ(vm.machine.memory, 6 * GiB);
  EXPECT_EQ(vm.boot.cmdline,
            "console=ttyS0 panic=-1 loglevel=4 no_timer_check memmap=512M!4G famlab.debug=1");
  EXPECT_TRUE(vm.host_bridges.empty());
  EXPECT_TRUE(vm.type3.empty());
  EXPECT_TRUE(vm.windows.empty());
  EXPECT_TRUE(backing_files(vm).empty());
  EXPECT_EQ(vm.agent.controller_slot, 1);
}

// Persistent partitions and label areas always live in files; volatile
// ones only when the topology asks (file_backed), else in RAM.
TEST(VmDescription, MemoryBackendsAndTheFilesTheHostReads) {
  VmDescription vm = describe_vm(load("lab/topology/testdata/full.toml"), inputs());
  ASSERT_GE(vm.type3.size(), 3u);
  const Type3Device& mem0 = vm.type3[0];
  ASSERT_TRUE(mem0.volatile_memory && mem0.persistent_memory && mem0.label_storage);
  EXPECT_EQ(mem0.persistent_memory->file, "/tmp/run1/mem0-persistent.raw");
  EXPECT_EQ(mem0.label_storage->id, "mem0-lsa");
  const Type3Device& mem2 = vm.type3[2];
  ASSERT_TRUE(mem2.volatile_memory);
  EXPECT_EQ(mem2.volatile_memory->storage, MemoryBackend::Storage::Ram);
  EXPECT_TRUE(mem2.volatile_memory->file.empty());

  auto files = backing_files(vm);
  ASSERT_EQ(files.size(), 5u);  // mem0: volatile file + persistent + lsa; mem1: persistent + lsa
  EXPECT_EQ(files[0].device_id, "mem0");
  EXPECT_EQ(files[0].kind, "volatile");
  EXPECT_EQ(files[1].kind, "persistent");
  EXPECT_EQ(files[1].file, "/tmp/run1/mem0-persistent.raw");
  EXPECT_EQ(files[2].kind, "lsa");
  EXPECT_EQ(files[2].size, mem0.label_storage->size);
  EXPECT_EQ(files[3].device_id, "mem1");
  EXPECT_EQ(files[4].kind, "lsa");
  ASSERT_EQ(vm.windows.size(), 2u);
  EXPECT_EQ(vm.windows[1].index, 1);
  EXPECT_EQ(vm.windows[1].granularity, 256u);
}

// Multi-guest scenarios: a device's volatile memory is a file given from
// outside, the one every guest's QEMU maps; the host reads it back the same
// way. Only file-backed devices take one.
TEST(VmDescription, ASharedBackingFileReplacesTheRunDirectoryFile) {
  VmInputs in = inputs();
  in.shared_volatile = {{"mem0", "/srv/famlab/shared-mem0.mem"}};
  VmDescription vm = describe_vm(shipped("cxl2-2hb.toml"), in);
  ASSERT_TRUE(vm.type3[0].volatile_memory);
  EXPECT_EQ(vm.type3[0].volatile_memory->file, "/srv/famlab/shared-mem0.mem");
  EXPECT_TRUE(vm.type3[0].volatile_memory->share);
  EXPECT_EQ(vm.type3[1].volatile_memory->file, "/tmp/run1/mem1-volatile.raw");
  auto files = backing_files(vm);
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].file, "/srv/famlab/shared-mem0.mem");
  EXPECT_EQ(files[0].size, 256 * MiB);

  in.shared_volatile = {{"mem2", "/srv/famlab/shared-mem2.mem"}};  // mem2 lives in RAM
  VmDescription full = describe_vm(load("lab/topology/testdata/full.toml"), in);
  EXPECT_EQ(full.type3[2].volatile_memory->storage, MemoryBackend::Storage::Ram);
}

TEST(VmDescription, InteractiveConsoleAndFirmware) {
  VmInputs in = inputs();
  in.interactive = true;
  in.firmware = "/fw/bios.bin";
  VmDescription vm = describe_vm(shipped("cxl1.toml"), in);
  EXPECT_TRUE(vm.console.with_monitor);
  EXPECT_EQ(vm.machine.firmware, "/fw/bios.bin");
}

TEST(VmDescription, ThroughLibvirtQmpIsLibvirtsAndNothingElseChanges) {
  VmDescription direct = describe_vm(shipped("cxl2-2hb.toml"), inputs());
  VmDescription lv = through_libvirt(direct);
  EXPECT_EQ(lv.qmp.route, QmpMonitor::Route::Libvirt);
  EXPECT_TRUE(lv.qmp.socket.empty());
  EXPECT_EQ(lv.agent.socket, direct.agent.socket);  // famlab's end of the relayed channel
  EXPECT_EQ(lv.type3.size(), direct.type3.size());
  EXPECT_EQ(lv.type3[1].qom_path, direct.type3[1].qom_path);
  EXPECT_EQ(lv.boot.kernel, direct.boot.kernel);
}

TEST(VmDescription, TooLongSocketPathIsAClearError) {
  VmInputs in = inputs();
  in.run_dir = "/tmp/" + std::string(120, 'x');
  try {
    describe_vm(shipped("cxl1.toml"), in);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("longer than a unix socket allows"), std::string::npos);
  }
  // 98 bytes of run directory: "/agent.sock" no longer fits, "/qmp.sock" would.
  in.run_dir = "/tmp/" + std::string(93, 'x');
  EXPECT_THROW(describe_vm(shipped("cxl1.toml"), in), Error);
  in.run_dir = "/tmp/" + std::string(90, 'x');
  EXPECT_NO_THROW(describe_vm(shipped("cxl1.toml"), in));
}

// Pure: describing a guest creates nothing.
TEST(VmDescription, CreatesNoFiles) {
  VmInputs in = inputs();
  in.run_dir = fs::temp_directory_path() / "famlab-describe-only-never-created";
  describe_vm(load("lab/topology/testdata/full.toml"), in);
  EXPECT_FALSE(fs::exists(in.run_dir));
}
