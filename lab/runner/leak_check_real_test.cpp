// kmemleak around a scenario on a real debug kernel, opt-in (FAMLAB_REAL=1,
// FAMLAB_AGENT=path to the static famlab-agent): builds or finds famfs+debug
// in the real cache_dir(), boots it under QEMU (TCG) and runs the baseline
// and the check the way the runner does, around a leak our test module
// (famlab_provoke) makes on request.
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>

#include "lab/common/paths.h"
#include "lab/image/initramfs.h"
#include "lab/kernel/kernel.h"
#include "lab/runner/launch.h"
#include "lab/runner/leak_check.h"
#include "lab/vm/qemu_backend.h"

using namespace famlab;
namespace fs = std::filesystem;

namespace {

const char* env(const char* name) {
  const char* e = std::getenv(name);
  return e && *e ? e : nullptr;
}

void print(const std::string& s) { std::cout << "  [real] " << s << std::endl; }

void show(const report::StepResult& st) {
  std::cout << "  [real] " << st.name << ": " << report::to_string(st.status) << " " << st.seconds << " s "
            << st.message << std::endl;
  for (const auto& s : st.splats) std::cout << "  [real]   " << s.kind << ": " << s.title << std::endl;
}

}  // namespace

TEST(RealKmemleak, BaselineLeavesNothingAndALeakFailsTheCheckNamingItsFrame) {
  if (!env("FAMLAB_REAL") || std::string(env("FAMLAB_REAL")) != "1") GTEST_SKIP() << "set FAMLAB_REAL=1";
  if (!env("FAMLAB_AGENT")) GTEST_SKIP() << "set FAMLAB_AGENT to the static famlab-agent";
  kernel::Kernel k = kernel::resolve_kernel({"famfs+debug", {}, {}, {}}, print);
  runner::GuestSoftware sw;
  sw.kernel = k;
  image::ImageSpec spec = image::default_image_spec(k);
  spec.agent = env("FAMLAB_AGENT");
  sw.image = image::build_initramfs(spec, print);

  RunDir run;
  runner::GuestSetup setup;
  setup.topology_file = fs::path(FAMLAB_SOURCE_DIR) / "scenarios" / "topologies" / "cxl1.toml";
  setup.software = &sw;
  setup.run_dir = run.path() / "vm";
  setup.artifacts = run.path() / "artifacts";
  fs::create_directories(setup.run_dir);
  auto guest = runner::plan_guest(
      setup, [](const runner::GuestSetup&) { return std::make_unique<vm::QemuBackend>(); });
  runner::BootOutcome boot = runner::boot_guest(*guest, 900);
  ASSERT_EQ(boot.step.status, report::Status::Passed) << boot.step.message;
  vm::GuestSession& session = *guest->session;

  report::StepResult base = runner::kmemleak_baseline(session);
  show(base);
  EXPECT_EQ(base.status, report::Status::Passed) << base.message;

  // Nothing leaked since the baseline: the check must not cry wolf.
  report::StepResult clean = runner::kmemleak_check(session);
  show(clean);
  EXPECT_EQ(clean.status, report::Status::Passed) << clean.message;

  protocol::Request leak;
  leak.op = protocol::Op::Exec;
  leak.shell = "echo leak > /sys/kernel/debug/famlab_provoke";
  vm::CallResult made = session.call(leak, 120);
  ASSERT_EQ(made.outcome, vm::Outcome::Finished) << made.detail;
  EXPECT_EQ(made.finished.exit_code, 0) << made.output;

  report::StepResult found = runner::kmemleak_check(session);
  show(found);
  EXPECT_EQ(found.status, report::Status::Failed);
  EXPECT_EQ(found.data.value("leaks", 0), 4) << found.output;
  ASSERT_FALSE(found.splats.empty());
  for (const auto& s : found.splats) {
    EXPECT_EQ(s.kind, "kmemleak");
    EXPECT_NE(s.title.find("at famlab_provoke_leak_one+0x"), std::string::npos) << s.title;
    EXPECT_NE(s.title.find("(lib/famlab_provoke.c:"), std::string::npos) << s.title;
  }
  EXPECT_NE(found.message.find("4 unreferenced objects after the scenario"), std::string::npos)
      << found.message;
  session.shutdown(30);
}
