#pragma once
// The per-scenario artifact folder: everything needed to reproduce a run on
// another machine (exact QEMU command, topology, scenario, kernel config and
// version, guest plan) next to what the run produced (serial, dmesg, agent
// log).
#include <filesystem>
#include <string>
#include <vector>

namespace famlab::runner {

// Quotes argv for a POSIX shell, one argument per line for readability.
std::string shell_command(const std::vector<std::string>& argv);

// Writes text to dir/name, creating dir. Throws Error naming the file.
void write_artifact(const std::filesystem::path& dir, const std::string& name, const std::string& text);
// Copies a file in when it exists; silently nothing otherwise (no config
// for a user's bzImage, for example).
void copy_artifact(const std::filesystem::path& dir, const std::string& name,
                   const std::filesystem::path& from);

// "interleave-2way-2hb" + "plain" -> a folder name safe on any filesystem.
std::string artifact_dir_name(const std::string& scenario, const std::string& kernel);

}  // namespace famlab::runner
