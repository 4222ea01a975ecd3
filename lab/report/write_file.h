#pragma once
// Reports are written to a temporary name and renamed into place, so a
// reader (CI) never sees half a file, even if famlab is killed mid-write.
#include <filesystem>
#include <string>

namespace famlab::report {

void write_file_atomically(const std::filesystem::path& file, const std::string& contents);

}  // namespace famlab::report
