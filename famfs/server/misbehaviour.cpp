#include "famfs/server/misbehaviour.h"

#include "famfs/fuse/wire.h"

namespace famlab::famfs::server {

namespace {

uint32_t longest(const std::vector<LateReply>& list, uint32_t opcode) {
  uint32_t delay = 0;
  for (const auto& late : list)
    if ((!late.opcode || *late.opcode == opcode) && late.delay_ms > delay) delay = late.delay_ms;
  return delay;
}

}  // namespace

uint32_t Misbehaviour::delay_ms(uint32_t opcode) const { return longest(options_.late, opcode); }

uint32_t Misbehaviour::defer_ms(uint32_t opcode) const { return longest(options_.deferred, opcode); }

std::optional<std::string> Misbehaviour::death(uint32_t opcode, const std::string& opcode_name) {
  if (opcode != fuse::kInit) ++after_init_;
  if (options_.die_on_opcode && *options_.die_on_opcode == opcode && ++matching_ == options_.die_on_count)
    return "--die-on: " + opcode_name + " #" + std::to_string(matching_) +
           " arrived; exited without answering it";
  if (options_.die_after_requests && opcode != fuse::kInit && after_init_ == *options_.die_after_requests)
    return "--die-after: request " + std::to_string(after_init_) + " after INIT (" + opcode_name +
           ") arrived; exited without answering it";
  return std::nullopt;
}

}  // namespace famlab::famfs::server
