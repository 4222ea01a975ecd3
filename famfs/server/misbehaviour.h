#pragma once
// When the server answers late or dies instead of answering, as scenarios
// ask (--late, --die-on, --die-after). Decides only; the session acts.
#include <cstdint>
#include <optional>
#include <string>

#include "famfs/server/server_options.h"

namespace famlab::famfs::server {

class Misbehaviour {
 public:
  explicit Misbehaviour(const ServerOptions& options) : options_(options) {}

  // How long to hold the reply to this opcode (the longest matching --late).
  uint32_t delay_ms(uint32_t opcode) const;
  // How long to hold only the reply, serving on meanwhile (--defer).
  uint32_t defer_ms(uint32_t opcode) const;

  // Call once per request, in arrival order. Returns why the server must
  // die now (without answering), or nullopt. INIT itself never counts for
  // --die-after: the mount has to come up first.
  std::optional<std::string> death(uint32_t opcode, const std::string& opcode_name);

 private:
  const ServerOptions& options_;
  uint64_t after_init_ = 0;
  uint32_t matching_ = 0;
};

}  // namespace famlab::famfs::server
