#pragma once
// Reads the keys of one TOML table for the topology and scenario parsers.
// A wrong type, a bad value or an unknown key becomes a Diagnostic at that
// key's line instead of an exception, so one pass finds every mistake.
#ifndef TOML_HEADER_ONLY
#define TOML_HEADER_ONLY 0  // the installed toml++ is the compiled library
#endif
#include <toml++/toml.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "lab/topology/diagnostic.h"
#include "lab/topology/model.h"

namespace famlab::topology {

// Where a toml++ node starts, as a famlab::Location in `file`.
famlab::Location location_of(const toml::node& node, const std::string& file);

// Parses a whole file. On a read or syntax error adds a Diagnostic (with
// toml++'s position) and returns nullopt.
std::optional<toml::table> parse_toml_file(const std::filesystem::path& path, std::vector<Diagnostic>& out);

class TomlTable {
 public:
  // `what` names the table in messages, e.g. "[[device]]" or "the topology".
  TomlTable(const toml::table& table, std::string file, std::string what, std::vector<Diagnostic>& out);

  famlab::Location where() const;
  famlab::Location where(std::string_view key) const;  // the key's, else the table's
  // Where each key is, and which values were refused or may be missing
  // (call it after reading every key and report_unknown_keys).
  KeyLocations locations() const;
  // Where each item of the array `key` is (empty when it is not an array).
  std::vector<famlab::Location> item_locations(std::string_view key) const;
  // Where each key of the table `key` (e.g. an inline table) is.
  std::vector<std::pair<std::string, famlab::Location>> subkey_locations(std::string_view key) const;
  bool has(std::string_view key) const;
  // The key is present and holds a table (keys that take a string or a table).
  bool holds_table(std::string_view key) const;

  // Each getter marks the key as known; nullopt when absent or bad (then a
  // Diagnostic says why).
  std::optional<std::string> get_string(std::string_view key);
  std::optional<std::string> required_string(std::string_view key);
  std::optional<int64_t> get_integer(std::string_view key, int64_t min, int64_t max);
  std::optional<bool> get_bool(std::string_view key);
  // A size: "256M", "4G", "4096" or an integer number of bytes.
  std::optional<uint64_t> get_size(std::string_view key);
  std::optional<double> get_seconds(std::string_view key);  // > 0, integer or float
  std::optional<std::vector<std::string>> get_strings(std::string_view key);
  // [[key]]: the array of tables; nullptr when absent or not an array of tables.
  const toml::array* get_table_array(std::string_view key);
  // [key]: the table; nullptr when absent or not a table.
  const toml::table* get_table(std::string_view key);
  // The value whatever its type (keys that take any TOML value); nullptr
  // when absent.
  const toml::node* get_node(std::string_view key) { return find(key); }

  // A problem with the key's value: reported at the key, and the key is
  // marked rejected so checks built on it stay quiet.
  void error(std::string_view key, const std::string& message);
  void error_here(const std::string& message);
  // Marks a key rejected without a message of its own (a table-level
  // problem already said it, e.g. "has no capacity").
  void reject(std::string_view key);

  // Reports every key no getter asked for, with the closest known key.
  // Returns how many there were.
  int report_unknown_keys();

 private:
  const toml::node* find(std::string_view key);
  void wrong_type(std::string_view key, const toml::node& node, const std::string& expected);

  const toml::table& table_;
  std::string file_;
  std::string what_;
  std::vector<Diagnostic>& out_;
  std::set<std::string, std::less<>> known_;
  std::set<std::string, std::less<>> rejected_;
  int unknown_ = 0;
};

}  // namespace famlab::topology
