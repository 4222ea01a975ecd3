#include "base/small_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/error.h"
#include "base/unique_fd.h"

namespace fs = std::filesystem;

namespace famlab {
namespace {

// read(2) until end of file; false with errno set on failure.
bool read_all(int fd, std::string& out) {
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<size_t>(n));
    } else if (n == 0) {
      return true;
    } else if (errno != EINTR) {
      return false;
    }
  }
}

bool write_all(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

std::string errno_text() { return std::strerror(errno); }

}  // namespace

std::optional<std::string> try_read_small_file(const fs::path& file) {
  UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return std::nullopt;
  std::string out;
  if (!read_all(fd.get(), out)) return std::nullopt;
  return out;
}

std::string read_small_file(const fs::path& file) {
  UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw Error(Location{file.string()}, "cannot open: " + errno_text());
  std::string out;
  if (!read_all(fd.get(), out)) throw Error(Location{file.string()}, "cannot read: " + errno_text());
  return out;
}

std::string read_first_line(const fs::path& file) {
  std::string text = try_read_small_file(file).value_or("");
  return text.substr(0, text.find('\n'));
}

void write_small_file(const fs::path& file, const std::string& contents) {
  UniqueFd fd(::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd) throw Error(Location{file.string()}, "cannot create: " + errno_text());
  if (!write_all(fd.get(), contents)) throw Error(Location{file.string()}, "cannot write: " + errno_text());
}

void replace_file_atomically(const fs::path& file, const std::string& contents) {
  fs::path tmp = file;
  tmp += ".tmp-" + std::to_string(::getpid());
  try {
    write_small_file(tmp, contents);
  } catch (const Error&) {
    ::unlink(tmp.c_str());
    throw;
  }
  if (::rename(tmp.c_str(), file.c_str()) != 0) {
    std::string why = errno_text();
    ::unlink(tmp.c_str());
    throw Error(Location{file.string()}, "cannot move into place: " + why);
  }
}

}  // namespace famlab
