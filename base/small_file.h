#pragma once
// Small text files (sysfs attributes, stamps, status files, reports):
// read whole, written whole, or replaced so that a reader never sees half
// a file, even when the writer is killed mid-write.
#include <filesystem>
#include <optional>
#include <string>

namespace famlab {

// The whole file; throws Error naming the file when it cannot be read.
std::string read_small_file(const std::filesystem::path& file);
// The whole file, or nullopt when it cannot be read (absent, no permission).
std::optional<std::string> try_read_small_file(const std::filesystem::path& file);
// The first line without its newline ("" when empty or unreadable).
std::string read_first_line(const std::filesystem::path& file);

// Writes `contents` (truncating); throws Error naming the file.
void write_small_file(const std::filesystem::path& file, const std::string& contents);

// Writes a temporary file beside `file` and renames it into place; throws
// Error naming the file, and leaves no temporary behind.
void replace_file_atomically(const std::filesystem::path& file, const std::string& contents);

}  // namespace famlab
