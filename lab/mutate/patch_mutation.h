#pragma once
// Planting a mutant in its patch: the patch's added line that the mutant
// names is replaced by the mutant's line, nothing else changes (hunk line
// counts stay right, so the patch still applies). The line must be exactly
// one added line of that patch; later patches that quote it as context get
// the mutated line there too, and none may remove it.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "lab/mutate/mutation_file.h"
#include "lab/topology/diagnostic.h"

namespace famlab::mutate {

// A line of a hunk: ' ' context, '-' removed, '+' added.
struct HunkLine {
  int number = 0;  // 1-based line in the patch file
  char kind = ' ';
  std::string file;  // the file the hunk changes (from "+++ b/...")
  std::string text;  // without the kind character
};

// Every hunk line of a unified diff, in order; headers and prose are skipped.
std::vector<HunkLine> hunk_lines(const std::string& patch_text);

// Whitespace at both ends removed: how mutant lines are compared.
std::string trim_blanks(const std::string& s);

struct PlantedMutant {
  std::string patch_text;  // the whole patch with the one line replaced
  int patch_line = 0;      // which line of the patch changed
  std::string old_line;    // the added line as the patch has it (with its '+')
  std::string new_line;    // the added line as it now reads (with its '+')
};

// Plants `m` in `patch_text` (the contents of `patch_file`). No added line,
// or more than one, matching the mutant's line is an Error at the mutant's
// place in the mutation file, naming the mutant (and the candidates); a
// text the patch adds several times needs the mutant's `occurrence`.
PlantedMutant plant_mutant(const Mutant& m, const std::string& patch_text, const std::string& patch_file);

// The patch texts that make `m` in a variant's series (patch paths as
// Variant::patches holds them): its patch with the line replaced, and any
// later patch of the same file that quotes the line as context with the
// mutated line in that context (so the series still applies). Errors at
// the mutant: its patch not in the series, no or several matching added
// lines, a later patch that removes the line. `planted` receives the change.
std::map<std::filesystem::path, std::string> plant_in_series(const Mutant& m,
                                                             const std::filesystem::path& config_dir,
                                                             const std::vector<std::filesystem::path>& series,
                                                             PlantedMutant* planted);

// plant_in_series for every mutant of `file`: every problem as file:line + mutant.
std::vector<topology::Diagnostic> check_against_series(const MutationFile& file,
                                                       const std::filesystem::path& config_dir,
                                                       const std::vector<std::filesystem::path>& series);

// The series entry a mutant's patch (relative to `config_dir`) names, or "" if none.
std::filesystem::path series_patch(const Mutant& m, const std::filesystem::path& config_dir,
                                   const std::vector<std::filesystem::path>& series);

}  // namespace famlab::mutate
