#include "lab/vm/domain_metadata.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "base/error.h"
#include "base/hex.h"
#include "lab/common/xml_escape.h"

namespace famlab::vm {
namespace {

std::string read_first_line(const std::string& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  return line;
}

std::string hostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

// Field 22 of /proc/PID/stat: start time in clock ticks since boot. 0 when
// the process does not exist.
unsigned long long start_time_of(long pid) {
  std::string stat = read_first_line("/proc/" + std::to_string(pid) + "/stat");
  auto close = stat.rfind(')');  // the command name may hold spaces and parens
  if (close == std::string::npos) return 0;
  std::istringstream rest(stat.substr(close + 2));
  std::string field;
  // After ") " come fields 3.. ; the start time is field 22.
  for (int i = 3; i <= 22; ++i) {
    if (!(rest >> field)) return 0;
  }
  try {
    return std::stoull(field);
  } catch (const std::exception&) {
    return 0;
  }
}

std::string boot_id() { return read_first_line("/proc/sys/kernel/random/boot_id"); }

std::string attr_unescape(const std::string& s) {
  static const std::map<std::string, char> named = {
      {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}};
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out += s[i];
      continue;
    }
    size_t semi = s.find(';', i);
    if (semi == std::string::npos) {
      out += s[i];
      continue;
    }
    std::string ent = s.substr(i + 1, semi - i - 1);
    if (auto it = named.find(ent); it != named.end()) {
      out += it->second;
    } else if (ent.size() > 1 && ent[0] == '#') {
      try {
        unsigned long code =
            ent[1] == 'x' ? std::stoul(ent.substr(2), nullptr, 16) : std::stoul(ent.substr(1));
        if (code < 0x80) out += static_cast<char>(code);
      } catch (const std::exception&) {
        out += "&" + ent + ";";
      }
    } else {
      out += "&" + ent + ";";
    }
    i = semi;
  }
  return out;
}

// The attributes of the first start tag in xml, and the tag's name.
std::map<std::string, std::string> first_tag(const std::string& xml, std::string* name) {
  std::map<std::string, std::string> attrs;
  size_t lt = xml.find('<');
  while (lt != std::string::npos && lt + 1 < xml.size() && (xml[lt + 1] == '?' || xml[lt + 1] == '!'))
    lt = xml.find('<', lt + 1);
  if (lt == std::string::npos) return attrs;
  size_t p = lt + 1;
  size_t name_end = xml.find_first_of(" \t\r\n/>", p);
  if (name_end == std::string::npos) return attrs;
  *name = xml.substr(p, name_end - p);
  p = name_end;
  for (;;) {
    p = xml.find_first_not_of(" \t\r\n", p);
    if (p == std::string::npos || xml[p] == '/' || xml[p] == '>') break;
    size_t eq = xml.find('=', p);
    if (eq == std::string::npos) break;
    std::string key = xml.substr(p, eq - p);
    while (!key.empty() && std::isspace(static_cast<unsigned char>(key.back()))) key.pop_back();
    size_t q = xml.find_first_of("\"'", eq);
    if (q == std::string::npos) break;
    size_t qend = xml.find(xml[q], q + 1);
    if (qend == std::string::npos) break;
    attrs[key] = attr_unescape(xml.substr(q + 1, qend - q - 1));
    p = qend + 1;
  }
  return attrs;
}

}  // namespace

DomainOwner this_process_owner(const std::string& run_id) {
  DomainOwner o;
  o.run_id = run_id;
  o.controller = hostname();
  o.boot_id = boot_id();
  o.pid = static_cast<long>(getpid());
  o.pid_start = start_time_of(o.pid);
  return o;
}

std::string new_run_id() {
  std::ifstream rnd("/dev/urandom", std::ios::binary);
  unsigned char b[4] = {};
  rnd.read(reinterpret_cast<char*>(b), sizeof b);
  if (!rnd) throw Error("cannot read /dev/urandom for a run id");
  return hex_bytes(b, sizeof b);
}

std::string owner_element(const DomainOwner& o) {
  std::ostringstream x;
  x << "<" << kMetadataPrefix << ":run xmlns:" << kMetadataPrefix << "=\"" << kMetadataNamespace << "\""
    << " id=\"" << xml_attribute_escape(o.run_id) << "\""
    << " controller=\"" << xml_attribute_escape(o.controller) << "\""
    << " boot-id=\"" << xml_attribute_escape(o.boot_id) << "\""
    << " pid=\"" << o.pid << "\""
    << " pid-start=\"" << o.pid_start << "\""
    << " run-dir=\"" << xml_attribute_escape(o.run_dir) << "\""
    << " scenario=\"" << xml_attribute_escape(o.scenario) << "\""
    << " kernel=\"" << xml_attribute_escape(o.kernel) << "\"/>";
  return x.str();
}

std::optional<DomainOwner> parse_owner_element(const std::string& xml) {
  std::string name;
  auto a = first_tag(xml, &name);
  std::string local = name.substr(name.find(':') == std::string::npos ? 0 : name.find(':') + 1);
  if (local != "run") return std::nullopt;
  // virDomainGetMetadata(ns) returns the element without its namespace
  // (the query named it); a declared namespace must be ours.
  std::string prefix = name.find(':') == std::string::npos ? "" : name.substr(0, name.find(':'));
  auto ns = a.find(prefix.empty() ? "xmlns" : "xmlns:" + prefix);
  if (ns != a.end() && ns->second != kMetadataNamespace) return std::nullopt;
  if (ns == a.end() && !prefix.empty()) return std::nullopt;
  if (!a.count("id") || a["id"].empty()) return std::nullopt;
  DomainOwner o;
  o.run_id = a["id"];
  o.controller = a["controller"];
  o.boot_id = a["boot-id"];
  try {
    o.pid = a.count("pid") ? std::stol(a["pid"]) : 0;
    o.pid_start = a.count("pid-start") ? std::stoull(a["pid-start"]) : 0;
  } catch (const std::exception&) {
    return std::nullopt;
  }
  o.run_dir = a["run-dir"];
  o.scenario = a["scenario"];
  o.kernel = a["kernel"];
  return o;
}

bool owner_is_on_this_machine(const DomainOwner& o) { return o.controller == hostname(); }

bool owner_is_alive_here(const DomainOwner& o) {
  if (!owner_is_on_this_machine(o) || o.boot_id != boot_id() || o.pid <= 0) return false;
  unsigned long long start = start_time_of(o.pid);
  return start != 0 && start == o.pid_start;
}

}  // namespace famlab::vm
