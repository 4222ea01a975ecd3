#pragma once
// Live lines on the terminal: one per step as it ends, one per scenario,
// and a summary. Plain ASCII so CI logs read well. Safe to share between
// threads: every call writes its lines whole.
#include <filesystem>
#include <mutex>
#include <ostream>
#include <string>

#include "lab/report/results.h"

namespace famlab::report {

class Terminal {
 public:
  explicit Terminal(std::ostream& out) : out_(out) {}
  void info(const std::string& line);
  void scenario_start(const ScenarioResult& sc);
  void step_done(const StepResult& st);
  void scenario_done(const ScenarioResult& sc);
  void summary(const RunResult& run, const std::filesystem::path& report_dir);
  // Text as it is (another Terminal's buffered lines), in one piece.
  void raw(const std::string& text);

 private:
  std::ostream& out_;
  std::mutex mu_;
};

}  // namespace famlab::report
