#include "lab/plan/placement.h"

#include <gtest/gtest.h>

#include "base/error.h"

using namespace famlab;
using namespace famlab::plan;

namespace {

topology::Topology with_region(std::vector<std::string> devices, uint32_t granularity,
                               std::string type = "ram") {
  topology::Topology t;
  topology::Region r;
  r.devices = std::move(devices);
  r.granularity = granularity;
  r.type = std::move(type);
  r.size = r.devices.size() * 256 * MiB;
  t.regions.push_back(r);
  return t;
}

void expect_at(const topology::Topology& t, uint64_t offset, const std::string& device,
               uint64_t file_offset) {
  Placement p = locate(t, 0, offset);
  EXPECT_EQ(p.device_id, device) << "offset " << offset;
  EXPECT_EQ(p.file_offset, file_offset) << "offset " << offset;
}

}  // namespace

TEST(Placement, OneWayIsTheIdentity) {
  auto t = with_region({"mem0"}, 4096);
  expect_at(t, 0, "mem0", 0);
  expect_at(t, 4095, "mem0", 4095);
  expect_at(t, 4096, "mem0", 4096);
  expect_at(t, 256 * MiB - 8, "mem0", 256 * MiB - 8);
  EXPECT_EQ(locate(t, 0, 5).kind, "volatile");
}

TEST(Placement, TwoWayAlternatesGranules) {
  auto t = with_region({"mem0", "mem1"}, 4096);
  expect_at(t, 0, "mem0", 0);
  expect_at(t, 100, "mem0", 100);
  expect_at(t, 4096, "mem1", 0);
  expect_at(t, 4096 + 100, "mem1", 100);
  expect_at(t, 8192, "mem0", 4096);  // second granule of mem0
  expect_at(t, 12288 + 7, "mem1", 4096 + 7);
  expect_at(t, 1 * MiB, "mem0", 512 * KiB);  // granule 256 -> mem0's 128th
}

TEST(Placement, FourWayWithSmallGranules) {
  auto t = with_region({"a", "b", "c", "d"}, 256);
  expect_at(t, 0, "a", 0);
  expect_at(t, 256, "b", 0);
  expect_at(t, 512 + 1, "c", 1);
  expect_at(t, 768 + 255, "d", 255);
  expect_at(t, 1024, "a", 256);
  expect_at(t, 5 * 256 + 10, "b", 256 + 10);  // granule 5 -> b's second
  expect_at(t, 4 * 256 * 1000 + 3 * 256, "d", 256 * 1000);
}

TEST(Placement, PersistentRegionsUseThePersistentFile) {
  auto t = with_region({"mem0", "mem1"}, 1024, "pmem");
  Placement p = locate(t, 0, 3 * 1024 + 5);
  EXPECT_EQ(p.device_id, "mem1");
  EXPECT_EQ(p.kind, "persistent");
  EXPECT_EQ(p.file_offset, 1024u + 5);
}

TEST(Placement, OutOfRangeIsAnErrorNotACrash) {
  auto t = with_region({"mem0", "mem1"}, 4096);
  EXPECT_THROW(locate(t, 1, 0), Error);
  EXPECT_THROW(locate(t, -1, 0), Error);
  EXPECT_THROW(locate(t, 0, 512 * MiB), Error);
  EXPECT_NO_THROW(locate(t, 0, 512 * MiB - 1));
}
