// libFuzzer target: any bytes at all go through the request decoder (both
// ABI generations) and the fmap decoder. They must come back as a request
// or an error, never a crash or a read outside the input (ASan watches).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "famfs/fuse/fmap_message.h"
#include "famfs/fuse/request.h"

using namespace famlab::famfs::fuse;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> bytes(data, size);
  for (AbiGeneration g : {AbiGeneration::RfcV2, AbiGeneration::V3}) {
    DecodeResult r = decode_request(bytes, famfs_abi(g));
    if (r.request && !r.error.empty()) std::abort();  // a request is either valid or not
    if (!r.request && r.error.empty()) std::abort();
    if (r.request) {
      // Views handed out must lie inside the input.
      const uint8_t* end = data + size;
      if (auto* w = std::get_if<WriteArgs>(&r.request->args))
        if (!w->data.empty() && (w->data.data() < data || w->data.data() + w->data.size() > end))
          std::abort();
      if (auto* n = std::get_if<NameArgs>(&r.request->args))
        if (!n->name.empty() && (reinterpret_cast<const uint8_t*>(n->name.data()) + n->name.size() >= end))
          std::abort();  // the terminating NUL is inside too
    }
  }
  FmapDecodeResult f = decode_fmap(bytes);
  if (f.message && encode_fmap(*f.message).size() != size) std::abort();  // strict decode re-encodes exactly
  return 0;
}
