#include "lab/scenario/regex_check.h"

#include <regex>

namespace famlab::scenario {

namespace {

constexpr size_t kMaxNumberDigits = 6;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

size_t digits_from(const std::string& s, size_t i) {
  size_t n = 0;
  while (i + n < s.size() && is_digit(s[i + n])) ++n;
  return n;
}

// A back-reference (\12) or a repeat count ({3,5}) with a huge number makes
// libstdc++'s regex compiler overflow a signed integer (undefined
// behaviour) before it can report an error, so those are refused first.
bool has_huge_number(const std::string& pattern) {
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\' && i + 1 < pattern.size()) {
      if (digits_from(pattern, i + 1) > kMaxNumberDigits) return true;
      ++i;  // skip the escaped character
    } else if (pattern[i] == '{') {
      for (size_t j = i + 1; j < pattern.size() && (is_digit(pattern[j]) || pattern[j] == ','); ++j) {
        if (digits_from(pattern, j) > kMaxNumberDigits) return true;
      }
    }
  }
  return false;
}

}  // namespace

std::optional<std::string> regex_problem(const std::string& pattern) {
  if (has_huge_number(pattern)) return "a back-reference or repeat count has more than 6 digits";
  try {
    std::regex compiled(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    return e.what();
  }
  return std::nullopt;
}

}  // namespace famlab::scenario
