#include "famfs/format/role.h"

#include "base/error.h"

namespace famlab::famfs::format {

std::optional<RoleRequest> parse_role_request(std::string_view word) {
  if (word == "auto") return RoleRequest::Auto;
  if (word == "master") return RoleRequest::Master;
  if (word == "client") return RoleRequest::Client;
  return std::nullopt;
}

const char* to_string(Role role) { return role == Role::Master ? "master" : "client"; }

const char* to_string(RoleRequest request) {
  switch (request) {
    case RoleRequest::Auto:
      return "auto";
    case RoleRequest::Master:
      return "master";
    case RoleRequest::Client:
      return "client";
  }
  return "?";
}

bool is_master(const Superblock& sb, const HostId& host) {
  return sb.version >= 2 && !is_zero(sb.master_id) && sb.master_id == host;
}

void require_master(const Superblock& sb, const HostId& host, const std::string& device) {
  if (is_master(sb, host)) return;
  if (sb.version < 2)
    throw Error(device + ": this famfs is format version " + std::to_string(sb.version) +
                ", which records no master: it can be read (ls, getmap, fsck, mount --role client) but not "
                "changed; make a new one with 'famfs mkfs --force'");
  if (is_zero(sb.master_id)) throw Error(device + ": this famfs records no master, so no host may change it");
  throw Error(device + ": this host (host id " + uuid_text(host) +
              ") is not the master of this famfs (master " + uuid_text(sb.master_id) +
              "): only the master changes it; here, mount it with --role client");
}

Role decide_role(const Superblock& sb, const HostId& host, RoleRequest requested, const std::string& device) {
  switch (requested) {
    case RoleRequest::Client:
      return Role::Client;
    case RoleRequest::Master:
      require_master(sb, host, device);
      return Role::Master;
    case RoleRequest::Auto:
      break;
  }
  return is_master(sb, host) ? Role::Master : Role::Client;
}

}  // namespace famlab::famfs::format
