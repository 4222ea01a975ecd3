#pragma once
// The kill matrix (mutant x scenario) as plain data, its score, and its
// three renderings: the terminal matrix, mutate-report.json and
// mutate-report.md (with, per mutant, why it was killed).
#include <filesystem>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "lab/mutate/mutation_file.h"
#include "lab/mutate/outcome.h"

namespace famlab::mutate {

enum class Build { NotBuilt, Built, Failed };

struct MutantRow {
  Mutant mutant;
  int patch_line = 0;      // the line of the patch it changes
  std::string old_line;    // that line as the patch has it (with its '+')
  std::string new_line;    // that line as the mutant has it (with its '+')
  std::string kernel_key;  // content hash of the mutant's kernel build
  Build build = Build::NotBuilt;
  std::string build_message;      // why it did not compile (the log's tail), and the log
  double build_seconds = 0;       // this run's build (0 when cached)
  double seconds = 0;             // this run's wall time for the mutant: build + scenarios
  std::vector<CellResult> cells;  // one per scenario, in the matrix's order
  Verdict verdict() const;
};

struct Score {
  int killed = 0;          // non-equivalent, built, killed by a scenario
  int survived = 0;        // non-equivalent, built, every scenario passed
  int build_failures = 0;  // killed by the compiler: outside the score
  int equivalent = 0;      // declared equivalent: outside the score
  int incomplete = 0;      // no kill yet and not every scenario ran: outside the score
  int denominator() const { return killed + survived; }
  double percent() const { return denominator() ? 100.0 * killed / denominator() : 0; }
};

struct Matrix {
  std::string variant;
  std::string mutation_file;
  std::vector<std::string> scenarios;       // names, the columns
  std::vector<std::string> scenario_files;  // their files
  std::vector<CellResult> baseline;         // the unmutated variant, per scenario
  std::vector<MutantRow> rows;
  std::string started_at;
  double seconds = 0;
  bool interrupted = false;
  bool stop_at_first_kill = false;
};

Score score(const Matrix& m);

// Equivalent mutants that a scenario killed anyway: their declaration is wrong.
std::vector<std::string> wrongly_equivalent(const Matrix& m);

// The one-character cell of the terminal matrix: K killed, B boot failure,
// . survived, E error, - not run, C (every cell) build failure.
char cell_char(const MutantRow& row, size_t scenario);

void print_matrix(const Matrix& m, std::ostream& out);
std::string score_line(const Matrix& m);
nlohmann::json to_json(const Matrix& m);
std::string to_markdown(const Matrix& m);

// mutate-report.json and mutate-report.md in `dir`, each replaced whole.
void write_reports(const Matrix& m, const std::filesystem::path& dir);

}  // namespace famlab::mutate
