#include "lab/mutate/result_cache.h"

#include <gtest/gtest.h>

#include <fstream>

#include "lab/common/paths.h"

using namespace famlab;
using namespace famlab::mutate;
namespace fs = std::filesystem;

TEST(ResultCache, KeepsVerdictsOnly) {
  RunDir dir{"famlab-mutcache-"};
  ResultCache cache(dir.path());
  CellResult killed(Cell::Killed, "files", "word differs");
  killed.seconds = 12.5;
  killed.artifacts = "/art";
  cache.store_cell("k1", killed);
  cache.store_cell("k2", CellResult(Cell::Error, "boot", "qemu died"));
  cache.store_cell("k3", CellResult(Cell::NotRun));
  auto hit = cache.find_cell("k1");
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->cell, Cell::Killed);
  EXPECT_EQ(hit->step, "files");
  EXPECT_EQ(hit->message, "word differs");
  EXPECT_EQ(hit->seconds, 12.5);
  EXPECT_TRUE(hit->cached);
  EXPECT_FALSE(cache.find_cell("k2"));
  EXPECT_FALSE(cache.find_cell("k3"));
  // A damaged entry is a miss, not a crash.
  std::ofstream(dir.path() / "cells" / "k4.json") << "{ half";
  EXPECT_FALSE(cache.find_cell("k4"));
}

TEST(ResultCache, BuildFailuresByKernelKey) {
  RunDir dir{"famlab-mutcache-"};
  ResultCache cache(dir.path());
  EXPECT_FALSE(cache.find_build_failure("abc"));
  cache.store_build_failure("abc", "famfs.c:1: error: x");
  EXPECT_EQ(cache.find_build_failure("abc"), "famfs.c:1: error: x");
}

TEST(CellKey, ChangesWithEachInput) {
  std::string k = cell_key("kernel", "image", "scenario");
  EXPECT_EQ(k, cell_key("kernel", "image", "scenario"));
  EXPECT_NE(k, cell_key("kernel2", "image", "scenario"));
  EXPECT_NE(k, cell_key("kernel", "image2", "scenario"));
  EXPECT_NE(k, cell_key("kernel", "image", "scenario2"));
}

TEST(ScenarioKey, CoversTheScenarioFileAndItsTopologies) {
  RunDir dir{"famlab-mutcache-"};
  scenario::Scenario sc;
  sc.file = dir.path() / "s.toml";
  sc.topology_file = dir.path() / "t.toml";
  sc.guests.push_back({"", sc.topology_file, {}});
  std::ofstream(sc.file) << "a";
  std::ofstream(sc.topology_file) << "b";
  std::string k = scenario_key(sc);
  std::ofstream(sc.topology_file) << "c";
  EXPECT_NE(scenario_key(sc), k);
}
