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

plan::QemuPlan plan_for(const fs::path& topology) {
  plan::QemuInputs in;
  in.kernel = "/k/bzImage";
  in.initrd = "/k/initrd.cpio";
  in.run_dir = "/tmp/famlab-run-x";
  return plan::make_qemu_plan(topology::load_topology(topology), in);
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
// topology-specific QEMU argument reaches QEMU exactly once, either as a
// libvirt element or through <qemu:commandline>.
TEST(DomainXml, EveryShippedTopologyValidatesAndKeepsItsHardware) {
  auto topologies = shipped_topologies();
  ASSERT_GE(topologies.size(), 5u);
  fs::path dir = fs::temp_directory_path() / ("famlab-domain-xml-" + std::to_string(getpid()));
  fs::create_directories(dir);
  for (const auto& t : topologies) {
    SCOPED_TRACE(t.filename().string());
    plan::QemuPlan qp = plan_for(t);
    std::string xml = make_domain_xml(qp.argv, options());
    fs::path file = dir / (t.stem().string() + ".xml");
    std::ofstream(file) << xml;
    auto r = run_process({"virt-xml-validate", file.string(), "domain"});
    EXPECT_EQ(r.exit_code, 0) << r.output << "\n" << xml;

    EXPECT_NE(xml.find("<domain type='qemu'"), std::string::npos);
    EXPECT_NE(xml.find("<acpi/>"), std::string::npos);
    EXPECT_NE(xml.find("machine='q35'"), std::string::npos);
    EXPECT_NE(xml.find("<model fallback='forbid'>qemu64</model>"), std::string::npos);
    EXPECT_NE(xml.find("<feature policy='disable' name='hypervisor'/>"), std::string::npos);
    EXPECT_NE(xml.find("<kernel>/k/bzImage</kernel>"), std::string::npos);
    EXPECT_NE(xml.find("<initrd>/k/initrd.cpio</initrd>"), std::string::npos);
    EXPECT_NE(xml.find("<cmdline>" + qp.kernel_cmdline + "</cmdline>"), std::string::npos);
    EXPECT_NE(xml.find("<on_reboot>destroy</on_reboot>"), std::string::npos);
    EXPECT_NE(xml.find("<serial type='pty'>"), std::string::npos);
    EXPECT_NE(xml.find("<target type='virtio' name='org.famlab.agent'/>"), std::string::npos);
    EXPECT_NE(xml.find("famlab:run xmlns:famlab="), std::string::npos);

    // The agent's socket is libvirt's business: its chardev is not passed on.
    auto args = qemu_args_of(xml);
    for (const auto& a : args) EXPECT_EQ(a.find("agent.sock"), std::string::npos) << a;
    // Every -object and every CXL -device, once and in order.
    std::vector<std::string> expected;
    for (const auto& o : values_of(qp.argv, "-object")) expected.push_back(o);
    std::vector<std::string> got_objects = values_of(args, "-object");
    EXPECT_EQ(got_objects, expected);
    std::vector<std::string> cxl_devices, got_devices = values_of(args, "-device");
    for (const auto& d : values_of(qp.argv, "-device"))
      if (d.starts_with("pxb-cxl") || d.starts_with("cxl-")) cxl_devices.push_back(d);
    ASSERT_EQ(got_devices.size(), cxl_devices.size());
    for (size_t i = 0; i < cxl_devices.size(); ++i) EXPECT_TRUE(got_devices[i].starts_with(cxl_devices[i]));
    // Machine properties (cxl=on, the windows) as QEMU got them.
    for (const auto& m : values_of(qp.argv, "-M")) EXPECT_EQ(count(xml, "'" + m + "'"), 1) << m;
    bool cxl = xml.find("pxb-cxl") != std::string::npos;
    EXPECT_EQ(count(xml, "<qemu:arg value='cxl=on'/>"), cxl ? 1 : 0);
  }
  fs::remove_all(dir);
}

// libvirt realizes <qemu:commandline> devices before its own, so every
// device on pcie.0 has a fixed slot: the ones QEMU hands out to the direct
// backend (virtio-serial first, then the host bridges), none twice.
TEST(DomainXml, DevicesOnTheRootBusGetTheSlotsQemuWouldGive) {
  plan::QemuPlan qp = plan_for(fs::path(FAMLAB_SOURCE_DIR) / "scenarios/topologies/cxl2-2hb.toml");
  std::string xml = make_domain_xml(qp.argv, options());
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

TEST(DomainXml, ExplicitAddressesAreKeptAndSkipped) {
  std::vector<std::string> argv = {"qemu-system-x86_64",
                                   "-machine",
                                   "q35",
                                   "-m",
                                   "1G",
                                   "-kernel",
                                   "/k",
                                   "-device",
                                   "pxb-cxl,bus_nr=12,bus=pcie.0,id=hb0,addr=0x1",
                                   "-device",
                                   "virtio-serial-pci,id=vser0,bus=pcie.0",
                                   "-device",
                                   "virtserialport,bus=vser0.0,chardev=agent,name=a",
                                   "-chardev",
                                   "socket,id=agent,path=/x,server=on,wait=off"};
  std::string xml = make_domain_xml(argv, options());
  EXPECT_NE(xml.find("pxb-cxl,bus_nr=12,bus=pcie.0,id=hb0,addr=0x1'"), std::string::npos) << xml;
  EXPECT_NE(xml.find("slot='0x02'"), std::string::npos) << xml;
  EXPECT_EQ(agent_channel_name(argv), "a");
}

TEST(DomainXml, MemorySlotsNeedANumaCell) {
  plan::QemuPlan qp = plan_for(fs::path(FAMLAB_SOURCE_DIR) / "scenarios/topologies/cxl1.toml");
  std::string xml = make_domain_xml(qp.argv, options());
  EXPECT_NE(xml.find("<maxMemory slots='8' unit='KiB'>8388608</maxMemory>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<memory unit='KiB'>2097152</memory>"), std::string::npos);
  EXPECT_NE(xml.find("<vcpu placement='static'>2</vcpu>"), std::string::npos);
  // -smp 2 is two cores in one socket in QEMU; libvirt's default would be two sockets.
  EXPECT_NE(xml.find("<topology sockets='1' dies='1' clusters='1' cores='2' threads='1'/>"),
            std::string::npos);
  EXPECT_NE(xml.find("<cell id='0' cpus='0-1' memory='2097152' unit='KiB'/>"), std::string::npos);
}

TEST(DomainXml, TextIsEscaped) {
  std::vector<std::string> argv = {
      "qemu-system-x86_64", "-machine", "q35", "-m", "512", "-kernel", "/k&<'>", "-append", "a='b' & c<d"};
  DomainOptions o = options();
  o.owner.run_dir = "/tmp/a\"b&c";
  std::string xml = make_domain_xml(argv, o);
  EXPECT_NE(xml.find("<kernel>/k&amp;&lt;&apos;&gt;</kernel>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<cmdline>a=&apos;b&apos; &amp; c&lt;d</cmdline>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<memory unit='KiB'>524288</memory>"), std::string::npos) << xml;  // -m 512 is MiB
  auto owner = parse_owner_element(xml.substr(xml.find("<famlab:run")));
  ASSERT_TRUE(owner);
  EXPECT_EQ(owner->run_dir, "/tmp/a\"b&c");
}

TEST(DomainXml, AnOptionWithoutAMappingIsAnErrorNamingIt) {
  std::vector<std::string> argv = {
      "qemu-system-x86_64", "-machine", "q35", "-m", "1G", "-kernel", "/k", "-vga", "std"};
  try {
    make_domain_xml(argv, options());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'-vga'"), std::string::npos) << e.what();
  }
  argv = {"qemu-system-x86_64", "-machine", "q35", "-m", "1G", "-kernel", "/k", "-serial", "tcp:1.2.3.4:5"};
  EXPECT_THROW(make_domain_xml(argv, options()), Error);
  argv = {"qemu-system-x86_64", "-machine", "q35", "-m", "1G", "-kernel", "/k"};
  EXPECT_THROW(agent_channel_name(argv), Error);
  DomainOptions unnamed = options();
  unnamed.name.clear();
  EXPECT_THROW(make_domain_xml(argv, unnamed), Error);
}

// The windows of several -M options stay separate, each whole: QEMU refuses
// cxl-fmw.N keys spread over several -machine options.
TEST(DomainXml, MachinePropertiesStayTogether) {
  std::vector<std::string> argv = {"qemu-system-x86_64",
                                   "-machine",
                                   "q35,cxl=on",
                                   "-m",
                                   "1G",
                                   "-kernel",
                                   "/k",
                                   "-M",
                                   "cxl-fmw.0.targets.0=hb0,cxl-fmw.0.size=4G"};
  auto args = qemu_args_of(make_domain_xml(argv, options()));
  std::vector<std::string> expected = {"-machine", "cxl=on", "-machine",
                                       "cxl-fmw.0.targets.0=hb0,cxl-fmw.0.size=4G"};
  EXPECT_EQ(args, expected);
}
