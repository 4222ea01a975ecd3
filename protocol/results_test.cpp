#include "protocol/results.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace famlab::protocol {
namespace {

using nlohmann::json;

// The message a decoder throws, or "" when it does not throw.
template <class F>
std::string decode_error(F decode) {
  try {
    decode();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(Results, BringupRoundTripsThroughTheWire) {
  BringupResult r;
  r.view.memdevs.push_back({"mem0", 0x10, 256u << 20, 0});
  RegionView region;
  region.index = 0;
  region.name = "region0";
  region.size = 512u << 20;
  region.ways = 2;
  region.granularity = 4096;
  region.resource = 0x490000000;
  region.targets = {"mem1", "mem0"};
  region.target_serials = {0x20, 0x10};
  region.dax = DaxView{"dax0.0", "/dev/dax0.0", 512u << 20, 2u << 20, "devdax", true};
  r.view.regions.push_back(region);
  r.view.pmem.push_back({1, "namespace1.0", 0x100000000, std::nullopt});
  r.mismatches = {"memdev mem1: ram_size is 128M, topology says 256M"};

  json wire = json::parse(encode(r).dump());
  EXPECT_EQ(wire["regions"][0]["targets"][0], "mem1");  // the keys scenarios and tests read
  EXPECT_EQ(wire["pmem"][0]["namespace"], "namespace1.0");
  EXPECT_TRUE(wire["pmem"][0]["dax"].is_null());

  BringupResult back = decode_bringup_result(wire);
  ASSERT_EQ(back.view.regions.size(), 1u);
  EXPECT_EQ(back.view.regions[0].targets, region.targets);
  EXPECT_EQ(back.view.regions[0].target_serials, region.target_serials);
  ASSERT_TRUE(back.view.regions[0].dax);
  EXPECT_EQ(back.view.regions[0].dax->align, 2u << 20);
  EXPECT_FALSE(back.view.regions[0].dax->path_exists);  // guest side only
  EXPECT_EQ(back.view.pmem[0].start, 0x100000000u);
  EXPECT_EQ(back.mismatches, r.mismatches);
}

TEST(Results, ResumeRoundTripsAndNamesAMissingField) {
  ResumeResult r;
  r.kernel = "6.12.118";
  r.uptime = 1.4;
  r.reseeded = true;
  r.clock_step_s = 3600.5;
  r.host_bridges = {"pci0000:0c", "pci0000:0e"};
  r.memdevs = 4;
  r.reprobe_seconds = 0.12;
  json wire = json::parse(encode(r).dump());
  ResumeResult back = decode_resume_result(wire);
  EXPECT_EQ(back.kernel, r.kernel);
  EXPECT_TRUE(back.reseeded);
  EXPECT_DOUBLE_EQ(back.clock_step_s, 3600.5);
  EXPECT_EQ(back.host_bridges, r.host_bridges);
  EXPECT_EQ(back.memdevs, 4);
  wire.erase("reseeded");
  EXPECT_EQ(decode_error([&] { decode_resume_result(wire); }), "resume result: field 'reseeded' is missing");
}

TEST(Results, PoisonListRoundTripsAndKeepsAMissingHpaMissing) {
  PoisonListResult r;
  r.triggered = {"mem0", "mem1"};
  r.records.push_back({"mem0", "0000:0d:00.0", 1, "region0", 0x490001000, 0x1000, 64, "Internal", ""});
  r.records.push_back({"mem1", "0000:0e:00.0", 2, "", std::nullopt, 0x2000, 128, "Internal", "More"});
  json wire = json::parse(encode(r).dump());
  EXPECT_TRUE(wire["records"][1]["hpa"].is_null());
  PoisonListResult back = decode_poison_list_result(wire);
  ASSERT_EQ(back.records.size(), 2u);
  EXPECT_EQ(back.records[0].hpa, 0x490001000u);
  EXPECT_FALSE(back.records[1].hpa);
  EXPECT_EQ(back.records[1].length, 128u);
  EXPECT_EQ(back.triggered, r.triggered);
  wire["records"][0].erase("dpa");
  EXPECT_EQ(decode_error([&] { decode_poison_list_result(wire); }), "poison record: field 'dpa' is missing");
}

TEST(Results, TraceEventsRoundTrip) {
  TraceEventsResult r;
  r.tracefs = "/sys/kernel/tracing";
  r.enabled = {"cxl/cxl_dram"};
  r.missing = {"cxl/cxl_nothing"};
  r.events.push_back({"cxl/cxl_dram",
                      12.5,
                      1,
                      "kworker/u8:2-45",
                      {{"dpa", "2000"}, {"log", "Warning"}},
                      "memdev=mem0 ... dpa=2000"});
  r.complete = true;
  r.awaited = {{"cxl/cxl_dram", 1}};
  TraceEventsResult back = decode_trace_events_result(json::parse(encode(r).dump()));
  ASSERT_EQ(back.events.size(), 1u);
  EXPECT_EQ(back.events[0].fields.at("log"), "Warning");
  EXPECT_EQ(back.events[0].task, "kworker/u8:2-45");
  EXPECT_EQ(back.missing, r.missing);
  EXPECT_TRUE(back.complete);
  json bad = encode(r);
  bad["events"][0]["fields"] = "dpa=2000";
  EXPECT_EQ(decode_error([&] { decode_trace_events_result(bad); }),
            "trace event: field 'fields' has the wrong type");
}

TEST(Results, AMisspeltOrMissingFieldIsNamedNotDefaulted) {
  PatternResult p{"/dev/dax0.0", 1 << 20, 0.5, 2.0, 0, {}, std::nullopt};
  json wire = encode(p);
  wire.erase("mismatches");
  wire["mismatch"] = 0;
  EXPECT_EQ(decode_error([&] { decode_pattern_result(wire); }),
            "pattern result: field 'mismatches' is missing");

  json typed = encode(p);
  typed["bytes"] = "lots";
  EXPECT_EQ(decode_error([&] { decode_pattern_result(typed); }),
            "pattern result: field 'bytes' has the wrong type");

  EXPECT_EQ(decode_error([] { decode_dmesg_result(json::array()); }), "dmesg result: not a JSON object");
}

TEST(Results, PatternKeepsTheDeviceModeChangeWhenThereWasOne) {
  PatternResult p{"/dev/dax0.0", 4096, 0.1, 0.04, 3, {8, 16, 24}, std::nullopt};
  PatternResult back = decode_pattern_result(encode(p));
  EXPECT_EQ(back.first_mismatches, (std::vector<uint64_t>{8, 16, 24}));
  EXPECT_FALSE(back.dax_mode);

  p.dax_mode = DaxModeChange{"dax0.0", "famfs_dax", "device_dax", "devdax", true, ""};
  back = decode_pattern_result(encode(p));
  ASSERT_TRUE(back.dax_mode);
  EXPECT_EQ(back.dax_mode->driver_before, "famfs_dax");
  EXPECT_TRUE(back.dax_mode->changed);
}

TEST(Results, FamfsMountCarriesFilesMapsAndTheServerStatus) {
  FamfsMountResult r;
  r.dax_mode = DaxModeChange{"dax0.0", "device_dax", "device_dax",
                             "devdax", false,        "no famfs_dax driver in this kernel"};
  r.mount_command = "famfs mount --daemon /dev/dax0.0 /mnt/famfs-3";
  r.data_ok = true;
  FamfsFileResult f;
  f.name = "i2";
  f.size = 7u << 20;
  f.seed = 65537;
  f.map = {{"kind", "interleaved"}, {"chunk_size", 2 << 20}};
  f.ok = true;
  f.dax = true;
  f.dax_known = true;
  f.pread_checks = 8;
  r.files.push_back(f);
  FamfsFileResult refused;
  refused.name = "bad";
  refused.open_errno = 22;
  refused.open_errno_name = "EINVAL";
  refused.open_error = "open /mnt/famfs-3/bad: Invalid argument";
  refused.problems = {refused.open_error};
  r.files.push_back(refused);
  FamfsStatus st;
  st.state = "unmounted";
  st.opcodes = {{"GET_FMAP", 2}, {"READ", 0}};
  st.kernel_famfs = {{"enabled", "1"}, {"decided_by", "server-cap"}};
  r.status = st;
  r.kernel_report = true;
  r.famfs_enabled = true;

  FamfsMountResult back = decode_famfs_mount_result(json::parse(encode(r).dump()));
  ASSERT_TRUE(back.dax_mode);
  EXPECT_EQ(back.dax_mode->why, "no famfs_dax driver in this kernel");
  ASSERT_EQ(back.files.size(), 2u);
  EXPECT_EQ(back.files[0].map["kind"], "interleaved");
  EXPECT_TRUE(back.files[0].dax);
  EXPECT_EQ(back.files[0].pread_checks, 8u);
  EXPECT_TRUE(back.files[1].map.is_null());
  EXPECT_EQ(back.files[1].open_errno_name, "EINVAL");
  ASSERT_TRUE(back.status);
  EXPECT_EQ(back.status->opcodes.at("GET_FMAP"), 2u);
  EXPECT_EQ(back.status->kernel_famfs.at("decided_by"), "server-cap");
  EXPECT_TRUE(back.famfs_enabled);

  FamfsMountResult no_status;
  no_status.setup_error = "famfs mkfs failed";
  back = decode_famfs_mount_result(encode(no_status));
  EXPECT_FALSE(back.status);
  EXPECT_EQ(back.setup_error, "famfs mkfs failed");
}

TEST(Results, ABrokenFileInsideAMountResultNamesTheFile) {
  FamfsMountResult r;
  r.files.push_back(FamfsFileResult{});
  json wire = encode(r);
  wire["files"][0].erase("mmap_ok");
  EXPECT_EQ(decode_error([&] { decode_famfs_mount_result(wire); }),
            "famfs file result: field 'mmap_ok' is missing");
}

TEST(Results, ShellAndDmesgRoundTrip) {
  EXPECT_EQ(decode_shell_result(encode(ShellResult{"/dev/ttyS0", 42})).pid, 42);
  EXPECT_EQ(decode_dmesg_result(encode(DmesgResult{1234})).bytes, 1234u);
}

}  // namespace
}  // namespace famlab::protocol
