// The fault-injection actions in scenario files: what they read, and every
// mistake reported at its line.
#include "lab/scenario/fault_step_parse.h"

#include <gtest/gtest.h>

#include <fstream>

#include "lab/common/paths.h"
#include "lab/scenario/scenario_check.h"
#include "lab/scenario/scenario_parse.h"

using namespace famlab;
using namespace famlab::scenario;
using nlohmann::json;

namespace {

struct FaultSteps : ::testing::Test {
  RunDir dir{"famlab-fault-steps-"};

  // A scenario on cxl2-1hb (mem0, mem1 in region 0, 256M each) with these
  // steps after a bringup.
  std::filesystem::path write(const std::string& steps, const std::string& topology = "cxl2-1hb.toml") {
    auto file = dir.path() / "s.toml";
    std::ofstream(file)
        << "topology = \""
        << (std::filesystem::path(FAMLAB_SOURCE_DIR) / "scenarios/topologies" / topology).string()
        << "\"\n\n[[step]]\nname = \"up\"\naction = \"bringup\"\n\n"
        << steps;
    return file;
  }
  std::vector<Diagnostic> problems(const std::string& steps, const std::string& topology = "cxl2-1hb.toml") {
    return check_scenario(write(steps, topology));
  }
  Scenario load(const std::string& steps) { return load_scenario(write(steps)); }
};

std::string all(const std::vector<Diagnostic>& ds) {
  std::string s;
  for (const auto& d : ds) s += d.str() + "\n";
  return s;
}

}  // namespace

TEST_F(FaultSteps, QmpCommandArgumentsAndExpectations) {
  Scenario sc = load(R"(
[[step]]
name = "ce"
action = "qmp"
command = "cxl-inject-correctable-error"
device = "mem1"
arguments = { type = "mem-data-ecc" }

[[step]]
name = "gm"
action = "qmp"
command = "cxl-inject-general-media-event"
arguments = { path = "/machine/peripheral/mem0", log = "informational", flags = 1, dpa = 0x1000, extra = [1, 2.5, true] }
expect_error = "GenericError"
expect_output = ["Parameter 'extra' is unexpected"]

[[step]]
name = "version"
action = "qmp"
command = "query-version"
expect_return = { qemu = { major = 10 } }
)");
  ASSERT_EQ(sc.steps.size(), 4u);
  const Step& ce = sc.steps[1];
  EXPECT_EQ(ce.action, Action::Qmp);
  EXPECT_EQ(ce.qmp_command, "cxl-inject-correctable-error");
  EXPECT_EQ(ce.device, "mem1");
  EXPECT_EQ(ce.qmp_arguments, json::parse(R"({"type": "mem-data-ecc"})"));
  const Step& gm = sc.steps[2];
  EXPECT_EQ(gm.qmp_arguments["dpa"], 0x1000);
  EXPECT_EQ(gm.qmp_arguments["extra"], json::parse("[1, 2.5, true]"));
  EXPECT_EQ(gm.expect_error, "GenericError");
  EXPECT_EQ(gm.expect_output.size(), 1u);
  EXPECT_EQ(*sc.steps[3].expect_return, json::parse(R"({"qemu": {"major": 10}})"));
}

TEST_F(FaultSteps, QmpMistakes) {
  std::string p = all(problems(R"(
[[step]]
name = "no-command"
action = "qmp"

[[step]]
name = "both-paths"
action = "qmp"
command = "cxl-inject-poison"
device = "mem0"
arguments = { path = "/machine/peripheral/mem0", start = 0, length = 64 }

[[step]]
name = "no-such-device"
action = "qmp"
command = "cxl-inject-correctable-error"
device = "mem7"

[[step]]
name = "error-and-return"
action = "qmp"
command = "query-version"
expect_error = "GenericError"
expect_return = {}

[[step]]
name = "args-not-a-table"
action = "qmp"
command = "query-version"
arguments = "none"
)"));
  EXPECT_NE(p.find(":8:1: step 'no-command': action \"qmp\" needs command"), std::string::npos) << p;
  EXPECT_NE(p.find(":16:1: step 'both-paths': device sets arguments.path"), std::string::npos) << p;
  EXPECT_NE(p.find("step 'no-such-device': no device 'mem7' in topology 'cxl2-1hb' (devices: mem0, mem1)"),
            std::string::npos)
      << p;
  EXPECT_NE(p.find("a reply is either an error (expect_error) or a return"), std::string::npos) << p;
  EXPECT_NE(p.find(":36:1: 'arguments' must be a [arguments] table"), std::string::npos) << p;
}

TEST_F(FaultSteps, InjectPoisonAtADeviceARegionAndAFile) {
  Scenario sc = load(R"(
[[step]]
name = "dev"
action = "inject_poison"
device = "mem1"
offset = 0x2000

[[step]]
name = "reg"
action = "inject_poison"
region = 0
offset = "64K"
length = 128

[[step]]
name = "fs"
action = "famfs_mount"
region = 0
files = [{ name = "a", size = "2M" }]

[[step]]
name = "in-file"
action = "inject_poison"
region = 0
file = "a"
offset = 4096

[[step]]
name = "list"
action = "poison_list"
expect_poison = [
  { device = "mem1", offset = 0x2000 },
  { region = 0, offset = "64K", length = 128 },
  { region = 0, file = "a", offset = 4096 },
]

[[step]]
name = "list-injected"
action = "poison_list"
)");
  const MemorySpot& dev = sc.steps[1].poison;
  EXPECT_EQ(dev.device, "mem1");
  EXPECT_EQ(dev.region, -1);
  EXPECT_EQ(dev.offset, 0x2000u);
  EXPECT_EQ(dev.length, 64u);
  const MemorySpot& reg = sc.steps[2].poison;
  EXPECT_EQ(reg.region, 0);
  EXPECT_EQ(reg.offset, 64 * KiB);
  EXPECT_EQ(reg.length, 128u);
  EXPECT_EQ(sc.steps[4].poison.file, "a");
  ASSERT_TRUE(sc.steps[5].expect_poison);
  ASSERT_EQ(sc.steps[5].expect_poison->size(), 3u);
  EXPECT_EQ((*sc.steps[5].expect_poison)[2].file, "a");
  EXPECT_FALSE(sc.steps[6].expect_poison);  // what was injected
}

TEST_F(FaultSteps, InjectPoisonMistakes) {
  std::string p = all(problems(R"(
[[step]]
name = "neither"
action = "inject_poison"
offset = 0

[[step]]
name = "both"
action = "inject_poison"
device = "mem0"
region = 0
offset = 0

[[step]]
name = "unaligned"
action = "inject_poison"
device = "mem0"
offset = 100
length = 96

[[step]]
name = "past-the-end"
action = "inject_poison"
device = "mem0"
offset = "256M"

[[step]]
name = "past-the-region"
action = "inject_poison"
region = 0
offset = "512M"

[[step]]
name = "unknown-file"
action = "inject_poison"
region = 0
file = "nope"
offset = 0

[[step]]
name = "no-offset"
action = "inject_poison"
device = "mem0"

[[step]]
name = "list"
action = "poison_list"
offset = 64
expect_poison = [{ device = "mem9", offset = 0 }]
)"));
  EXPECT_NE(p.find("step 'neither' needs device = \"...\" (a device offset) or region = N"),
            std::string::npos)
      << p;
  EXPECT_NE(
      p.find("step 'both': give device (a device offset) or region (a region or file offset), not both"),
      std::string::npos)
      << p;
  EXPECT_NE(p.find("offset 100 is not a multiple of 64"), std::string::npos) << p;
  EXPECT_NE(p.find("length 96 must be a non-zero multiple of 64"), std::string::npos) << p;
  EXPECT_NE(
      p.find("step 'past-the-end': offset 268435456 + length 64 is past the end of device 'mem0' (256M)"),
      std::string::npos)
      << p;
  EXPECT_NE(p.find("past the end of region 0 (512M)"), std::string::npos) << p;
  EXPECT_NE(p.find("step 'unknown-file': no famfs_mount step before it made a file 'nope' on region 0"),
            std::string::npos)
      << p;
  EXPECT_NE(p.find("step 'no-offset' needs offset"), std::string::npos) << p;
  EXPECT_NE(p.find("'offset' does not apply to action \"poison_list\""), std::string::npos) << p;
  EXPECT_NE(p.find("no device 'mem9'"), std::string::npos) << p;
}

TEST_F(FaultSteps, PoisonNeedsABringupFirstWhenARegionIsNamed) {
  auto file = dir.path() / "early.toml";
  std::ofstream(file)
      << "topology = \""
      << (std::filesystem::path(FAMLAB_SOURCE_DIR) / "scenarios/topologies/cxl1.toml").string()
      << "\"\n[[step]]\nname = \"dev\"\naction = \"inject_poison\"\ndevice = \"mem0\"\noffset = 0\n"
      << "[[step]]\nname = \"reg\"\naction = \"inject_poison\"\nregion = 0\noffset = 0\n";
  std::string p = all(check_scenario(file));
  EXPECT_EQ(p.find("step 'dev'"), std::string::npos) << p;  // a device offset needs no region
  EXPECT_NE(p.find("step 'reg' (inject_poison) needs a bringup step before it"), std::string::npos) << p;
}

TEST_F(FaultSteps, TraceEventsAndTheirExpectations) {
  Scenario sc = load(R"(
[[step]]
name = "arm"
action = "trace_events"
events = ["cxl/cxl_general_media", "ras/aer_event"]

[[step]]
name = "arrived"
action = "trace_events"
timeout = 20
expect_events = [
  { event = "cxl/cxl_general_media", device = "mem0", dpa = 0x1000, fields = { log = "Informational", channel = "1" } },
  { event = "cxl/cxl_aer_uncorrectable_error", match = "status: 'Component Specific Error'" },
]
)");
  const Step& arm = sc.steps[1];
  EXPECT_EQ(arm.trace_events, (std::vector<std::string>{"cxl/cxl_general_media", "ras/aer_event"}));
  const Step& arrived = sc.steps[2];
  ASSERT_EQ(arrived.expect_events.size(), 2u);
  EXPECT_EQ(arrived.expect_events[0].device, "mem0");
  EXPECT_EQ(arrived.expect_events[0].dpa, 0x1000u);
  EXPECT_EQ(arrived.expect_events[0].fields.at("channel"), "1");
  EXPECT_EQ(arrived.expect_events[1].match, "status: 'Component Specific Error'");
  EXPECT_DOUBLE_EQ(arrived.timeout_s, 20);
}

TEST_F(FaultSteps, TraceEventsMistakes) {
  std::string p = all(problems(R"(
[[step]]
name = "nothing"
action = "trace_events"

[[step]]
name = "bad-names"
action = "trace_events"
events = ["cxl_dram"]
expect_events = [
  { event = "cxl_dram" },
  { event = "cxl/cxl_dram", dpa = 64, fields = { dpa = 4096 }, match = "(" },
  { event = "cxl/cxl_dram", device = "mem5", colour = "red" },
]
)"));
  EXPECT_NE(p.find("step 'nothing': action \"trace_events\" needs events"), std::string::npos) << p;
  EXPECT_NE(p.find("event 'cxl_dram' must be written system/name"), std::string::npos) << p;
  EXPECT_NE(p.find("expect_events[0]: event 'cxl_dram' must be written system/name"), std::string::npos) << p;
  EXPECT_NE(p.find("expect_events[1]: dpa needs device"), std::string::npos) << p;
  EXPECT_NE(p.find("fields.dpa must be the text the kernel prints, as a string"), std::string::npos) << p;
  EXPECT_NE(p.find("is not a valid regular expression"), std::string::npos) << p;
  EXPECT_NE(p.find("colour"), std::string::npos) << p;
  EXPECT_NE(p.find("no device 'mem5'"), std::string::npos) << p;
}

TEST(TomlToJson, EveryKindOfValue) {
  auto t = toml::parse(R"(a = "s"
b = 0x40
c = 1.5
d = false
e = [1, "x"]
f = { g = { h = 1 } }
)");
  EXPECT_EQ(toml_to_json(t), json::parse(R"({"a": "s", "b": 64, "c": 1.5, "d": false, "e": [1, "x"],
                                            "f": {"g": {"h": 1}}})"));
}
