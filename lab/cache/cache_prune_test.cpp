#include "lab/cache/cache_prune.h"

#include <gtest/gtest.h>

#include <set>

#include "base/units.h"
#include "lab/cache/test_cache_tree.h"
#include "lab/common/cache_use.h"
#include "lab/common/file_lock.h"

using namespace famlab;
using namespace famlab::cache;
using namespace famlab::cache::test_support;
namespace fs = std::filesystem;

namespace {

const std::string kOldKernel = "kernels/plain-0123456789abcdef";
const std::string kNewKernel = "kernels/famfs-fedcba9876543210";

// A cache with a kernel used 40 days ago and one used yesterday, a source
// and an object tree used 41 and 42 days ago, a leftover of a killed
// removal and a file that is not famlab's.
void fill(CacheTree& c) {
  c.file(kOldKernel + "/bzImage", 64 * KiB);
  c.file(kNewKernel + "/bzImage", 64 * KiB);
  c.file("kernel-src/linux-source-6.12/Makefile", 64 * KiB);
  c.file("kernel-src/plain/build/vmlinux.o", 64 * KiB);
  c.file("kernels/.trash-plain-1111111111111111-77/bzImage", 64 * KiB);
  c.file("notes.txt", 4 * KiB);
  c.used(kOldKernel, 40);
  c.used(kNewKernel, 1);
  c.used("kernel-src/linux-source-6.12", 41);
  c.used("kernel-src/plain", 42);
  c.used("notes.txt", 400);
}

std::set<std::string> everything_under(const fs::path& root) {
  std::set<std::string> all;
  for (const auto& e : fs::recursive_directory_iterator(root)) all.insert(e.path().lexically_relative(root));
  return all;
}

std::vector<std::pair<std::string, PruneOutcome::What>> what_happened(const PruneResult& r) {
  std::vector<std::pair<std::string, PruneOutcome::What>> out;
  for (const auto& o : r.outcomes) out.emplace_back(o.name, o.what);
  return out;
}

bool no_trash_left(const fs::path& root) {
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.path().filename().string().rfind(".trash-", 0) == 0) return false;
  return true;
}

using W = PruneOutcome::What;

}  // namespace

TEST(CachePrune, OlderThanRemovesWhatWasLastUsedBeforeAndNothingElse) {
  CacheTree c;
  fill(c);
  hold_cache_entry(c / kOldKernel);  // the in-use file exists, as after any use (then released)
  Listing l = list_cache(c.root());
  PruneRule rule;
  rule.older_than = std::chrono::hours(24 * 30);
  PruneResult r = prune(l, rule, kNow);
  std::vector<std::pair<std::string, W>> want = {
      {"kernels/.trash-plain-1111111111111111-77", W::Removed},
      {"kernel-src/plain", W::Removed},
      {"kernel-src/linux-source-6.12", W::Removed},
      {kOldKernel, W::Removed},
  };
  EXPECT_EQ(what_happened(r), want);
  EXPECT_FALSE(fs::exists(c / kOldKernel));
  EXPECT_FALSE(fs::exists(in_use_lock(c / kOldKernel)));  // its lock file went with it
  EXPECT_FALSE(fs::exists(c / "kernel-src/plain"));
  EXPECT_TRUE(fs::exists(c / kNewKernel / "bzImage"));
  EXPECT_TRUE(fs::exists(c / "notes.txt"));  // not famlab's, however old
  EXPECT_TRUE(no_trash_left(c.root()));
  EXPECT_GE(r.freed, 4 * 64 * KiB);
  EXPECT_EQ(r.left, list_cache(c.root()).total_bytes());
}

TEST(CachePrune, AnEntryInUseIsNeverRemoved) {
  CacheTree c;
  fill(c);
  Listing l = list_cache(c.root());
  auto running = hold_cache_entry(c / kOldKernel);                      // a famlab booting this kernel
  FileLock building(c / "kernel-src/plain.lock");                       // a famlab building plain
  auto reading = hold_cache_entry(c / "kernel-src/linux-source-6.12");  // ... from this source
  PruneRule rule;
  rule.older_than = std::chrono::seconds(0);
  PruneResult r = prune(l, rule, kNow);
  std::vector<std::pair<std::string, W>> want = {
      {"kernels/.trash-plain-1111111111111111-77", W::Removed},
      {"kernel-src/plain", W::InUse},
      {"kernel-src/linux-source-6.12", W::InUse},
      {kOldKernel, W::InUse},
      {kNewKernel, W::Removed},
  };
  EXPECT_EQ(what_happened(r), want);
  EXPECT_NE(r.outcomes[1].why.find("kernel-src/plain.lock"), std::string::npos) << r.outcomes[1].why;
  EXPECT_NE(r.outcomes[3].why.find(".in-use"), std::string::npos) << r.outcomes[3].why;
  EXPECT_TRUE(fs::exists(c / kOldKernel / "bzImage"));
  EXPECT_TRUE(fs::exists(c / "kernel-src/linux-source-6.12/Makefile"));
  EXPECT_TRUE(fs::exists(c / "kernel-src/plain/build/vmlinux.o"));
  EXPECT_FALSE(fs::exists(c / kNewKernel));
}

TEST(CachePrune, MaxSizeRemovesTheLeastRecentlyUsedUntilTheCacheFits) {
  CacheTree c;
  const std::string a = "images/" + std::string(64, 'a') + ".cpio";
  const std::string b = "images/" + std::string(64, 'b') + ".cpio";
  const std::string d = "images/" + std::string(64, 'd') + ".cpio";
  c.file(a, 64 * KiB);
  c.file(b, 64 * KiB);
  c.file(d, 64 * KiB);
  c.used(a, 2);
  c.used(b, 3);  // the least recently used
  c.used(d, 1);
  PruneRule rule;
  rule.max_bytes = 130 * KiB;
  PruneResult r = prune(list_cache(c.root()), rule, kNow);
  std::vector<std::pair<std::string, W>> want = {{b, W::Removed}};
  EXPECT_EQ(what_happened(r), want);
  EXPECT_EQ(r.left, 128 * KiB);
  EXPECT_FALSE(fs::exists(c / b));
  EXPECT_TRUE(fs::exists(c / a) && fs::exists(c / d));

  // In use, the oldest stays and the next oldest goes instead.
  auto running = hold_cache_entry(c / a);
  rule.max_bytes = 64 * KiB;
  Listing l = list_cache(c.root());
  r = prune(l, rule, kNow);
  want = {{a, W::InUse}, {d, W::Removed}};
  EXPECT_EQ(what_happened(r), want);
  EXPECT_TRUE(fs::exists(c / a));
}

// Space a hard link shares with another entry is not freed until both go:
// the sizes say so, and --max-size keeps going until the cache really fits.
TEST(CachePrune, MaxSizeCountsHardLinkedFilesOnce) {
  CacheTree c;
  c.file("kernel-src/linux-source-6.12/Makefile", 256 * KiB);
  c.link("kernel-src/linux-source-6.12/Makefile", "kernel-src/plain/src/Makefile");
  c.file("kernel-src/plain/build/vmlinux.o", 64 * KiB);
  c.used("kernel-src/linux-source-6.12", 20);
  c.used("kernel-src/plain", 10);
  PruneRule rule;
  rule.max_bytes = 200 * KiB;
  PruneResult r = prune(list_cache(c.root()), rule, kNow);
  ASSERT_EQ(r.outcomes.size(), 2u);
  EXPECT_LT(r.outcomes[0].freed, 64 * KiB);   // the source: its Makefile is still linked in plain/src
  EXPECT_GE(r.outcomes[1].freed, 320 * KiB);  // plain: now the Makefile's last holder
  EXPECT_EQ(r.left, 0u);
}

TEST(CachePrune, DryRunChangesNothingAndSaysWhatWouldGo) {
  CacheTree c;
  fill(c);
  auto before = everything_under(c.root());
  PruneRule rule;
  rule.older_than = std::chrono::hours(24 * 30);
  rule.dry_run = true;
  Listing l = list_cache(c.root());
  PruneResult r = prune(l, rule, kNow);
  EXPECT_EQ(r.outcomes.size(), 4u);
  for (const auto& o : r.outcomes) EXPECT_EQ(o.what, W::WouldRemove) << o.name;
  EXPECT_EQ(everything_under(c.root()), before);  // not even a lock file
  EXPECT_EQ(r.left + r.freed, l.total_bytes());
}

// A removal killed half way leaves ".trash-<name>-<pid>": never the entry's
// own name (so never a kernel that looks complete), and the next prune
// removes it whatever its rule.
TEST(CachePrune, WhatAKilledRemovalLeftIsNeverAnEntryAndGoesNextTime) {
  CacheTree c;
  c.file("kernels/.trash-plain-0123456789abcdef-99/bzImage", 64 * KiB);
  c.file("kernels/.trash-plain-0123456789abcdef-99/release", 10);
  c.file("images/.trash-" + std::string(64, 'a') + ".cpio-99", 64 * KiB);
  Listing l = list_cache(c.root());
  for (const auto& e : l.entries) EXPECT_EQ(e.kind, "removal leftover") << e.name;
  PruneRule rule;
  rule.max_bytes = 1 * GiB;  // selects nothing
  PruneResult r = prune(l, rule, kNow);
  EXPECT_EQ(r.outcomes.size(), 2u);
  EXPECT_TRUE(no_trash_left(c.root()));
}

TEST(CachePrune, AgesHaveUnits) {
  EXPECT_EQ(parse_age("30d"), std::chrono::hours(24 * 30));
  EXPECT_EQ(parse_age("2w"), std::chrono::hours(24 * 14));
  EXPECT_EQ(parse_age("12h"), std::chrono::hours(12));
  EXPECT_EQ(parse_age("90m"), std::chrono::minutes(90));
  EXPECT_EQ(parse_age("45s"), std::chrono::seconds(45));
  EXPECT_EQ(parse_age("0s"), std::chrono::seconds(0));
  for (const char* bad : {"", "30", "d", "30x", "30 d", "-3d", "3dd", "99999999999999d"})
    EXPECT_FALSE(parse_age(bad)) << bad;
}

// A kernel's build lock lives in kernel-src/, which a cache that only ever
// got kernels copied into it does not have: that is no reason to fail.
TEST(CachePrune, AnEntryWhoseLockDirectoryIsMissingIsRemoved) {
  CacheTree c;
  c.file(kOldKernel + "/bzImage", 4 * KiB);
  PruneRule rule;
  rule.older_than = std::chrono::seconds(0);
  PruneResult r = prune(list_cache(c.root()), rule, kNow + kDay);
  std::vector<std::pair<std::string, W>> want = {{kOldKernel, W::Removed}};
  EXPECT_EQ(what_happened(r), want);
  EXPECT_FALSE(fs::exists(c / kOldKernel));
}
