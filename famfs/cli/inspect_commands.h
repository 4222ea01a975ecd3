#pragma once
// The read-only subcommands: ls, getmap and fsck. They open the device
// read-only and never change it.
#include <ostream>
#include <string>

namespace famlab::famfs::cli {

// One line per entry: type and mode, uid, gid, size, name ("/" after dirs).
void ls_command(const std::string& device, const std::string& path, bool recursive, std::ostream& out);
// A file's size and map, as text or JSON.
void getmap_command(const std::string& device, const std::string& path, bool json, std::ostream& out);
// Prints the report; returns the exit status (0 clean, 1 errors found).
int fsck_command(const std::string& device, bool json, std::ostream& out);

}  // namespace famlab::famfs::cli
