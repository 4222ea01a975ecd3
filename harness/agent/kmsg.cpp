#include "harness/agent/kmsg.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>

#include "base/error.h"

namespace famlab::agent {
namespace {

bool parse_number(std::string_view s, uint64_t& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string unescape_kmsg(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 3 < text.size() && text[i + 1] == 'x') {
      int hi = hex_digit(text[i + 2]), lo = hex_digit(text[i + 3]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 3;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

std::optional<KmsgRecord> parse_kmsg_record(std::string_view raw) {
  size_t semi = raw.find(';');
  if (semi == std::string_view::npos) return std::nullopt;
  std::string_view prefix = raw.substr(0, semi);
  // The text ends at the first newline; continuation lines are key=value.
  std::string_view text = raw.substr(semi + 1);
  text = text.substr(0, text.find('\n'));

  uint64_t fields[3];
  for (int i = 0; i < 3; ++i) {
    size_t comma = prefix.find(',');
    std::string_view f = prefix.substr(0, comma);
    if (!parse_number(f, fields[i])) return std::nullopt;
    if (comma == std::string_view::npos) {
      if (i < 2) return std::nullopt;
      prefix = {};
    } else {
      prefix = prefix.substr(comma + 1);
    }
  }
  KmsgRecord r;
  r.level = static_cast<int>(fields[0] & 7);
  r.seq = fields[1];
  r.ts_us = fields[2];
  r.text = unescape_kmsg(text);
  return r;
}

std::string format_kmsg(const KmsgRecord& r) {
  char stamp[40];
  std::snprintf(stamp, sizeof stamp, "[%5llu.%06llu] ", static_cast<unsigned long long>(r.ts_us / 1000000),
                static_cast<unsigned long long>(r.ts_us % 1000000));
  return stamp + r.text;
}

KmsgReader::KmsgReader(const std::string& path) {
  fd_.reset(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (!fd_) throw Error("cannot open " + path + ": " + std::strerror(errno));
}

KmsgReader::~KmsgReader() = default;

std::vector<KmsgRecord> KmsgReader::read_available() {
  std::vector<KmsgRecord> out;
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd_.get(), buf, sizeof buf);
    if (n > 0) {
      if (auto r = parse_kmsg_record(std::string_view(buf, static_cast<size_t>(n))))
        out.push_back(std::move(*r));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EPIPE) {  // overwritten before we got to them; reading resumes after
      ++overruns_;
      continue;
    }
    return out;  // EAGAIN: all read (or an error we cannot fix by retrying)
  }
}

std::string read_kernel_log(const std::string& path) {
  KmsgReader reader(path);
  std::string text;
  for (const auto& r : reader.read_available()) {
    text += format_kmsg(r);
    text += '\n';
  }
  return text;
}

}  // namespace famlab::agent
