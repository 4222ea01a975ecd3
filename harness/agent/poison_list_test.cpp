#include "harness/agent/poison_list.h"

#include <gtest/gtest.h>

#include <fstream>

#include "base/error.h"
#include "harness/agent/fake_sysfs.h"

using namespace famlab::agent;

namespace {

std::string poison_line(const std::string& memdev, const std::string& region, const std::string& hpa,
                        const std::string& dpa, const std::string& type = "List") {
  return "famlab-agent-1 [000] ..... 42.5: cxl_poison: memdev=" + memdev +
         " host=0000:0d:00.0 serial=" + (memdev == "mem0" ? "1" : "2") + " trace_type=" + type +
         " region=" + region + " region_uuid=00000000-0000-0000-0000-000000000000 hpa=" + hpa +
         " dpa=" + dpa + " dpa_length=0x40 source=Internal flags= overflow_time=0";
}

struct PoisonListTest : ::testing::Test {
  fake::FakeSysfs fake;
  std::filesystem::path root = fake.sys() / "kernel/tracing";
  TraceReader trace{root};
  std::vector<std::string> triggered;

  void SetUp() override {
    fake.write(root / "trace_pipe", "");
    std::filesystem::resize_file(root / "trace_pipe", 0);
    fake.write(root / "events/cxl/cxl_poison/enable", "0");
  }
  void append(const std::string& line) { std::ofstream(root / "trace_pipe", std::ios::app) << line << "\n"; }
};

}  // namespace

TEST_F(PoisonListTest, RecordsFollowingTheTriggersWithTheKernelsTranslation) {
  // Left over from an earlier trigger: not part of this list.
  append(poison_line("mem0", "region0", "0x490000000", "0x0"));
  PoisonListJob job;
  job.memdevs = {"mem0", "mem1"};
  job.trigger = [&](const std::string& m) {
    triggered.push_back(m);
    if (m == "mem0") append(poison_line("mem0", "region0", "0x490001000", "0x1000"));
    if (m == "mem1") {
      append(poison_line("mem1", "", "0xffffffffffffffff", "0x2000"));
      append(poison_line("mem1", "", "0xffffffffffffffff", "0x3000", "Inject"));  // not the list
    }
  };
  auto r = collect_poison_list(trace, job);
  EXPECT_EQ(triggered, job.memdevs);
  EXPECT_EQ(fake.read(root / "events/cxl/cxl_poison/enable"), "1");
  ASSERT_EQ(r.records.size(), 2u);
  EXPECT_EQ(r.records[0].memdev, "mem0");
  EXPECT_EQ(r.records[0].dpa, 0x1000u);
  EXPECT_EQ(r.records[0].hpa, 0x490001000u);
  EXPECT_EQ(r.records[0].region, "region0");
  EXPECT_EQ(r.records[0].length, 64u);
  EXPECT_EQ(r.records[0].serial, 1u);
  EXPECT_EQ(r.records[1].memdev, "mem1");
  EXPECT_FALSE(r.records[1].hpa);  // in no region
  EXPECT_EQ(r.records[1].region, "");
  EXPECT_EQ(trace.count("cxl/cxl_poison"), 1u);  // the Inject record stays for whoever asks
}

TEST_F(PoisonListTest, ARecordWithoutItsFieldsIsAnErrorNamingTheField) {
  PoisonListJob job;
  job.memdevs = {"mem0"};
  job.trigger = [&](const std::string&) {
    append("famlab-agent-1 [000] ..... 42.5: cxl_poison: memdev=mem0 trace_type=List dpa=0x40");
  };
  try {
    collect_poison_list(trace, job);
    ADD_FAILURE() << "no error";
  } catch (const famlab::Error& e) {
    EXPECT_NE(std::string(e.what()).find("without 'host'"), std::string::npos) << e.what();
  }
}

TEST_F(PoisonListTest, AKernelWithoutTheEventIsNamed) {
  std::filesystem::remove_all(root / "events/cxl");
  PoisonListJob job;
  job.memdevs = {"mem0"};
  job.trigger = [](const std::string&) {};
  try {
    collect_poison_list(trace, job);
    ADD_FAILURE() << "no error";
  } catch (const famlab::Error& e) {
    EXPECT_NE(std::string(e.what()).find("cxl/cxl_poison"), std::string::npos) << e.what();
  }
}
