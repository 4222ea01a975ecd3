#include "lab/topology/toml_table.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "base/units.h"

namespace famlab::topology {

namespace {

std::string type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a floating-point number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    default:
      return "nothing";
  }
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

famlab::Location location_of(const toml::node& node, const std::string& file) {
  const auto& begin = node.source().begin;
  return famlab::Location{file, static_cast<int>(begin.line), static_cast<int>(begin.column)};
}

std::optional<toml::table> parse_toml_file(const std::filesystem::path& path, std::vector<Diagnostic>& out) {
  const std::string file = path.string();
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    out.push_back({famlab::Location{file}, "cannot read the file (missing or unreadable)"});
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();
  try {
    return toml::parse(text.str(), std::string_view(file));
  } catch (const toml::parse_error& e) {
    const auto& begin = e.source().begin;
    out.push_back({famlab::Location{file, static_cast<int>(begin.line), static_cast<int>(begin.column)},
                   "TOML syntax error: " + std::string(e.description())});
    return std::nullopt;
  }
}

TomlTable::TomlTable(const toml::table& table, std::string file, std::string what,
                     std::vector<Diagnostic>& out)
    : table_(table), file_(std::move(file)), what_(std::move(what)), out_(out) {}

famlab::Location TomlTable::where() const { return location_of(table_, file_); }

namespace {

// A key's own position; toml++ leaves it empty for some keys, then the value's.
famlab::Location key_location(const toml::key& key, const toml::node& value, const std::string& file) {
  const auto& begin = key.source().begin;
  if (begin.line == 0) return location_of(value, file);
  return famlab::Location{file, static_cast<int>(begin.line), static_cast<int>(begin.column)};
}

}  // namespace

famlab::Location TomlTable::where(std::string_view key) const {
  auto it = table_.find(key);
  if (it == table_.end()) return where();
  return key_location(it->first, it->second, file_);
}

std::vector<std::pair<std::string, famlab::Location>> TomlTable::subkey_locations(
    std::string_view key) const {
  std::vector<std::pair<std::string, famlab::Location>> out;
  const toml::node* node = table_.get(key);
  if (const toml::table* sub = node ? node->as_table() : nullptr) {
    for (auto&& [k, v] : *sub) out.emplace_back(std::string(k.str()), key_location(k, v, file_));
  }
  return out;
}

KeyLocations TomlTable::locations() const {
  KeyLocations result;
  result.table = where();
  for (auto&& [key, value] : table_) result.keys[std::string(key.str())] = where(key.str());
  result.rejected.insert(rejected_.begin(), rejected_.end());
  result.incomplete = unknown_ > 0;
  return result;
}

std::vector<famlab::Location> TomlTable::item_locations(std::string_view key) const {
  std::vector<famlab::Location> out;
  const toml::node* node = table_.get(key);
  if (const toml::array* array = node ? node->as_array() : nullptr) {
    for (const toml::node& item : *array) out.push_back(location_of(item, file_));
  }
  return out;
}

bool TomlTable::holds_table(std::string_view key) const {
  const toml::node* node = table_.get(key);
  return node && node->is_table();
}

bool TomlTable::has(std::string_view key) const { return table_.contains(key); }

const toml::node* TomlTable::find(std::string_view key) {
  known_.insert(std::string(key));
  return table_.get(key);
}

void TomlTable::error(std::string_view key, const std::string& message) {
  out_.push_back({where(key), message});
  reject(key);
}

void TomlTable::reject(std::string_view key) { rejected_.insert(std::string(key)); }

void TomlTable::error_here(const std::string& message) { out_.push_back({where(), message}); }

void TomlTable::wrong_type(std::string_view key, const toml::node& node, const std::string& expected) {
  error(key, "'" + std::string(key) + "' in " + what_ + " must be " + expected + ", not " + type_name(node));
}

std::optional<std::string> TomlTable::get_string(std::string_view key) {
  const toml::node* node = find(key);
  if (!node) return std::nullopt;
  if (!node->is_string()) {
    wrong_type(key, *node, "a string");
    return std::nullopt;
  }
  return node->as_string()->get();
}

std::optional<std::string> TomlTable::required_string(std::string_view key) {
  if (!has(key)) {
    known_.insert(std::string(key));
    error_here(what_ + " needs '" + std::string(key) + "'");
    reject(key);
    return std::nullopt;
  }
  return get_string(key);
}

std::optional<int64_t> TomlTable::get_integer(std::string_view key, int64_t min, int64_t max) {
  const toml::node* node = find(key);
  if (!node) return std::nullopt;
  if (!node->is_integer()) {
    wrong_type(key, *node, "an integer");
    return std::nullopt;
  }
  int64_t value = node->as_integer()->get();
  if (value < min || value > max) {
    error(key, "'" + std::string(key) + "' = " + std::to_string(value) + " is out of range (" +
                   std::to_string(min) + ".." + std::to_string(max) + ")");
    return std::nullopt;
  }
  return value;
}

std::optional<bool> TomlTable::get_bool(std::string_view key) {
  const toml::node* node = find(key);
  if (!node) return std::nullopt;
  if (!node->is_boolean()) {
    wrong_type(key, *node, "true or false");
    return std::nullopt;
  }
  return node->as_boolean()->get();
}

std::optional<uint64_t> TomlTable::get_size(std::string_view key) {
  const toml::node* node = find(key);
  if (!node) return std::nullopt;
  if (node->is_integer()) {
    int64_t value = node->as_integer()->get();
    if (value < 0) {
      error(key, "'" + std::string(key) + "' must not be negative");
      return std::nullopt;
    }
    return static_cast<uint64_t>(value);
  }
  if (!node->is_string()) {
    wrong_type(key, *node, "a size like \"256M\" or a number of bytes");
    return std::nullopt;
  }
  const std::string& text = node->as_string()->get();
  auto value = famlab::parse_size(text);
  if (!value) {
    error(key, "'" + std::string(key) + "' = \"" + text +
                   "\" is not a size (examples: \"256M\", \"4G\", \"4096\")");
  }
  return value;
}

std::optional<double> TomlTable::get_seconds(std::string_view key) {
  const toml::node* node = find(key);
  if (!node) return std::nullopt;
  double value = 0;
  if (node->is_integer()) {
    value = static_cast<double>(node->as_integer()->get());
  } else if (node->is_floating_point()) {
    value = node->as_floating_point()->get();
  } else {
    wrong_type(key, *node, "a number of seconds");
    return std::nullopt;
  }
  if (!(value > 0) || !std::isfinite(value)) {
    error(key, "'" + std::string(key) + "' must be a positive number of seconds");
    return std::nullopt;
  }
  return value;
}

std::optional<std::vector<std::string>> TomlTable::get_strings(std::string_view key) {
  const toml::node* node = find(key);
  if (!node) return std::nullopt;
  const toml::array* array = node->as_array();
  if (!array) {
    wrong_type(key, *node, "an array of strings");
    return std::nullopt;
  }
  std::vector<std::string> result;
  for (size_t i = 0; i < array->size(); ++i) {
    const toml::node& item = *array->get(i);
    if (!item.is_string()) {
      out_.push_back({location_of(item, file_), "'" + std::string(key) + "' in " + what_ +
                                                    " must hold only strings; item " + std::to_string(i) +
                                                    " is " + type_name(item)});
      reject(key);
      return std::nullopt;
    }
    result.push_back(item.as_string()->get());
  }
  return result;
}

const toml::array* TomlTable::get_table_array(std::string_view key) {
  const toml::node* node = find(key);
  if (!node) return nullptr;
  const toml::array* array = node->as_array();
  if (!array || !array->is_array_of_tables()) {
    error(key, "'" + std::string(key) + "' must be written as [[" + std::string(key) + "]] tables, not " +
                   type_name(*node));
    return nullptr;
  }
  return array;
}

const toml::table* TomlTable::get_table(std::string_view key) {
  const toml::node* node = find(key);
  if (!node) return nullptr;
  if (!node->is_table()) {
    error(key,
          "'" + std::string(key) + "' must be a [" + std::string(key) + "] table, not " + type_name(*node));
    return nullptr;
  }
  return node->as_table();
}

int TomlTable::report_unknown_keys() {
  int unknown = 0;
  for (auto&& [key, value] : table_) {
    std::string name(key.str());
    if (known_.count(name)) continue;
    std::string message = "unknown key '" + name + "' in " + what_;
    std::string best;
    size_t best_distance = 3;  // suggest only near misses (typos)
    for (const auto& candidate : known_) {
      size_t d = edit_distance(name, candidate);
      if (d < best_distance) {
        best_distance = d;
        best = candidate;
      }
    }
    if (!best.empty()) message += " (did you mean '" + best + "'?)";
    out_.push_back({where(name), message});
    ++unknown;
  }
  unknown_ += unknown;
  return unknown;
}

}  // namespace famlab::topology
