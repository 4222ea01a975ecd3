#include "lab/image/host_binaries.h"

#include <sstream>

#include "base/error.h"
#include "base/process.h"

namespace fs = std::filesystem;

namespace famlab::image {
namespace {

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

}  // namespace

std::vector<fs::path> parse_ldd_output(const std::string& output, const std::string& binary) {
  std::vector<fs::path> libs;
  std::istringstream in(output);
  std::string raw;
  while (std::getline(in, raw)) {
    std::string line = trim(raw);
    if (line.empty()) continue;
    if (line == "statically linked" || line == "not a dynamic executable") return {};
    // "libfoo.so.1 => /lib/x86_64-linux-gnu/libfoo.so.1 (0x...)"
    // "/lib64/ld-linux-x86-64.so.2 (0x...)"   the dynamic loader
    // "linux-vdso.so.1 (0x...)"                 provided by the kernel
    std::string path;
    if (size_t arrow = line.find(" => "); arrow != std::string::npos) {
      std::string rhs = trim(line.substr(arrow + 4));
      if (rhs.rfind("not found", 0) == 0)
        throw Error(binary + " needs " + trim(line.substr(0, arrow)) +
                    ", which ldd cannot find on this host");
      path = rhs.substr(0, rhs.find(" ("));
    } else {
      path = line.substr(0, line.find(" ("));
    }
    if (!path.empty() && path[0] == '/') libs.emplace_back(path);
  }
  return libs;
}

std::vector<fs::path> shared_libraries(const fs::path& binary) {
  // ldd is a script that runs the dynamic loader as its child: contained, so
  // that even that dies with famlab (the rule for every child with children).
  ProcessOptions contained;
  contained.own_pid_namespace = true;
  ProcessResult r = run_process({"ldd", binary.string()}, contained);
  // ldd exits 1 for a static binary, with "not a dynamic executable".
  if (r.exit_code != 0 && r.output.find("not a dynamic executable") == std::string::npos)
    throw Error("ldd " + binary.string() + " failed (exit " + std::to_string(r.exit_code) +
                "): " + trim(r.output));
  return parse_ldd_output(r.output, binary.string());
}

std::vector<std::string> busybox_applets(const fs::path& busybox) {
  std::string out = run_checked({busybox.string(), "--list-full"}, "busybox --list-full");
  std::vector<std::string> applets;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);)
    if (!trim(line).empty()) applets.push_back(trim(line));
  if (applets.empty()) throw Error(busybox.string() + " --list-full printed no applets");
  return applets;
}

}  // namespace famlab::image
