#include "lab/kernel/symbolizer.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

#include "base/error.h"
#include "base/process.h"

namespace fs = std::filesystem;

namespace famlab::kernel {
namespace {

// addr2line finds this function in init/main.c: what precedes that in its
// path is where the build saw the kernel tree.
constexpr const char* kAnchorFunction = "start_kernel";
constexpr std::string_view kAnchorFile = "init/main.c";

bool is_text_type(char t) { return t == 't' || t == 'T' || t == 'w' || t == 'W'; }

std::optional<uint64_t> hex(std::string_view s) {
  if (s.starts_with("0x")) s.remove_prefix(2);
  if (s.empty()) return std::nullopt;
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 16);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

bool looks_like_elf(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  return in && magic[0] == 0x7f && magic[1] == 'E' && magic[2] == 'L' && magic[3] == 'F';
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// "a/./b/../c" -> "a/c"; keeps leading ".." that cannot be resolved.
std::string normalize_path(const std::string& path) {
  std::vector<std::string> parts;
  bool absolute = path.starts_with('/');
  std::istringstream in(path);
  std::string part;
  while (std::getline(in, part, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == ".." && !parts.empty() && parts.back() != "..") {
      parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  std::string out = absolute ? "/" : "";
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? "/" : "") + parts[i];
  return out;
}

// "file.c:123 (discriminator 2)" -> ("file.c", 123); false for "??:0" and "file:?".
bool split_location(std::string text, std::string* file, int* line) {
  if (size_t d = text.find(" (discriminator"); d != std::string::npos) text.resize(d);
  size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  int n = 0;
  auto [p, ec] = std::from_chars(text.data() + colon + 1, text.data() + text.size(), n);
  if (ec != std::errc() || p != text.data() + text.size() || n <= 0) return false;
  *file = text.substr(0, colon);
  if (file->starts_with("??")) return false;
  *line = n;
  return true;
}

}  // namespace

std::vector<Symbolizer::Symbol> parse_symbol_listing(const std::string& text) {
  std::vector<Symbolizer::Symbol> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::vector<std::string> f;
    std::string w;
    while (fields >> w) f.push_back(w);
    Symbolizer::Symbol s;
    std::string type;
    if (f.size() == 4) {  // nm -S: address size type name
      auto a = hex(f[0]), z = hex(f[1]);
      if (!a || !z) continue;
      s.address = *a;
      s.size = *z;
      type = f[2];
      s.name = f[3];
    } else if (f.size() == 3) {  // System.map, or nm without a size
      auto a = hex(f[0]);
      if (!a) continue;
      s.address = *a;
      type = f[1];
      s.name = f[2];
    } else {
      continue;
    }
    if (type.size() != 1 || !is_text_type(type[0])) continue;
    out.push_back(std::move(s));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.address < b.address; });
  return out;
}

std::map<uint64_t, std::vector<SourceLocation>> parse_addr2line_output(const std::string& text) {
  std::map<uint64_t, std::vector<SourceLocation>> out;
  std::istringstream in(text);
  std::string line;
  std::vector<SourceLocation>* current = nullptr;
  std::optional<std::string> function;  // waiting for its location line
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!function && line.starts_with("0x")) {
      if (auto a = hex(line)) {
        current = &out[*a];
        continue;
      }
    }
    if (!current) continue;
    if (!function) {
      function = line;
      continue;
    }
    SourceLocation loc;
    loc.function = *function == "??" ? "" : *function;
    function.reset();
    if (!split_location(line, &loc.file, &loc.line)) continue;
    current->push_back(std::move(loc));
  }
  return out;
}

std::string kernel_relative_path(const std::string& file, const std::string& prefix) {
  std::string f = normalize_path(file);
  if (prefix.empty()) return f;
  std::string p = normalize_path(prefix);
  if (!p.empty() && !p.ends_with('/')) p += '/';
  if (!p.empty() && f.starts_with(p)) return f.substr(p.size());
  return f;
}

Symbolizer::Symbolizer(SymbolFile symbols) : symbols_(std::move(symbols)) {}

void Symbolizer::load() {
  if (loaded_) return;
  loaded_ = true;
  try {
    if (!fs::is_regular_file(symbols_.path)) {
      last_error_ = "no symbols: " + symbols_.path.string() + " is missing";
      return;
    }
    is_elf_ = looks_like_elf(symbols_.path);
    std::string listing;
    if (is_elf_) {
      ProcessOptions quiet;
      quiet.stderr_file = "/dev/null";
      ProcessResult r = run_process({"nm", "-S", "-n", "--defined-only", symbols_.path.string()}, quiet);
      if (r.exit_code != 0) {
        last_error_ = "nm " + symbols_.path.string() + " failed (exit " + std::to_string(r.exit_code) + ")";
        return;
      }
      listing = std::move(r.output);
    } else {
      listing = read_all(symbols_.path);
    }
    table_ = parse_symbol_listing(listing);
    for (size_t i = 0; i < table_.size(); ++i) by_name_.emplace(table_[i].name, i);
    if (table_.empty()) last_error_ = "no text symbols in " + symbols_.path.string();
  } catch (const std::exception& e) {
    last_error_ = e.what();
  }
}

const std::vector<Symbolizer::Symbol>& Symbolizer::table() {
  load();
  return table_;
}

std::optional<uint64_t> Symbolizer::address_of(const TraceFrame& frame) {
  load();
  auto [lo, hi] = by_name_.equal_range(frame.function);
  if (lo == hi) return std::nullopt;
  const Symbol* pick = &table_[lo->second];
  for (auto it = lo; it != hi; ++it)
    if (table_[it->second].size == frame.size) {
      pick = &table_[it->second];
      break;
    }
  return pick->address + frame.offset;
}

std::optional<TraceFrame> Symbolizer::frame_at(uint64_t address) {
  load();
  auto it = std::upper_bound(table_.begin(), table_.end(), address,
                             [](uint64_t a, const Symbol& s) { return a < s.address; });
  if (it == table_.begin()) return std::nullopt;
  const Symbol& s = *std::prev(it);
  uint64_t size = s.size;
  if (size == 0 && it != table_.end()) size = it->address - s.address;
  if (size == 0 || address >= s.address + size) return std::nullopt;
  TraceFrame f;
  f.function = s.name;
  f.offset = address - s.address;
  f.size = size;
  return f;
}

std::map<uint64_t, std::vector<SourceLocation>> Symbolizer::addr2line(
    const std::vector<uint64_t>& addresses) {
  std::vector<std::string> argv = {"addr2line", "-a", "-f", "-i", "-e", symbols_.path.string()};
  char buf[32];
  for (uint64_t a : addresses) {
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(a));
    argv.push_back(buf);
  }
  ProcessOptions quiet;
  quiet.stderr_file = "/dev/null";
  ProcessResult r = run_process(argv, quiet);
  if (r.exit_code != 0) {
    last_error_ =
        "addr2line on " + symbols_.path.string() + " failed (exit " + std::to_string(r.exit_code) + ")";
    return {};
  }
  return parse_addr2line_output(r.output);
}

std::string Symbolizer::source_relative(const std::string& file) const {
  return kernel_relative_path(file, source_prefix_);
}

void Symbolizer::annotate(std::vector<std::string>& texts) {
  load();
  if (table_.empty()) return;

  // Every frame line of every text: where it is and what to look up.
  struct Pending {
    size_t text;
    size_t line_begin;  // offset of the line in the text
    TraceFrame frame;
    uint64_t lookup = 0;  // address handed to addr2line (0: name only)
  };
  std::vector<Pending> pending;
  for (size_t t = 0; t < texts.size(); ++t) {
    std::string_view text = texts[t];
    size_t pos = 0;
    while (pos < text.size()) {
      size_t nl = text.find('\n', pos);
      size_t end = nl == std::string_view::npos ? text.size() : nl;
      auto f = parse_trace_line(text.substr(pos, end - pos));
      if (f && !f->annotated && f->module.empty()) {
        Pending p{t, pos, *f, 0};
        std::optional<uint64_t> address;
        if (!f->function.empty()) {
          address = address_of(*f);
        } else if (symbols_.fixed_addresses) {
          if (auto named = frame_at(f->address)) {
            p.frame.function = named->function;
            p.frame.offset = named->offset;
            p.frame.size = named->size;
            address = f->address;
          }
        }
        if (address) {
          // A return address points after its call: look up the call.
          bool return_address = !f->exact && (f->function.empty() || f->offset > 0);
          p.lookup = return_address ? *address - 1 : *address;
          pending.push_back(std::move(p));
        }
      }
      pos = end + 1;
    }
  }
  if (pending.empty()) return;

  std::map<uint64_t, std::vector<SourceLocation>> found;
  if (is_elf_) {
    std::set<uint64_t> unique;
    for (const auto& p : pending) unique.insert(p.lookup);
    std::optional<uint64_t> anchor;
    if (!calibrated_) {
      TraceFrame a;
      a.function = kAnchorFunction;
      anchor = address_of(a);
      if (anchor) unique.insert(*anchor);
    }
    try {
      found = addr2line(std::vector<uint64_t>(unique.begin(), unique.end()));
    } catch (const std::exception& e) {
      last_error_ = e.what();
    }
    if (anchor && !found.empty()) {
      calibrated_ = true;
      for (const auto& loc : found[*anchor]) {
        std::string f = normalize_path(loc.file);
        if (loc.function == kAnchorFunction && f.ends_with(kAnchorFile))
          source_prefix_ = f.substr(0, f.size() - kAnchorFile.size());
      }
    }
  }

  // Rewrite from the last frame backwards so earlier offsets stay valid.
  for (auto it = pending.rbegin(); it != pending.rend(); ++it) {
    TraceFrame& f = it->frame;
    auto locs = found.find(it->lookup);
    bool has_line = locs != found.end() && !locs->second.empty();
    if (has_line) {
      const auto& chain = locs->second;  // innermost first
      f.file = source_relative(chain.back().file);
      f.line = chain.back().line;
      for (size_t k = chain.size() - 1; k-- > 0;)
        f.inlined.push_back({chain[k].function, source_relative(chain[k].file), chain[k].line});
    }
    std::string note;
    if (f.address != 0) {  // a bare address gets its name as well
      note = frame_symbol_text(f);
      if (has_line) note += " " + location_text(f);
    } else if (has_line) {
      note = location_text(f);
    }
    if (note.empty()) continue;
    texts[it->text].insert(it->line_begin + f.end, " (" + note + ")");
  }
}

std::string Symbolizer::annotate(const std::string& text) {
  std::vector<std::string> one{text};
  annotate(one);
  return one[0];
}

}  // namespace famlab::kernel
