// The socket client against a scripted QMP server on the other end of a
// socketpair: greeting and capabilities, ids, errors, events, timeouts and
// late replies, garbage and a closed monitor, and the transcript.
#include "lab/vm/qmp_socket.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "lab/common/paths.h"
#include "lab/vm/qmp_client.h"
#include "protocol/messages.h"

using namespace famlab;
using namespace famlab::vm;
using nlohmann::json;

namespace {

const char* kGreeting =
    R"({"QMP": {"version": {"qemu": {"micro": 2, "minor": 0, "major": 10}, "package": ""}, "capabilities": ["oob"]}})";

// A QMP server in a thread: sends the greeting (unless told not to), then
// answers each command line with what `answer` returns (lines to send,
// possibly none). `answer` may also sleep or close the socket.
class ScriptedQmp {
 public:
  using Answer = std::function<std::vector<std::string>(const json& command, int fd)>;

  explicit ScriptedQmp(Answer answer, std::string greeting = kGreeting) : answer_(std::move(answer)) {
    int sv[2];
    EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    client_ = UniqueFd(sv[0]);
    server_ = sv[1];
    thread_ = std::thread([this, greeting] { serve(greeting); });
  }
  ~ScriptedQmp() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (server_ >= 0) close(server_);
  }

  UniqueFd take_client() { return std::move(client_); }
  std::vector<json> received() {
    std::lock_guard<std::mutex> lock(mu_);
    return received_;
  }

  static void send(int fd, const std::string& line) {
    std::string l = line + "\n";
    ssize_t n = ::send(fd, l.data(), l.size(), MSG_NOSIGNAL);
    (void)n;
  }
  // The usual reply: QEMU echoes the command's id.
  static std::string reply(const json& command, const json& value) {
    json r = {{"return", value}};
    if (command.contains("id")) r["id"] = command["id"];
    return r.dump();
  }
  static std::string error(const json& command, const std::string& cls, const std::string& desc) {
    json r = {{"error", {{"class", cls}, {"desc", desc}}}};
    if (command.contains("id")) r["id"] = command["id"];
    return r.dump();
  }

 private:
  void serve(const std::string& greeting) {
    if (!greeting.empty()) send(server_, greeting);
    protocol::LineBuffer lines;
    while (!stop_) {
      while (auto line = lines.next()) {
        json c = json::parse(*line);
        {
          std::lock_guard<std::mutex> lock(mu_);
          received_.push_back(c);
        }
        for (const auto& out : answer_(c, server_)) send(server_, out);
      }
      pollfd p{server_, POLLIN, 0};
      if (poll(&p, 1, 20) <= 0) continue;
      char buf[4096];
      ssize_t n = read(server_, buf, sizeof buf);
      if (n <= 0) return;
      lines.feed(buf, static_cast<size_t>(n));
    }
  }

  Answer answer_;
  UniqueFd client_;
  int server_ = -1;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<json> received_;
};

// What a small QEMU answers: capabilities, version, its command list.
std::vector<std::string> basic(const json& c) {
  const std::string name = c["execute"];
  if (name == "qmp_capabilities") return {ScriptedQmp::reply(c, json::object())};
  if (name == "query-version")
    return {ScriptedQmp::reply(c, {{"qemu", {{"major", 10}, {"minor", 0}, {"micro", 2}}}, {"package", ""}})};
  if (name == "query-commands")
    return {
        ScriptedQmp::reply(c, json::array({{{"name", "query-commands"}}, {{"name", "cxl-inject-poison"}}}))};
  return {ScriptedQmp::error(c, "CommandNotFound", "The command " + name + " has not been found")};
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct QmpSocketTest : ::testing::Test {
  RunDir dir{"famlab-qmp-test-"};
  std::shared_ptr<QmpTranscript> transcript = std::make_shared<QmpTranscript>(dir.path() / "qmp.log");

  std::unique_ptr<QmpClient> client_for(ScriptedQmp& server) {
    return std::make_unique<QmpClient>(
        std::make_unique<QmpSocketTransport>(server.take_client(), "test", transcript), transcript);
  }
};

}  // namespace

TEST_F(QmpSocketTest, ConnectNegotiatesAndLearnsTheCommands) {
  ScriptedQmp server([](const json& c, int) { return basic(c); });
  auto client = client_for(server);
  client->connect(5);
  EXPECT_EQ(client->qemu_version(), "10.0.2");
  EXPECT_TRUE(client->has("cxl-inject-poison"));
  EXPECT_FALSE(client->has("cxl-inject-dram-event"));
  auto got = server.received();
  ASSERT_GE(got.size(), 3u);
  EXPECT_EQ(got[0]["execute"], "qmp_capabilities");  // before anything else
  EXPECT_EQ(got[2]["execute"], "query-commands");
  // Every command carries its own id.
  EXPECT_NE(got[0]["id"], got[1]["id"]);
}

TEST_F(QmpSocketTest, RepliesAndErrorsAreTyped) {
  ScriptedQmp server([](const json& c, int) -> std::vector<std::string> {
    if (c["execute"] == "cxl-inject-poison") {
      if (c["arguments"]["start"] == 4100)
        return {ScriptedQmp::error(c, "GenericError", "Poison start address must be 64 byte aligned")};
      return {ScriptedQmp::reply(c, json::object())};
    }
    return basic(c);
  });
  auto client = client_for(server);
  client->connect(5);
  QmpReply ok = client->execute("cxl-inject-poison",
                                {{"path", "/machine/peripheral/mem0"}, {"start", 4096}, {"length", 64}});
  EXPECT_TRUE(ok.ok());
  QmpReply bad = client->execute("cxl-inject-poison",
                                 {{"path", "/machine/peripheral/mem0"}, {"start", 4100}, {"length", 64}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error->error_class, "GenericError");
  EXPECT_EQ(bad.error->desc, "Poison start address must be 64 byte aligned");
  QmpReply unknown = client->execute("no-such-command");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error->error_class, "CommandNotFound");
  EXPECT_EQ(server.received().back()["arguments"], json());  // no arguments sent when there are none
}

TEST_F(QmpSocketTest, EventsAreKeptAndTranscribed) {
  ScriptedQmp server([](const json& c, int fd) -> std::vector<std::string> {
    if (c["execute"] == "stop") {
      ScriptedQmp::send(fd, R"({"timestamp": {"seconds": 1, "microseconds": 2}, "event": "STOP"})");
      return {ScriptedQmp::reply(c, json::object())};
    }
    if (c["execute"] == "cont") {
      // An event after the reply, while no command runs.
      return {ScriptedQmp::reply(c, json::object()),
              R"({"timestamp": {"seconds": 3, "microseconds": 0}, "event": "RESUME"})"};
    }
    return basic(c);
  });
  auto client = client_for(server);
  client->connect(5);
  EXPECT_TRUE(client->execute("stop").ok());
  EXPECT_TRUE(client->execute("cont").ok());
  std::vector<QmpEvent> events;
  for (int i = 0; i < 100 && events.size() < 2; ++i) {
    for (auto& e : client->take_events()) events.push_back(e);
    if (events.size() < 2) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].name, "STOP");
  EXPECT_EQ(events[1].name, "RESUME");
  EXPECT_TRUE(client->take_events().empty());

  std::string log = read_file(dir.path() / "qmp.log");
  EXPECT_NE(log.find(R"(-> {"execute":"stop")"), std::string::npos) << log;
  EXPECT_NE(log.find(R"(<- {"timestamp": {"seconds": 1, "microseconds": 2}, "event": "STOP"})"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("\"event\": \"RESUME\""), std::string::npos) << log;
  // Every line starts with a UTC timestamp.
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    ASSERT_GE(line.size(), 28u) << line;
    EXPECT_EQ(line[4], '-') << line;
    EXPECT_EQ(line[26], 'Z') << line;
  }
}

TEST_F(QmpSocketTest, ASilentMonitorTimesOutAndItsLateReplyIsNotTakenForTheNextOne) {
  std::atomic<int> slow_seen{0};
  ScriptedQmp server([&](const json& c, int fd) -> std::vector<std::string> {
    if (c["execute"] == "slow") {
      ++slow_seen;
      std::thread([c, fd] {
        std::this_thread::sleep_for(std::chrono::milliseconds(400));
        ScriptedQmp::send(fd, ScriptedQmp::reply(c, "late"));
      }).detach();
      return {};
    }
    if (c["execute"] == "fast") return {ScriptedQmp::reply(c, "fast")};
    return basic(c);
  });
  auto client = client_for(server);
  client->connect(5);
  try {
    client->execute("slow", json::object(), 0.1);
    ADD_FAILURE() << "no timeout";
  } catch (const QmpTransportError& e) {
    EXPECT_NE(std::string(e.what()).find("no reply to slow within"), std::string::npos) << e.what();
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(600));  // the late reply is in the socket now
  QmpReply r = client->execute("fast");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r.value, "fast");
  EXPECT_NE(read_file(dir.path() / "qmp.log").find("dropped a late reply"), std::string::npos);
}

TEST_F(QmpSocketTest, GarbageIsATransportErrorNotACrash) {
  ScriptedQmp server([](const json& c, int) -> std::vector<std::string> {
    if (c["execute"] == "garbage") return {"this is not json"};
    return basic(c);
  });
  auto client = client_for(server);
  client->connect(5);
  EXPECT_THROW(client->execute("garbage"), QmpTransportError);
}

TEST_F(QmpSocketTest, AClosedMonitorIsAnErrorSayingSo) {
  ScriptedQmp server([](const json& c, int fd) -> std::vector<std::string> {
    if (c["execute"] == "quit") {
      shutdown(fd, SHUT_RDWR);
      return {};
    }
    return basic(c);
  });
  auto client = client_for(server);
  client->connect(5);
  try {
    client->execute("quit", json::object(), 5);
    ADD_FAILURE() << "no error";
  } catch (const QmpTransportError& e) {
    EXPECT_NE(std::string(e.what()).find("closed"), std::string::npos) << e.what();
  }
  EXPECT_NE(read_file(dir.path() / "qmp.log").find("QEMU closed the monitor"), std::string::npos);
}

TEST_F(QmpSocketTest, NoGreetingIsAnError) {
  ScriptedQmp server([](const json& c, int) { return basic(c); }, "");
  auto client = client_for(server);
  try {
    client->connect(0.2);
    ADD_FAILURE() << "connected without a greeting";
  } catch (const QmpTransportError& e) {
    EXPECT_NE(std::string(e.what()).find("no greeting"), std::string::npos) << e.what();
  }
  EXPECT_NE(read_file(dir.path() / "qmp.log").find("cannot use QMP"), std::string::npos);
}

TEST_F(QmpSocketTest, ASocketNobodyServesIsNamed) {
  auto path = dir.path() / "nobody.sock";
  QmpClient client(std::make_unique<QmpSocketTransport>(path, transcript), transcript);
  try {
    client.connect(0.2);
    ADD_FAILURE() << "connected to nothing";
  } catch (const QmpTransportError& e) {
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
  }
}
