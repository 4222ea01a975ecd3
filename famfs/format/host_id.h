#pragma once
// Who this host is, for the one-master rule (README.md, "Several hosts on
// one device"). mkfs records the id of the host that made the filesystem;
// only a host with that id changes it. The id lives in /etc/famfs/host_id
// (FAMFS_HOST_ID_FILE names another file), is made at random the first time
// a host needs one, and can be given outright with --host-id.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace famlab::famfs::format {

using HostId = std::array<uint8_t, 16>;

constexpr const char* kDefaultHostIdFile = "/etc/famfs/host_id";
constexpr const char* kHostIdFileVariable = "FAMFS_HOST_ID_FILE";

// 32 hex digits, dashes anywhere (a UUID) and surrounding white space
// allowed; nullopt otherwise, and for the all-zero id (it means "no
// master" in a superblock, so no host may have it).
std::optional<HostId> parse_host_id(std::string_view text);
bool is_zero(const HostId& id);

// $FAMFS_HOST_ID_FILE, or /etc/famfs/host_id.
std::string host_id_file();

// Reads the id in `file`; when the file does not exist, makes a random id
// and creates the file with it (two processes racing both end up with the
// one that was linked into place first). Throws famlab::Error naming the
// file when it holds no id or cannot be read or written.
HostId load_or_create_host_id(const std::string& file);

// `given` (the --host-id text) when not empty, else load_or_create_host_id
// of host_id_file(). Throws famlab::Error saying which.
HostId resolve_host_id(const std::string& given);

}  // namespace famlab::famfs::format
