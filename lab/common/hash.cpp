#include "lab/common/hash.h"

#include <openssl/evp.h>

#include <cstdint>
#include <fstream>
#include <vector>

#include "base/error.h"
#include "base/hex.h"

namespace famlab {

struct Hasher::Impl {
  EVP_MD_CTX* ctx = nullptr;
};

Hasher::Hasher() : impl_(new Impl) {
  impl_->ctx = EVP_MD_CTX_new();
  if (!impl_->ctx || EVP_DigestInit_ex(impl_->ctx, EVP_sha256(), nullptr) != 1)
    throw Error("sha256: cannot initialise digest");
}

Hasher::~Hasher() {
  EVP_MD_CTX_free(impl_->ctx);
  delete impl_;
}

Hasher& Hasher::add(std::string_view bytes) {
  uint64_t n = bytes.size();
  EVP_DigestUpdate(impl_->ctx, &n, sizeof n);
  EVP_DigestUpdate(impl_->ctx, bytes.data(), bytes.size());
  return *this;
}

Hasher& Hasher::add_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(Location{file.string()}, "cannot read file for hashing");
  std::vector<char> buf(1 << 16);
  uint64_t total = 0;
  while (in.read(buf.data(), static_cast<std::streamsize>(buf.size())) || in.gcount() > 0) {
    EVP_DigestUpdate(impl_->ctx, buf.data(), static_cast<size_t>(in.gcount()));
    total += static_cast<uint64_t>(in.gcount());
  }
  EVP_DigestUpdate(impl_->ctx, &total, sizeof total);
  return *this;
}

std::string Hasher::hex() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(impl_->ctx, md, &len);
  return hex_bytes(md, len);
}

std::string sha256_hex(std::string_view bytes) { return Hasher().add(bytes).hex(); }

}  // namespace famlab
