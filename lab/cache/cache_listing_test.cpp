#include "lab/cache/cache_listing.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>

#include "base/units.h"
#include "lab/cache/test_cache_tree.h"
#include "lab/common/cache_use.h"
#include "lab/common/file_lock.h"

using namespace famlab;
using namespace famlab::cache;
using namespace famlab::cache::test_support;
namespace fs = std::filesystem;

namespace {

const std::string kImage = std::string(64, 'a') + ".cpio";
const std::string kImageTemp = ".tmp-" + std::string(64, 'b') + "-";

std::map<std::string, const Entry*> by_name(const Listing& l) {
  std::map<std::string, const Entry*> m;
  for (const auto& e : l.entries) m[e.name] = &e;
  return m;
}

// A pid that no process has (a child that has been reaped).
pid_t dead_pid() {
  pid_t p = fork();
  if (p == 0) _exit(0);
  waitpid(p, nullptr, 0);
  return p;
}

}  // namespace

TEST(CacheListing, KnowsEveryKindOfEntryFamlabWritesAndKeepsTheRest) {
  CacheTree c;
  c.file("kernels/plain-0123456789abcdef/bzImage", 64 * KiB);
  c.file("kernels/plain-0123456789abcdef.in-use", 0);
  c.file("kernels/famfs-v3-fedcba9876543210.failed/build.log", 4 * KiB);
  c.dir("kernels/.tmp-famfs-fedcba9876543210-4242");
  c.dir("kernels/.trash-plain-1111111111111111-77");
  c.file("kernels/README", 10);
  c.file("kernel-src/linux-source-6.12/Makefile", 64 * KiB);
  c.dir("kernel-src/linux-source-6.12.tmp");
  c.file("kernel-src/plain/build/vmlinux.o", 64 * KiB);
  c.file("kernel-src/plain.lock", 0);
  c.file("kernel-src/tree-abcdef0123456789/out/bzImage", 4 * KiB);
  c.file("stock/linux-image-6.12.9-amd64_6.12.9-1/boot/vmlinuz", 64 * KiB);
  c.file("stock/current", 40);
  c.file("stock/.lock", 0);
  c.dir("stock/.tmp-linux-image-6.12.9-amd64_6.12.9-1-99");
  c.file("images/" + kImage, 64 * KiB);
  c.file("images/" + kImageTemp + "123", 4 * KiB);
  c.file("ccache/a/b", 64 * KiB);
  c.file("ccache.in-use", 0);
  c.file("notes.txt", 10);
  const std::string snap = "snapshots/" + std::string(64, 'a');
  c.file(snap + "/state.mig", 64 * KiB);
  c.file(snap + ".in-use", 0);
  c.file("snapshots/" + std::string(64, 'b') + ".failed", 10);
  c.file("snapshots/.tmp-" + std::string(64, 'c') + ".0-321/state.mig", 4 * KiB);

  Listing l = list_cache(c.root());
  auto m = by_name(l);
  struct Want {
    std::string name, kind;
    std::vector<std::string> locks;
    bool removable;
  };
  const Want want[] = {
      {"kernels/plain-0123456789abcdef",
       "kernel plain",
       {"kernels/plain-0123456789abcdef.in-use", "kernel-src/plain.lock"},
       true},
      {"kernels/famfs-v3-fedcba9876543210.failed", "failed kernel build", {"kernel-src/famfs-v3.lock"}, true},
      {"kernels/.tmp-famfs-fedcba9876543210-4242",
       "unfinished kernel build",
       {"kernel-src/famfs.lock"},
       true},
      {"kernels/.trash-plain-1111111111111111-77", "removal leftover", {}, true},
      {"kernels/README", "unknown (not famlab's)", {}, false},
      {"kernel-src/linux-source-6.12", "kernel source", {"kernel-src/linux-source-6.12.in-use"}, true},
      {"kernel-src/linux-source-6.12.tmp",
       "unfinished kernel source unpack",
       {"kernel-src/linux-source-6.12.in-use"},
       true},
      {"kernel-src/plain", "kernel object tree plain", {"kernel-src/plain.lock"}, true},
      {"kernel-src/tree-abcdef0123456789",
       "kernel tree build",
       {"kernel-src/tree-abcdef0123456789.lock", "kernel-src/tree-abcdef0123456789.in-use"},
       true},
      {"stock/linux-image-6.12.9-amd64_6.12.9-1",
       "stock kernel",
       {"stock/linux-image-6.12.9-amd64_6.12.9-1.in-use", "stock/.lock"},
       true},
      {"stock/.tmp-linux-image-6.12.9-amd64_6.12.9-1-99",
       "unfinished stock kernel fetch",
       {"stock/.lock"},
       true},
      {"images/" + kImage, "image", {"images/" + kImage + ".in-use"}, true},
      {"images/" + kImageTemp + "123", "unfinished image", {}, true},
      {"ccache", "ccache", {"ccache.in-use"}, true},
      {"notes.txt", "unknown (not famlab's)", {}, false},
      {snap, "snapshot", {snap + ".in-use"}, true},
      {"snapshots/" + std::string(64, 'b') + ".failed", "snapshot that failed to restore", {}, true},
      {"snapshots/.tmp-" + std::string(64, 'c') + ".0-321", "unfinished snapshot", {}, true},
  };
  EXPECT_EQ(l.entries.size(), std::size(want));  // lock files, stock/current: not entries
  for (const auto& w : want) {
    SCOPED_TRACE(w.name);
    ASSERT_TRUE(m.count(w.name));
    const Entry& e = *m[w.name];
    EXPECT_EQ(e.kind, w.kind);
    EXPECT_EQ(e.path, c.root() / w.name);
    std::vector<fs::path> locks;
    for (const auto& lk : w.locks) locks.push_back(c.root() / lk);
    EXPECT_EQ(e.locks, locks);
    EXPECT_EQ(e.removable, w.removable);
  }
  EXPECT_TRUE(m["kernels/.trash-plain-1111111111111111-77"]->leftover);
  EXPECT_EQ(m["images/" + kImageTemp + "123"]->writer, 123);
  EXPECT_EQ(m["snapshots/.tmp-" + std::string(64, 'c') + ".0-321"]->writer, 321);
}

TEST(CacheListing, OldestUseFirstAndSizesShareHardLinkedFiles) {
  CacheTree c;
  // The object tree's src/ is a hard-linked copy of the unpacked source.
  c.file("kernel-src/linux-source-6.12/Makefile", 64 * KiB);
  c.link("kernel-src/linux-source-6.12/Makefile", "kernel-src/plain/src/Makefile");
  c.file("kernel-src/plain/build/vmlinux.o", 128 * KiB);
  c.file("images/" + kImage, 256 * KiB);
  c.used("images/" + kImage, 1);
  c.used("kernel-src/linux-source-6.12", 30);
  c.used("kernel-src/plain", 10);

  Listing l = list_cache(c.root());
  ASSERT_EQ(l.entries.size(), 3u);
  EXPECT_EQ(l.entries[0].name, "kernel-src/linux-source-6.12");
  EXPECT_EQ(l.entries[1].name, "kernel-src/plain");
  EXPECT_EQ(l.entries[2].name, "images/" + kImage);
  EXPECT_EQ(l.entries[2].last_used, kNow - kDay);

  // Directories take a few blocks each; files exactly their size here.
  const uint64_t slack = 8 * 4 * KiB;
  auto near = [&](uint64_t got, uint64_t want) { return got >= want && got <= want + slack; };
  EXPECT_TRUE(near(l.entries[0].bytes, 32 * KiB)) << l.entries[0].bytes;              // half the Makefile
  EXPECT_TRUE(near(l.entries[1].bytes, 32 * KiB + 128 * KiB)) << l.entries[1].bytes;  // the other half
  EXPECT_EQ(l.entries[2].bytes, 256 * KiB);
  EXPECT_TRUE(near(l.total_bytes(), (64 + 128 + 256) * KiB)) << l.total_bytes();  // the Makefile once
}

TEST(CacheListing, InUseNamesTheLockSomebodyHolds) {
  CacheTree c;
  c.file("kernels/plain-0123456789abcdef/bzImage", 4 * KiB);
  c.file("kernel-src/plain/build/x.o", 4 * KiB);
  c.file("images/" + kImageTemp + std::to_string(getpid()), 4 * KiB);
  c.file("images/" + kImageTemp + std::to_string(dead_pid()), 4 * KiB);
  Listing l = list_cache(c.root());
  auto m = by_name(l);
  const Entry& kernel = *m["kernels/plain-0123456789abcdef"];
  const Entry& tree = *m["kernel-src/plain"];
  EXPECT_EQ(in_use_by(kernel), "");
  EXPECT_EQ(in_use_by(tree), "");
  {
    auto used = hold_cache_entry(kernel.path);  // a famlab running this kernel
    EXPECT_EQ(in_use_by(kernel), "locked: " + in_use_lock(kernel.path).string());
    EXPECT_EQ(in_use_by(tree), "");
  }
  {
    FileLock building(c / "kernel-src/plain.lock");  // a famlab building plain
    EXPECT_NE(in_use_by(kernel), "");
    EXPECT_NE(in_use_by(tree), "");
  }
  EXPECT_EQ(in_use_by(kernel), "");
  EXPECT_EQ(in_use_by(*m["images/" + kImageTemp + std::to_string(getpid())]),
            "being written by pid " + std::to_string(getpid()));
  int free_temps = 0;
  for (const auto& e : l.entries) free_temps += e.kind == "unfinished image" && in_use_by(e).empty();
  EXPECT_EQ(free_temps, 1);
}

TEST(CacheListing, SizesForPeople) {
  EXPECT_EQ(format_disk_size(0), "0B");
  EXPECT_EQ(format_disk_size(512), "512B");
  EXPECT_EQ(format_disk_size(12 * KiB), "12K");
  EXPECT_EQ(format_disk_size(1536 * MiB), "1.5G");
  EXPECT_EQ(format_disk_size(812 * MiB), "812M");
}
