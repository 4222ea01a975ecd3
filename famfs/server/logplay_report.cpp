#include "famfs/server/logplay_report.h"

#include <nlohmann/json.hpp>

#include "base/error.h"

namespace famlab::famfs::server {

std::string encode_logplay_report(const LogplayReport& r) {
  nlohmann::json j{{"role", r.role},         {"logplay", r.logplay},   {"new_entries", r.new_entries},
                   {"entries", r.entries},   {"log_used", r.log_used}, {"log_size", r.log_size},
                   {"log_tail", r.log_tail}, {"tail", r.tail}};
  std::string text = j.dump();
  // A tail message can be long; never more than the size probe promised.
  if (text.size() > kLogplayReportMax) {
    j["tail"] = r.tail.substr(0, 1024) + "...";
    text = j.dump();
  }
  return text;
}

LogplayReport decode_logplay_report(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) throw Error("logplay report: not a JSON object: '" + text.substr(0, 200) + "'");
  LogplayReport r;
  try {
    r.role = j.at("role").get<std::string>();
    r.logplay = j.at("logplay").get<uint64_t>();
    r.new_entries = j.at("new_entries").get<uint64_t>();
    r.entries = j.at("entries").get<uint64_t>();
    r.log_used = j.at("log_used").get<uint64_t>();
    r.log_size = j.at("log_size").get<uint64_t>();
    r.log_tail = j.at("log_tail").get<std::string>();
    r.tail = j.at("tail").get<std::string>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("logplay report: ") + e.what());
  }
  return r;
}

}  // namespace famlab::famfs::server
