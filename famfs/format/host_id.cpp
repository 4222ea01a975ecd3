#include "famfs/format/host_id.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "base/error.h"
#include "base/small_file.h"
#include "famfs/format/superblock.h"

namespace famlab::famfs::format {

std::optional<HostId> parse_host_id(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  HostId id{};
  size_t digits = 0;
  for (char c : text) {
    if (c == '-') continue;
    int v = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    if (v < 0 || digits >= 32) return std::nullopt;
    id[digits / 2] = static_cast<uint8_t>(id[digits / 2] << 4 | v);
    ++digits;
  }
  if (digits != 32 || is_zero(id)) return std::nullopt;
  return id;
}

bool is_zero(const HostId& id) {
  return std::all_of(id.begin(), id.end(), [](uint8_t b) { return b == 0; });
}

std::string host_id_file() {
  const char* env = std::getenv(kHostIdFileVariable);
  return env && *env ? env : kDefaultHostIdFile;
}

namespace {

HostId id_from_text(const std::string& file, const std::string& text) {
  auto id = parse_host_id(text);
  if (!id) throw Error(file + ": holds no host id (32 hex digits, not all zero); fix or remove it");
  return *id;
}

}  // namespace

HostId load_or_create_host_id(const std::string& file) {
  struct stat st {};
  if (stat(file.c_str(), &st) == 0) return id_from_text(file, read_small_file(file));
  if (errno != ENOENT) throw Error(file + ": cannot read the host id: " + std::strerror(errno));

  // First use on this host: a random id, written beside the file and linked
  // into place, so a concurrent famfs never sees a half-written file and
  // exactly one id wins.
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(file).parent_path(), ec);
  std::string tmp = file + ".new-" + std::to_string(getpid());
  write_small_file(tmp, uuid_text(random_uuid()) + "\n");
  int linked = link(tmp.c_str(), file.c_str());
  int link_errno = errno;
  unlink(tmp.c_str());
  if (linked != 0 && link_errno != EEXIST)
    throw Error(file + ": cannot create the host id: " + std::strerror(link_errno));
  return id_from_text(file, read_small_file(file));
}

HostId resolve_host_id(const std::string& given) {
  if (given.empty()) return load_or_create_host_id(host_id_file());
  auto id = parse_host_id(given);
  if (!id) throw Error("--host-id: '" + given + "' is not a host id (32 hex digits, not all zero)");
  return *id;
}

}  // namespace famlab::famfs::format
