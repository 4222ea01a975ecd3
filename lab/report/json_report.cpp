#include "lab/report/json_report.h"

#include "base/small_file.h"
#include "lab/report/splat_frames.h"

namespace famlab::report {

using nlohmann::json;

nlohmann::json to_json(const RunResult& run) {
  json scenarios = json::array();
  for (const auto& sc : run.scenarios) {
    json steps = json::array();
    for (const auto& st : sc.steps) {
      json splats = json::array();
      for (const auto& sp : st.splats) {
        json frames = json::array();
        for (const auto& f : splat_frames(sp)) frames.push_back(frame_json(f));
        splats.push_back({{"kind", sp.kind}, {"title", sp.title}, {"text", sp.text}, {"frames", frames}});
      }
      json s = {{"name", st.name},       {"action", st.action}, {"status", to_string(st.status)},
                {"seconds", st.seconds}, {"output", st.output}, {"message", st.message},
                {"splats", splats}};
      if (!st.data.is_null()) s["data"] = st.data;
      if (!st.guest.empty()) s["guest"] = st.guest;
      steps.push_back(std::move(s));
    }
    scenarios.push_back({{"name", sc.name},
                         {"file", sc.file},
                         {"kernel", sc.kernel},
                         {"kernel_release", sc.kernel_release},
                         {"topology", sc.topology},
                         {"guests", sc.guests},
                         {"backend", sc.backend},
                         {"host", sc.host},
                         {"domain", sc.domain},
                         {"attempts", sc.attempts},
                         {"status", to_string(sc.status)},
                         {"seconds", sc.seconds},
                         {"boot_to_ready_seconds", sc.boot_to_ready},
                         {"message", sc.message},
                         {"artifacts", sc.artifacts.string()},
                         {"steps", steps}});
  }
  json hosts = json::array();
  for (const auto& h : run.hosts)
    hosts.push_back({{"uri", h.uri}, {"slots", h.slots}, {"down", h.down}, {"scenarios", h.scenarios}});
  return {{"tool", "famlab"},
          {"hosts", hosts},
          {"started_at", run.started_at},
          {"seconds", run.seconds},
          {"exit_code", run.exit_code()},
          {"scenarios", scenarios}};
}

void write_json(const RunResult& run, const std::filesystem::path& file) {
  replace_file_atomically(file, to_json(run).dump(2, ' ', false, json::error_handler_t::replace) + "\n");
}

}  // namespace famlab::report
