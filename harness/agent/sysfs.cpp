#include "harness/agent/sysfs.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "base/error.h"
#include "base/unique_fd.h"

namespace famlab::agent {

std::optional<std::string> try_read_attr(const fs::path& file) {
  std::ifstream in(file);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return std::nullopt;
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string read_attr(const fs::path& file) {
  // open/read directly so the errno (e.g. ENXIO from a kernel show()) is kept.
  UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw Error("cannot read " + file.string() + ": " + std::strerror(errno));
  std::string s;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) throw Error("cannot read " + file.string() + ": " + std::strerror(errno));
    if (n == 0) break;
    s.append(buf, static_cast<size_t>(n));
  }
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

uint64_t parse_u64(const std::string& text, const std::string& what) {
  if (text.empty()) throw Error(what + ": empty where a number was expected");
  errno = 0;
  char* end = nullptr;
  unsigned long long v = std::strtoull(text.c_str(), &end, 0);
  if (errno != 0 || end == text.c_str() || *end != '\0' || text[0] == '-')
    throw Error(what + ": '" + text + "' is not a number");
  return v;
}

uint64_t read_u64_attr(const fs::path& file) { return parse_u64(read_attr(file), file.string()); }

void write_attr(const fs::path& file, const std::string& value) {
  // Exactly what `echo value > file` does, the sequence the prototype
  // verified: O_TRUNC (sysfs ignores it, plain files in tests need it) and
  // a trailing newline, which some stores insist on (region uuid).
  UniqueFd fd(::open(file.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
  if (!fd) throw Error("cannot open " + file.string() + " for writing: " + std::strerror(errno));
  std::string line = value + "\n";
  ssize_t n = ::write(fd.get(), line.data(), line.size());
  int err = errno;
  if (n < 0) throw Error("writing '" + value + "' to " + file.string() + " failed: " + std::strerror(err));
  if (static_cast<size_t>(n) != line.size())
    throw Error("writing '" + value + "' to " + file.string() + " was cut short");
}

bool natural_less(const std::string& a, const std::string& b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    bool da = std::isdigit(static_cast<unsigned char>(a[i])) != 0;
    bool db = std::isdigit(static_cast<unsigned char>(b[j])) != 0;
    if (da && db) {
      size_t ie = i, je = j;
      while (ie < a.size() && std::isdigit(static_cast<unsigned char>(a[ie]))) ++ie;
      while (je < b.size() && std::isdigit(static_cast<unsigned char>(b[je]))) ++je;
      std::string na = a.substr(i, ie - i), nb = b.substr(j, je - j);
      na.erase(0, std::min(na.find_first_not_of('0'), na.size()));
      nb.erase(0, std::min(nb.find_first_not_of('0'), nb.size()));
      if (na.size() != nb.size()) return na.size() < nb.size();
      if (na != nb) return na < nb;
      i = ie;
      j = je;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i;
      ++j;
    }
  }
  return a.size() - i < b.size() - j;
}

std::vector<std::string> list_names(const fs::path& dir, const std::string& prefix) {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.compare(0, prefix.size(), prefix) == 0) names.push_back(name);
  }
  std::sort(names.begin(), names.end(), natural_less);
  return names;
}

fs::path real_path(const fs::path& p) {
  std::error_code ec;
  fs::path r = fs::canonical(p, ec);
  return ec ? p : r;
}

std::string link_name(const fs::path& link) {
  std::error_code ec;
  fs::path target = fs::read_symlink(link, ec);
  if (ec) return "";
  return target.filename().string();
}

bool is_below(const fs::path& child, const fs::path& parent) {
  auto c = child.begin();
  for (auto p = parent.begin(); p != parent.end(); ++p, ++c) {
    if (c == child.end() || *c != *p) return false;
  }
  return c != child.end();
}

std::optional<int> trailing_number(const std::string& name) {
  size_t i = name.size();
  while (i > 0 && std::isdigit(static_cast<unsigned char>(name[i - 1]))) --i;
  if (i == name.size() || name.size() - i > 9) return std::nullopt;
  return std::stoi(name.substr(i));
}

}  // namespace famlab::agent
