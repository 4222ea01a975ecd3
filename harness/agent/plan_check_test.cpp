#include "harness/agent/plan_check.h"

#include <gtest/gtest.h>

using namespace famlab::agent;
using namespace famlab::protocol;

namespace {

GuestPlan two_way_plan() {
  GuestPlan p;
  p.memdevs = {{"mem0", 0x10, 256u << 20, 0}, {"mem1", 0x20, 256u << 20, 0}};
  PlannedRegion r;
  r.index = 0;
  r.targets = {0x10, 0x20};
  r.granularity = 4096;
  r.size = 512u << 20;
  p.regions = {r};
  return p;
}

GuestView matching_view() {
  GuestView v;
  v.memdevs = {{"mem1", 0x10, 256u << 20, 0}, {"mem0", 0x20, 256u << 20, 0}};
  RegionView r;
  r.index = 0;
  r.name = "region0";
  r.size = 512u << 20;
  r.ways = 2;
  r.granularity = 4096;
  r.targets = {"mem1", "mem0"};
  r.target_serials = {0x10, 0x20};
  r.dax = DaxView{"dax0.0", "/dev/dax0.0", 512u << 20, 2u << 20, "devdax", true};
  v.regions = {r};
  return v;
}

}  // namespace

TEST(PlanCheck, MatchingViewHasNoMismatches) {
  EXPECT_TRUE(compare_with_plan(two_way_plan(), matching_view()).empty());
}

TEST(PlanCheck, EveryRegionFieldIsReported) {
  GuestView v = matching_view();
  RegionView& r = v.regions[0];
  r.ways = 1;
  r.granularity = 256;
  r.size = 256u << 20;
  r.targets = {"mem0"};
  r.target_serials = {0x20};
  r.dax->size = 128u << 20;
  EXPECT_EQ(compare_with_plan(two_way_plan(), v),
            (std::vector<std::string>{
                "region 0: size is 256M, topology says 512M",
                "region 0: interleave_ways is 1, topology says 2",
                "region 0: interleave_granularity is 256, topology says 4096",
                "region 0: target 0 is serial 0x20 (mem0), topology says serial 0x10",
                "region 0: dax0.0 size is 128M, region size is 256M",
            }));
}

TEST(PlanCheck, DaxModeAndDeviceNode) {
  GuestView v = matching_view();
  v.regions[0].dax->mode = "system-ram";
  v.regions[0].dax->path_exists = false;
  EXPECT_EQ(compare_with_plan(two_way_plan(), v),
            (std::vector<std::string>{"region 0: dax0.0 mode is system-ram, topology says devdax",
                                      "region 0: /dev/dax0.0 does not exist"}));
  v.regions[0].dax.reset();
  EXPECT_EQ(compare_with_plan(two_way_plan(), v), (std::vector<std::string>{"region 0: no dax device"}));
}

TEST(PlanCheck, MemdevsByCountSerialAndSize) {
  GuestView v = matching_view();
  v.memdevs = {{"mem0", 0x20, 512u << 20, 0}};
  EXPECT_EQ(compare_with_plan(two_way_plan(), v),
            (std::vector<std::string>{
                "memdevs: the guest has 1, topology says 2",
                "memdev mem0 (serial 0x10): not found in the guest",
                "memdev mem1 (serial 0x20, guest mem0): ram_size is 512M, topology says 256M",
            }));
}

TEST(PlanCheck, MissingRegionAndPmem) {
  GuestPlan p = two_way_plan();
  p.pmem = {{0x100000000, 512u << 20, 2u << 20}};
  GuestView v = matching_view();
  v.regions.clear();
  EXPECT_EQ(compare_with_plan(p, v),
            (std::vector<std::string>{"region 0: not found in the guest",
                                      "pmem 0 (memmap at 0x100000000): no namespace found in the guest"}));
  PmemView pv;
  pv.ns = "namespace0.0";
  pv.start = 0x100000000;
  pv.dax = DaxView{"dax1.0", "/dev/dax1.0", 502u << 20, 4096, "devdax", true};
  v.pmem = {pv};
  v.regions = matching_view().regions;
  EXPECT_EQ(
      compare_with_plan(p, v),
      (std::vector<std::string>{"pmem 0 (memmap at 0x100000000): dax1.0 align is 4K, topology says 2M"}));
}
