#pragma once
// One problem found in an input file. Checks collect all of them so
// `famlab check` can show every mistake at once; loaders throw the first.
#include <string>
#include <vector>

#include "base/error.h"

namespace famlab::topology {

struct Diagnostic {
  famlab::Location where;
  std::string message;

  std::string str() const;  // "file:line:col: message"
};

// Orders by file position (line, then column), keeping the order of
// problems found at the same place.
void sort_by_position(std::vector<Diagnostic>& diagnostics);

// Throws the first diagnostic as a famlab::Error; does nothing when empty.
void throw_first(const std::vector<Diagnostic>& diagnostics);

}  // namespace famlab::topology
