#include "lab/runner/fault_judge.h"

#include <gtest/gtest.h>

#include "lab/topology/load.h"

namespace famlab::runner {
namespace {

using report::Status;

topology::Topology shipped(const std::string& name) {
  return topology::load_topology(std::filesystem::path(FAMLAB_SOURCE_DIR) / "scenarios/topologies" / name);
}

struct PoisonListJudge : ::testing::Test {
  topology::Topology t = shipped("cxl2-1hb.toml");  // mem0 serial 0x1000, mem1 0x1001
  GuestMemory memory{&t, {{0, 0x490000000}}, {}, {}};

  PoisonTarget injected(const std::string& device, uint64_t dpa) {
    scenario::MemorySpot s;
    s.device = device;
    s.offset = dpa;
    auto target = resolve_poison(s, memory).front();
    target.step = "inject";
    return target;
  }
  protocol::PoisonRecord listed(const std::string& memdev, uint64_t serial, uint64_t dpa,
                                std::optional<uint64_t> hpa) {
    return {memdev, "0000:0d:00.0", serial, hpa ? "region0" : "", hpa, dpa, 64, "Internal", ""};
  }
};

TEST_F(PoisonListJudge, WhatWasInjectedWithTheHpaTheKernelTranslatesTo) {
  // mem1 DPA 0x1000: position 1, granule 1 -> region granule 3.
  protocol::PoisonListResult list;
  list.triggered = {"mem0", "mem1"};
  list.records = {listed("mem1", 0x1001, 0x1000, 0x490003000), listed("mem0", 0x1000, 0x40, 0x490000040)};
  report::StepResult r;
  judge_poison_list({injected("mem0", 0x40), injected("mem1", 0x1000)}, list, t, r);
  EXPECT_EQ(r.status, Status::Passed) << r.message;
  EXPECT_EQ(r.data["expected"][1]["hpa"], 0x490003000u);
  EXPECT_NE(r.output.find("mem1 DPA 0x1000 +64 [mem1 region0 HPA 0x490003000 source Internal]"),
            std::string::npos)
      << r.output;
}

TEST_F(PoisonListJudge, AWrongTranslationAMissingAndAnExtraRecordAreEachNamed) {
  protocol::PoisonListResult list;
  list.records = {listed("mem1", 0x1001, 0x1000, 0x490002000), listed("mem0", 0x1000, 0x2000, 0x490004000)};
  report::StepResult r;
  judge_poison_list({injected("mem0", 0x40), injected("mem1", 0x1000)}, list, t, r);
  EXPECT_EQ(r.status, Status::Failed);
  EXPECT_NE(
      r.message.find("mem0 DPA 0x40 +64 (region 0 + 0x40, HPA 0x490000040) (step 'inject') is not in the "
                     "guest's poison list"),
      std::string::npos)
      << r.message;
  EXPECT_NE(r.message.find("the kernel translates mem1 DPA 0x1000 to HPA 0x490002000, the host computes "
                           "0x490003000 (region 0 + 0x3000)"),
            std::string::npos)
      << r.message;
  EXPECT_NE(r.message.find("unexpected poison: mem0 DPA 0x2000"), std::string::npos) << r.message;
}

TEST_F(PoisonListJudge, ADpaInNoRegionHasNoHpa) {
  topology::Topology two = shipped("cxl2-two-regions.toml");
  two.regions.pop_back();  // mem1 is in no region now
  report::StepResult r;
  protocol::PoisonListResult list;
  list.records = {listed("mem1", 0x1001, 0x40, std::nullopt)};
  scenario::MemorySpot s;
  s.device = "mem1";
  s.offset = 0x40;
  GuestMemory m{&two, {{0, 0x490000000}}, {}, {}};
  judge_poison_list(resolve_poison(s, m), list, two, r);
  EXPECT_EQ(r.status, Status::Passed) << r.message;
  // The kernel must not translate a DPA in no region.
  list.records[0].hpa = 0x490000040;
  report::StepResult translated;
  judge_poison_list(resolve_poison(s, m), list, two, translated);
  EXPECT_EQ(translated.status, Status::Failed);
  EXPECT_NE(translated.message.find("which is in no region"), std::string::npos) << translated.message;
  list.records[0].hpa.reset();
  // Nothing was injected, but the guest lists something.
  report::StepResult extra;
  judge_poison_list({}, list, two, extra);
  EXPECT_EQ(extra.status, Status::Failed);
}

protocol::TraceEvent record(const std::string& event, std::map<std::string, std::string> fields,
                            const std::string& text) {
  protocol::TraceEvent e;
  e.event = event;
  e.fields = std::move(fields);
  e.text = text;
  return e;
}

struct TraceJudge : PoisonListJudge {
  scenario::Step step;
  TraceJudge() {
    step.name = "events";
    step.action = scenario::Action::TraceEvents;
    step.timeout_s = 10;
    scenario::ExpectedEvent gm;
    gm.event = "cxl/cxl_general_media";
    gm.device = "mem1";
    gm.dpa = 0x1000;
    gm.fields = {{"log", "Informational"}, {"channel", "1"}};
    scenario::ExpectedEvent aer;
    aer.event = "cxl/cxl_aer_uncorrectable_error";
    aer.match = "status: 'Component Specific Error'";
    step.expect_events = {gm, aer};
  }
};

TEST_F(TraceJudge, TheRequestEnablesAndAwaitsTheExpectedEvents) {
  step.trace_events = {"ras/aer_event", "cxl/cxl_general_media"};
  EXPECT_EQ(trace_events_of(step), (std::vector<std::string>{"ras/aer_event", "cxl/cxl_general_media",
                                                             "cxl/cxl_aer_uncorrectable_error"}));
  EXPECT_EQ(awaited_events_of(step), (std::map<std::string, int>{{"cxl/cxl_general_media", 1},
                                                                 {"cxl/cxl_aer_uncorrectable_error", 1}}));
}

TEST_F(TraceJudge, RecordsWithTheirFieldsAndTheHostsHpa) {
  protocol::TraceEventsResult result;
  result.complete = true;
  result.events = {
      record("cxl/cxl_general_media",
             {{"serial", "4097"},
              {"dpa", "1000"},
              {"hpa", "490003000"},
              {"log", "Informational"},
              {"channel", "1"}},
             "memdev=mem1 ... dpa=1000"),
      record("cxl/cxl_aer_uncorrectable_error", {{"status", "Component Specific Error"}},
             "memdev=mem1 host=0000:0e:00.0 serial=4097: status: 'Component Specific Error' first_error: "
             "'Component Specific Error'")};
  report::StepResult r;
  judge_trace_events(step, memory, result, r);
  EXPECT_EQ(r.status, Status::Passed) << r.message;
  EXPECT_NE(r.output.find("cxl/cxl_general_media: memdev=mem1"), std::string::npos);
}

TEST_F(TraceJudge, EachDifferenceIsNamed) {
  auto judge = [&](std::map<std::string, std::string> fields) {
    protocol::TraceEventsResult result;
    result.events = {record("cxl/cxl_general_media", std::move(fields), "the record"),
                     record("cxl/cxl_aer_uncorrectable_error", {}, "status: 'Component Specific Error'")};
    report::StepResult r;
    judge_trace_events(step, memory, result, r);
    EXPECT_EQ(r.status, Status::Failed);
    return r.message;
  };
  std::map<std::string, std::string> good = {
      {"serial", "4097"}, {"dpa", "1000"}, {"hpa", "490003000"}, {"log", "Informational"}, {"channel", "1"}};
  auto with = [&](const std::string& k, const std::string& v) {
    auto f = good;
    f[k] = v;
    return f;
  };
  EXPECT_NE(judge(with("serial", "4096")).find("serial=4096 is not mem1's (4097)"), std::string::npos);
  EXPECT_NE(judge(with("dpa", "2000")).find("dpa=2000, expected 0x1000"), std::string::npos);
  EXPECT_NE(judge(with("hpa", "490002000")).find("hpa=490002000, the host computes 0x490003000"),
            std::string::npos);
  EXPECT_NE(judge(with("log", "Warning")).find("log='Warning', expected 'Informational'"), std::string::npos);
  std::string m = judge(with("channel", "2"));
  EXPECT_NE(
      m.find(
          "no cxl/cxl_general_media record as expected (channel='2', expected '1'); arrived:\n  the record"),
      std::string::npos)
      << m;
}

TEST_F(TraceJudge, NothingArrivedAndAMissingEventSaySo) {
  protocol::TraceEventsResult result;
  result.enabled = {"cxl/cxl_general_media"};
  result.missing = {"cxl/cxl_aer_uncorrectable_error"};
  report::StepResult r;
  judge_trace_events(step, memory, result, r);
  EXPECT_EQ(r.status, Status::Failed);
  EXPECT_NE(r.message.find("this kernel has no trace event cxl/cxl_aer_uncorrectable_error"),
            std::string::npos)
      << r.message;
  EXPECT_NE(r.message.find("no cxl/cxl_general_media record arrived within 10 s (it was off until this step"),
            std::string::npos)
      << r.message;
}

}  // namespace
}  // namespace famlab::runner
