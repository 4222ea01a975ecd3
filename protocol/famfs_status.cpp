#include "protocol/famfs_status.h"

#include <cstdio>
#include <stdexcept>

#include "base/hex.h"

namespace famlab::protocol {
namespace {

using nlohmann::json;

template <class T>
T required(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) throw std::invalid_argument(std::string("famfs status: field '") + key + "' is missing");
  try {
    return it->get<T>();
  } catch (const json::exception&) {
    throw std::invalid_argument(std::string("famfs status: field '") + key + "' has the wrong type");
  }
}

// A count: a non-negative integer (get<uint64_t> alone would wrap -1).
uint64_t required_count(const json& j, const char* key) {
  auto it = j.find(key);
  if (it != j.end() && !it->is_number_unsigned() && it->is_number_integer())
    throw std::invalid_argument(std::string("famfs status: field '") + key + "' is negative");
  return required<uint64_t>(j, key);
}

json capability_json(const FamfsCapability& c) {
  return {{"effective", c.effective}, {"permitted", c.permitted}, {"bounding", c.bounding}};
}

FamfsCapability capability_from(const json& j) {
  return {required<bool>(j, "effective"), required<bool>(j, "permitted"), required<bool>(j, "bounding")};
}

json credentials_json(const FamfsCredentials& c) {
  return {{"uid", c.uid},
          {"euid", c.euid},
          {"gid", c.gid},
          {"egid", c.egid},
          {"cap_sys_rawio", capability_json(c.sys_rawio)},
          {"cap_sys_admin", capability_json(c.sys_admin)}};
}

FamfsCredentials credentials_from(const json& j) {
  FamfsCredentials c;
  c.uid = required<uint32_t>(j, "uid");
  c.euid = required<uint32_t>(j, "euid");
  c.gid = required<uint32_t>(j, "gid");
  c.egid = required<uint32_t>(j, "egid");
  c.sys_rawio = capability_from(required<json>(j, "cap_sys_rawio"));
  c.sys_admin = capability_from(required<json>(j, "cap_sys_admin"));
  return c;
}

}  // namespace

std::string flags_to_hex(uint64_t flags) { return hex(flags, 16); }

uint64_t flags_from_hex(const std::string& text) {
  if (text.size() < 3 || text.size() > 18 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X'))
    throw std::invalid_argument("famfs status: '" + text + "' is not a 0x... flag word");
  uint64_t v = 0;
  for (size_t i = 2; i < text.size(); ++i) {
    char c = text[i];
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    if (d < 0) throw std::invalid_argument("famfs status: '" + text + "' is not a 0x... flag word");
    v = v << 4 | static_cast<uint64_t>(d);
  }
  return v;
}

json famfs_status_to_json(const FamfsStatus& s) {
  return {{"version", s.version},
          {"pid", s.pid},
          {"state", s.state},
          {"device", s.device},
          {"mountpoint", s.mountpoint},
          {"abi", s.abi},
          {"dax_fmap_bit", s.dax_fmap_bit},
          {"mount_method", s.mount_method},
          {"cap_drop", s.cap_drop},
          {"dax_fmap_policy", s.dax_fmap_policy},
          {"fmap_fault", s.fmap_fault},
          {"role", s.role},
          {"host_id", s.host_id},
          {"master_id", s.master_id},
          {"log_entries", s.log_entries},
          {"logplays", s.logplays},
          {"log_tail", s.log_tail},
          {"init_seen", s.init_seen},
          {"kernel_major", s.kernel_major},
          {"kernel_minor", s.kernel_minor},
          {"flags_offered", flags_to_hex(s.flags_offered)},
          {"flags_replied", flags_to_hex(s.flags_replied)},
          {"dax_fmap_offered", s.dax_fmap_offered},
          {"dax_fmap_accepted", s.dax_fmap_accepted},
          {"dax_fmap_decision", s.dax_fmap_decision},
          {"kernel_famfs", s.kernel_famfs},
          {"at_start", credentials_json(s.at_start)},
          {"at_mount", credentials_json(s.at_mount)},
          {"opcodes", s.opcodes},
          {"requests", s.requests},
          {"malformed_requests", s.malformed_requests},
          {"error_replies", s.error_replies},
          {"notify_store", s.notify_store},
          {"last_error", s.last_error},
          {"exit_reason", s.exit_reason}};
}

FamfsStatus famfs_status_from_json(const json& j) {
  if (!j.is_object()) throw std::invalid_argument("famfs status: not a JSON object");
  FamfsStatus s;
  s.version = required<int>(j, "version");
  if (s.version != 2)
    throw std::invalid_argument("famfs status: version " + std::to_string(s.version) +
                                " unknown (this famlab reads version 2)");
  s.pid = required<int64_t>(j, "pid");
  s.state = required<std::string>(j, "state");
  s.device = required<std::string>(j, "device");
  s.mountpoint = required<std::string>(j, "mountpoint");
  s.abi = required<std::string>(j, "abi");
  s.dax_fmap_bit = required<uint32_t>(j, "dax_fmap_bit");
  s.mount_method = required<std::string>(j, "mount_method");
  s.cap_drop = required<std::string>(j, "cap_drop");
  s.dax_fmap_policy = required<std::string>(j, "dax_fmap_policy");
  s.fmap_fault = required<std::string>(j, "fmap_fault");
  s.role = required<std::string>(j, "role");
  if (s.role != "master" && s.role != "client" && !s.role.empty())
    throw std::invalid_argument("famfs status: role '" + s.role + "' is not master or client");
  s.host_id = required<std::string>(j, "host_id");
  s.master_id = required<std::string>(j, "master_id");
  s.log_entries = required_count(j, "log_entries");
  s.logplays = required_count(j, "logplays");
  s.log_tail = required<std::string>(j, "log_tail");
  if (s.log_tail != "clean" && s.log_tail != "torn" && s.log_tail != "damaged" && !s.log_tail.empty())
    throw std::invalid_argument("famfs status: log_tail '" + s.log_tail + "' is not clean, torn or damaged");
  s.init_seen = required<bool>(j, "init_seen");
  s.kernel_major = required<uint32_t>(j, "kernel_major");
  s.kernel_minor = required<uint32_t>(j, "kernel_minor");
  s.flags_offered = flags_from_hex(required<std::string>(j, "flags_offered"));
  s.flags_replied = flags_from_hex(required<std::string>(j, "flags_replied"));
  s.dax_fmap_offered = required<bool>(j, "dax_fmap_offered");
  s.dax_fmap_accepted = required<bool>(j, "dax_fmap_accepted");
  s.dax_fmap_decision = required<std::string>(j, "dax_fmap_decision");
  s.kernel_famfs = required<std::map<std::string, std::string>>(j, "kernel_famfs");
  s.at_start = credentials_from(required<json>(j, "at_start"));
  s.at_mount = credentials_from(required<json>(j, "at_mount"));
  s.opcodes = required<std::map<std::string, uint64_t>>(j, "opcodes");
  s.requests = required<uint64_t>(j, "requests");
  s.malformed_requests = required<uint64_t>(j, "malformed_requests");
  s.error_replies = required<uint64_t>(j, "error_replies");
  s.notify_store = required<std::map<std::string, uint64_t>>(j, "notify_store");
  s.last_error = required<std::string>(j, "last_error");
  s.exit_reason = required<std::string>(j, "exit_reason");
  return s;
}

std::map<std::string, std::string> parse_kernel_famfs_line(const std::string& line) {
  std::map<std::string, std::string> out;
  size_t pos = 0;
  while (pos < line.size()) {
    size_t end = line.find_first_of(" \t\n", pos);
    if (end == std::string::npos) end = line.size();
    std::string word = line.substr(pos, end - pos);
    size_t eq = word.find('=');
    if (eq != std::string::npos && eq > 0) out[word.substr(0, eq)] = word.substr(eq + 1);
    pos = end + 1;
  }
  return out;
}

std::string encode_famfs_status(const FamfsStatus& s) { return famfs_status_to_json(s).dump(2) + "\n"; }

FamfsStatus decode_famfs_status(const std::string& text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) throw std::invalid_argument("famfs status: not valid JSON");
  return famfs_status_from_json(j);
}

}  // namespace famlab::protocol
