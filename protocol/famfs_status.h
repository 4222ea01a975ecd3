#pragma once
// What the famfs FUSE server reports about itself, as the JSON file it
// rewrites (atomically) while it runs. The in-guest agent reads it back
// and scenarios assert on it: what the kernel offered in INIT, what the
// server replied, which capabilities it held when it mounted, and how many
// requests of each opcode arrived.
//
// Shared by the server and the agent; keep it free of host-only deps.
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace famlab::protocol {

struct FamfsCapability {
  bool effective = false;
  bool permitted = false;
  bool bounding = false;
};

struct FamfsCredentials {
  uint32_t uid = 0;
  uint32_t euid = 0;
  uint32_t gid = 0;
  uint32_t egid = 0;
  FamfsCapability sys_rawio;
  FamfsCapability sys_admin;
};

struct FamfsStatus {
  int version = 2;  // 2: role, host and master ids, log counts
  int64_t pid = 0;
  // starting -> mounted -> initialized -> unmounted | died | failed
  std::string state = "starting";
  std::string device;
  std::string mountpoint;
  std::string abi;              // "rfc-v2" | "v3"
  uint32_t dax_fmap_bit = 0;    // the INIT flag bit of that ABI (42 or 43)
  std::string mount_method;     // "mount" (mount(2)) | "fusermount3"
  std::string cap_drop;         // none | bounding | capset | user | user-fd
  std::string dax_fmap_policy;  // accept | decline | force
  std::string fmap_fault;       // none | overlap | ... (what GET_FMAP sends)

  // Several hosts on one device (famfs/README.md): the master changes the
  // filesystem, clients mount it read-only and replay the log on request.
  std::string role;          // "master" | "client"
  std::string host_id;       // this host's id (UUID text)
  std::string master_id;     // the id the superblock records; "" when none
  uint64_t log_entries = 0;  // entries replayed so far (the namespace the server serves)
  uint64_t logplays = 0;     // logplays done on request (`famfs logplay`)
  std::string log_tail;      // clean | torn (an uncommitted append at the end) | damaged

  bool init_seen = false;
  uint32_t kernel_major = 0;
  uint32_t kernel_minor = 0;
  uint64_t flags_offered = 0;  // 64-bit INIT flags; JSON: "0x..." strings
  uint64_t flags_replied = 0;
  bool dax_fmap_offered = false;
  bool dax_fmap_accepted = false;  // the server replied FUSE_DAX_FMAP
  std::string dax_fmap_decision;   // accepted | declined | not-offered | forced
  // The patched kernels' own account, /sys/fs/fuse/connections/N/famfs,
  // read right after the INIT reply: policy, offered, replied, enabled,
  // mounter_rawio, server_rawio, decided_by. Empty on kernels without it
  // (or without fusectl mounted).
  std::map<std::string, std::string> kernel_famfs;

  FamfsCredentials at_start;
  FamfsCredentials at_mount;  // just before mount(2) or fusermount3

  std::map<std::string, uint64_t> opcodes;  // "READ" -> count, also GET_FMAP etc.
  uint64_t requests = 0;
  uint64_t malformed_requests = 0;
  uint64_t error_replies = 0;
  // --notify-store: how the kernel answered the FUSE_NOTIFY_STORE pushes,
  // "accepted" or the errno's name ("EINVAL") -> count.
  std::map<std::string, uint64_t> notify_store;
  std::string last_error;   // the latest malformed request or failure, in words
  std::string exit_reason;  // why the server stopped (unmounted, --die-on, signal)
};

nlohmann::json famfs_status_to_json(const FamfsStatus& status);
// Throws std::invalid_argument naming the field that is missing or wrong.
FamfsStatus famfs_status_from_json(const nlohmann::json& j);

std::string encode_famfs_status(const FamfsStatus& status);  // pretty JSON + '\n'
FamfsStatus decode_famfs_status(const std::string& text);    // throws std::invalid_argument

// "policy=famfs init=done offered=1 ..." -> {policy: famfs, init: done, ...};
// words without '=' are ignored.
std::map<std::string, std::string> parse_kernel_famfs_line(const std::string& line);

// Flags travel as "0x0000040000000000" so 64-bit values survive any JSON reader.
std::string flags_to_hex(uint64_t flags);
uint64_t flags_from_hex(const std::string& text);  // throws std::invalid_argument

}  // namespace famlab::protocol
