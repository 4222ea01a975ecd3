// Real kernels booted with real images, opt-in (FAMLAB_REAL=1): builds or
// fetches the kernels into the real cache_dir() and boots each under QEMU
// (TCG) with a smoke script as rdinit. FAMLAB_AGENT names the agent to use
// as /init (default /bin/true: the smoke script replaces it).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "base/process.h"
#include "lab/common/paths.h"
#include "lab/image/image_recipe.h"
#include "lab/image/initramfs.h"
#include "lab/kernel/kernel.h"

using namespace famlab;
using namespace famlab::image;
namespace fs = std::filesystem;

namespace {

famlab::kernel::KernelRequest stock_request() {
  famlab::kernel::KernelRequest r;
  r.spec = "stock";
  return r;
}

bool real_enabled() {
  const char* e = std::getenv("FAMLAB_REAL");
  return e && std::string(e) == "1";
}

void print(const std::string& s) { std::cout << "  [real] " << s << std::endl; }

const char* kSmoke = R"SH(#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "SMOKE-START $(uname -r)"
if [ -s /etc/famlab/modules ]; then
  modprobe -a $(cat /etc/famlab/modules) && echo SMOKE-MODPROBE-OK
  lsmod
fi
sleep 1
echo "SMOKE-CXL: $(ls /sys/bus/cxl/devices | tr '\n' ' ')"
cxl list -M
id famlab
echo SMOKE-END
poweroff -f
)SH";

// One CXL type-3 volatile device below one host bridge.
std::string boot(const kernel::Kernel& k, const Image& img, const fs::path& log) {
  std::vector<std::string> argv = {"qemu-system-x86_64",
                                   "-accel",
                                   "tcg",
                                   "-cpu",
                                   "qemu64,+rdrand,-hypervisor",
                                   "-smp",
                                   "2",
                                   "-machine",
                                   "q35,cxl=on",
                                   "-m",
                                   "2G,maxmem=8G,slots=8",
                                   "-nodefaults",
                                   "-display",
                                   "none",
                                   "-serial",
                                   "stdio",
                                   "-no-reboot",
                                   "-kernel",
                                   k.image.string(),
                                   "-initrd",
                                   img.cpio.string(),
                                   "-object",
                                   "memory-backend-ram,id=vmem0,share=on,size=256M",
                                   "-device",
                                   "pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.1",
                                   "-device",
                                   "cxl-rp,port=0,bus=cxl.1,id=root_port13,chassis=0,slot=2",
                                   "-device",
                                   "cxl-type3,bus=root_port13,volatile-memdev=vmem0,id=cxl-vmem0",
                                   "-M",
                                   "cxl-fmw.0.targets.0=cxl.1,cxl-fmw.0.size=4G",
                                   "-append",
                                   "console=ttyS0 panic=-1 loglevel=4 rdinit=/famlab/smoke.sh"};
  fs::remove(log);  // Boost.Process appends to an existing file
  ProcessOptions opts;
  opts.stdout_file = log;
  auto start = std::chrono::steady_clock::now();
  Child qemu(argv, opts);
  if (!qemu.wait_for(std::chrono::seconds(120))) {
    qemu.kill_group();
    qemu.wait();
    ADD_FAILURE() << "QEMU timed out; console in " << log;
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::ifstream in(log);
  std::stringstream ss;
  ss << in.rdbuf();
  print(k.name + " boot wall " + std::to_string(secs) + " s, console: " + log.string());
  return ss.str();
}

fs::path agent() {
  const char* a = std::getenv("FAMLAB_AGENT");
  return a && *a ? fs::path(a) : fs::path("/bin/true");
}

void check_image_boots(const kernel::Kernel& k, bool modular) {
  RunDir dir("famlab-smoke-");
  fs::path script = dir.path() / "smoke.sh";
  std::ofstream(script) << kSmoke;
  fs::permissions(script, static_cast<fs::perms>(0755));
  ImageSpec spec = default_image_spec(k);
  spec.agent = agent();
  spec.payloads = {{"/famlab/smoke.sh", script}};
  Image img = build_initramfs(spec, print);
  print(k.name + " image " + img.cpio.string() + " " + std::to_string(img.bytes) +
        " bytes, hit=" + std::to_string(img.cache_hit));
  auto start = std::chrono::steady_clock::now();
  Image again = build_initramfs(spec, print);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  print(k.name + " image again: hit=" + std::to_string(again.cache_hit) + " in " + std::to_string(secs) +
        " s");
  EXPECT_TRUE(again.cache_hit);
  EXPECT_LT(secs, 1.0);

  fs::path log = fs::path("/tmp") / ("famlab-smoke-" + k.name + ".log");
  std::string console = boot(k, img, log);
  EXPECT_NE(console.find("SMOKE-START " + k.release), std::string::npos) << console;
  EXPECT_NE(console.find("SMOKE-END"), std::string::npos) << console;
  EXPECT_NE(console.find("uid=1000(famlab) gid=1000(famlab)"), std::string::npos) << console;
  EXPECT_NE(console.find("\"memdev\":\"mem0\""), std::string::npos) << console;
  EXPECT_NE(console.find("SMOKE-CXL: "), std::string::npos);
  EXPECT_NE(console.find("mem0"), std::string::npos);
  if (modular) {
    EXPECT_NE(console.find("SMOKE-MODPROBE-OK"), std::string::npos) << console;
  }
}

}  // namespace

TEST(RealImage, PlainKernelBootsItsImage) {
  if (!real_enabled()) GTEST_SKIP() << "set FAMLAB_REAL=1";
  kernel::Kernel k = kernel::resolve_kernel({}, print);
  check_image_boots(k, false);
}

TEST(RealImage, StockKernelBootsItsImageAndLoadsTheModules) {
  if (!real_enabled()) GTEST_SKIP() << "set FAMLAB_REAL=1";
  kernel::Kernel k = kernel::resolve_kernel(stock_request(), print);
  check_image_boots(k, true);
}
