#include "famfs/server/saved_fmap.h"

#include <charconv>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "base/error.h"
#include "base/hex.h"
#include "base/small_file.h"

namespace famlab::famfs::server {
namespace {

constexpr const char* kMagic = "famfs-saved-fmap";
constexpr const char* kRequired[] = {"seed", "index", "abi", "file_size", "device_size", "reply"};

uint64_t number(const std::string& value, const Location& where, const std::string& key) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc() || end != value.data() + value.size() || value.empty())
    throw Error(where, key + " '" + value + "' is not a decimal number below 2^64");
  return v;
}

std::vector<uint8_t> from_hex(const std::string& text, const Location& where) {
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (text.size() % 2)
    throw Error(where, "reply has an odd number of hex digits (" + std::to_string(text.size()) + ")");
  std::vector<uint8_t> out(text.size() / 2);
  for (size_t i = 0; i < text.size(); i += 2) {
    int hi = digit(text[i]), lo = digit(text[i + 1]);
    if (hi < 0 || lo < 0) {
      Location at = where;
      at.column = static_cast<int>(i + (hi < 0 ? 0 : 1)) + 7;  // after "reply "
      throw Error(at, "reply: '" + std::string(1, text[i + (hi < 0 ? 0 : 1)]) + "' is not a hex digit");
    }
    out[i / 2] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return out;
}

}  // namespace

std::string encode_saved_fmap(const SavedFmap& s) {
  std::ostringstream o;
  o << "# A GET_FMAP reply saved by famfs; replay: famfs mount --replay-fmap THIS DEVICE MOUNTPOINT\n"
    << kMagic << " 1\n"
    << "seed " << s.seed << "\n"
    << "index " << s.index << "\n"
    << "abi " << s.abi << "\n"
    << "file_size " << s.file_size << "\n"
    << "device_size " << s.device_size << "\n";
  if (!s.recipe.empty()) o << "recipe " << s.recipe << "\n";
  if (!s.observed.empty()) o << "observed " << s.observed << "\n";
  o << "reply " << hex_bytes(s.reply.data(), s.reply.size()) << "\n";
  return o.str();
}

SavedFmap decode_saved_fmap(const std::string& text, const std::string& file) {
  SavedFmap s;
  std::set<std::string> seen;
  std::istringstream in(text);
  std::string line;
  int n = 0;
  bool magic = false;
  while (std::getline(in, line)) {
    ++n;
    const Location where{file, n};
    if (line.empty() || line[0] == '#') continue;
    size_t space = line.find(' ');
    std::string key = line.substr(0, space);
    std::string value = space == std::string::npos ? "" : line.substr(space + 1);
    if (!magic) {
      if (key != kMagic || value != "1")
        throw Error(where, "not a saved famfs map (the first line must be '" + std::string(kMagic) + " 1')");
      magic = true;
      continue;
    }
    if (!seen.insert(key).second) throw Error(where, "'" + key + "' given twice");
    if (key == "seed")
      s.seed = number(value, where, key);
    else if (key == "index")
      s.index = number(value, where, key);
    else if (key == "abi")
      s.abi = value;
    else if (key == "file_size")
      s.file_size = number(value, where, key);
    else if (key == "device_size")
      s.device_size = number(value, where, key);
    else if (key == "recipe")
      s.recipe = value;
    else if (key == "observed")
      s.observed = value;
    else if (key == "reply")
      s.reply = from_hex(value, where);
    else
      throw Error(where, "unknown key '" + key +
                             "' (seed, index, abi, file_size, device_size, recipe, observed, reply)");
  }
  if (!magic) throw Error(Location{file}, "empty: not a saved famfs map");
  for (const char* key : kRequired)
    if (!seen.count(key)) throw Error(Location{file}, "'" + std::string(key) + "' is missing");
  return s;
}

SavedFmap read_saved_fmap(const std::string& path) { return decode_saved_fmap(read_small_file(path), path); }

std::string saved_fmap_name(uint64_t seed, uint64_t index) {
  return "fmap-" + std::to_string(seed) + "-" + std::to_string(index);
}

std::string replay_name(const std::string& path) {
  std::filesystem::path p(path);
  return p.extension() == ".fmap" ? p.stem().string() : p.filename().string();
}

}  // namespace famlab::famfs::server
