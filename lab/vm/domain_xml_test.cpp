#include "lab/vm/domain_xml.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>

#include "base/error.h"
#include "base/process.h"
#include "lab/plan/qemu_args.h"
#include "lab/plan/vm_description.h"
#include "lab/topology/load.h"

using namespace famlab;
using namespace famlab::vm;
namespace fs = std::filesystem;

namespace {

std::vector<fs::path> shipped_topologies() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(fs::path(FAMLAB_SOURCE_DIR) / "scenarios/topologies"))
    if (e.path().extension() == ".toml") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// The description as the libvirt backend gets it from the runner.
plan::VmDescription direct(const fs::path& topology) {
  plan::VmInputs in;
  in.kernel = "/k/bzImage";
  in.initrd = "/k/initrd.cpio";
  in.run_dir = "/tmp/famlab-run-x";
  return plan::describe_vm(topology::load_topology(topology), in);
}

// ... and as it renders it: QMP is libvirt's.
plan::VmDescription for_libvirt(const fs::path& topology) { return plan::through_libvirt(direct(topology)); }

fs::path shipped(const std::string& name) {
  return fs::path(FAMLAB_SOURCE_DIR) / "scenarios/topologies" / name;
}

DomainOptions options() {
  DomainOptions o;
  o.name = "famlab-0123abcd-boot-and-devdax-plain";
  o.owner.run_id = "0123abcd";
  o.owner.controller = "ci-7";
  o.owner.boot_id = "b";
  o.owner.pid = 42;
  o.owner.pid_start = 7;
  o.owner.run_dir = "/tmp/famlab-run-x";
  o.owner.scenario = "boot-and-devdax";
  o.owner.kernel = "plain";
  return o;
}

// Every <qemu:arg value='...'/> in order.
std::vector<std::string> qemu_args_of(const std::string& xml) {
  std::vector<std::string> out;
  std::regex arg("<qemu:arg value='([^']*)'/>");
  for (auto it = std::sregex_iterator(xml.begin(), xml.end(), arg); it != std::sregex_iterator(); ++it)
    out.push_back((*it)[1]);
  return out;
}

std::vector<std::string> values_of(const std::vector<std::string>& argv, const std::string& option) {
  std::vector<std::string> out;
  for (size_t i = 0; i + 1 < argv.size(); ++i)
    if (argv[i] == option) out.push_back(argv[i + 1]);
  return out;
}

int count(const std::string& s, const std::string& what) {
  int n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

}  // namespace

// Every shipped topology: the XML is valid for libvirt's schema, and every
// topology-specific QEMU argument of the direct backend reaches QEMU exactly
// once, either as a libvirt element or through <qemu:commandline>.
TEST(DomainXml, EveryShippedTopologyValidatesAndKeepsItsHardware) {
  auto topologies = shipped_topologies();
  ASSERT_GE(topologies.size(), 5u);
  fs::path dir = fs::temp_directory_path() / ("famlab-domain-xml-" + std::to_string(getpid()));
  fs::create_directories(dir);
  for (const auto& t : topologies) {
    SCOPED_TRACE(t.filename().string());
    plan::VmDescription vm = for_libvirt(t);
    std::vector<std::string> argv = plan::to_qemu_argv(direct(t));
    std::string xml = make_domain_xml(vm, options());
    fs::path file = dir / (t.stem().string() + ".xml");
    std::ofstream(file) << xml;
    auto r = run_process({"virt-xml-validate", file.string(), "domain"});
    EXPECT_EQ(r.exit_code, 0) << r.output << "\n" << xml;

    EXPECT_NE(xml.find("<domain type='qemu'"), std::string::npos);
    EXPECT_NE(xml.find("<acpi/>"), std::string::npos);
    EXPECT_NE(xml.find("machine='q35'"), std::string::npos);
    EXPECT_NE(xml.find("<model fallback='forbid'>qemu64</model>"), std::string::npos);
    EXPECT_NE(xml.find("<feature policy='disable' name='hypervisor'/>"), std::string::npos);
    EXPECT_NE(xml.find("<feature policy='require' name='rdrand'/>"), std::string::npos);
    EXPECT_NE(xml.find("<kernel>/k/bzImage</kernel>"), std::string::npos);
    EXPECT_NE(xml.find("<initrd>/k/initrd.cpio</initrd>"), std::string::npos);
    EXPECT_NE(xml.find("<cmdline>" + vm.boot.cmdline + "</cmdline>"), std::string::npos);
    EXPECT_EQ(values_of(argv, "-append"), std::vector<std::string>{vm.boot.cmdline});
    EXPECT_NE(xml.find("<on_reboot>destroy</on_reboot>"), std::string::npos);
    EXPECT_NE(xml.find("<serial type='pty'>"), std::string::npos);
    EXPECT_NE(xml.find("<target type='virtio' name='org.famlab.agent'/>"), std::string::npos);
    EXPECT_NE(xml.find("famlab:run xmlns:famlab="), std::string::npos);

    // The agent's socket and QMP are libvirt's business: neither is passed on.
    auto args = qemu_args_of(xml);
    for (const auto& a : args) {
      EXPECT_EQ(a.find("agent.sock"), std::string::npos) << a;
      EXPECT_EQ(a.find("qmp"), std::string::npos) << a;
    }
    EXPECT_TRUE(values_of(args, "-chardev").empty());
    EXPECT_TRUE(values_of(args, "-mon").empty());
    EXPECT_EQ(xml.find("qmp"), std::string::npos);
    // Every -object and every CXL -device of the direct argv, once and in order.
    EXPECT_EQ(values_of(args, "-object"), values_of(argv, "-object"));
    std::vector<std::string> cxl_devices, got_devices = values_of(args, "-device");
    for (const auto& d : values_of(argv, "-device"))
      if (d.starts_with("pxb-cxl") || d.starts_with("cxl-")) cxl_devices.push_back(d);
    ASSERT_EQ(got_devices.size(), cxl_devices.size());
    for (size_t i = 0; i < cxl_devices.size(); ++i) EXPECT_TRUE(got_devices[i].starts_with(cxl_devices[i]));
    // Machine properties (cxl=on, the windows) as QEMU got them.
    for (const auto& m : values_of(argv, "-M")) EXPECT_EQ(count(xml, "'" + m + "'"), 1) << m;
    bool cxl = xml.find("pxb-cxl") != std::string::npos;
    EXPECT_EQ(count(xml, "<qemu:arg value='cxl=on'/>"), cxl ? 1 : 0);
  }
  fs::remove_all(dir);
}

// libvirt realizes <qemu:commandline> devices before its own, so every
// device on pcie.0 has a fixed slot: the ones QEMU hands out to the direct
// backend (virtio-serial first, then the host bridges; the QEMU test in
// lab/plan checks them against a running QEMU), none twice.
TEST(DomainXml, DevicesOnTheRootBusGetTheSlotsQemuWouldGive) {
  std::string xml = make_domain_xml(for_libvirt(shipped("cxl2-2hb.toml")), options());
  EXPECT_NE(xml.find("<controller type='virtio-serial' index='0'>\n      <address type='pci' domain='0x0000' "
                     "bus='0x00' slot='0x01' function='0x0'/>"),
            std::string::npos)
      << xml;
  auto devices = values_of(qemu_args_of(xml), "-device");
  std::vector<std::string> pxbs;
  for (const auto& d : devices)
    if (d.starts_with("pxb-cxl")) pxbs.push_back(d);
  ASSERT_EQ(pxbs.size(), 2u);
  EXPECT_TRUE(pxbs[0].ends_with(",addr=0x02")) << pxbs[0];
  EXPECT_TRUE(pxbs[1].ends_with(",addr=0x03")) << pxbs[1];
  // CXL ports keep chassis 0: libvirt numbers its own root ports from 1.
  for (const auto& d : devices) {
    if (d.starts_with("cxl-rp")) {
      EXPECT_NE(d.find("chassis=0"), std::string::npos);
    }
  }
}

TEST(DomainXml, SlotsComeFromTheDescription) {
  plan::VmDescription vm = for_libvirt(shipped("cxl1.toml"));
  vm.agent.controller_slot = 5;
  vm.host_bridges[0].pci_slot = 0x1e;
  std::string xml = make_domain_xml(vm, options());
  EXPECT_NE(xml.find("pxb-cxl,bus_nr=12,bus=pcie.0,id=hb0,addr=0x1e'"), std::string::npos) << xml;
  EXPECT_NE(xml.find("slot='0x05'"), std::string::npos) << xml;
}

TEST(DomainXml, MemorySlotsNeedANumaCell) {
  std::string xml = make_domain_xml(for_libvirt(shipped("cxl1.toml")), options());
  EXPECT_NE(xml.find("<maxMemory slots='8' unit='KiB'>8388608</maxMemory>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<memory unit='KiB'>2097152</memory>"), std::string::npos);
  EXPECT_NE(xml.find("<vcpu placement='static'>2</vcpu>"), std::string::npos);
  // -smp 2 is two cores in one socket in QEMU; libvirt's default would be two sockets.
  EXPECT_NE(xml.find("<topology sockets='1' dies='1' clusters='1' cores='2' threads='1'/>"),
            std::string::npos);
  EXPECT_NE(xml.find("<cell id='0' cpus='0-1' memory='2097152' unit='KiB'/>"), std::string::npos);
}

TEST(DomainXml, TextIsEscaped) {
  plan::VmDescription vm = for_libvirt(shipped("pmem.toml"));
  vm.boot.kernel = "/k&<'>";
  vm.boot.cmdline = "a='b' & c<d";
  DomainOptions o = options();
  o.owner.run_dir = "/tmp/a\"b&c";
  std::string xml = make_domain_xml(vm, o);
  EXPECT_NE(xml.find("<kernel>/k&amp;&lt;&apos;&gt;</kernel>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<cmdline>a=&apos;b&apos; &amp; c&lt;d</cmdline>"), std::string::npos) << xml;
  auto owner = parse_owner_element(xml.substr(xml.find("<famlab:run")));
  ASSERT_TRUE(owner);
  EXPECT_EQ(owner->run_dir, "/tmp/a\"b&c");
}

TEST(DomainXml, FirmwareInteractiveConsoleAndKvm) {
  plan::VmDescription vm = for_libvirt(shipped("cxl1.toml"));
  vm.machine.firmware = "/fw/bios.bin";
  vm.machine.accel = plan::Accel::Kvm;
  vm.machine.exit_on_reboot = false;
  vm.console.with_monitor = true;
  std::string xml = make_domain_xml(vm, options());
  EXPECT_NE(xml.find("<domain type='kvm'"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<loader readonly='yes' type='rom'>/fw/bios.bin</loader>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<on_reboot>restart</on_reboot>"), std::string::npos) << xml;
  EXPECT_EQ(count(xml, "<serial type='pty'>"), 1);
}

// What libvirt cannot be given is an error that says what, never a domain
// that silently lacks it.
TEST(DomainXml, AnIncompleteDescriptionIsAnErrorSayingWhat) {
  auto error_of = [](const plan::VmDescription& vm, const DomainOptions& o) -> std::string {
    try {
      make_domain_xml(vm, o);
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  };
  const plan::VmDescription good = for_libvirt(shipped("cxl1.toml"));
  EXPECT_EQ(error_of(good, options()), "");
  DomainOptions unnamed = options();
  unnamed.name.clear();
  EXPECT_NE(error_of(good, unnamed).find("needs a name"), std::string::npos);
  plan::VmDescription vm = good;
  vm.boot.kernel.clear();
  EXPECT_NE(error_of(vm, options()).find("no kernel"), std::string::npos);
  vm = good;
  vm.machine.memory = 0;
  EXPECT_NE(error_of(vm, options()).find("no memory"), std::string::npos);
  vm = good;
  vm.agent.controller_slot = 0;
  EXPECT_NE(error_of(vm, options()).find("virtio-serial controller has no slot"), std::string::npos);
  vm = good;
  vm.host_bridges[0].pci_slot = 0;
  EXPECT_NE(error_of(vm, options()).find("host bridge hb0 has no slot on pcie.0"), std::string::npos);
  // QMP on famlab's own socket cannot be had through libvirt.
  EXPECT_NE(error_of(direct(shipped("cxl1.toml")), options()).find("QMP"), std::string::npos);
}

// All windows in one -machine, whole: QEMU refuses cxl-fmw.N keys spread
// over several -machine options.
TEST(DomainXml, MachinePropertiesStayTogether) {
  plan::VmDescription vm = for_libvirt(fs::path(FAMLAB_SOURCE_DIR) / "lab/topology/testdata/full.toml");
  auto args = qemu_args_of(make_domain_xml(vm, options()));
  ASSERT_GE(args.size(), 4u);
  std::vector<std::string> head(args.begin(), args.begin() + 4);
  std::vector<std::string> expected = {
      "-machine", "cxl=on", "-machine",
      "cxl-fmw.0.targets.0=hb0,cxl-fmw.0.targets.1=hb1,cxl-fmw.0.size=8G,cxl-fmw.0.interleave-granularity="
      "1024,"
      "cxl-fmw.1.targets.0=hb0,cxl-fmw.1.size=4G,cxl-fmw.1.interleave-granularity=256"};
  EXPECT_EQ(head, expected);
  EXPECT_EQ(count(make_domain_xml(vm, options()), "cxl-fmw."), 7);
}

// A backing file shared with other guests goes to QEMU exactly as in the
// direct backend's argv.
TEST(DomainXml, SharedBackingFileAsInTheArgv) {
  plan::VmInputs in;
  in.kernel = "/k/bzImage";
  in.run_dir = "/tmp/famlab-run-x";
  in.shared_volatile = {{"mem0", "/srv/famlab/pool.raw"}};
  plan::VmDescription vm = plan::describe_vm(topology::load_topology(shipped("cxl1.toml")), in);
  auto argv_objects = values_of(plan::to_qemu_argv(vm), "-object");
  ASSERT_EQ(argv_objects.size(), 1u);
  EXPECT_EQ(argv_objects[0],
            "memory-backend-file,id=mem0-vmem,share=on,mem-path=/srv/famlab/pool.raw,size=256M");
  EXPECT_EQ(values_of(qemu_args_of(make_domain_xml(plan::through_libvirt(vm), options())), "-object"),
            argv_objects);
}

TEST(DomainXml, AStateToRestoreIsLoadedByQemuFromTheCommandLine) {
  plan::VmInputs in;
  in.kernel = "/k/bzImage";
  in.run_dir = "/tmp/famlab-run-x";
  in.restore_state = "/tmp/famlab-run-x/boot-state.mig";
  plan::VmDescription vm = plan::describe_vm(topology::load_topology(shipped("cxl1.toml")), in);
  const std::string xml = make_domain_xml(plan::through_libvirt(vm), options());
  EXPECT_EQ(values_of(qemu_args_of(xml), "-incoming"),
            std::vector<std::string>{"file:/tmp/famlab-run-x/boot-state.mig"});
  in.restore_state.clear();
  vm = plan::describe_vm(topology::load_topology(shipped("cxl1.toml")), in);
  EXPECT_TRUE(
      values_of(qemu_args_of(make_domain_xml(plan::through_libvirt(vm), options())), "-incoming").empty());
}
