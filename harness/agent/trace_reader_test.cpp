#include "harness/agent/trace_reader.h"

#include <gtest/gtest.h>

#include <fstream>

#include "base/error.h"
#include "harness/agent/fake_sysfs.h"

using namespace famlab::agent;

namespace {

// Records as Linux 6.12 prints them (drivers/cxl/core/trace.h, TP_printk).
const char* kPoison =
    "    famlab-agent-1       [000] .....    42.123456: cxl_poison: memdev=mem0 host=0000:0d:00.0 serial=1 "
    "trace_type=List region=region0 region_uuid=5f1a3b2c-0000-4000-8000-000000000001 hpa=0x490001000 "
    "dpa=0x1000 dpa_length=0x40 source=Internal flags= overflow_time=0";
const char* kGeneralMedia =
    " kworker/u8:2-45 [001] d..1. 50.000001: cxl_general_media: memdev=mem0 host=0000:0d:00.0 serial=1 "
    "log=Informational : time=1234 uuid=fbcd0a77-c260-417f-85a9-088b1621eba6 len=128 flags='' handle=1 "
    "related_handle=0 maint_op_class=0 : dpa=1000 dpa_flags='' "
    "descriptor='UNCORRECTABLE_EVENT|THRESHOLD_EVENT' "
    "type='Data Path Error' transaction_type='Host Write' channel=1 rank=0 device=0 "
    "comp_id=00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 validity_flags='CHANNEL|RANK' hpa=490001000 "
    "region=region0 region_uuid=5f1a3b2c-0000-4000-8000-000000000001";
const char* kAer =
    "irq/24-aerdrv-80 [000] ..... 60.5: cxl_aer_uncorrectable_error: memdev=mem0 host=0000:0d:00.0 serial=1: "
    "status: 'Component Specific Error' first_error: 'Component Specific Error'";

}  // namespace

TEST(TraceLine, SplitsTheHeaderWithOrWithoutTheFlagsColumn) {
  auto a = parse_trace_line(kGeneralMedia);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->task, "kworker/u8:2-45");
  EXPECT_EQ(a->cpu, 1);
  EXPECT_DOUBLE_EQ(a->timestamp, 50.000001);
  EXPECT_EQ(a->name, "cxl_general_media");
  EXPECT_TRUE(a->body.starts_with("memdev=mem0"));
  auto b = parse_trace_line("  <idle>-0  [003]  7.25: cxl_dram: dpa=2000");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->task, "<idle>-0");
  EXPECT_EQ(b->name, "cxl_dram");
  EXPECT_FALSE(parse_trace_line("CPU:1 [LOST 3 EVENTS]"));
  EXPECT_FALSE(parse_trace_line(""));
}

TEST(TraceFields, KeyValuesQuotedValuesAndSeparators) {
  auto f = parse_trace_fields(parse_trace_line(kGeneralMedia)->body);
  EXPECT_EQ(f.at("memdev"), "mem0");
  EXPECT_EQ(f.at("serial"), "1");
  EXPECT_EQ(f.at("log"), "Informational");  // not "Informational :"
  EXPECT_EQ(f.at("maint_op_class"), "0");
  EXPECT_EQ(f.at("flags"), "");  // the header's, the first one
  EXPECT_EQ(f.at("dpa"), "1000");
  EXPECT_EQ(f.at("descriptor"), "UNCORRECTABLE_EVENT|THRESHOLD_EVENT");
  EXPECT_EQ(f.at("type"), "Data Path Error");
  EXPECT_EQ(f.at("transaction_type"), "Host Write");
  EXPECT_EQ(f.at("comp_id"), "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00");  // a hex dump with spaces
  EXPECT_EQ(f.at("hpa"), "490001000");
  EXPECT_EQ(f.at("region"), "region0");

  auto p = parse_trace_fields(parse_trace_line(kPoison)->body);
  EXPECT_EQ(p.at("flags"), "");  // "flags= overflow_time=0": empty, not "overflow_time=0"
  EXPECT_EQ(p.at("overflow_time"), "0");
  EXPECT_EQ(p.at("dpa_length"), "0x40");

  auto aer = parse_trace_fields(parse_trace_line(kAer)->body);
  EXPECT_EQ(aer.at("serial"), "1");  // "serial=1:" without the colon
  EXPECT_EQ(aer.at("status"), "Component Specific Error");
  EXPECT_EQ(aer.at("first_error"), "Component Specific Error");
}

struct TraceReaderTest : ::testing::Test {
  fake::FakeSysfs fake;
  std::filesystem::path root = fake.sys() / "kernel/tracing";
  TraceReader trace{root};

  void SetUp() override {
    fake.write(root / "trace_pipe", "");
    std::filesystem::resize_file(root / "trace_pipe", 0);
    for (const char* e : {"cxl/cxl_poison", "cxl/cxl_general_media", "cxl/cxl_aer_uncorrectable_error"})
      fake.write(root / "events" / e / "enable", "0");
  }
  void append(const std::string& line) { std::ofstream(root / "trace_pipe", std::ios::app) << line << "\n"; }
};

TEST_F(TraceReaderTest, EnablesWhatExistsAndSaysWhatDoesNot) {
  trace.ensure_mounted();  // trace_pipe is there: nothing to mount
  EXPECT_EQ(trace.enable("cxl/cxl_poison"), true);
  EXPECT_EQ(fake.read(root / "events/cxl/cxl_poison/enable"), "1");
  EXPECT_EQ(trace.enable("cxl/cxl_poison"), false);  // already on
  EXPECT_EQ(trace.enable("cxl/cxl_no_such_event"), std::nullopt);
  EXPECT_THROW(trace.enable("cxl_poison"), famlab::Error);  // system/name only
}

TEST_F(TraceReaderTest, KeepsEveryRecordUntilItsEventIsAskedFor) {
  trace.enable("cxl/cxl_poison");
  trace.enable("cxl/cxl_general_media");
  append(kPoison);
  append(kGeneralMedia);
  append("CPU:0 [LOST 2 EVENTS]");
  EXPECT_EQ(trace.pump(), 2u);
  EXPECT_EQ(trace.count("cxl/cxl_general_media"), 1u);
  auto poison = trace.take("cxl/cxl_poison");
  ASSERT_EQ(poison.size(), 1u);
  EXPECT_EQ(poison[0].fields.at("dpa"), "0x1000");
  EXPECT_EQ(trace.count("cxl/cxl_general_media"), 1u);  // still kept
  // Only what was appended since is read next time; a partial line waits.
  std::ofstream(root / "trace_pipe", std::ios::app) << std::string(kAer).substr(0, 30);
  EXPECT_EQ(trace.pump(), 0u);
  std::ofstream(root / "trace_pipe", std::ios::app) << std::string(kAer).substr(30) << "\n";
  EXPECT_EQ(trace.pump(), 1u);
  EXPECT_EQ(trace.take("cxl_aer_uncorrectable_error").size(), 1u);  // not enabled: its bare name
  EXPECT_EQ(trace.take("cxl/cxl_general_media").size(), 1u);
  EXPECT_EQ(trace.count("cxl/cxl_general_media"), 0u);
}

TEST_F(TraceReaderTest, NoTracefsIsAnErrorSayingSo) {
  TraceReader none(fake.sys() / "kernel/no-tracing");
  try {
    none.ensure_mounted();
    ADD_FAILURE() << "no error";
  } catch (const famlab::Error& e) {
    EXPECT_NE(std::string(e.what()).find("no tracefs"), std::string::npos) << e.what();
  }
}
