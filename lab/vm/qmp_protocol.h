#pragma once
// QEMU's machine protocol (QMP) as data: what QEMU sends (a greeting, a
// reply to a command, an asynchronous event) and the commands famlab sends.
// One JSON object per line in both directions. Pure functions; the
// transports (qmp_transport.h) move the lines.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/error.h"

namespace famlab::vm {

// The monitor could not be used: not reachable, closed, silent past a
// deadline, or it sent something that is not QMP. Distinct from a command
// QEMU refused (that is a QmpReply with an error).
class QmpTransportError : public Error {
 public:
  using Error::Error;
};

// {"QMP": {"version": {...}, "capabilities": [...]}}
struct QmpGreeting {
  std::string version;  // "10.0.2"
  std::string package;  // "Debian 1:10.0.2+ds-2..."
  std::vector<std::string> capabilities;
};

// {"error": {"class": "GenericError", "desc": "..."}}
struct QmpErrorReply {
  std::string error_class;  // GenericError, CommandNotFound, DeviceNotFound, ...
  std::string desc;
};

// The answer to one command: a return value or an error, never both.
struct QmpReply {
  nlohmann::json id;  // as sent back (null when QEMU could not read ours)
  std::optional<nlohmann::json> value;
  std::optional<QmpErrorReply> error;
  bool ok() const { return value.has_value(); }
};

// {"event": "...", "data": {...}, "timestamp": {"seconds": s, "microseconds": us}}
struct QmpEvent {
  std::string name;
  nlohmann::json data;   // {} when the event has none
  double timestamp = 0;  // QEMU's clock, seconds since the epoch
};

using QmpIncoming = std::variant<QmpGreeting, QmpReply, QmpEvent>;

// Classifies one line from QEMU. Throws QmpTransportError for a line that is
// not JSON or not one of the three shapes.
QmpIncoming parse_qmp_line(const std::string& line);

// {"execute": name, "arguments": args, "id": id}; no "arguments" when args
// is null or an empty object, no "id" when id is null.
nlohmann::json qmp_command(const std::string& name, const nlohmann::json& args, const nlohmann::json& id);

// A reply as report.json and the transcript show it: {"return": ...} or
// {"error": {"class": ..., "desc": ...}}.
nlohmann::json to_json(const QmpReply& reply);
nlohmann::json to_json(const QmpEvent& event);

}  // namespace famlab::vm
