#pragma once
// Finds kernel splats in a stream of kernel log lines: WARN, BUG, Oops,
// KASAN/UBSAN/KFENCE reports, lockdep (every report kind), kmemleak's "new
// suspected memory leaks", hung tasks, a bare Call Trace, and panics. A
// splat that occurs while a step runs fails that step, with the trace
// attached.
#include <optional>
#include <string>
#include <vector>

namespace famlab::vm {

struct Splat {
  std::string kind;   // "WARNING", "BUG", "Oops", "KASAN", "UBSAN", "lockdep", "kmemleak", "panic", ...
  std::string title;  // the line that started it
  std::string text;   // the whole block, trace included
};

class SplatDetector {
 public:
  // Feed one log line (console or kmsg text, without the trailing newline).
  void feed(const std::string& line);
  // Splats completed since the last call (a splat still collecting its trace
  // is returned by flush()).
  std::vector<Splat> take();
  // Ends any splat in progress (call when a step finishes or the VM stops).
  std::vector<Splat> flush();
  bool panicked() const { return panicked_; }
  const std::string& panic_text() const { return panic_text_; }

 private:
  void finish_current();
  bool ends_current(const std::string& line);

  std::optional<Splat> current_;
  int lines_in_current_ = 0;
  bool saw_backtrace_ = false;  // lockdep: "stack backtrace:" seen
  std::vector<Splat> done_;
  bool panicked_ = false;
  std::string panic_text_;
};

// Strips the console's "[    1.234567] " timestamp prefix and terminal
// escape sequences, so console and kmsg lines look alike.
std::string normalize_log_line(const std::string& line);

}  // namespace famlab::vm
