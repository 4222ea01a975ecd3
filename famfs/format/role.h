#pragma once
// Master or client: the host whose id the superblock records is the master
// and the only one that changes the filesystem; every other host is a
// client that reads it (README.md, "Several hosts on one device").
#include <optional>
#include <string>
#include <string_view>

#include "famfs/format/host_id.h"
#include "famfs/format/superblock.h"

namespace famlab::famfs::format {

enum class Role { Master, Client };
// What `famfs mount --role` asks for; Auto decides by the host id.
enum class RoleRequest { Auto, Master, Client };

std::optional<RoleRequest> parse_role_request(std::string_view word);  // auto|master|client
const char* to_string(Role role);
const char* to_string(RoleRequest request);

// Whether `host` is the master the superblock records.
bool is_master(const Superblock& sb, const HostId& host);

// Throws famlab::Error, naming the device, this host and the master, unless
// `host` may change the filesystem on `device`.
void require_master(const Superblock& sb, const HostId& host, const std::string& device);

// Client when asked, or when Auto and `host` is not the master; Master when
// asked and allowed (require_master), or when Auto and `host` is the master.
Role decide_role(const Superblock& sb, const HostId& host, RoleRequest requested, const std::string& device);

}  // namespace famlab::famfs::format
