#include "famfs/server/synthetic_files.h"

#include <charconv>

namespace famlab::famfs::server {

std::optional<uint64_t> FuzzFiles::lookup(std::string_view name) const {
  constexpr std::string_view prefix = "fmap-";
  if (name.substr(0, prefix.size()) != prefix) return std::nullopt;
  std::string_view digits = name.substr(prefix.size());
  if (digits.empty() || (digits.size() > 1 && digits[0] == '0')) return std::nullopt;  // one name per index
  uint64_t index = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
  if (ec != std::errc() || end != digits.data() + digits.size() || index >= count_) return std::nullopt;
  return kSyntheticNodeBase + index;
}

std::optional<SyntheticFile> FuzzFiles::file(uint64_t nodeid) const {
  if (nodeid < kSyntheticNodeBase || nodeid - kSyntheticNodeBase >= count_) return std::nullopt;
  const uint64_t index = nodeid - kSyntheticNodeBase;
  if (!last_ || last_->index != index) last_ = fuzz_case(setup_, index);
  return SyntheticFile{nodeid, last_->file_size, last_->reply};
}

std::optional<uint64_t> ReplayFiles::lookup(std::string_view name) const {
  for (size_t i = 0; i < entries_.size(); ++i)
    if (entries_[i].name == name) return kSyntheticNodeBase + i;
  return std::nullopt;
}

std::optional<SyntheticFile> ReplayFiles::file(uint64_t nodeid) const {
  if (nodeid < kSyntheticNodeBase || nodeid - kSyntheticNodeBase >= entries_.size()) return std::nullopt;
  const SavedFmap& m = entries_[nodeid - kSyntheticNodeBase].map;
  return SyntheticFile{nodeid, m.file_size, m.reply};
}

}  // namespace famlab::famfs::server
