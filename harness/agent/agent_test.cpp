#include "harness/agent/agent.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "harness/agent/fake_sysfs.h"

using namespace famlab::agent;
using namespace famlab::protocol;

namespace {

// The agent on one end of a socketpair (standing in for the virtio port),
// the test playing the host on the other.
struct AgentOnSocket : ::testing::Test {
  int host = -1;
  std::unique_ptr<Agent> agent;
  std::thread thread;
  std::atomic<int> power_offs{0};
  LineBuffer lines;
  fake::FakeSysfs fake;

  void start(std::string kmsg = "") {
    int sv[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    host = sv[1];
    AgentOptions opts;
    opts.roots = fake.roots();
    opts.kmsg_path = kmsg;
    opts.device_timeout_s = 0.5;
    opts.power_off = [this] { ++power_offs; };
    agent = std::make_unique<Agent>(sv[0], opts);
    thread = std::thread([this] { agent->run(); });
  }

  void TearDown() override {
    if (agent) agent->stop();
    if (thread.joinable()) thread.join();
    if (host >= 0) close(host);
  }

  void send_line(const std::string& line) {
    std::string l = line + "\n";
    ASSERT_EQ(write(host, l.data(), l.size()), static_cast<ssize_t>(l.size()));
  }

  Message next(int timeout_ms = 10000) {
    for (;;) {
      if (auto l = lines.next()) return decode_message(*l);
      pollfd p{host, POLLIN, 0};
      if (poll(&p, 1, timeout_ms) <= 0) throw std::runtime_error("no message from the agent");
      char buf[65536];
      ssize_t n = read(host, buf, sizeof buf);
      if (n <= 0) throw std::runtime_error("agent closed the port");
      lines.feed(buf, static_cast<size_t>(n));
    }
  }

  // Everything up to and including the Finished of `id`, without Kmsg.
  std::vector<Message> until_finished(uint64_t id, std::vector<Message>* kmsgs = nullptr) {
    std::vector<Message> out;
    for (;;) {
      Message m = next();
      if (m.event == Event::Kmsg) {
        if (kmsgs) kmsgs->push_back(m);
        continue;
      }
      if (m.event == Event::Hello) continue;
      out.push_back(m);
      if (m.event == Event::Finished && m.id == id) return out;
    }
  }

  std::string output_of(const std::vector<Message>& ms, const std::string& stream) {
    std::string s;
    for (const auto& m : ms)
      if (m.event == Event::Output && m.stream == stream) s += m.data;
    return s;
  }
};

Request exec(uint64_t id, std::vector<std::string> argv, double timeout = 10) {
  Request r;
  r.id = id;
  r.op = Op::Exec;
  r.argv = std::move(argv);
  r.timeout_s = timeout;
  return r;
}

std::string line(const Request& r) {
  std::string s = encode(r);
  s.pop_back();
  return s;
}

}  // namespace

TEST_F(AgentOnSocket, SaysHelloWithTheKernelRelease) {
  start();
  Message hello = next();
  ASSERT_EQ(hello.event, Event::Hello);
  utsname u{};
  uname(&u);
  EXPECT_EQ(hello.kernel_release, u.release);
  EXPECT_GT(hello.uptime, 0);
  EXPECT_EQ(hello.version, kVersion);
}

TEST_F(AgentOnSocket, ExecStreamsBothStreamsThenFinishes) {
  start();
  send_line(line(exec(4, {"sh", "-c", "echo out; echo err >&2; exit 3"})));
  auto ms = until_finished(4);
  ASSERT_GE(ms.size(), 3u);
  EXPECT_EQ(ms.front().event, Event::Started);
  EXPECT_EQ(ms.front().id, 4u);
  EXPECT_EQ(output_of(ms, "stdout"), "out\n");
  EXPECT_EQ(output_of(ms, "stderr"), "err\n");
  const Message& fin = ms.back();
  EXPECT_TRUE(fin.ok);  // it ran; exit codes are the host's to judge
  EXPECT_EQ(fin.exit_code, 3);
  EXPECT_GT(fin.seconds, 0);
}

TEST_F(AgentOnSocket, ExecShellAndTimeoutAndMissingProgram) {
  start();
  Request sh;
  sh.id = 1;
  sh.op = Op::Exec;
  sh.shell = "echo $((6*7))";
  send_line(line(sh));
  EXPECT_EQ(output_of(until_finished(1), "stdout"), "42\n");

  send_line(line(exec(2, {"sleep", "30"}, 0.3)));
  Message fin = until_finished(2).back();
  EXPECT_FALSE(fin.ok);
  EXPECT_EQ(fin.error, "timed out after 0.3 s: sleep 30");
  EXPECT_LT(fin.seconds, 5);

  send_line(line(exec(3, {"no-such-program-famlab"})));
  fin = until_finished(3).back();
  EXPECT_FALSE(fin.ok);
  EXPECT_NE(fin.error.find("exec: "), std::string::npos);
  EXPECT_NE(fin.error.find("no-such-program-famlab"), std::string::npos);
}

TEST_F(AgentOnSocket, MalformedRequestsGetAnAnswerNotACrash) {
  start();
  send_line("this is not json");
  Message fin = until_finished(0).back();
  EXPECT_FALSE(fin.ok);
  EXPECT_NE(fin.error.find("bad request"), std::string::npos);

  send_line("{\"id\":9,\"op\":\"fly\"}");
  fin = until_finished(9).back();
  EXPECT_FALSE(fin.ok);
  EXPECT_NE(fin.error.find("unknown op 'fly'"), std::string::npos);

  send_line("{\"id\":10,\"op\":\"exec\"}");
  fin = until_finished(10).back();
  EXPECT_EQ(fin.error, "exec: neither argv nor shell given");

  send_line("{\"id\":11,\"op\":\"bringup\"}");
  EXPECT_EQ(until_finished(11).back().error, "bringup: the request carries no plan");

  send_line("{\"id\":12,\"op\":\"write_pattern\",\"region\":3,\"bytes\":4096}");
  EXPECT_NE(until_finished(12).back().error.find("no devdax device for region 3"), std::string::npos);

  // Still serving.
  send_line(line(exec(13, {"true"})));
  EXPECT_TRUE(until_finished(13).back().ok);
}

TEST_F(AgentOnSocket, ServesOneRequestAtATime) {
  start();
  send_line(line(exec(1, {"sh", "-c", "sleep 0.2; echo first"})) + "\n" + line(exec(2, {"echo", "second"})));
  std::vector<Message> ms = until_finished(2);
  std::vector<std::string> order;
  for (const auto& m : ms)
    if (m.event != Event::Output) order.push_back(std::string(to_string(m.event)) + std::to_string(m.id));
  EXPECT_EQ(order, (std::vector<std::string>{"started1", "finished1", "started2", "finished2"}));
}

TEST_F(AgentOnSocket, BringupThenPatternsThroughTheDaxDevice) {
  fake.add_host_bridge(12, "pci0000:0c");
  fake.add_root_decoder(0, {12}, 256);
  fake.add_memdev("mem0", 0x10, 256u << 20, "pci0000:0c", "0000:0d:00.0", 3);
  fake.prepare_region(0, "region0", 0x490000000);
  fake.add_dax(fake.real("region0"), "dax0.0", 256u << 20, "device_dax");
  std::filesystem::resize_file(fake.dev() / "dax0.0", 4u << 20);  // a file big enough to map
  start();

  Request b;
  b.id = 1;
  b.op = Op::Bringup;
  GuestPlan plan;
  plan.memdevs = {{"mem0", 0x10, 256u << 20, 0}};
  PlannedRegion r;
  r.index = 0;
  r.targets = {0x10};
  r.granularity = 4096;
  r.size = 256u << 20;
  plan.regions = {r};
  b.plan = plan;
  send_line(line(b));
  auto ms = until_finished(1);
  ASSERT_TRUE(ms.back().ok) << ms.back().error;
  EXPECT_EQ(ms.back().result["regions"][0]["dax"]["name"], "dax0.0");
  EXPECT_NE(output_of(ms, "info").find("region 0: region0 on decoder0.0"), std::string::npos);

  Request w;
  w.id = 2;
  w.op = Op::WritePattern;
  w.region = 0;
  w.bytes = 1u << 20;
  w.seed = 5;
  send_line(line(w));
  Message fin = until_finished(2).back();
  ASSERT_TRUE(fin.ok) << fin.error;
  EXPECT_EQ(fin.result["bytes"], 1u << 20);
  EXPECT_EQ(fin.result["dax"], (fake.dev() / "dax0.0").string());

  w.id = 3;
  w.op = Op::VerifyPattern;
  send_line(line(w));
  fin = until_finished(3).back();
  EXPECT_TRUE(fin.ok) << fin.error;
  EXPECT_EQ(fin.result["mismatches"], 0);

  w.id = 4;
  w.seed = 6;
  send_line(line(w));
  fin = until_finished(4).back();
  EXPECT_FALSE(fin.ok);
  EXPECT_EQ(fin.result["mismatches"], (1u << 20) / 8);
  EXPECT_NE(fin.error.find("first at offsets 0x0 0x8 0x10"), std::string::npos) << fin.error;
}

TEST_F(AgentOnSocket, KernelLogIsForwardedAndDmesgReturnsIt) {
  if (access("/dev/kmsg", R_OK) != 0) GTEST_SKIP() << "/dev/kmsg not readable here";
  start("/dev/kmsg");
  Request d;
  d.id = 1;
  d.op = Op::Dmesg;
  send_line(line(d));
  std::vector<Message> kmsgs;
  auto ms = until_finished(1, &kmsgs);
  EXPECT_FALSE(kmsgs.empty());  // the boot log, from its first record
  EXPECT_TRUE(ms.back().ok);
  EXPECT_NE(output_of(ms, "stdout").find(kmsgs.front().text), std::string::npos);
}

TEST_F(AgentOnSocket, PoweroffAnswersFirst) {
  start();
  Request p;
  p.id = 7;
  p.op = Op::Poweroff;
  send_line(line(p));
  Message fin = until_finished(7).back();
  EXPECT_TRUE(fin.ok);
  for (int i = 0; i < 200 && power_offs == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(power_offs, 1);
}
