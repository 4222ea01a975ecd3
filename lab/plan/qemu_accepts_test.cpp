// The real check of the VM description and its argv: QEMU 10 must accept
// the argv for every shipped topology. QEMU starts frozen (-S) so no guest
// runs; a header-only stand-in kernel is enough for its loader. Still
// running after 2 s = the machine was built; an exit means QEMU refused
// something, and it says what. Through QMP (the description's socket) the
// running QEMU then confirms what the description claims: the pcie.0 slots
// libvirt is told, and each type-3 device's QOM path, which
// cxl-inject-poison takes.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "base/error.h"
#include "base/process.h"
#include "base/unique_fd.h"
#include "lab/common/paths.h"
#include "lab/plan/qemu_args.h"
#include "lab/topology/load.h"

using namespace famlab;
using namespace famlab::plan;
using nlohmann::json;

namespace {

// The fields QEMU's x86 Linux loader reads from a bzImage setup header.
void write_stand_in_kernel(const std::filesystem::path& file) {
  std::vector<unsigned char> image(8192, 0);
  auto put32 = [&](size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) image[at + static_cast<size_t>(i)] = static_cast<unsigned char>(v >> (8 * i));
  };
  image[0x1f1] = 4;                       // setup sectors
  std::memcpy(&image[0x202], "HdrS", 4);  // boot protocol magic
  image[0x206] = 0x0f;                    // protocol 2.15
  image[0x207] = 0x02;
  image[0x211] = 0x01;       // loadflags: loaded high (bzImage)
  put32(0x22c, 0x7fffffff);  // initrd_addr_max
  put32(0x238, 4096);        // cmdline_size
  std::ofstream(file, std::ios::binary)
      .write(reinterpret_cast<const char*>(image.data()), static_cast<std::streamsize>(image.size()));
}

std::string read_all(const std::filesystem::path& file) {
  std::ifstream in(file);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Just enough of a QMP client for a test: one command at a time, events
// skipped, every read bounded by a deadline.
class Qmp {
 public:
  explicit Qmp(const std::filesystem::path& socket) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, socket.c_str(), sizeof addr.sun_path - 1);
    fd_ = UniqueFd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (connect(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      throw Error("cannot connect to QMP at " + socket.string() + ": " + std::strerror(errno));
    json greeting = read_message();
    if (!greeting.contains("QMP")) throw Error("no QMP greeting: " + greeting.dump());
    call("qmp_capabilities");
  }

  // The whole reply: {"return": ...} or {"error": ...}.
  json call(const std::string& command, const json& arguments = nullptr) {
    json request = {{"execute", command}};
    if (!arguments.is_null()) request["arguments"] = arguments;
    std::string line = request.dump() + "\n";
    if (send(fd_.get(), line.data(), line.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(line.size()))
      throw Error("QMP: cannot send " + command);
    for (;;) {
      json reply = read_message();
      if (!reply.contains("event")) return reply;
    }
  }

 private:
  json read_message() {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (;;) {
      if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return json::parse(line);
      }
      if (std::chrono::steady_clock::now() > deadline) throw Error("QMP: no answer within 10 s");
      pollfd p{fd_.get(), POLLIN, 0};
      poll(&p, 1, 100);
      char buf[4096];
      ssize_t n = recv(fd_.get(), buf, sizeof buf, MSG_DONTWAIT);
      if (n == 0) throw Error("QMP: QEMU closed the connection");
      if (n > 0) buffer_.append(buf, static_cast<size_t>(n));
    }
  }

  UniqueFd fd_;
  std::string buffer_;
};

// Slot of each device on PCI bus 0, by qdev id.
std::map<std::string, int> root_bus_slots(Qmp& qmp) {
  std::map<std::string, int> out;
  json reply = qmp.call("query-pci");
  for (const auto& bus : reply.at("return")) {
    if (bus["bus"] != 0) continue;
    for (const auto& d : bus["devices"])
      if (!d.value("qdev_id", "").empty()) out[d["qdev_id"]] = d["slot"];
  }
  return out;
}

bool have_qemu() {
  try {
    find_program("qemu-system-x86_64");
    return true;
  } catch (const Error&) {
    return false;
  }
}

// Inputs for a run in `run`, with a stand-in kernel and initrd there.
VmInputs stand_in_inputs(const RunDir& run) {
  VmInputs in;
  in.kernel = run.path() / "bzImage";
  in.initrd = run.path() / "initrd";
  in.run_dir = run.path();
  write_stand_in_kernel(in.kernel);
  std::ofstream(in.initrd) << "initrd";
  return in;
}

// QEMU frozen (-S) on the description's argv; nullptr after a failure.
std::unique_ptr<Child> start_frozen(const VmDescription& vm, const std::filesystem::path& log) {
  std::vector<std::string> argv = to_qemu_argv(vm);
  argv.push_back("-S");
  ProcessOptions opts;
  opts.stdout_file = log;
  auto qemu = std::make_unique<Child>(argv, opts);
  if (auto exit_code = qemu->wait_for(std::chrono::seconds(2))) {
    ADD_FAILURE() << "QEMU exited with " << *exit_code << ": " << read_all(log);
    return nullptr;
  }
  return qemu;
}

void expect_qemu_accepts(const std::filesystem::path& topology_file) {
  SCOPED_TRACE(topology_file.string());
  if (!have_qemu()) GTEST_SKIP() << "qemu-system-x86_64 is not installed";
  RunDir run("famlab-plan-test-");
  QemuPlan plan = make_qemu_plan(topology::load_topology(topology_file), stand_in_inputs(run));
  auto qemu = start_frozen(plan.vm, run.path() / "qemu.log");
  if (!qemu) return;
  EXPECT_TRUE(std::filesystem::exists(plan.vm.agent.socket));  // the chardev is listening
  for (const auto& b : plan.backing) {
    EXPECT_EQ(std::filesystem::file_size(b.file), b.size) << b.file;  // QEMU created the file
  }

  Qmp qmp(plan.vm.qmp.socket);
  // The slots the domain XML names are the ones QEMU picked by itself.
  auto slots = root_bus_slots(qmp);
  EXPECT_EQ(slots[plan.vm.agent.controller_id], plan.vm.agent.controller_slot);
  for (const auto& hb : plan.vm.host_bridges) EXPECT_EQ(slots[hb.id], hb.pci_slot) << hb.id;
  // Each type-3 device is where the description says, and poison injection
  // takes that path (only a type-3 device is accepted).
  for (const auto& d : plan.vm.type3) {
    json type = qmp.call("qom-get", {{"path", d.qom_path}, {"property", "type"}});
    EXPECT_EQ(type.value("return", ""), "cxl-type3") << d.qom_path << ": " << type.dump();
    json poison = qmp.call("cxl-inject-poison", {{"path", d.qom_path}, {"start", 0}, {"length", 64}});
    EXPECT_TRUE(poison.contains("return")) << d.qom_path << ": " << poison.dump();
  }
  if (!plan.vm.host_bridges.empty()) {
    json refused = qmp.call(
        "cxl-inject-poison",
        {{"path", "/machine/peripheral/" + plan.vm.host_bridges[0].id}, {"start", 0}, {"length", 64}});
    EXPECT_TRUE(refused.contains("error")) << refused.dump();
  }
  qemu->kill_group();
  qemu->wait();
}

std::filesystem::path source(const std::string& relative) {
  return std::filesystem::path(FAMLAB_SOURCE_DIR) / relative;
}

}  // namespace

TEST(QemuAccepts, Cxl1) { expect_qemu_accepts(source("scenarios/topologies/cxl1.toml")); }
TEST(QemuAccepts, Cxl2OneHostBridge) { expect_qemu_accepts(source("scenarios/topologies/cxl2-1hb.toml")); }
TEST(QemuAccepts, Cxl2TwoHostBridges) { expect_qemu_accepts(source("scenarios/topologies/cxl2-2hb.toml")); }
TEST(QemuAccepts, Cxl4BelowASwitch) { expect_qemu_accepts(source("scenarios/topologies/cxl4-switch.toml")); }
TEST(QemuAccepts, PmemOnly) { expect_qemu_accepts(source("scenarios/topologies/pmem.toml")); }
// Persistent devices with label areas, two windows, a switch next to a root port.
TEST(QemuAccepts, EveryFeature) { expect_qemu_accepts(source("lab/topology/testdata/full.toml")); }

// One backing file given from outside, mapped shared by two QEMUs at once
// (two guests of a multi-guest scenario): both accept it and both map the
// same file MAP_SHARED, so a write by one guest is the other's to read.
// QEMU creates the file when it is not there yet.
TEST(QemuAccepts, TwoGuestsShareOneBackingFile) {
  if (!have_qemu()) GTEST_SKIP() << "qemu-system-x86_64 is not installed";
  RunDir pool("famlab-shared-pool-"), run_a("famlab-plan-test-"), run_b("famlab-plan-test-");
  const std::filesystem::path shared = pool.path() / "pool.raw";
  auto topo = topology::load_topology(source("scenarios/topologies/cxl1.toml"));
  std::vector<std::unique_ptr<Child>> guests;
  for (const RunDir* run : {&run_a, &run_b}) {
    VmInputs in = stand_in_inputs(*run);
    in.shared_volatile = {{"mem0", shared}};
    VmDescription vm = describe_vm(topo, in);
    auto argv = to_qemu_argv(vm);
    EXPECT_NE(
        std::find(argv.begin(), argv.end(),
                  "memory-backend-file,id=mem0-vmem,share=on,mem-path=" + shared.string() + ",size=256M"),
        argv.end());
    guests.push_back(start_frozen(vm, run->path() / "qemu.log"));
    ASSERT_TRUE(guests.back());
    EXPECT_FALSE(std::filesystem::exists(run->path() / "mem0-volatile.raw"));
  }
  EXPECT_EQ(std::filesystem::file_size(shared), 256 * MiB);
  for (const auto& g : guests) {
    ASSERT_TRUE(g->running());
    // rw-s: a shared mapping of the one file, in each QEMU.
    std::ifstream maps("/proc/" + std::to_string(g->pid()) + "/maps");
    bool shared_mapping = false;
    for (std::string line; std::getline(maps, line);) {
      if (line.ends_with(" " + shared.string()) && line.find(" rw-s ") != std::string::npos)
        shared_mapping = true;
    }
    EXPECT_TRUE(shared_mapping) << "QEMU " << g->pid() << " does not map " << shared << " shared";
  }
  for (auto& g : guests) {
    g->kill_group();
    g->wait();
  }
}
