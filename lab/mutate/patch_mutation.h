#pragma once
// Planting a mutant in its patch: the patch's added line that the mutant
// names is replaced by the mutant's line, nothing else changes (hunk line
// counts stay right, so the patch still applies). The line must be exactly
// one added line of that patch, and no later patch of the series may use it
// as context or remove it (the series would then no longer apply).
#include <filesystem>
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

// Checks every mutant of `file` against a variant's series (patch paths as
// Variant::patches holds them): its patch is in the series and exists, the
// line is exactly one added line there, and no later patch of the series
// uses it as context or removes it. Every problem is file:line + mutant.
std::vector<topology::Diagnostic> check_against_series(const MutationFile& file,
                                                       const std::filesystem::path& config_dir,
                                                       const std::vector<std::filesystem::path>& series);

// The series entry a mutant's patch (relative to `config_dir`) names, or "" if none.
std::filesystem::path series_patch(const Mutant& m, const std::filesystem::path& config_dir,
                                   const std::vector<std::filesystem::path>& series);

}  // namespace famlab::mutate
