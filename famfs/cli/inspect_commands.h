#pragma once
// The read-only subcommands: ls, getmap and fsck. They open the device
// read-only and never change it, so any host (master or client) may run
// them, also while the master appends.
#include <ostream>
#include <string>

namespace famlab::famfs::cli {

// One line per entry: type and mode, uid, gid, size, name ("/" after dirs).
void ls_command(const std::string& device, const std::string& path, bool recursive, std::ostream& out);
// A file's size and map, as text or JSON.
void getmap_command(const std::string& device, const std::string& path, bool json, std::ostream& out);
// fsck's exit statuses: 0 clean, 1 damaged, 4 no damage but a torn tail
// (the last append never committed: a master killed mid-append, or one
// appending right now).
constexpr int kFsckClean = 0;
constexpr int kFsckDamaged = 1;
constexpr int kFsckTornTail = 4;
// Prints the report; returns the exit status.
int fsck_command(const std::string& device, bool json, std::ostream& out);

}  // namespace famlab::famfs::cli
