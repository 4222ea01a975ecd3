#pragma once
// Kconfig silently drops an option whose dependencies are not met, so a
// fragment can ask for CXL_ACPI and the kernel can still come out without
// it. These functions compare what the fragments asked for with the .config
// that olddefconfig produced.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "base/error.h"

namespace famlab::kernel {

// One line of a fragment: CONFIG_X=value, or "# CONFIG_X is not set"
// (value "n").
struct RequestedOption {
  std::string name;   // "CONFIG_CXL_ACPI"
  std::string value;  // "y", "m", "n", "4", "\"text\""
  Location where;     // fragment file:line
};

// Parses a fragment. Blank lines and other comments are skipped; anything
// else is an error naming the line.
// `shown_as` names the file in errors and locations (default: its path).
std::vector<RequestedOption> parse_fragment(const std::filesystem::path& fragment,
                                            const std::string& shown_as = {});
std::vector<RequestedOption> parse_fragment_text(const std::string& text, const std::string& file);

// Parses a .config into name -> value; "is not set" becomes "n".
std::map<std::string, std::string> parse_config_text(const std::string& text);
std::map<std::string, std::string> parse_config(const std::filesystem::path& config);

// One line per requested option the config does not honour, e.g.
// "CONFIG_CXL_ACPI=y (kernel-config/cxl.config:5) is not set in the result".
// When fragments repeat an option the last one wins, as in merge_config.sh.
std::vector<std::string> dropped_options(const std::vector<RequestedOption>& requested,
                                         const std::map<std::string, std::string>& config);

// Throw an Error naming every dropped option; `config` is the built .config.
void check_options_survived(const std::vector<RequestedOption>& requested,
                            const std::filesystem::path& config);
void check_fragments_survived(const std::vector<std::filesystem::path>& fragments,
                              const std::filesystem::path& config);

}  // namespace famlab::kernel
