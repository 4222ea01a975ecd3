#pragma once
// Test helper: a file shaped like a bzImage setup header, carrying `version`.
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace famlab::kernel::test_support {

inline void write_fake_bzimage(const std::filesystem::path& file, const std::string& version) {
  std::vector<char> b(0x4000, 0);
  b[0x1fe] = 0x55;
  b[0x1ff] = static_cast<char>(0xaa);
  const std::string magic = "HdrS";
  std::copy(magic.begin(), magic.end(), b.begin() + 0x202);
  const size_t at = 0x3000;  // version string offset; header stores it minus 0x200
  b[0x20e] = static_cast<char>((at - 0x200) & 0xff);
  b[0x20f] = static_cast<char>((at - 0x200) >> 8);
  std::copy(version.begin(), version.end(), b.begin() + at);
  std::ofstream(file, std::ios::binary).write(b.data(), static_cast<std::streamsize>(b.size()));
}

}  // namespace famlab::kernel::test_support
