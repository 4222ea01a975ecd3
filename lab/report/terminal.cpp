#include "lab/report/terminal.h"

#include <cstdio>

#include "lab/report/splat_frames.h"

namespace famlab::report {
namespace {

const char* tag(Status s) {
  switch (s) {
    case Status::Passed:
      return "PASS ";
    case Status::Failed:
      return "FAIL ";
    case Status::Error:
      return "ERROR";
    case Status::Skipped:
      return "SKIP ";
  }
  return "?    ";
}

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

}  // namespace

void Terminal::info(const std::string& line) {
  std::lock_guard<std::mutex> lk(mu_);
  out_ << "famlab: " << line << std::endl;
}

void Terminal::raw(const std::string& text) {
  std::lock_guard<std::mutex> lk(mu_);
  out_ << text << std::flush;
}

void Terminal::scenario_start(const ScenarioResult& sc) {
  std::lock_guard<std::mutex> lk(mu_);
  out_ << "== " << sc.name << " [" << sc.kernel << "] topology " << sc.topology << " (" << sc.backend
       << (sc.host.empty() ? "" : " " + sc.host) << ")" << std::endl;
}

void Terminal::step_done(const StepResult& st) {
  std::lock_guard<std::mutex> lk(mu_);
  char line[256];
  std::string name = st.guest.empty() ? st.name : st.name + " [" + st.guest + "]";
  std::snprintf(line, sizeof line, "   %s %-28s %7.2f s", tag(st.status), name.c_str(), st.seconds);
  out_ << line;
  if (!st.message.empty()) out_ << "  " << first_line(st.message);
  for (const auto& sp : st.splats) {
    out_ << "\n         kernel " << sp.kind << ": " << sp.title;
    for (const auto& f : key_frames(sp, 3)) out_ << "\n           at " << frame_text(f);
  }
  out_ << std::endl;
}

void Terminal::scenario_done(const ScenarioResult& sc) {
  std::lock_guard<std::mutex> lk(mu_);
  char line[256];
  std::snprintf(line, sizeof line, "%s %s [%s] %.1f s (ready %.2f s)", tag(sc.status), sc.name.c_str(),
                sc.kernel.c_str(), sc.seconds, sc.boot_to_ready);
  out_ << line;
  if (!sc.host.empty()) out_ << " on " << sc.host;
  if (sc.status != Status::Passed && !sc.message.empty()) out_ << ": " << first_line(sc.message);
  out_ << std::endl;
  for (const auto& a : sc.attempts)
    if (sc.message.find(first_line(a)) == std::string::npos)
      out_ << "   not run on " << first_line(a) << std::endl;
  if (sc.status != Status::Passed && !sc.artifacts.empty())
    out_ << "   artifacts: " << sc.artifacts.string() << std::endl;
}

void Terminal::summary(const RunResult& run, const std::filesystem::path& report_dir) {
  std::lock_guard<std::mutex> lk(mu_);
  for (const auto& h : run.hosts) {
    out_ << "host " << h.uri << ": " << h.scenarios.size() << " scenario(s)";
    if (!h.down.empty()) out_ << ", DOWN: " << first_line(h.down);
    out_ << std::endl;
  }
  int counts[4] = {0, 0, 0, 0};
  for (const auto& sc : run.scenarios) ++counts[static_cast<int>(sc.status)];
  char line[256];
  std::snprintf(line, sizeof line, "%d passed, %d failed, %d errors, %d skipped in %.1f s", counts[0],
                counts[1], counts[2], counts[3], run.seconds);
  out_ << line << "\nreport: " << (report_dir / "junit.xml").string() << ", "
       << (report_dir / "report.json").string() << std::endl;
}

}  // namespace famlab::report
