#include "lab/vm/qmp_protocol.h"

#include <gtest/gtest.h>

using namespace famlab::vm;
using nlohmann::json;

TEST(QmpProtocol, Greeting) {
  auto in = parse_qmp_line(
      R"({"QMP": {"version": {"qemu": {"micro": 2, "minor": 0, "major": 10}, "package": "Debian 1:10.0.2"},)"
      R"( "capabilities": ["oob"]}})");
  auto* g = std::get_if<QmpGreeting>(&in);
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->version, "10.0.2");
  EXPECT_EQ(g->package, "Debian 1:10.0.2");
  EXPECT_EQ(g->capabilities, std::vector<std::string>{"oob"});
}

TEST(QmpProtocol, ReturnAndErrorReplies) {
  auto ok = std::get<QmpReply>(parse_qmp_line(R"({"return": {}, "id": "famlab-3"})"));
  EXPECT_TRUE(ok.ok());
  EXPECT_EQ(ok.id, "famlab-3");
  EXPECT_EQ(*ok.value, json::object());

  auto bad = std::get<QmpReply>(parse_qmp_line(
      R"({"id": "famlab-4", "error": {"class": "GenericError", "desc": "Unable to resolve path"}})"));
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.error->error_class, "GenericError");
  EXPECT_EQ(bad.error->desc, "Unable to resolve path");
  EXPECT_EQ(to_json(bad),
            json::parse(R"({"error": {"class": "GenericError", "desc": "Unable to resolve path"}})"));

  // A line QEMU could not parse is answered without an id.
  auto noid = std::get<QmpReply>(
      parse_qmp_line(R"({"error": {"class": "GenericError", "desc": "JSON parse error"}})"));
  EXPECT_TRUE(noid.id.is_null());
}

TEST(QmpProtocol, Event) {
  auto ev = std::get<QmpEvent>(
      parse_qmp_line(R"({"timestamp": {"seconds": 1700000000, "microseconds": 500000}, "event": "STOP"})"));
  EXPECT_EQ(ev.name, "STOP");
  EXPECT_EQ(ev.data, json::object());
  EXPECT_DOUBLE_EQ(ev.timestamp, 1700000000.5);
}

TEST(QmpProtocol, WhatIsNotQmpIsAnErrorSayingSo) {
  for (const char* line :
       {"not json", "[1,2]", R"({"hello": 1})", R"({"error": "x"})", R"({"error": {}})", R"({"event": 7})"}) {
    try {
      parse_qmp_line(line);
      ADD_FAILURE() << "accepted " << line;
    } catch (const QmpTransportError& e) {
      EXPECT_NE(std::string(e.what()).find("not QMP"), std::string::npos) << e.what();
    }
  }
}

TEST(QmpProtocol, CommandShape) {
  EXPECT_EQ(qmp_command("query-commands", json::object(), "famlab-1"),
            json::parse(R"({"execute": "query-commands", "id": "famlab-1"})"));
  EXPECT_EQ(qmp_command("cxl-inject-poison", {{"path", "/machine/peripheral/mem0"}, {"start", 64}}, json()),
            json::parse(R"({"execute": "cxl-inject-poison",
                            "arguments": {"path": "/machine/peripheral/mem0", "start": 64}})"));
}
