#include "lab/plan/qemu_args.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "base/error.h"
#include "lab/topology/load.h"

using namespace famlab;
using namespace famlab::plan;

namespace {

topology::Topology shipped(const std::string& name) {
  return topology::load_topology(std::filesystem::path(FAMLAB_SOURCE_DIR) / "scenarios/topologies" / name);
}

VmInputs inputs() {
  VmInputs in;
  in.kernel = "/k/bzImage";
  in.initrd = "/k/initrd.cpio.gz";
  in.run_dir = "/tmp/run1";
  return in;
}

// The values that follow each occurrence of `option`.
std::vector<std::string> values_of(const std::vector<std::string>& argv, const std::string& option) {
  std::vector<std::string> values;
  for (size_t i = 0; i + 1 < argv.size(); ++i) {
    if (argv[i] == option) values.push_back(argv[i + 1]);
  }
  return values;
}

}  // namespace

TEST(QemuArgs, OneDeviceTopologyInFull) {
  QemuPlan plan = make_qemu_plan(shipped("cxl1.toml"), inputs());
  std::vector<std::string> expected = {
      "qemu-system-x86_64",
      "-accel",
      "tcg",
      "-cpu",
      "qemu64,+rdrand,-hypervisor",
      "-machine",
      "q35,cxl=on",
      "-m",
      "2G,maxmem=8G,slots=8",
      "-smp",
      "2",
      "-nodefaults",
      "-no-user-config",
      "-display",
      "none",
      "-no-reboot",
      "-serial",
      "stdio",
      "-kernel",
      "/k/bzImage",
      "-initrd",
      "/k/initrd.cpio.gz",
      "-append",
      "console=ttyS0 panic=-1 loglevel=4 no_timer_check",
      "-device",
      "virtio-serial-pci,id=vser0,bus=pcie.0",
      "-chardev",
      "socket,id=agent,path=/tmp/run1/agent.sock,server=on,wait=off",
      "-device",
      "virtserialport,bus=vser0.0,chardev=agent,name=org.famlab.agent",
      "-chardev",
      "socket,id=qmp,path=/tmp/run1/qmp.sock,server=on,wait=off",
      "-mon",
      "chardev=qmp,mode=control",
      "-object",
      "memory-backend-file,id=mem0-vmem,share=on,mem-path=/tmp/run1/mem0-volatile.raw,size=256M",
      "-device",
      "pxb-cxl,bus_nr=12,bus=pcie.0,id=hb0",
      "-device",
      "cxl-rp,port=0,bus=hb0,id=hb0.rp0,chassis=0,slot=1",
      "-device",
      "cxl-type3,bus=hb0.rp0,volatile-memdev=mem0-vmem,id=mem0,sn=4096",
      "-M",
      "cxl-fmw.0.targets.0=hb0,cxl-fmw.0.size=4G,cxl-fmw.0.interleave-granularity=4096"};
  EXPECT_EQ(plan.argv, expected);
  EXPECT_EQ(to_qemu_argv(plan.vm), expected);
  EXPECT_EQ(plan.vm.agent.socket, "/tmp/run1/agent.sock");
  ASSERT_EQ(plan.backing.size(), 1u);
  EXPECT_EQ(plan.backing[0].device_id, "mem0");
  EXPECT_EQ(plan.backing[0].kind, "volatile");
  EXPECT_EQ(plan.backing[0].file, "/tmp/run1/mem0-volatile.raw");
  EXPECT_EQ(plan.backing[0].size, 256 * MiB);
}

TEST(QemuArgs, TwoHostBridgesGetSeparateBusRangesAndOneWindow) {
  QemuPlan plan = make_qemu_plan(shipped("cxl2-2hb.toml"), inputs());
  auto devices = values_of(plan.argv, "-device");
  EXPECT_NE(std::find(devices.begin(), devices.end(), "pxb-cxl,bus_nr=12,bus=pcie.0,id=hb0"), devices.end());
  EXPECT_NE(std::find(devices.begin(), devices.end(), "pxb-cxl,bus_nr=134,bus=pcie.0,id=hb1"), devices.end());
  EXPECT_NE(std::find(devices.begin(), devices.end(), "cxl-rp,port=0,bus=hb1,id=hb1.rp0,chassis=0,slot=2"),
            devices.end());
  EXPECT_EQ(values_of(plan.argv, "-M"),
            std::vector<std::string>{"cxl-fmw.0.targets.0=hb0,cxl-fmw.0.targets.1=hb1,cxl-fmw.0.size=4G,"
                                     "cxl-fmw.0.interleave-granularity=4096"});
  EXPECT_EQ(plan.backing.size(), 2u);
}

TEST(QemuArgs, SwitchComesAfterItsRootPortAndBeforeItsDevices) {
  QemuPlan plan = make_qemu_plan(shipped("cxl4-switch.toml"), inputs());
  auto devices = values_of(plan.argv, "-device");
  auto index = [&](const std::string& prefix) {
    auto it = std::find_if(devices.begin(), devices.end(),
                           [&](const std::string& d) { return d.starts_with(prefix); });
    EXPECT_NE(it, devices.end()) << prefix;
    return it - devices.begin();
  };
  EXPECT_LT(index("cxl-rp,port=0,bus=hb0,id=hb0.rp0"), index("cxl-upstream,bus=hb0.rp0,id=sw0"));
  EXPECT_LT(index("cxl-upstream,bus=hb0.rp0,id=sw0"), index("cxl-downstream,port=3,bus=sw0,id=sw0.dp3"));
  EXPECT_LT(index("cxl-downstream,port=3,bus=sw0,id=sw0.dp3"), index("cxl-type3,bus=sw0.dp3"));
  // Slots are unique across root ports and downstream ports.
  EXPECT_EQ(devices[static_cast<size_t>(index("cxl-downstream,port=3"))],
            "cxl-downstream,port=3,bus=sw0,id=sw0.dp3,chassis=0,slot=6");
}

TEST(QemuArgs, PmemOnlyMachineHasNoCxlAndAMemmap) {
  VmInputs in = inputs();
  in.extra_cmdline = "famlab.debug=1";
  QemuPlan plan = make_qemu_plan(shipped("pmem.toml"), in);
  EXPECT_EQ(values_of(plan.argv, "-machine"), std::vector<std::string>{"q35"});
  EXPECT_EQ(values_of(plan.argv, "-m"), std::vector<std::string>{"6G,maxmem=8G,slots=8"});
  EXPECT_EQ(values_of(plan.argv, "-append"),
            std::vector<std::string>{
                "console=ttyS0 panic=-1 loglevel=4 no_timer_check memmap=512M!4G famlab.debug=1"});
  EXPECT_TRUE(values_of(plan.argv, "-M").empty());
  EXPECT_TRUE(plan.backing.empty());
}

TEST(QemuArgs, PersistentDevicesAlwaysGetFilesAndALabelArea) {
  auto t =
      topology::load_topology(std::filesystem::path(FAMLAB_SOURCE_DIR) / "lab/topology/testdata/full.toml");
  QemuPlan plan = make_qemu_plan(t, inputs());
  auto devices = values_of(plan.argv, "-device");
  EXPECT_NE(std::find(devices.begin(), devices.end(),
                      "cxl-type3,bus=hb1.rp0,persistent-memdev=mem1-pmem,lsa=mem1-lsa,id=mem1,sn=4097"),
            devices.end());
  auto objects = values_of(plan.argv, "-object");
  EXPECT_NE(std::find(objects.begin(), objects.end(),
                      "memory-backend-file,id=mem1-lsa,share=on,mem-path=/tmp/run1/mem1-lsa.raw,size=2M"),
            objects.end());
  EXPECT_NE(std::find(objects.begin(), objects.end(), "memory-backend-ram,id=mem2-vmem,share=on,size=256M"),
            objects.end());
  // mem0: volatile file + persistent + lsa; mem1: persistent + lsa.
  EXPECT_EQ(values_of(plan.argv, "-M"),
            std::vector<std::string>{"cxl-fmw.0.targets.0=hb0,cxl-fmw.0.targets.1=hb1,cxl-fmw.0.size=8G,"
                                     "cxl-fmw.0.interleave-granularity=1024,cxl-fmw.1.targets.0=hb0,"
                                     "cxl-fmw.1.size=4G,cxl-fmw.1.interleave-granularity=256"});
  ASSERT_EQ(plan.backing.size(), 5u);
  EXPECT_EQ(plan.backing[1].kind, "persistent");
  EXPECT_EQ(plan.backing[1].file, "/tmp/run1/mem0-persistent.raw");
}

TEST(QemuArgs, InteractiveConsoleFirmwareAndCommasInPaths) {
  VmInputs in = inputs();
  in.interactive = true;
  in.firmware = "/fw/bios.bin";
  in.run_dir = "/tmp/a,b";
  QemuPlan plan = make_qemu_plan(shipped("cxl1.toml"), in);
  EXPECT_EQ(values_of(plan.argv, "-serial"), std::vector<std::string>{"mon:stdio"});
  EXPECT_EQ(values_of(plan.argv, "-bios"), std::vector<std::string>{"/fw/bios.bin"});
  EXPECT_EQ(values_of(plan.argv, "-chardev"),
            (std::vector<std::string>{"socket,id=agent,path=/tmp/a,,b/agent.sock,server=on,wait=off",
                                      "socket,id=qmp,path=/tmp/a,,b/qmp.sock,server=on,wait=off"}));
  EXPECT_EQ(plan.vm.agent.socket, "/tmp/a,b/agent.sock");  // the real path, unescaped
  EXPECT_EQ(values_of(plan.argv, "-object"),
            std::vector<std::string>{
                "memory-backend-file,id=mem0-vmem,share=on,mem-path=/tmp/a,,b/mem0-volatile.raw,size=256M"});
}

TEST(QemuArgs, TooLongSocketPathIsAClearError) {
  VmInputs in = inputs();
  in.run_dir = "/tmp/" + std::string(120, 'x');
  try {
    make_qemu_plan(shipped("cxl1.toml"), in);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("longer than a unix socket allows"), std::string::npos);
  }
}

// QMP on the run directory's unix socket, never on TCP.
TEST(QemuArgs, QmpMonitorOnAUnixSocket) {
  QemuPlan plan = make_qemu_plan(shipped("cxl2-2hb.toml"), inputs());
  EXPECT_EQ(values_of(plan.argv, "-mon"), std::vector<std::string>{"chardev=qmp,mode=control"});
  auto chardevs = values_of(plan.argv, "-chardev");
  EXPECT_NE(
      std::find(chardevs.begin(), chardevs.end(), "socket,id=qmp,path=/tmp/run1/qmp.sock,server=on,wait=off"),
      chardevs.end());
  for (const auto& a : plan.argv) {
    EXPECT_EQ(a.find("tcp"), std::string::npos) << a;
    EXPECT_EQ(a.find("host="), std::string::npos) << a;
  }
  // A description meant for libvirt has no QMP socket to give QEMU.
  EXPECT_THROW(to_qemu_argv(through_libvirt(plan.vm)), Error);
}

// A backing file from outside, shared with other guests, and the share flag.
TEST(QemuArgs, SharedAndPrivateFileBackends) {
  VmInputs in = inputs();
  in.shared_volatile = {{"mem0", "/srv/pool,1.raw"}};
  VmDescription vm = describe_vm(shipped("cxl2-2hb.toml"), in);
  vm.type3[1].volatile_memory->share = false;
  auto objects = values_of(to_qemu_argv(vm), "-object");
  EXPECT_EQ(
      objects,
      (std::vector<std::string>{
          "memory-backend-file,id=mem0-vmem,share=on,mem-path=/srv/pool,,1.raw,size=256M",
          "memory-backend-file,id=mem1-vmem,share=off,mem-path=/tmp/run1/mem1-volatile.raw,size=256M"}));
}

// The pcie.0 slots appear as addr= only where asked (for libvirt).
TEST(QemuArgs, ExplicitRootSlotsOnlyWhenAsked) {
  VmDescription vm = describe_vm(shipped("cxl2-2hb.toml"), inputs());
  auto devices = [](const std::vector<QemuOption>& options) {
    std::vector<std::string> out;
    for (const auto& o : options)
      if (o.value.starts_with("pxb-cxl")) out.push_back(o.value);
    return out;
  };
  EXPECT_EQ(devices(memory_and_cxl_options(vm, false)),
            (std::vector<std::string>{"pxb-cxl,bus_nr=12,bus=pcie.0,id=hb0",
                                      "pxb-cxl,bus_nr=134,bus=pcie.0,id=hb1"}));
  EXPECT_EQ(devices(memory_and_cxl_options(vm, true)),
            (std::vector<std::string>{"pxb-cxl,bus_nr=12,bus=pcie.0,id=hb0,addr=0x02",
                                      "pxb-cxl,bus_nr=134,bus=pcie.0,id=hb1,addr=0x03"}));
  vm.host_bridges[1].pci_slot = 0;
  EXPECT_THROW(memory_and_cxl_options(vm, true), Error);
}

TEST(QemuArgs, AcceleratorAndRebootFollowTheDescription) {
  VmDescription vm = describe_vm(shipped("cxl1.toml"), inputs());
  vm.machine.accel = Accel::Kvm;
  vm.machine.exit_on_reboot = false;
  auto argv = to_qemu_argv(vm);
  EXPECT_EQ(values_of(argv, "-accel"), std::vector<std::string>{"kvm"});
  EXPECT_EQ(std::find(argv.begin(), argv.end(), "-no-reboot"), argv.end());
  vm.boot.kernel.clear();
  EXPECT_THROW(to_qemu_argv(vm), Error);
}

TEST(QemuArgs, ARestoreIsTheSameMachineLoadingItsStateLast) {
  VmInputs in = inputs();
  QemuPlan cold = make_qemu_plan(shipped("cxl1.toml"), in);
  in.restore_state = "/cache/snapshots/abc/state.mig";
  QemuPlan restore = make_qemu_plan(shipped("cxl1.toml"), in);
  ASSERT_EQ(restore.argv.size(), cold.argv.size() + 2);
  EXPECT_TRUE(std::equal(cold.argv.begin(), cold.argv.end(), restore.argv.begin()));
  EXPECT_EQ(values_of(restore.argv, "-incoming"),
            std::vector<std::string>{"file:/cache/snapshots/abc/state.mig"});
}
