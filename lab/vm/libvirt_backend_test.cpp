// The libvirt backend's own logic without a daemon: staging the boot files,
// and a host that refuses the domain (libvirt's in-process test driver takes
// the connection but not a paused QEMU domain). Booting real guests through a
// daemon is harness/tests/test_libvirt.py.
#include "lab/vm/libvirt_backend.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "base/error.h"
#include "lab/common/paths.h"
#include "lab/plan/vm_description.h"
#include "lab/topology/load.h"

using namespace famlab;
using namespace famlab::vm;
namespace fs = std::filesystem;

namespace {

plan::VmDescription vm_with(const fs::path& kernel, const fs::path& initrd, const fs::path& run_dir) {
  plan::VmInputs in;
  in.kernel = kernel;
  in.initrd = initrd;
  in.run_dir = run_dir;
  return plan::describe_vm(
      topology::load_topology(fs::path(FAMLAB_SOURCE_DIR) / "scenarios/topologies/cxl1.toml"), in);
}

}  // namespace

TEST(LibvirtBackend, BootFilesAreCopiedIntoTheRunDirectory) {
  RunDir cache("famlab-stage-src-"), run("famlab-run-stage-");
  std::ofstream(cache.path() / "bzImage") << "kernel";
  std::ofstream(cache.path() / "initrd.cpio") << "initrd";
  plan::VmDescription vm = stage_boot_files(
      vm_with(cache.path() / "bzImage", cache.path() / "initrd.cpio", run.path()), run.path());
  EXPECT_EQ(vm.boot.kernel, run.path() / "boot-bzImage");
  EXPECT_EQ(vm.boot.initrd, run.path() / "boot-initrd.cpio");
  std::string k;
  std::ifstream(vm.boot.kernel) >> k;
  EXPECT_EQ(k, "kernel");
  EXPECT_THROW(
      stage_boot_files(vm_with("/nonexistent/bzImage", cache.path() / "initrd.cpio", run.path()), run.path()),
      Error);
}

TEST(LibvirtBackend, AHostThatRefusesTheDomainIsAHostErrorAndLeavesNothing) {
  RunDir src("famlab-stage-src-"), run("famlab-run-refuse-");
  std::ofstream(src.path() / "bzImage") << "kernel";
  std::ofstream(src.path() / "initrd.cpio") << "initrd";
  auto conn = std::make_shared<LibvirtConnection>("test:///default");
  LibvirtBackend::Options o;
  o.connection = conn;
  o.domain.name = "famlab-unit-refused";
  o.domain.owner = this_process_owner("unit0001");
  o.artifacts = run.path() / "artifacts";
  LibvirtBackend backend(o);
  VmSpec spec{vm_with(src.path() / "bzImage", src.path() / "initrd.cpio", run.path()), false, run.path(), {}};
  try {
    backend.start(spec);
    FAIL() << "the test driver took a paused QEMU domain";
  } catch (const HostError& e) {
    EXPECT_EQ(e.kind(), HostError::Kind::Refused);
    std::string m = e.what();
    EXPECT_NE(m.find("libvirt test:///default: cannot start domain famlab-unit-refused: "), std::string::npos)
        << m;
  }
  // What was asked for, for the report: the staged kernel, QMP left to libvirt.
  std::ifstream asked(run.path() / "artifacts" / "domain.xml");
  std::string xml(std::istreambuf_iterator<char>(asked), {});
  EXPECT_NE(xml.find("<kernel>" + (run.path() / "boot-bzImage").string() + "</kernel>"), std::string::npos)
      << xml;
  EXPECT_EQ(xml.find("qmp"), std::string::npos) << xml;
  EXPECT_EQ(backend.console_fd(), -1);
  EXPECT_EQ(backend.exited(), 0);
  backend.kill();
  backend.kill();
  for (auto& d : list_active_domains(*conn)) EXPECT_NE(d.name(), "famlab-unit-refused");
  EXPECT_EQ(backend.describe(), "libvirt domain famlab-unit-refused on test:///default");
}

TEST(LibvirtBackend, HasNoInteractiveConsole) {
  auto conn = std::make_shared<LibvirtConnection>("test:///default");
  LibvirtBackend backend({conn, {"famlab-unit-shell", {}}, {}});
  VmSpec spec{vm_with("/k/bzImage", "/k/initrd", "/tmp"), true, "/tmp", {}};
  EXPECT_THROW(backend.start(spec), Error);
}
