#pragma once
// Whether an expect_output/reject_output pattern is a usable ECMAScript
// regex, checked at load so a typo fails before a VM boots.
#include <optional>
#include <string>

namespace famlab::scenario {

// nullopt when `pattern` compiles; otherwise why not.
std::optional<std::string> regex_problem(const std::string& pattern);

}  // namespace famlab::scenario
