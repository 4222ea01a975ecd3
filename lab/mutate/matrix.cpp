#include "lab/mutate/matrix.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "base/small_file.h"

namespace fs = std::filesystem;

namespace famlab::mutate {
namespace {

using nlohmann::json;

std::string fixed1(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// One line, at most `max` characters: for tables.
std::string one_line(const std::string& s, size_t max) {
  std::string out;
  for (char c : s) out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  if (out.size() > max) out = out.substr(0, max - 3) + "...";
  return out;
}

std::string md_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|')
      out += "\\|";
    else if (c == '`')
      out += '\'';
    else
      out += c;
  }
  return out;
}

json cell_json(const CellResult& c) {
  json j = {{"outcome", to_string(c.cell)}, {"seconds", c.seconds}, {"cached", c.cached}};
  if (!c.step.empty()) j["step"] = c.step;
  if (!c.message.empty()) j["message"] = c.message;
  if (!c.artifacts.empty()) j["artifacts"] = c.artifacts;
  return j;
}

const char* build_name(Build b) {
  switch (b) {
    case Build::NotBuilt:
      return "not-built";
    case Build::Built:
      return "built";
    case Build::Failed:
      return "failed";
  }
  return "?";
}

}  // namespace

Verdict MutantRow::verdict() const { return verdict_of(build != Build::Failed, cells); }

Score score(const Matrix& m) {
  Score s;
  for (const auto& r : m.rows) {
    if (r.mutant.equivalent) {
      ++s.equivalent;
      continue;
    }
    switch (r.verdict()) {
      case Verdict::Killed:
        ++s.killed;
        break;
      case Verdict::Survived:
        ++s.survived;
        break;
      case Verdict::BuildFailure:
        ++s.build_failures;
        break;
      case Verdict::Incomplete:
        ++s.incomplete;
        break;
    }
  }
  return s;
}

std::vector<std::string> wrongly_equivalent(const Matrix& m) {
  std::vector<std::string> out;
  for (const auto& r : m.rows)
    if (r.mutant.equivalent && r.verdict() == Verdict::Killed) out.push_back(r.mutant.id);
  return out;
}

char cell_char(const MutantRow& row, size_t i) {
  if (row.build == Build::Failed) return 'C';
  if (i >= row.cells.size()) return '-';
  switch (row.cells[i].cell) {
    case Cell::Killed:
      return 'K';
    case Cell::BootFailure:
      return 'B';
    case Cell::Survived:
      return '.';
    case Cell::Error:
      return 'E';
    case Cell::NotRun:
      return '-';
  }
  return '?';
}

std::string score_line(const Matrix& m) {
  Score s = score(m);
  std::string line = "score: " + std::to_string(s.killed) + "/" + std::to_string(s.denominator()) + " killed";
  if (s.denominator()) line += " = " + fixed1(s.percent()) + "%";
  line += " (non-equivalent mutants that built; " + std::to_string(s.build_failures) +
          " build failure(s) killed by the compiler, " + std::to_string(s.equivalent) + " equivalent, " +
          std::to_string(s.incomplete) + " incomplete)";
  if (s.incomplete || m.interrupted) line += " [partial]";
  return line;
}

void print_matrix(const Matrix& m, std::ostream& out) {
  out << "kill matrix: " << m.variant << ", " << m.rows.size() << " mutant(s) x " << m.scenarios.size()
      << " scenario(s) (" << m.mutation_file << ")\n";
  for (size_t i = 0; i < m.scenarios.size(); ++i)
    out << "  " << (i < 9 ? " " : "") << i + 1 << " " << m.scenarios[i] << "\n";
  size_t idw = 2, clw = 5;
  for (const auto& r : m.rows) {
    idw = std::max(idw, r.mutant.id.size());
    clw = std::max(clw, r.mutant.klass.size());
  }
  auto pad = [](const std::string& s, size_t w) {
    return s + std::string(w > s.size() ? w - s.size() : 0, ' ');
  };
  std::string header;
  for (size_t i = 0; i < m.scenarios.size(); ++i) header += static_cast<char>('0' + (i + 1) % 10);
  out << "  " << pad("", idw) << "  " << pad("", clw) << "  " << header << "\n";
  for (const auto& r : m.rows) {
    std::string cells;
    for (size_t i = 0; i < m.scenarios.size(); ++i) cells += cell_char(r, i);
    std::string verdict = to_string(r.verdict());
    if (r.mutant.equivalent) verdict += " (equivalent)";
    out << "  " << pad(r.mutant.id, idw) << "  " << pad(r.mutant.klass, clw) << "  " << cells << "  "
        << verdict << (r.seconds > 0 ? "  " + fixed1(r.seconds) + " s" : "") << "\n";
  }
  out << "  K killed, B boot failure, . survived, C build failure, E famlab error (not a verdict), - not "
         "run\n";
  out << score_line(m) << "\n";
  for (const auto& id : wrongly_equivalent(m))
    out << "warning: mutant " << id << " is declared equivalent but was killed: check its reason\n";
  if (m.interrupted) out << "interrupted: the matrix is partial; run again to go on\n";
}

json to_json(const Matrix& m) {
  Score s = score(m);
  json rows = json::array();
  for (const auto& r : m.rows) {
    json cells = json::object();
    for (size_t i = 0; i < r.cells.size() && i < m.scenarios.size(); ++i)
      cells[m.scenarios[i]] = cell_json(r.cells[i]);
    json j = {{"id", r.mutant.id},
              {"class", r.mutant.klass},
              {"bug", r.mutant.bug},
              {"patch", r.mutant.patch},
              {"patch_line", r.patch_line},
              {"line", r.mutant.line},
              {"patch_text_line", r.old_line},
              {"mutated_line", r.new_line},
              {"equivalent", r.mutant.equivalent},
              {"kernel_key", r.kernel_key},
              {"build", build_name(r.build)},
              {"build_seconds", r.build_seconds},
              {"seconds", r.seconds},
              {"verdict", to_string(r.verdict())},
              {"cells", cells}};
    if (r.mutant.equivalent) j["reason"] = r.mutant.reason;
    if (!r.build_message.empty()) j["build_message"] = r.build_message;
    rows.push_back(std::move(j));
  }
  json baseline = json::object();
  for (size_t i = 0; i < m.baseline.size() && i < m.scenarios.size(); ++i)
    baseline[m.scenarios[i]] = cell_json(m.baseline[i]);
  return {{"tool", "famlab mutate"},
          {"variant", m.variant},
          {"mutation_file", m.mutation_file},
          {"scenarios", m.scenarios},
          {"scenario_files", m.scenario_files},
          {"started_at", m.started_at},
          {"seconds", m.seconds},
          {"interrupted", m.interrupted},
          {"stop_at_first_kill", m.stop_at_first_kill},
          {"baseline", baseline},
          {"score",
           {{"killed", s.killed},
            {"survived", s.survived},
            {"denominator", s.denominator()},
            {"percent", s.percent()},
            {"build_failures", s.build_failures},
            {"equivalent", s.equivalent},
            {"incomplete", s.incomplete},
            {"wrongly_equivalent", wrongly_equivalent(m)}}},
          {"mutants", rows}};
}

std::string to_markdown(const Matrix& m) {
  Score s = score(m);
  std::ostringstream md;
  md << "# famlab mutate: " << m.variant << "\n\n";
  md << "Mutation file `" << m.mutation_file << "`, " << m.rows.size() << " mutant(s) x "
     << m.scenarios.size() << " scenario(s), started " << m.started_at << ", " << fixed1(m.seconds) << " s"
     << (m.interrupted ? ", **interrupted (partial)**" : "") << ".\n\n";
  md << "**Score: " << s.killed << "/" << s.denominator();
  if (s.denominator()) md << " = " << fixed1(s.percent()) << " %";
  md << "** of the non-equivalent mutants that built were killed (build failures, killed by the compiler: "
     << s.build_failures << "; equivalent: " << s.equivalent << "; incomplete: " << s.incomplete << ").\n\n";
  for (const auto& id : wrongly_equivalent(m))
    md << "Warning: `" << id << "` is declared equivalent but was killed: its reason is wrong.\n\n";
  md << "Columns: ";
  for (size_t i = 0; i < m.scenarios.size(); ++i)
    md << (i ? ", " : "") << "S" << i + 1 << " `" << m.scenarios[i] << "`";
  md << ". Cells: K killed, B boot failure, . survived, C build failure, E famlab error, - not run.\n\n";
  md << "| mutant | class | verdict |";
  for (size_t i = 0; i < m.scenarios.size(); ++i) md << " S" << i + 1 << " |";
  md << " wall s | bug |\n|---|---|---|";
  for (size_t i = 0; i < m.scenarios.size(); ++i) md << "---|";
  md << "---|---|\n";
  for (const auto& r : m.rows) {
    md << "| `" << r.mutant.id << "` | " << r.mutant.klass << " | " << to_string(r.verdict())
       << (r.mutant.equivalent ? " (equivalent)" : "") << " |";
    for (size_t i = 0; i < m.scenarios.size(); ++i) md << " " << cell_char(r, i) << " |";
    md << " " << (r.seconds > 0 ? fixed1(r.seconds) : "") << " | " << md_escape(one_line(r.mutant.bug, 120))
       << " |\n";
  }
  md << "\n## Why\n\n";
  for (const auto& r : m.rows) {
    md << "### `" << r.mutant.id << "`: " << to_string(r.verdict()) << "\n\n";
    md << md_escape(r.mutant.bug) << " (" << r.mutant.klass << ")\n\n";
    md << "`" << r.mutant.patch << "` line " << r.patch_line << ":\n\n```diff\n-"
       << (r.old_line.empty() ? "+" + r.mutant.line : r.old_line) << "\n+" << r.new_line << "\n```\n\n";
    if (r.mutant.equivalent) md << "Declared equivalent: " << r.mutant.reason << "\n\n";
    if (r.build == Build::Failed) {
      md << "Does not compile:\n\n```\n" << one_line(r.build_message, 600) << "\n```\n\n";
      continue;
    }
    bool any = false;
    for (size_t i = 0; i < r.cells.size() && i < m.scenarios.size(); ++i) {
      const CellResult& c = r.cells[i];
      if (c.cell == Cell::Survived || c.cell == Cell::NotRun) continue;
      any = true;
      md << "- " << to_string(c.cell) << " by `" << m.scenarios[i] << "`"
         << (c.step.empty() ? "" : ", step `" + c.step + "`") << ": " << md_escape(one_line(c.message, 400))
         << "\n";
    }
    if (!any) {
      size_t passed = 0;
      for (const auto& c : r.cells) passed += c.cell == Cell::Survived;
      if (r.verdict() == Verdict::Survived)
        md << "- no scenario noticed it (" << passed << " passed)\n";
      else
        md << "- no kill yet: " << passed << " of " << m.scenarios.size() << " scenario(s) ran and passed\n";
    }
    md << "\n";
  }
  return md.str();
}

void write_reports(const Matrix& m, const fs::path& dir) {
  fs::create_directories(dir);
  replace_file_atomically(dir / "mutate-report.json",
                          to_json(m).dump(2, ' ', false, json::error_handler_t::replace) + "\n");
  replace_file_atomically(dir / "mutate-report.md", to_markdown(m));
}

}  // namespace famlab::mutate
