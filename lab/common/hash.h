#pragma once
// Content hashes for cache keys: a cache entry is valid exactly when the
// hash of everything that went into it is unchanged.
#include <filesystem>
#include <string>
#include <string_view>

namespace famlab {

class Hasher {
 public:
  Hasher();
  ~Hasher();
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  // Each piece is length-prefixed, so ("ab","c") and ("a","bc") differ.
  Hasher& add(std::string_view bytes);
  Hasher& add_file(const std::filesystem::path& file);  // contents, not name
  std::string hex();                                      // sha256, 64 chars

 private:
  struct Impl;
  Impl* impl_;
};

std::string sha256_hex(std::string_view bytes);

}  // namespace famlab
