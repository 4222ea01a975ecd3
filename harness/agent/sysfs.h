#pragma once
// Small helpers for reading and writing sysfs attributes. Every failure is a
// famlab::Error that names the file and the errno text, because a refused
// sysfs write is usually the only hint the kernel gives.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace famlab::agent {

namespace fs = std::filesystem;

// Where the guest's sysfs and /dev live. Unit tests point both into a
// directory tree built in a temp dir.
struct SystemRoots {
  fs::path sys = "/sys";
  fs::path dev = "/dev";
};

// The attribute's text without the trailing newline. Throws Error.
std::string read_attr(const fs::path& file);
// nullopt when the file is missing or unreadable (optional attributes).
std::optional<std::string> try_read_attr(const fs::path& file);
// Parses decimal or 0x-prefixed hex, as the kernel prints them. Throws Error.
uint64_t read_u64_attr(const fs::path& file);
uint64_t parse_u64(const std::string& text, const std::string& what);
// One write() of the value and a newline, like echo. Throws Error.
void write_attr(const fs::path& file, const std::string& value);

// Entry names in `dir` that start with `prefix`, in natural order
// (mem2 before mem10). Empty when the directory does not exist.
std::vector<std::string> list_names(const fs::path& dir, const std::string& prefix);
// "decoder3.10" vs "decoder3.2": digit runs compare as numbers.
bool natural_less(const std::string& a, const std::string& b);

// The canonical path (symlinks resolved); the path itself when it cannot be
// resolved.
fs::path real_path(const fs::path& p);
// The last component of a symlink's target ("device_dax" for a driver
// link); empty when there is no such link.
std::string link_name(const fs::path& link);
// True when `child` lies inside directory `parent` (both canonical).
bool is_below(const fs::path& child, const fs::path& parent);

// The bus directories the object model looks in.
inline fs::path cxl_bus_devices(const fs::path& sys) { return sys / "bus/cxl/devices"; }
inline fs::path dax_bus_devices(const fs::path& sys) { return sys / "bus/dax/devices"; }
inline fs::path nd_bus_devices(const fs::path& sys) { return sys / "bus/nd/devices"; }

// The number at the end of a device name: "endpoint3" -> 3, "dport12" -> 12.
std::optional<int> trailing_number(const std::string& name);

}  // namespace famlab::agent
