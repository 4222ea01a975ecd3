#include "famfs/fuse/request.h"

#include "famfs/fuse/byte_reader.h"
#include "famfs/fuse/famfs_wire.h"

namespace famlab::famfs::fuse {
namespace {

std::string too_short(const char* what, size_t have, size_t need) {
  return std::string(what) + ": argument is " + std::to_string(have) + " bytes, needs " +
         std::to_string(need);
}

// Reads one fixed-size argument record into args, or explains why not.
template <class T>
std::string read_fixed(ByteReader& r, const char* what, RequestArgs& args) {
  T value{};
  if (!r.read(value)) return too_short(what, r.remaining(), sizeof(T));
  args = value;
  return "";
}

std::string decode_args(uint32_t opcode, ByteReader& r, const FamfsAbi& abi, RequestArgs& args) {
  if (opcode == abi.get_fmap_opcode) {
    if (r.remaining() == 0) {
      args = GetFmapArgs{};
      return "";
    }
    GetFmapIn in{};
    if (!r.read(in)) return too_short("GET_FMAP", r.remaining(), sizeof(GetFmapIn));
    args = GetFmapArgs{in.size};
    return "";
  }
  if (opcode == abi.get_daxdev_opcode) {
    args = NoArgs{};  // the device index travels in the header's nodeid
    return "";
  }
  switch (opcode) {
    case kInit: {
      if (r.remaining() < kInitInMinSize) return too_short("INIT", r.remaining(), kInitInMinSize);
      InitIn in{};
      r.read_prefix(in);
      args = in;
      return "";
    }
    case kLookup: {
      NameArgs a;
      if (!r.read_cstring(a.name)) return "LOOKUP: name is not NUL-terminated within the request";
      args = a;
      return "";
    }
    case kForget:
      return read_fixed<ForgetIn>(r, "FORGET", args);
    case kBatchForget: {
      BatchForgetIn in{};
      if (!r.read(in)) return too_short("BATCH_FORGET", r.remaining(), sizeof(in));
      // Compare by division: count * 16 could overflow on a hostile count.
      if (in.count > r.remaining() / sizeof(ForgetOne))
        return "BATCH_FORGET: count " + std::to_string(in.count) + " needs more than the " +
               std::to_string(r.remaining()) + " bytes that follow";
      BatchForgetArgs a;
      a.items.resize(in.count);
      for (auto& item : a.items) r.read(item);
      args = std::move(a);
      return "";
    }
    case kGetattr:
      return read_fixed<GetattrIn>(r, "GETATTR", args);
    case kSetattr:
      return read_fixed<SetattrIn>(r, "SETATTR", args);
    case kOpen:
    case kOpendir:
      return read_fixed<OpenIn>(r, opcode == kOpen ? "OPEN" : "OPENDIR", args);
    case kRead:
      return read_fixed<ReadIn>(r, "READ", args);
    case kReaddir:
    case kReaddirplus: {
      ReaddirArgs a{};
      if (!r.read(a.in)) return too_short("READDIR", r.remaining(), sizeof(ReadIn));
      args = a;
      return "";
    }
    case kWrite: {
      WriteArgs a{};
      if (!r.read(a.in)) return too_short("WRITE", r.remaining(), sizeof(WriteIn));
      if (a.in.size != r.remaining())
        return "WRITE: claims " + std::to_string(a.in.size) + " data bytes but carries " +
               std::to_string(r.remaining());
      a.data = r.rest();
      args = a;
      return "";
    }
    case kRelease:
    case kReleasedir:
      return read_fixed<ReleaseIn>(r, opcode == kRelease ? "RELEASE" : "RELEASEDIR", args);
    case kFlush:
      return read_fixed<FlushIn>(r, "FLUSH", args);
    case kGetxattr: {
      GetxattrArgs a{};
      if (!r.read(a.in)) return too_short("GETXATTR", r.remaining(), sizeof(GetxattrIn));
      if (!r.read_cstring(a.name)) return "GETXATTR: name is not NUL-terminated within the request";
      args = a;
      return "";
    }
    case kListxattr: {
      ListxattrArgs a{};
      if (!r.read(a.in)) return too_short("LISTXATTR", r.remaining(), sizeof(GetxattrIn));
      args = a;
      return "";
    }
    case kAccess:
      return read_fixed<AccessIn>(r, "ACCESS", args);
    case kInterrupt:
      return read_fixed<InterruptIn>(r, "INTERRUPT", args);
    case kLseek:
      return read_fixed<LseekIn>(r, "LSEEK", args);
    case kStatfs:
    case kDestroy:
      args = NoArgs{};
      return "";
    default:
      args = OtherArgs{r.rest()};
      return "";
  }
}

}  // namespace

DecodeResult decode_request(std::span<const uint8_t> bytes, const FamfsAbi& abi) {
  DecodeResult result;
  ByteReader whole(bytes);
  InHeader h{};
  if (!whole.read(h)) {
    result.error = "request is " + std::to_string(bytes.size()) + " bytes, shorter than its " +
                   std::to_string(sizeof(InHeader)) + "-byte header";
    return result;
  }
  result.header = h;
  if (h.len != bytes.size()) {
    result.error =
        "header says " + std::to_string(h.len) + " bytes but " + std::to_string(bytes.size()) + " were read";
    return result;
  }
  // Extensions (security context, supplementary groups) sit at the end.
  size_t payload = bytes.size() - sizeof(InHeader);
  size_t extensions = static_cast<size_t>(h.total_extlen) * 8;
  if (extensions > payload) {
    result.error = "extensions of " + std::to_string(extensions) + " bytes exceed the " +
                   std::to_string(payload) + "-byte payload";
    return result;
  }
  ByteReader args_reader(bytes.subspan(sizeof(InHeader), payload - extensions));
  Request req;
  req.header = h;
  std::string error = decode_args(h.opcode, args_reader, abi, req.args);
  if (!error.empty()) {
    result.error = error;
    return result;
  }
  result.request = std::move(req);
  return result;
}

}  // namespace famlab::famfs::fuse
