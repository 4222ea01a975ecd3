#include "lab/runner/poison_target.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "lab/topology/load.h"

namespace famlab::runner {
namespace {

topology::Topology shipped(const std::string& name) {
  return topology::load_topology(std::filesystem::path(FAMLAB_SOURCE_DIR) / "scenarios/topologies" / name);
}

scenario::MemorySpot on_device(const std::string& d, uint64_t offset, uint64_t length = 64) {
  scenario::MemorySpot s;
  s.device = d;
  s.offset = offset;
  s.length = length;
  return s;
}

scenario::MemorySpot in_region(int r, uint64_t offset, uint64_t length = 64, const std::string& file = "") {
  scenario::MemorySpot s;
  s.region = r;
  s.offset = offset;
  s.length = length;
  s.file = file;
  return s;
}

struct PoisonTargets : ::testing::Test {
  topology::Topology t = shipped("cxl2-1hb.toml");  // mem0, mem1: region 0, 2-way, 4K granules
  GuestMemory memory{
      &t, {{0, 0x490000000}}, {}, [](const std::string& d) { return "/machine/peripheral/" + d; }};
};

TEST_F(PoisonTargets, ADeviceOffsetIsItsDpaAndTheHostKnowsItsHpa) {
  auto ts = resolve_poison(on_device("mem1", 0x3000), memory);
  ASSERT_EQ(ts.size(), 1u);
  EXPECT_EQ(ts[0].device, "mem1");
  EXPECT_EQ(ts[0].qom_path, "/machine/peripheral/mem1");
  EXPECT_EQ(ts[0].dpa, 0x3000u);
  EXPECT_EQ(ts[0].length, 64u);
  EXPECT_EQ(ts[0].serial, t.devices[1].serial);
  // mem1 is position 1: its granule 3 is the region's granule 3*2+1 = 7.
  ASSERT_TRUE(ts[0].region);
  EXPECT_EQ(ts[0].region_offset, 7u * 4096);
  EXPECT_EQ(ts[0].hpa, 0x490000000u + 7 * 4096);
  EXPECT_EQ(ts[0].describe(), "mem1 DPA 0x3000 +64 (region 0 + 0x7000, HPA 0x490007000)");
}

TEST_F(PoisonTargets, ARegionRangeCrossingAGranuleIsOnePiecePerDevice) {
  auto ts = resolve_poison(in_region(0, 0x1000 - 64, 128), memory);
  ASSERT_EQ(ts.size(), 2u);
  EXPECT_EQ(ts[0].device, "mem0");
  EXPECT_EQ(ts[0].dpa, 0x1000u - 64);
  EXPECT_EQ(ts[0].length, 64u);
  EXPECT_EQ(ts[1].device, "mem1");
  EXPECT_EQ(ts[1].dpa, 0u);
  EXPECT_EQ(ts[1].hpa, 0x490001000u);
  EXPECT_EQ(ts[0].named_as, "region 0 + 0xfc0");
}

TEST_F(PoisonTargets, ContiguousPiecesOnOneDeviceMerge) {
  topology::Topology one = shipped("cxl1.toml");
  GuestMemory m{&one, {}, {}, {}};
  auto ts = resolve_poison(in_region(0, 0x1000 - 64, 3 * 4096), m);
  ASSERT_EQ(ts.size(), 1u);  // a 1-way region: all of it on mem0, in order
  EXPECT_EQ(ts[0].dpa, 0x1000u - 64);
  EXPECT_EQ(ts[0].length, 3u * 4096);
  EXPECT_FALSE(ts[0].hpa);  // no bringup reported the base
}

TEST_F(PoisonTargets, AFileOffsetGoesThroughFamfsThenCxlInterleave) {
  // Two strips of 2M chunks at device offsets 4M and 8M.
  famfs::format::FileMap map;
  map.kind = famfs::format::FileMap::Kind::Interleaved;
  map.chunk_size = 2 * MiB;
  map.extents = {{4 * MiB, 4 * MiB}, {8 * MiB, 4 * MiB}};
  memory.famfs_maps[0]["i2"] = map;
  // File offset 2M + 0x1040 is chunk 1 -> strip 1, row 0: device offset 8M + 0x1040,
  // region granule (8M + 0x1000) / 4K = 2049 -> mem1, its granule 1024: DPA 4M + 0x40.
  auto ts = resolve_poison(in_region(0, 2 * MiB + 0x1040, 64, "i2"), memory);
  ASSERT_EQ(ts.size(), 1u);
  EXPECT_EQ(ts[0].device, "mem1");
  EXPECT_EQ(ts[0].dpa, 4 * MiB + 0x40);
  EXPECT_EQ(ts[0].region_offset, 8 * MiB + 0x1040);
  EXPECT_EQ(ts[0].hpa, 0x490000000u + 8 * MiB + 0x1040);
  EXPECT_EQ(ts[0].named_as, "file i2 + 0x201040 on region 0");
}

TEST_F(PoisonTargets, WhatHasNoPlaceIsAnErrorSayingWhy) {
  auto message = [&](const scenario::MemorySpot& s) {
    try {
      resolve_poison(s, memory);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(message(on_device("mem7", 0)).find("no device 'mem7'"), std::string::npos);
  EXPECT_NE(message(on_device("mem0", 256 * MiB)).find("past the device's end"), std::string::npos);
  EXPECT_NE(message(in_region(0, 512 * MiB)).find("past the region's end"), std::string::npos);
  EXPECT_NE(message(in_region(3, 0)).find("no region 3"), std::string::npos);
  EXPECT_NE(message(in_region(0, 0, 64, "nope")).find("no famfs map of file 'nope'"), std::string::npos);
  famfs::format::FileMap small;
  small.extents = {{4 * MiB, 2 * MiB}};
  memory.famfs_maps[0]["s"] = small;
  EXPECT_NE(message(in_region(0, 2 * MiB, 64, "s")).find("past what its map covers"), std::string::npos);
}

TEST(TraceHex, WithOrWithoutPrefix) {
  EXPECT_EQ(parse_trace_hex("1000"), 0x1000u);
  EXPECT_EQ(parse_trace_hex("0x490001000"), 0x490001000u);
  EXPECT_EQ(parse_trace_hex("ffffffffffffffff"), UINT64_MAX);
  EXPECT_FALSE(parse_trace_hex(""));
  EXPECT_FALSE(parse_trace_hex("0x"));
  EXPECT_FALSE(parse_trace_hex("12g"));
  EXPECT_FALSE(parse_trace_hex("10000000000000000"));
}

}  // namespace
}  // namespace famlab::runner
