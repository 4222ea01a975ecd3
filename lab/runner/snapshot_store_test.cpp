#include "lab/runner/snapshot_store.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace famlab::runner
