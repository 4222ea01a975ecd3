#include "lab/kernel/config_check.h"

#include <fstream>
#include <regex>
#include <sstream>

namespace famlab::kernel {
namespace {

const std::regex kSetLine(R"(^(CONFIG_[A-Za-z0-9_]+)=(.*)$)");
const std::regex kUnsetLine(R"(^# (CONFIG_[A-Za-z0-9_]+) is not set$)");

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

std::string describe(const std::string& value) { return value == "n" ? " is not set" : "=" + value; }

}  // namespace

std::vector<RequestedOption> parse_fragment_text(const std::string& text, const std::string& file) {
  std::vector<RequestedOption> out;
  std::istringstream in(text);
  std::string raw;
  int line = 0;
  while (std::getline(in, raw)) {
    ++line;
    std::string s = trim(raw);
    std::smatch m;
    if (std::regex_match(s, m, kUnsetLine)) {
      out.push_back({m[1], "n", Location{file, line}});
    } else if (std::regex_match(s, m, kSetLine)) {
      std::string value = m[2];
      if (value.empty()) throw Error(Location{file, line}, m[1].str() + " has no value");
      out.push_back({m[1], value, Location{file, line}});
    } else if (!s.empty() && s[0] != '#') {
      throw Error(Location{file, line},
                  "not a config line (expected CONFIG_X=value or '# CONFIG_X is not set'): " + s);
    }
  }
  return out;
}

std::vector<RequestedOption> parse_fragment(const std::filesystem::path& fragment,
                                            const std::string& shown_as) {
  std::string name = shown_as.empty() ? fragment.string() : shown_as;
  std::ifstream in(fragment);
  if (!in) throw Error(Location{name}, "cannot read kernel config fragment");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_fragment_text(ss.str(), name);
}

std::map<std::string, std::string> parse_config_text(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  std::string raw;
  while (std::getline(in, raw)) {
    std::string s = trim(raw);
    std::smatch m;
    if (std::regex_match(s, m, kUnsetLine))
      out[m[1]] = "n";
    else if (std::regex_match(s, m, kSetLine))
      out[m[1]] = m[2];
  }
  return out;
}

std::map<std::string, std::string> parse_config(const std::filesystem::path& config) {
  std::ifstream in(config);
  if (!in) throw Error(Location{config.string()}, "cannot read the kernel .config");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_config_text(ss.str());
}

std::vector<std::string> dropped_options(const std::vector<RequestedOption>& requested,
                                         const std::map<std::string, std::string>& config) {
  // Last request wins, but report in fragment order.
  std::map<std::string, size_t> last;
  for (size_t i = 0; i < requested.size(); ++i) last[requested[i].name] = i;

  std::vector<std::string> out;
  for (size_t i = 0; i < requested.size(); ++i) {
    const RequestedOption& r = requested[i];
    if (last[r.name] != i) continue;
    auto it = config.find(r.name);
    // Kconfig omits an option whose menu is hidden: that means "not set".
    std::string got = it == config.end() ? "n" : it->second;
    if (got == r.value) continue;
    std::string why = r.value == "n" ? "another option selects it"
                                     : "a dependency is missing, or the option is not user-selectable";
    out.push_back(r.name + describe(r.value) + " (" + r.where.str() + ") " +
                  (got == "n" ? "is not set in the result" : "became " + r.name + describe(got)) + " (" +
                  why + ")");
  }
  return out;
}

void check_options_survived(const std::vector<RequestedOption>& requested,
                            const std::filesystem::path& config) {
  auto dropped = dropped_options(requested, parse_config(config));
  if (dropped.empty()) return;
  std::string msg = config.string() + ": " + std::to_string(dropped.size()) +
                    " option(s) from the fragments did not survive olddefconfig:";
  for (const auto& d : dropped) msg += "\n  " + d;
  throw Error(msg);
}

void check_fragments_survived(const std::vector<std::filesystem::path>& fragments,
                              const std::filesystem::path& config) {
  std::vector<RequestedOption> requested;
  for (const auto& f : fragments) {
    auto opts = parse_fragment(f);
    requested.insert(requested.end(), opts.begin(), opts.end());
  }
  check_options_survived(requested, config);
}

}  // namespace famlab::kernel
