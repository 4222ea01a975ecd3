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

namespace {

// with_region plus the devices themselves (the DPA arithmetic needs their sizes).
topology::Topology with_devices(std::vector<std::string> devices, uint32_t granularity, std::string type,
                                uint64_t volatile_size, uint64_t persistent_size) {
  auto t = with_region(devices, granularity, type);
  for (const auto& id : devices) {
    topology::Device d;
    d.id = id;
    d.volatile_size = volatile_size;
    d.persistent_size = persistent_size;
    t.devices.push_back(d);
  }
  topology::Device spare;
  spare.id = "spare";
  spare.volatile_size = 256 * MiB;
  t.devices.push_back(spare);
  return t;
}

}  // namespace

// Every region offset goes to a device DPA and back to itself: the two
// directions are one arithmetic.
TEST(Placement, RegionOffsetOfInvertsLocate) {
  for (auto [ways, g] : {std::pair{1, 4096u}, {2, 4096u}, {2, 256u}, {4, 1024u}}) {
    std::vector<std::string> members;
    for (int i = 0; i < ways; ++i) members.push_back("mem" + std::to_string(i));
    auto t = with_devices(members, g, "ram", 256 * MiB, 0);
    for (uint64_t offset : {uint64_t{0}, uint64_t{64}, uint64_t{g} - 64, uint64_t{g}, uint64_t{3} * g + 128,
                            uint64_t{5} * MiB + 4096, t.regions[0].size - 64}) {
      Placement p = locate(t, 0, offset);
      uint64_t dpa = device_dpa(t, p);
      auto back = region_offset_of(t, p.device_id, dpa);
      ASSERT_TRUE(back) << ways << "-way g" << g << " offset " << offset;
      EXPECT_EQ(back->region, 0);
      EXPECT_EQ(back->offset, offset) << ways << "-way g" << g << " " << p.device_id << " dpa " << dpa;
    }
  }
}

TEST(Placement, PersistentDpaFollowsTheVolatilePartition) {
  auto t = with_devices({"mem0", "mem1"}, 1024, "pmem", 256 * MiB, 256 * MiB);
  Placement p = locate(t, 0, 3 * 1024 + 5);
  EXPECT_EQ(device_dpa(t, p), 256 * MiB + 1024 + 5);
  auto back = region_offset_of(t, "mem1", 256 * MiB + 1024 + 5);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->offset, 3u * 1024 + 5);
  // The volatile partition of a device in a pmem region is in no region.
  EXPECT_FALSE(region_offset_of(t, "mem1", 4096));
}

TEST(Placement, ADeviceInNoRegionHasNoRegionOffset) {
  auto t = with_devices({"mem0"}, 4096, "ram", 256 * MiB, 0);
  EXPECT_FALSE(region_offset_of(t, "spare", 0));
  EXPECT_FALSE(region_offset_of(t, "nope", 0));
  EXPECT_FALSE(region_offset_of(t, "mem0", 256 * MiB));  // past its partition
}
