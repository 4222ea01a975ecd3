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

using namespace famlab;
using namespace famlab::vm;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> argv_with(const fs::path& kernel, const fs::path& initrd, const fs::path& run_dir) {
  return {"qemu-system-x86_64",
          "-accel",
          "tcg",
          "-machine",
          "q35",
          "-m",
          "512M",
          "-kernel",
          kernel.string(),
          "-initrd",
          initrd.string(),
          "-device",
          "virtio-serial-pci,id=vser0,bus=pcie.0",
          "-chardev",
          "socket,id=agent,path=" + (run_dir / "agent.sock").string() + ",server=on,wait=off",
          "-device",
          "virtserialport,bus=vser0.0,chardev=agent,name=org.famlab.agent"};
}

}  // namespace

TEST(LibvirtBackend, BootFilesAreCopiedIntoTheRunDirectory) {
  RunDir cache("famlab-stage-src-"), run("famlab-run-stage-");
  std::ofstream(cache.path() / "bzImage") << "kernel";
  std::ofstream(cache.path() / "initrd.cpio") << "initrd";
  auto argv = stage_boot_files(argv_with(cache.path() / "bzImage", cache.path() / "initrd.cpio", run.path()),
                               run.path());
  auto at = [&](const std::string& opt) {
    for (size_t i = 0; i + 1 < argv.size(); ++i)
      if (argv[i] == opt) return fs::path(argv[i + 1]);
    return fs::path();
  };
  EXPECT_EQ(at("-kernel"), run.path() / "boot-bzImage");
  EXPECT_EQ(at("-initrd"), run.path() / "boot-initrd.cpio");
  std::string k;
  std::ifstream(at("-kernel")) >> k;
  EXPECT_EQ(k, "kernel");
  EXPECT_THROW(stage_boot_files(argv_with("/nonexistent/bzImage", cache.path() / "initrd.cpio", run.path()),
                                run.path()),
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
  VmSpec spec{argv_with(src.path() / "bzImage", src.path() / "initrd.cpio", run.path()),
              run.path() / "agent.sock", false, run.path()};
  try {
    backend.start(spec);
    FAIL() << "the test driver took a paused QEMU domain";
  } catch (const HostError& e) {
    EXPECT_EQ(e.kind(), HostError::Kind::Refused);
    std::string m = e.what();
    EXPECT_NE(m.find("libvirt test:///default: cannot start domain famlab-unit-refused: "), std::string::npos)
        << m;
  }
  EXPECT_TRUE(fs::exists(run.path() / "artifacts" / "domain.xml"));  // what was asked for, for the report
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
  VmSpec spec{{"qemu-system-x86_64"}, "/tmp/x.sock", true, "/tmp"};
  EXPECT_THROW(backend.start(spec), Error);
}
