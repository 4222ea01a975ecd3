#include "lab/mutate/outcome.h"

namespace famlab::mutate {

using report::Status;

const char* to_string(Cell c) {
  switch (c) {
    case Cell::Killed:
      return "killed";
    case Cell::BootFailure:
      return "boot-failure";
    case Cell::Survived:
      return "survived";
    case Cell::Error:
      return "error";
    case Cell::NotRun:
      return "not-run";
  }
  return "?";
}

std::optional<Cell> cell_from_string(const std::string& s) {
  for (Cell c : {Cell::Killed, Cell::BootFailure, Cell::Survived, Cell::Error, Cell::NotRun})
    if (s == to_string(c)) return c;
  return std::nullopt;
}

bool is_kill(Cell c) { return c == Cell::Killed || c == Cell::BootFailure; }
bool is_verdict(Cell c) { return is_kill(c) || c == Cell::Survived; }

CellResult classify(const report::ScenarioResult& r) {
  CellResult out;
  out.seconds = r.seconds;
  out.artifacts = r.artifacts.string();
  out.message = r.message;
  const report::StepResult* first_bad = nullptr;
  for (const auto& s : r.steps)
    if (s.status == Status::Failed || s.status == Status::Error) {
      first_bad = &s;
      break;
    }
  if (first_bad) {
    out.step = first_bad->name;
    if (!first_bad->message.empty()) out.message = first_bad->message;
  }
  switch (r.status) {
    case Status::Passed:
      out.cell = Cell::Survived;
      out.message.clear();
      break;
    case Status::Failed:
      // The runner fails a scenario only for what the guest showed; a boot
      // step that failed is a kernel that never came up.
      out.cell = first_bad && first_bad->action == "boot" ? Cell::BootFailure : Cell::Killed;
      break;
    case Status::Error:
      out.cell = Cell::Error;
      break;
    case Status::Skipped:
      out.cell = Cell::NotRun;
      break;
  }
  return out;
}

const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::Killed:
      return "killed";
    case Verdict::Survived:
      return "survived";
    case Verdict::BuildFailure:
      return "build-failure";
    case Verdict::Incomplete:
      return "incomplete";
  }
  return "?";
}

Verdict verdict_of(bool built, const std::vector<CellResult>& cells) {
  if (!built) return Verdict::BuildFailure;
  bool complete = !cells.empty();
  for (const auto& c : cells) {
    if (is_kill(c.cell)) return Verdict::Killed;
    if (c.cell != Cell::Survived) complete = false;
  }
  return complete ? Verdict::Survived : Verdict::Incomplete;
}

}  // namespace famlab::mutate
