#include "famfs/server/server_options.h"

#include <array>
#include <charconv>
#include <utility>

#include "base/error.h"
#include "famfs/fuse/famfs_wire.h"
#include "famfs/fuse/opcode_names.h"

namespace famlab::famfs::server {
namespace {

constexpr std::array<std::pair<CapDrop, const char*>, 10> kCapDrop{{
    {CapDrop::None, "none"},
    {CapDrop::Bounding, "bounding"},
    {CapDrop::Capset, "capset"},
    {CapDrop::User, "user"},
    {CapDrop::UserFd, "user-fd"},
    {CapDrop::Supervisor, "supervisor"},
    {CapDrop::CapsetAfterInit, "capset-after-init"},
    {CapDrop::HandoffAfterInit, "handoff-after-init"},
    {CapDrop::CloneAfterInit, "clone-after-init"},
    {CapDrop::UringPersonality, "uring-personality"},
}};
constexpr std::array<std::pair<MountMethod, const char*>, 3> kMountMethod{{
    {MountMethod::Auto, "auto"},
    {MountMethod::Syscall, "mount"},
    {MountMethod::Fusermount, "fusermount3"},
}};
constexpr std::array<std::pair<FmapFault, const char*>, 23> kFmapFault{{
    {FmapFault::None, "none"},
    {FmapFault::Overlap, "overlap"},
    {FmapFault::BeyondDevice, "beyond-device"},
    {FmapFault::MisalignedOffset, "misaligned-offset"},
    {FmapFault::MisalignedLength, "misaligned-length"},
    {FmapFault::ZeroExtents, "zero-extents"},
    {FmapFault::HugeExtentCount, "huge-extent-count"},
    {FmapFault::TooManyExtents, "too-many-extents"},
    {FmapFault::TooManyStrips, "too-many-strips"},
    {FmapFault::ChunkZero, "chunk-zero"},
    {FmapFault::ChunkNotPowerOfTwo, "chunk-not-pow2"},
    {FmapFault::ShortReply, "short-reply"},
    {FmapFault::WrongFileSize, "wrong-file-size"},
    {FmapFault::DevindexBeyondTable, "devindex-beyond-table"},
    {FmapFault::DevindexUnknown, "devindex-unknown"},
    {FmapFault::ZeroLengthExtent, "zero-length-extent"},
    {FmapFault::ExtentWraps, "extent-wraps"},
    {FmapFault::ShortCoverage, "short-coverage"},
    {FmapFault::ReservedHeader, "reserved-header"},
    {FmapFault::ReservedExtent, "reserved-extent"},
    {FmapFault::ReservedInterleave, "reserved-interleave"},
    {FmapFault::StripsZero, "strips-zero"},
    {FmapFault::HugeStripCount, "huge-strip-count"},
}};
constexpr std::array<std::pair<fuse::DaxFmapPolicy, const char*>, 3> kDaxFmap{{
    {fuse::DaxFmapPolicy::Accept, "accept"},
    {fuse::DaxFmapPolicy::Decline, "decline"},
    {fuse::DaxFmapPolicy::Force, "force"},
}};
constexpr std::array<std::pair<NotifyStore, const char*>, 3> kNotifyStore{{
    {NotifyStore::None, "none"},
    {NotifyStore::FirstOpen, "first-open"},
    {NotifyStore::LaterOpens, "later-opens"},
}};

template <class E, size_t N>
std::optional<E> find_word(const std::array<std::pair<E, const char*>, N>& table, std::string_view word) {
  for (const auto& [value, name] : table)
    if (word == name) return value;
  return std::nullopt;
}

template <class E, size_t N>
const char* find_name(const std::array<std::pair<E, const char*>, N>& table, E value) {
  for (const auto& [v, name] : table)
    if (v == value) return name;
  return "?";
}

template <class E, size_t N>
std::string all_words(const std::array<std::pair<E, const char*>, N>& table) {
  std::string out;
  for (const auto& [v, name] : table) out += (out.empty() ? "" : "|") + std::string(name);
  return out;
}

std::optional<uint32_t> number(std::string_view text) {
  uint32_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) return std::nullopt;
  return v;
}

uint32_t opcode_word(std::string_view word, const fuse::FamfsAbi& abi, std::string_view option) {
  auto op = fuse::opcode_from_name(word, abi);
  if (!op)
    throw Error(std::string(option) + ": '" + std::string(word) +
                "' is not an opcode name (like read, get_fmap)");
  return *op;
}

}  // namespace

std::optional<CapDrop> parse_cap_drop(std::string_view w) { return find_word(kCapDrop, w); }
std::optional<MountMethod> parse_mount_method(std::string_view w) { return find_word(kMountMethod, w); }
std::optional<FmapFault> parse_fmap_fault(std::string_view w) { return find_word(kFmapFault, w); }
std::optional<fuse::DaxFmapPolicy> parse_dax_fmap_policy(std::string_view w) {
  return find_word(kDaxFmap, w);
}
std::optional<NotifyStore> parse_notify_store(std::string_view w) { return find_word(kNotifyStore, w); }
const char* to_string(CapDrop v) { return find_name(kCapDrop, v); }
const char* to_string(MountMethod v) { return find_name(kMountMethod, v); }
const char* to_string(FmapFault v) { return find_name(kFmapFault, v); }
const char* to_string(fuse::DaxFmapPolicy v) { return find_name(kDaxFmap, v); }
const char* to_string(NotifyStore v) { return find_name(kNotifyStore, v); }
std::string cap_drop_words() { return all_words(kCapDrop); }
std::string fmap_fault_words() { return all_words(kFmapFault); }

std::pair<uint32_t, std::string> parse_daxdev(std::string_view text) {
  size_t eq = text.find('=');
  auto index = eq == std::string_view::npos ? std::nullopt : number(text.substr(0, eq));
  if (!index || *index < 1 || *index > 15 || eq + 1 >= text.size())
    throw Error("--daxdev: '" + std::string(text) + "' is not INDEX=PATH with INDEX 1..15 (0 is DEVICE)");
  std::string path(text.substr(eq + 1));
  if (path.size() >= fuse::kDaxdevNameMax)
    throw Error("--daxdev: '" + path + "' does not fit GET_DAXDEV's 256 bytes");
  return {*index, path};
}

std::pair<std::string, uint32_t> parse_file_device(std::string_view text) {
  size_t eq = text.rfind('=');
  auto index = eq == std::string_view::npos ? std::nullopt : number(text.substr(eq + 1));
  if (!index || *index > 15 || eq == 0)
    throw Error("--file-device: '" + std::string(text) + "' is not PATH=INDEX with INDEX 0..15");
  std::string path(text.substr(0, eq));
  if (path.front() != '/') path = "/" + path;
  return {path, *index};
}

LateReply parse_late_reply(std::string_view text, const fuse::FamfsAbi& abi) {
  size_t colon = text.find(':');
  if (colon == std::string_view::npos)
    throw Error("--late: '" + std::string(text) + "' is not OPCODE:MILLISECONDS");
  auto ms = number(text.substr(colon + 1));
  if (!ms)
    throw Error("--late: '" + std::string(text.substr(colon + 1)) + "' is not a number of milliseconds");
  LateReply late;
  late.delay_ms = *ms;
  std::string_view op = text.substr(0, colon);
  if (op != "all") late.opcode = opcode_word(op, abi, "--late");
  return late;
}

std::pair<uint32_t, uint32_t> parse_die_on(std::string_view text, const fuse::FamfsAbi& abi) {
  size_t colon = text.find(':');
  uint32_t count = 1;
  if (colon != std::string_view::npos) {
    auto n = number(text.substr(colon + 1));
    if (!n || *n == 0)
      throw Error("--die-on: '" + std::string(text.substr(colon + 1)) + "' is not a count >= 1");
    count = *n;
  }
  return {opcode_word(text.substr(0, colon), abi, "--die-on"), count};
}

}  // namespace famlab::famfs::server
