#pragma once
// A mutation file (kernel-config/mutations/*.toml): one-line bugs planted
// in a patch series, to see whether the scenarios notice them. Each mutant
// names a patch (relative to kernel-config/), an added line of that patch
// and the line that replaces it. Parsing checks the file on its own;
// patch_mutation.h checks it against the patches.
#include <filesystem>
#include <string>
#include <vector>

#include "base/error.h"
#include "lab/topology/diagnostic.h"

namespace famlab::mutate {

// What kind of bug a mutant models; reports group by it.
const std::vector<std::string>& mutant_classes();

struct Mutant {
  std::string id;      // [A-Za-z0-9_.-]+, unique in the file
  std::string patch;   // relative to kernel-config/, e.g. "patches/common/0004-....patch"
  std::string line;    // an added line's text, compared without leading/trailing blanks
  int occurrence = 0;  // when the patch adds that text more than once: which (1-based); 0 = must be unique
  std::string replacement;  // its stand-in (the original's indentation is kept when this has none)
  std::string klass;        // one of mutant_classes()
  std::string bug;          // one line: the bug it models
  bool equivalent = false;  // behaves like the original: excluded from the score
  std::string reason;       // why it is equivalent (required then)
  Location where;           // the [[mutant]] table
};

struct MutationFile {
  std::filesystem::path file;
  std::string variant;  // the lab variant the mutants are for (the default --kernel)
  std::vector<Mutant> mutants;
};

// Every problem in the file itself, each naming file:line and the mutant.
// `out` holds what could be read.
std::vector<topology::Diagnostic> parse_mutation_file(const std::filesystem::path& file, MutationFile& out);

// parse_mutation_file, throwing the first problem.
MutationFile load_mutation_file(const std::filesystem::path& file);

}  // namespace famlab::mutate
