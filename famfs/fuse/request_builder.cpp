#include "famfs/fuse/request_builder.h"

namespace famlab::famfs::fuse {

Bytes encode_request(uint32_t opcode, uint64_t unique, uint64_t nodeid,
                     std::initializer_list<std::span<const uint8_t>> parts) {
  InHeader h{};
  h.opcode = opcode;
  h.unique = unique;
  h.nodeid = nodeid;
  size_t len = sizeof(InHeader);
  for (auto p : parts) len += p.size();
  h.len = static_cast<uint32_t>(len);
  Bytes out;
  auto hb = record_bytes(h);
  out.insert(out.end(), hb.begin(), hb.end());
  for (auto p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Bytes name_arg(std::string_view name) {
  Bytes out(name.begin(), name.end());
  out.push_back(0);
  return out;
}

}  // namespace famlab::famfs::fuse
