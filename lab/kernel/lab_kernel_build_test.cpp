#include "lab/kernel/lab_kernel_build.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "base/error.h"
#include "base/error_of.h"
#include "lab/common/cache_use.h"
#include "lab/common/file_lock.h"
#include "lab/common/paths.h"

using namespace famlab;
using namespace famlab::kernel;
namespace fs = std::filesystem;

namespace {

// A stand-in for build-kernel.sh with the same arguments and outputs: it
// "builds" in no time, writes the fragments' options as the .config (minus
// any listed in $DROP) and counts its runs. The cache logic around it is
// the real code.
// @DIR@ is the test's directory, where the switches (fail, drop, edit) live.
const char* kFakeScript = R"(#!/bin/bash
set -e
source=$1 src_cache=$2 work=$3 out=$4 fragments=$5
dir=@DIR@
echo run >> "$dir/runs"
if [ -f "$dir/fail" ]; then echo "error: boom in drivers/cxl/core/region.c"; exit 2; fi
if [ -f "$dir/slow" ]; then sleep 60; fi
if [ -f "$dir/edit" ]; then echo CONFIG_EDITED=y >> "$dir/cxl.config"; rm "$dir/edit"; fi
IFS=, read -ra flist <<<"$fragments"
cat "${flist[@]}" | grep -v -f "$dir/drop" > "$out/config" || true
echo fake-bzimage > "$out/bzImage"
echo 6.12.0-fake > "$out/release"
if [ -f "$dir/keep-vmlinux" ]; then echo fake-elf > "$out/vmlinux"; fi
)";

struct FakeLab {
  RunDir dir{"famlab-labbuild-"};
  LabBuildEnv env;
  Variant variant;
  std::vector<std::string> logs;
  Log log = [this](const std::string& s) { logs.push_back(s); };

  FakeLab() {
    env.script = dir.path() / "build-kernel.sh";
    std::string script = kFakeScript;
    script.replace(script.find("@DIR@"), 5, dir.path().string());
    std::ofstream(env.script) << script;
    env.source = dir.path() / "linux-source.tar.xz";
    std::ofstream(env.source) << "";
    env.source_version = "6.12.117-1~deb12u1";
    env.cache = dir.path() / "cache";
    std::ofstream(dir.path() / "drop") << "NOTHING_DROPPED\n";
    fs::path frag = dir.path() / "cxl.config";
    std::ofstream(frag) << "# cxl\nCONFIG_CXL_BUS=y\nCONFIG_CXL_ACPI=y\n";
    variant = {"plain", {frag.string()}, {}};
  }
  int runs() const {
    std::ifstream in(dir.path() / "runs");
    int n = 0;
    for (std::string l; std::getline(in, l);) ++n;
    return n;
  }
};

}  // namespace

TEST(LabKernelBuild, BuildsOnceThenHitsWithoutRunningTheScript) {
  FakeLab lab;
  Kernel first = build_lab_kernel(lab.variant, lab.env, lab.log);
  EXPECT_FALSE(first.cache_hit);
  EXPECT_EQ(first.release, "6.12.0-fake");
  EXPECT_TRUE(fs::is_regular_file(first.image));
  EXPECT_EQ(first.image.parent_path(), lab_kernel_entry(lab.variant, lab.env));
  EXPECT_EQ(first.image.parent_path().filename().string().rfind("plain-", 0), 0u);
  EXPECT_TRUE(fs::is_regular_file(first.image.parent_path() / "build.log"));
  EXPECT_NE(first.provenance.find("6.12.117-1~deb12u1"), std::string::npos) << first.provenance;

  // A hit runs no script (how fast it is, is make bench's to measure: a
  // time limit here fails on a loaded machine).
  Kernel second = build_lab_kernel(lab.variant, lab.env, lab.log);
  EXPECT_TRUE(second.cache_hit);
  EXPECT_EQ(second.image, first.image);
  EXPECT_EQ(lab.runs(), 1);
}

TEST(LabKernelBuild, AnyInputChangeIsANewEntry) {
  FakeLab lab;
  std::string key = lab_kernel_key(lab.variant, lab.env);
  std::ofstream(lab.variant.fragments[0], std::ios::app) << "CONFIG_DAX=y\n";
  std::string after_fragment = lab_kernel_key(lab.variant, lab.env);
  EXPECT_NE(key, after_fragment);
  lab.env.source_version = "6.12.118-1";
  std::string after_source = lab_kernel_key(lab.variant, lab.env);
  EXPECT_NE(after_fragment, after_source);
  std::ofstream(lab.env.script, std::ios::app) << "# edited\n";
  EXPECT_NE(after_source, lab_kernel_key(lab.variant, lab.env));
  fs::path patch = lab.dir.path() / "1.patch";
  std::ofstream(patch) << "--- a\n";
  std::string before_patch = lab_kernel_key(lab.variant, lab.env);
  lab.variant.patches.push_back(patch);
  EXPECT_NE(before_patch, lab_kernel_key(lab.variant, lab.env));

  build_lab_kernel(lab.variant, lab.env, lab.log);
  std::ofstream(patch) << "--- b\n";
  EXPECT_FALSE(build_lab_kernel(lab.variant, lab.env, lab.log).cache_hit);
  EXPECT_EQ(lab.runs(), 2);
}

// A kernel with debug info is only complete with its vmlinux (the host's
// symbols for file:line).
TEST(LabKernelBuild, ADebugInfoKernelNeedsItsVmlinux) {
  FakeLab lab;
  std::ofstream(lab.variant.fragments[0], std::ios::app) << "CONFIG_DEBUG_INFO=y\n";
  std::string what = error_of([&] { build_lab_kernel(lab.variant, lab.env, lab.log); });
  EXPECT_NE(what.find("kept no vmlinux"), std::string::npos) << what;

  std::ofstream(lab.dir.path() / "keep-vmlinux") << "";
  EXPECT_FALSE(build_lab_kernel(lab.variant, lab.env, lab.log).cache_hit);
  fs::path entry = lab_kernel_entry(lab.variant, lab.env);
  EXPECT_TRUE(fs::is_regular_file(entry / "vmlinux"));
  EXPECT_TRUE(build_lab_kernel(lab.variant, lab.env, lab.log).cache_hit);
  fs::remove(entry / "vmlinux");  // an entry without it is built again
  EXPECT_FALSE(build_lab_kernel(lab.variant, lab.env, lab.log).cache_hit);
  EXPECT_EQ(lab.runs(), 3);  // the failed build, the first good one, the rebuild
}

TEST(LabKernelBuild, AFailedBuildLeavesNoEntryAndNamesItsLog) {
  FakeLab lab;
  std::ofstream(lab.dir.path() / "fail") << "";
  std::string what = error_of([&] { build_lab_kernel(lab.variant, lab.env, lab.log); });
  fs::path entry = lab_kernel_entry(lab.variant, lab.env);
  EXPECT_NE(what.find("boom in drivers/cxl/core/region.c"), std::string::npos) << what;
  EXPECT_NE(what.find(entry.string() + ".failed/build.log"), std::string::npos) << what;
  EXPECT_TRUE(fs::is_regular_file(entry.string() + ".failed/build.log"));
  EXPECT_FALSE(fs::exists(entry));

  fs::remove(lab.dir.path() / "fail");
  EXPECT_FALSE(build_lab_kernel(lab.variant, lab.env, lab.log).cache_hit);
  EXPECT_TRUE(build_lab_kernel(lab.variant, lab.env, lab.log).cache_hit);
}

TEST(LabKernelBuild, ADroppedOptionFailsTheBuildNamingTheFragmentLine) {
  FakeLab lab;
  std::ofstream(lab.dir.path() / "drop") << "CXL_ACPI\n";
  std::string what = error_of([&] { build_lab_kernel(lab.variant, lab.env, lab.log); });
  EXPECT_NE(what.find("CONFIG_CXL_ACPI=y (" + lab.variant.fragments[0] + ":3)"), std::string::npos) << what;
  EXPECT_FALSE(fs::exists(lab_kernel_entry(lab.variant, lab.env)));
}

TEST(LabKernelBuild, AFragmentEditedMidBuildIsNotPassedOffAsBuilt) {
  FakeLab lab;
  std::ofstream(lab.dir.path() / "edit") << "";
  Kernel first = build_lab_kernel(lab.variant, lab.env, lab.log);
  // The entry holds (and is keyed by) the fragment as it was when the build started.
  std::ifstream kept(first.image.parent_path() / "inputs" / "cxl.config");
  std::string text((std::istreambuf_iterator<char>(kept)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text.find("CONFIG_EDITED"), std::string::npos) << text;
  EXPECT_NE(lab_kernel_entry(lab.variant, lab.env), first.image.parent_path());
  Kernel second = build_lab_kernel(lab.variant, lab.env, lab.log);
  EXPECT_FALSE(second.cache_hit);
  EXPECT_EQ(lab.runs(), 2);
}

TEST(LabKernelBuild, AnInterruptedBuildIsNotAnEntryAndIsCleanedUp) {
  FakeLab lab;
  fs::path entry = lab_kernel_entry(lab.variant, lab.env);
  fs::path stale = entry.parent_path() / (".tmp-" + entry.filename().string() + "-99999");
  fs::create_directories(stale);
  std::ofstream(stale / "bzImage") << "half";
  EXPECT_FALSE(build_lab_kernel(lab.variant, lab.env, lab.log).cache_hit);
  EXPECT_EQ(lab.runs(), 1);
  EXPECT_FALSE(fs::exists(stale));
}

TEST(LabKernelBuild, ACancelledBuildStopsAtOnceAndLeavesNoEntry) {
  FakeLab lab;
  std::ofstream(lab.dir.path() / "slow") << "";
  auto t0 = std::chrono::steady_clock::now();
  int polls = 0;
  lab.env.cancelled = [&] { return ++polls > 3; };
  std::string what = error_of([&] { build_lab_kernel(lab.variant, lab.env, lab.log); });
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_NE(what.find("kernel build interrupted"), std::string::npos) << what;
  EXPECT_LT(s, 20) << "the script's sleep 60 was waited for";
  EXPECT_FALSE(fs::exists(lab_kernel_entry(lab.variant, lab.env)));
  // Not cancelled, the same build completes.
  fs::remove(lab.dir.path() / "slow");
  lab.env.cancelled = [] { return false; };
  EXPECT_FALSE(build_lab_kernel(lab.variant, lab.env, lab.log).cache_hit);
}

TEST(LabKernelBuild, ACancelledWaitForAnotherBuildStopsAtOnce) {
  FakeLab lab;
  fs::create_directories(lab.env.cache / "kernel-src");
  FileLock other(lab.env.cache / "kernel-src" / "plain.lock");  // another famlab builds plain
  int polls = 0;
  lab.env.cancelled = [&] { return ++polls > 2; };
  std::string what = error_of([&] { build_lab_kernel(lab.variant, lab.env, lab.log); });
  EXPECT_NE(what.find("interrupted while waiting for this lock"), std::string::npos) << what;
  EXPECT_EQ(lab.runs(), 0);
}

// The real build-kernel.sh on a tiny source tree: a patch that does not
// apply must stop the build before make and show the rejected hunk.
TEST(LabKernelBuild, ARealPatchThatDoesNotApplyShowsTheFailingHunk) {
  FakeLab lab;
  lab.env.script = fs::path(FAMLAB_SOURCE_DIR) / "kernel-config" / "build-kernel.sh";
  fs::path tree = lab.dir.path() / "tree";
  fs::create_directories(tree);
  std::ofstream(tree / "region.c") << "int a;\nint b;\nint c;\n";
  lab.env.source = tree;
  fs::path patch = lab.dir.path() / "0001-famfs.patch";
  std::ofstream(patch)
      << "--- a/region.c\n+++ b/region.c\n@@ -1,3 +1,3 @@\n int a;\n-int x_not_there;\n+int y;\n int c;\n";
  lab.variant.patches = {patch};
  std::string what = error_of([&] { build_lab_kernel(lab.variant, lab.env, lab.log); });
  EXPECT_NE(what.find("0001-famfs.patch does not apply"), std::string::npos) << what;
  EXPECT_NE(what.find("-int x_not_there;"), std::string::npos) << what;
  EXPECT_NE(what.find("build.log"), std::string::npos) << what;
  EXPECT_EQ(std::ifstream(tree / "region.c").get(), 'i');  // the source tree is untouched
}

// `famlab cache` removes no entry a famlab uses: the Kernel holds its
// entry's in-use lock for as long as any copy of it lives, built or hit,
// and a hit records the use (the entry's modification time).
TEST(LabKernelBuild, AKernelHoldsItsCacheEntryInUseAndAHitRecordsTheUse) {
  FakeLab lab;
  fs::path entry = lab_kernel_entry(lab.variant, lab.env);
  {
    Kernel built = build_lab_kernel(lab.variant, lab.env, lab.log);
    EXPECT_EQ(FileLock::try_lock(in_use_lock(entry)), nullptr);
    Kernel copy = built;
  }
  EXPECT_NE(FileLock::try_lock(in_use_lock(entry)), nullptr);

  auto long_ago = fs::file_time_type::clock::now() - std::chrono::hours(24 * 100);
  fs::last_write_time(entry, long_ago);
  Kernel hit = build_lab_kernel(lab.variant, lab.env, lab.log);
  EXPECT_TRUE(hit.cache_hit);
  EXPECT_EQ(FileLock::try_lock(in_use_lock(entry)), nullptr);
  EXPECT_GT(fs::last_write_time(entry), long_ago + std::chrono::hours(24 * 99));
}

// While the script runs, the unpacked source and the ccache it uses are in
// use too (it checks by trying the locks itself).
TEST(LabKernelBuild, TheSourceAndTheCcacheAreInUseWhileTheScriptRuns) {
  FakeLab lab;
  std::string script;
  {
    std::ifstream in(lab.env.script);
    std::stringstream ss;
    ss << in.rdbuf();
    script = ss.str();
  }
  script +=
      "flock -n -x \"$src_cache/linux-source.in-use\" true && echo src-free >> @DIR@/locks\n"
      "flock -n -x \"$src_cache/../ccache.in-use\" true && echo ccache-free >> @DIR@/locks\n"
      "echo checked >> @DIR@/locks\n";
  while (script.find("@DIR@") != std::string::npos)
    script.replace(script.find("@DIR@"), 5, lab.dir.path().string());
  std::ofstream(lab.env.script) << script;
  build_lab_kernel(lab.variant, lab.env, lab.log);
  std::ifstream in(lab.dir.path() / "locks");
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), "checked\n");
}
