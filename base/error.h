#pragma once
// Errors that say where and what. Every user-facing failure in famlab is one
// of these; main() prints it and exits 2 (usage or infrastructure).
#include <stdexcept>
#include <string>

namespace famlab {

// A place in an input file. line/column are 1-based; 0 means "whole file".
struct Location {
  std::string file;
  int line = 0;
  int column = 0;

  std::string str() const;  // "file:line:col", "file:line" or "file"
};

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
  Error(const Location& where, const std::string& what) : std::runtime_error(where.str() + ": " + what) {}
};

}  // namespace famlab
