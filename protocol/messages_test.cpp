#include "protocol/messages.h"

#include <gtest/gtest.h>

#include "protocol/pattern.h"

using namespace famlab::protocol;

TEST(Protocol, RequestRoundTripsWithPlan) {
  Request r;
  r.id = 7;
  r.op = Op::Bringup;
  GuestPlan p;
  p.modules = {"cxl_acpi"};
  p.memdevs.push_back({"mem0", 11, 256u << 20, 0});
  PlannedRegion reg;
  reg.index = 0;
  reg.window = 1;
  reg.targets = {11, 12};
  reg.granularity = 256;
  reg.size = 512u << 20;
  p.regions.push_back(reg);
  r.plan = p;
  std::string line = encode(r);
  ASSERT_EQ(line.back(), '\n');
  Request back = decode_request(line.substr(0, line.size() - 1));
  EXPECT_EQ(back.id, 7u);
  EXPECT_EQ(back.op, Op::Bringup);
  ASSERT_TRUE(back.plan);
  EXPECT_EQ(back.plan->memdevs.at(0).serial, 11u);
  EXPECT_EQ(back.plan->regions.at(0).targets, (std::vector<uint64_t>{11, 12}));
  EXPECT_EQ(back.plan->regions.at(0).window, 1);
}

TEST(Protocol, EveryOpRoundTrips) {
  for (Op op : {Op::Bringup, Op::Exec, Op::WritePattern, Op::VerifyPattern, Op::Dmesg, Op::Shell,
                Op::Poweroff, Op::FamfsMount}) {
    Request r;
    r.op = op;
    r.region = 2;
    r.bytes = 4096;
    EXPECT_EQ(decode_request(encode(r)).op, op) << to_string(op);
  }
}

TEST(Protocol, FamfsMountCarriesItsArguments) {
  Request r;
  r.op = Op::FamfsMount;
  r.region = 1;
  r.bytes = 65536;
  r.famfs_args = {"--cap-drop", "user"};
  Request back = decode_request(encode(r));
  EXPECT_EQ(back.op, Op::FamfsMount);
  EXPECT_EQ(back.region, 1);
  EXPECT_EQ(back.bytes, 65536u);
  EXPECT_EQ(back.famfs_args, (std::vector<std::string>{"--cap-drop", "user"}));
}

TEST(Protocol, FamfsMountCarriesItsFiles) {
  Request r;
  r.op = Op::FamfsMount;
  r.famfs_files = {{"simple", 6u << 20, 0, 0, false}, {"i3", 13u << 20, 3, 2u << 20, false}};
  Request back = decode_request(encode(r));
  EXPECT_EQ(back.famfs_files, r.famfs_files);
  // Without files the request stays as before: the probe of `bytes`.
  r.famfs_files.clear();
  EXPECT_EQ(encode(r).find("famfs_files"), std::string::npos);
}

TEST(Protocol, AFileWithoutASizeIsRejectedNamingTheField) {
  try {
    decode_request(R"({"op":"famfs_mount","famfs_files":[{"name":"x"}]})");
    FAIL() << "accepted a file without a size";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("famfs_files"), std::string::npos) << e.what();
  }
}

TEST(Protocol, FilesOfOneStepHaveDistinctSeeds) {
  EXPECT_NE(famfs_file_seed(1, 0), famfs_file_seed(1, 1));
  EXPECT_NE(famfs_file_seed(1, 0), 1u);
  EXPECT_NE(pattern_word(famfs_file_seed(1, 0), 0), pattern_word(famfs_file_seed(1, 1), 0));
}

TEST(Protocol, MessageRoundTripsAndKeepsBadUtf8) {
  Message m;
  m.event = Event::Output;
  m.id = 3;
  m.stream = "stdout";
  m.data = std::string("ok \xff\xfe end");
  Message back = decode_message(encode(m));
  EXPECT_EQ(back.event, Event::Output);
  EXPECT_EQ(back.id, 3u);
  EXPECT_NE(back.data.find("end"), std::string::npos);

  Message f;
  f.event = Event::Finished;
  f.ok = true;
  f.exit_code = 4;
  f.result = {{"dax", "/dev/dax0.0"}};
  Message fb = decode_message(encode(f));
  EXPECT_TRUE(fb.ok);
  EXPECT_EQ(fb.exit_code, 4);
  EXPECT_EQ(fb.result["dax"], "/dev/dax0.0");
}

TEST(Protocol, TraceRequestsRoundTrip) {
  Request r;
  r.id = 9;
  r.op = Op::TraceEvents;
  r.trace_events = {"cxl/cxl_dram", "ras/aer_event"};
  r.await_events = {{"cxl/cxl_dram", 2}};
  r.timeout_s = 20;
  Request back = decode_request(encode(r));
  EXPECT_EQ(back.op, Op::TraceEvents);
  EXPECT_EQ(back.trace_events, r.trace_events);
  EXPECT_EQ(back.await_events, r.await_events);
  Request list;
  list.op = Op::PoisonList;
  EXPECT_EQ(decode_request(encode(list)).op, Op::PoisonList);
  EXPECT_THROW(decode_request(R"({"op":"trace_events","await_events":{"cxl/cxl_dram":"two"}})"),
               std::invalid_argument);
}

TEST(Protocol, ResumeCarriesEntropyAndTheHostClock) {
  Request r;
  r.id = 3;
  r.op = Op::Resume;
  r.entropy = "00ff10";
  r.clock_ns = 1796655496123456789;
  Request back = decode_request(encode(r));
  EXPECT_EQ(back.op, Op::Resume);
  EXPECT_EQ(back.entropy, "00ff10");
  EXPECT_EQ(back.clock_ns, r.clock_ns);
}

TEST(Protocol, DecodersRejectGarbageWithReason) {
  EXPECT_THROW(decode_request("not json"), std::invalid_argument);
  EXPECT_THROW(decode_request("{\"op\":\"fly\"}"), std::invalid_argument);
  EXPECT_THROW(decode_request("{\"op\":\"exec\",\"argv\":5}"), std::invalid_argument);
  EXPECT_THROW(decode_message("[1,2]"), std::invalid_argument);
  EXPECT_THROW(decode_message("{\"ev\":\"nope\"}"), std::invalid_argument);
}

TEST(Protocol, LineBufferSplitsAcrossFeeds) {
  LineBuffer lb;
  lb.feed("ab", 2);
  EXPECT_FALSE(lb.next());
  lb.feed("c\nde\n\nf", 7);
  EXPECT_EQ(lb.next(), "abc");
  EXPECT_EQ(lb.next(), "de");
  EXPECT_EQ(lb.next(), "");
  EXPECT_FALSE(lb.next());
  lb.feed("\n", 1);
  EXPECT_EQ(lb.next(), "f");
}

TEST(Protocol, LineBufferCutsOverlongLines) {
  LineBuffer lb(4);
  lb.feed("abcdefghij", 10);
  EXPECT_EQ(lb.next(), "abcd");
  EXPECT_EQ(lb.next(), "efgh");
  EXPECT_FALSE(lb.next());
}

TEST(Pattern, WordsDependOnSeedAndOffset) {
  EXPECT_NE(pattern_word(1, 0), pattern_word(1, 8));
  EXPECT_NE(pattern_word(1, 0), pattern_word(2, 0));
  EXPECT_NE(pattern_word(0, 0), 0u);
  EXPECT_EQ(pattern_word(5, 4096), pattern_word(5, 4096));
}
