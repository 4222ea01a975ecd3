#include "lab/runner/snapshot_store.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>

#include "base/error.h"
#include "lab/common/paths.h"

namespace famlab::runner {
namespace {

namespace fs = std::filesystem;

class SnapshotStoreTest : public ::testing::Test {
 protected:
  // A snapshot of `text` under `key`, published.
  void take(const std::string& key, const std::string& text) {
    fs::path dir = store_.staging(key);
    std::ofstream(dir / "state.mig") << text;
    ASSERT_TRUE(store_.publish(dir, key, {{"kernel", "6.12.118"}}));
  }

  RunDir dir_{"famlab-snapshots-test-"};
  SnapshotStore store_{dir_.path() / "snapshots"};
};

TEST_F(SnapshotStoreTest, APublishedSnapshotIsFoundWithItsMeta) {
  EXPECT_FALSE(store_.find("k1").found);
  take("k1", "machine state");
  auto got = store_.find("k1");
  ASSERT_TRUE(got.found) << got.problem;
  EXPECT_EQ(got.found->state, store_.root() / "k1" / "state.mig");
  EXPECT_EQ(got.found->meta["kernel"], "6.12.118");
  EXPECT_EQ(got.found->meta["state_bytes"], 13);
  EXPECT_TRUE(got.problem.empty());
  // Nothing left behind by the staging directory.
  int entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(store_.root())) ++entries;
  EXPECT_EQ(entries, 2);  // k1 and its in-use lock
}

TEST_F(SnapshotStoreTest, ASecondPublisherOfTheSameKeyLosesQuietly) {
  take("k1", "first");
  fs::path dir = store_.staging("k1");
  std::ofstream(dir / "state.mig") << "second";
  EXPECT_FALSE(store_.publish(dir, "k1", {}));
  EXPECT_FALSE(fs::exists(dir));
  EXPECT_EQ(store_.find("k1").found->meta["state_bytes"], 5);
}

TEST_F(SnapshotStoreTest, AStateChangedAfterPublishingIsRemovedAndSaysWhy) {
  take("k1", "machine state");
  std::ofstream(store_.root() / "k1" / "state.mig", std::ios::in | std::ios::out) << "M";
  auto got = store_.find("k1");
  EXPECT_FALSE(got.found);
  EXPECT_EQ(got.problem,
            "snapshot k1 is damaged (state.mig does not match the sha256 in meta.json); removed");
  EXPECT_FALSE(fs::exists(store_.root() / "k1"));
}

TEST_F(SnapshotStoreTest, ATruncatedStateOrAMissingMetaIsDamage) {
  take("k1", "machine state");
  fs::resize_file(store_.root() / "k1" / "state.mig", 4);
  EXPECT_NE(store_.find("k1").problem.find("state.mig has 4 bytes, meta.json says 13"), std::string::npos);
  take("k2", "machine state");
  fs::remove(store_.root() / "k2" / "meta.json");
  EXPECT_NE(store_.find("k2").problem.find("meta.json is missing or not JSON"), std::string::npos);
}

TEST_F(SnapshotStoreTest, TrimRemovesTheLeastRecentlyUsedFirstAndNeverOneInUse) {
  const std::string a(64, 'a'), b(64, 'b'), c(64, 'c');
  for (const auto& k : {a, b, c}) take(k, std::string(1000, 'x'));
  // Last use: b oldest, then a, then c.
  auto age = [&](const std::string& k, int seconds_ago) {
    fs::last_write_time(store_.root() / k,
                        fs::file_time_type::clock::now() - std::chrono::seconds(seconds_ago));
  };
  age(b, 300);
  age(a, 200);
  age(c, 100);
  auto held = store_.find(a);  // a run is restoring a
  ASSERT_TRUE(held.found);
  age(a, 200);                      // find() marked it used; put it back
  EXPECT_EQ(store_.trim(2500), 1);  // b goes, and that is enough
  EXPECT_FALSE(fs::exists(store_.root() / b));
  EXPECT_TRUE(fs::exists(store_.root() / a));
  held.found.reset();
  EXPECT_EQ(store_.trim(1500), 1);  // now a, the older
  EXPECT_FALSE(fs::exists(store_.root() / a));
  EXPECT_TRUE(fs::exists(store_.root() / c));
}

TEST(SnapshotLimit, ComesFromTheEnvironmentAndABadValueSaysSo) {
  unsetenv("FAMLAB_SNAPSHOT_MAX");
  EXPECT_EQ(SnapshotStore::snapshot_limit(), 8ull << 30);
  setenv("FAMLAB_SNAPSHOT_MAX", "512M", 1);
  EXPECT_EQ(SnapshotStore::snapshot_limit(), 512ull << 20);
  setenv("FAMLAB_SNAPSHOT_MAX", "lots", 1);
  EXPECT_THROW(SnapshotStore::snapshot_limit(), Error);
  unsetenv("FAMLAB_SNAPSHOT_MAX");
}

}  // namespace
}  // namespace famlab::runner
