#include "lab/vm/qmp_protocol.h"

namespace famlab::vm {

using nlohmann::json;

namespace {

std::string excerpt(const std::string& line) {
  return line.size() > 200 ? line.substr(0, 200) + "..." : line;
}

[[noreturn]] void not_qmp(const std::string& line, const std::string& why) {
  throw QmpTransportError("QEMU sent something that is not QMP (" + why + "): " + excerpt(line));
}

QmpGreeting read_greeting(const json& qmp, const std::string& line) {
  if (!qmp.is_object()) not_qmp(line, "\"QMP\" is not an object");
  QmpGreeting g;
  auto v = qmp.find("version");
  if (v != qmp.end() && v->is_object()) {
    auto q = v->find("qemu");
    if (q != v->end() && q->is_object()) {
      auto num = [&](const char* key) {
        auto it = q->find(key);
        return it != q->end() && it->is_number_integer() ? std::to_string(it->get<long long>()) : "?";
      };
      g.version = num("major") + "." + num("minor") + "." + num("micro");
    }
    auto p = v->find("package");
    if (p != v->end() && p->is_string()) g.package = p->get<std::string>();
  }
  auto caps = qmp.find("capabilities");
  if (caps != qmp.end() && caps->is_array())
    for (const auto& c : *caps)
      if (c.is_string()) g.capabilities.push_back(c.get<std::string>());
  return g;
}

QmpReply read_error(const json& j, const std::string& line) {
  const json& e = j["error"];
  if (!e.is_object()) not_qmp(line, "\"error\" is not an object");
  QmpReply r;
  r.id = j.value("id", json());
  QmpErrorReply err;
  auto c = e.find("class");
  auto d = e.find("desc");
  if (c == e.end() || !c->is_string()) not_qmp(line, "an error without a class");
  err.error_class = c->get<std::string>();
  err.desc = d != e.end() && d->is_string() ? d->get<std::string>() : "";
  r.error = err;
  return r;
}

QmpEvent read_event(const json& j, const std::string& line) {
  if (!j["event"].is_string()) not_qmp(line, "an event name that is not a string");
  QmpEvent ev;
  ev.name = j["event"].get<std::string>();
  ev.data = j.value("data", json::object());
  auto ts = j.find("timestamp");
  if (ts != j.end() && ts->is_object()) {
    double s = ts->value("seconds", 0.0);
    double us = ts->value("microseconds", 0.0);
    ev.timestamp = s + us / 1e6;
  }
  return ev;
}

}  // namespace

QmpIncoming parse_qmp_line(const std::string& line) {
  json j = json::parse(line, nullptr, false);
  if (j.is_discarded()) not_qmp(line, "not JSON");
  if (!j.is_object()) not_qmp(line, "not a JSON object");
  if (j.contains("QMP")) return read_greeting(j["QMP"], line);
  if (j.contains("event")) return read_event(j, line);
  if (j.contains("error")) return read_error(j, line);
  if (j.contains("return")) {
    QmpReply r;
    r.id = j.value("id", json());
    r.value = j["return"];
    return r;
  }
  not_qmp(line, "neither a greeting, a reply nor an event");
}

json qmp_command(const std::string& name, const json& args, const json& id) {
  json c = {{"execute", name}};
  if (!args.is_null() && !(args.is_object() && args.empty())) c["arguments"] = args;
  if (!id.is_null()) c["id"] = id;
  return c;
}

json to_json(const QmpReply& reply) {
  if (reply.error) return {{"error", {{"class", reply.error->error_class}, {"desc", reply.error->desc}}}};
  return {{"return", reply.value.value_or(json::object())}};
}

json to_json(const QmpEvent& event) {
  return {{"event", event.name}, {"data", event.data}, {"timestamp", event.timestamp}};
}

}  // namespace famlab::vm
