#pragma once
// Test helper: a header-only stand-in for a bzImage. QEMU's x86 Linux
// loader reads only the setup header, so QEMU started frozen (-S) builds
// the whole machine from it without a real kernel.
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

namespace famlab::plan::test_support {

inline void write_stand_in_kernel(const std::filesystem::path& file) {
  std::vector<unsigned char> image(8192, 0);
  auto put32 = [&](size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) image[at + static_cast<size_t>(i)] = static_cast<unsigned char>(v >> (8 * i));
  };
  image[0x1f1] = 4;                       // setup sectors
  std::memcpy(&image[0x202], "HdrS", 4);  // boot protocol magic
  image[0x206] = 0x0f;                    // protocol 2.15
  image[0x207] = 0x02;
  image[0x211] = 0x01;       // loadflags: loaded high (bzImage)
  put32(0x22c, 0x7fffffff);  // initrd_addr_max
  put32(0x238, 4096);        // cmdline_size
  std::ofstream(file, std::ios::binary)
      .write(reinterpret_cast<const char*>(image.data()), static_cast<std::streamsize>(image.size()));
}

}  // namespace famlab::plan::test_support
