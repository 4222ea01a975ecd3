#include "lab/common/trace_line.h"

#include <cctype>
#include <charconv>
#include <cstdio>

namespace famlab {
namespace {

constexpr std::string_view kInlined = ", inlined ";

bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }
bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.' || c == '$';
}
bool is_space(char c) { return c == ' ' || c == '\t'; }

uint64_t hex_value(std::string_view s) {
  uint64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v, 16);
  return v;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (is_space(s.front()) || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (is_space(s.back()) || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// A symbolic frame "name+0xOFF/0xSIZE", optionally followed by " [module]",
// ending exactly at `end`.
std::optional<TraceFrame> symbolic_ending_at(std::string_view s, size_t end) {
  TraceFrame f;
  const size_t frame_end = end;
  if (end > 0 && s[end - 1] == ']') {
    size_t open = s.rfind(" [", end);
    if (open == std::string_view::npos || open + 2 >= end - 1) return std::nullopt;
    std::string_view mod = s.substr(open + 2, end - 1 - (open + 2));
    for (char c : mod)
      if (!is_name_char(c) && c != '-') return std::nullopt;
    f.module = std::string(mod);
    end = open;
  }
  size_t i = end;
  while (i > 0 && is_hex(s[i - 1])) --i;
  if (i == end || i < 3 || s.substr(i - 3, 3) != "/0x") return std::nullopt;
  f.size = hex_value(s.substr(i, end - i));
  size_t off_end = i - 3;
  i = off_end;
  while (i > 0 && is_hex(s[i - 1])) --i;
  if (i == off_end || i < 3 || s.substr(i - 3, 3) != "+0x") return std::nullopt;
  f.offset = hex_value(s.substr(i, off_end - i));
  size_t name_end = i - 3;
  i = name_end;
  while (i > 0 && is_name_char(s[i - 1])) --i;
  if (i == name_end || std::isdigit(static_cast<unsigned char>(s[i])) != 0) return std::nullopt;
  if (i > 0 && !is_space(s[i - 1]) && s[i - 1] != ':') return std::nullopt;
  f.function = std::string(s.substr(i, name_end - i));
  f.begin = i;
  f.end = frame_end;
  return f;
}

// A bare kernel address ending exactly at `end`:
// "0xffffffff812570cf" or "[<ffffffff812570cf>]".
std::optional<TraceFrame> bare_ending_at(std::string_view s, size_t end) {
  size_t i = end;
  bool bracketed = end >= 2 && s.substr(end - 2, 2) == ">]";
  if (bracketed) i -= 2;
  size_t digits_end = i;
  while (i > 0 && is_hex(s[i - 1])) --i;
  if (digits_end - i != 16) return std::nullopt;
  uint64_t address = hex_value(s.substr(i, 16));
  if (address < 0xffff800000000000ull) return std::nullopt;  // user space, or not an address
  size_t begin = i;
  if (bracketed) {
    if (i < 2 || s.substr(i - 2, 2) != "[<") return std::nullopt;
    begin = i - 2;
  } else {
    if (i < 2 || s.substr(i - 2, 2) != "0x") return std::nullopt;
    begin = i - 2;
  }
  if (begin > 0 && !is_space(s[begin - 1]) && s[begin - 1] != ':') return std::nullopt;
  TraceFrame f;
  f.address = address;
  f.begin = begin;
  f.end = end;
  return f;
}

// "file:line" with a positive line number.
bool parse_location_into(std::string_view text, std::string* file, int* line) {
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 >= text.size()) return false;
  int n = 0;
  auto [p, ec] = std::from_chars(text.data() + colon + 1, text.data() + text.size(), n);
  if (ec != std::errc() || p != text.data() + text.size() || n <= 0) return false;
  *file = std::string(text.substr(0, colon));
  *line = n;
  return true;
}

// "FILE:LINE, inlined FUNC FILE:LINE, ..." into the frame.
bool parse_annotation_locations(std::string_view text, TraceFrame* f) {
  size_t cut = text.find(kInlined);
  if (!parse_location_into(text.substr(0, cut), &f->file, &f->line)) return false;
  while (cut != std::string_view::npos) {
    text.remove_prefix(cut + kInlined.size());
    cut = text.find(kInlined);
    std::string_view one = text.substr(0, cut);
    size_t space = one.find(' ');
    if (space == std::string_view::npos) return false;
    SourceLocation loc;
    loc.function = std::string(one.substr(0, space));
    if (!parse_location_into(one.substr(space + 1), &loc.file, &loc.line)) return false;
    f->inlined.push_back(std::move(loc));
  }
  return true;
}

// A frame followed by " (annotation)" ending the line.
std::optional<TraceFrame> annotated(std::string_view s) {
  if (s.empty() || s.back() != ')') return std::nullopt;
  for (size_t open = s.rfind(" ("); open != std::string_view::npos && open > 0;
       open = s.rfind(" (", open - 1)) {
    std::string_view inner = s.substr(open + 2, s.size() - 1 - (open + 2));
    if (auto f = symbolic_ending_at(s, open)) {
      if (!parse_annotation_locations(inner, &*f)) continue;
      f->end = s.size();
      f->annotated = true;
      return f;
    }
    if (auto f = bare_ending_at(s, open)) {
      // "(func+0x1/0x2)" or "(func+0x1/0x2 file:line...)"
      size_t space = inner.find(' ');
      std::string_view sym = inner.substr(0, space);
      auto named = symbolic_ending_at(sym, sym.size());
      if (!named || named->begin != 0) continue;
      f->function = named->function;
      f->offset = named->offset;
      f->size = named->size;
      if (space != std::string_view::npos && !parse_annotation_locations(inner.substr(space + 1), &*f))
        continue;
      f->end = s.size();
      f->annotated = true;
      return f;
    }
    if (open == 0) break;
  }
  return std::nullopt;
}

}  // namespace

std::optional<TraceFrame> parse_trace_line(std::string_view raw) {
  std::string_view s = raw;
  while (!s.empty() && (is_space(s.back()) || s.back() == '\r')) s.remove_suffix(1);
  std::optional<TraceFrame> f = annotated(s);
  if (!f) f = symbolic_ending_at(s, s.size());
  if (!f) f = bare_ending_at(s, s.size());
  if (!f) return std::nullopt;
  std::string_view before = trim(s.substr(0, f->begin));
  f->reliable = !(before == "?" || before.ends_with(" ?"));
  std::string_view whole = trim(s);
  f->exact = s.find("RIP: ") != std::string_view::npos || whole.starts_with("BUG: KASAN:") ||
             whole.starts_with("BUG: KFENCE:") || whole.starts_with("WARNING: CPU:");
  return f;
}

std::string frame_symbol_text(const TraceFrame& f) {
  char buf[96];
  if (f.function.empty()) {
    std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(f.address));
    return buf;
  }
  std::snprintf(buf, sizeof buf, "+0x%llx/0x%llx", static_cast<unsigned long long>(f.offset),
                static_cast<unsigned long long>(f.size));
  return f.function + buf;
}

std::string location_text(const TraceFrame& f) {
  if (f.file.empty()) return "";
  std::string out = f.file + ":" + std::to_string(f.line);
  for (const auto& in : f.inlined)
    out += std::string(kInlined) + in.function + " " + in.file + ":" + std::to_string(in.line);
  return out;
}

std::vector<TraceFrame> parse_trace_frames(std::string_view text) {
  std::vector<TraceFrame> out;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    if (auto f = parse_trace_line(text.substr(0, nl))) out.push_back(std::move(*f));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

}  // namespace famlab
