#pragma once
// One frame of a kernel trace, as the kernel prints it and as famlab
// annotates it. The kernel writes a frame as "func+0x12/0x40" (KALLSYMS),
// "func+0x12/0x40 [module]", or a bare "0xffffffff812570cf" (no KALLSYMS),
// after "? " when the unwinder is unsure. The symbolizer (lab/kernel) adds
// the source location after the frame:
//   func+0x12/0x40 (fs/fuse/famfs.c:123)
//   func+0x12/0x40 (fs/fuse/file.c:40, inlined helper fs/fuse/famfs.c:12)
// (the location in `func`, then the calls inlined there, outermost first),
// and a bare address gets its name too:
//   0xffffffff812570cf (func+0x12/0x40 fs/fuse/famfs.c:123)
// The report reads frames back from that text (report.json's "frames").
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace famlab {

struct SourceLocation {
  std::string function;
  std::string file;  // relative to the kernel source tree when known
  int line = 0;
};

struct TraceFrame {
  std::string function;  // "" while a bare address has no name
  uint64_t offset = 0;
  uint64_t size = 0;
  std::string module;    // "" for the kernel image itself
  uint64_t address = 0;  // bare address frames
  bool reliable = true;  // false after "? "
  // The instruction itself (RIP, a KASAN or WARNING title), not a return
  // address: its line is the one that ran, not the one after a call.
  bool exact = false;
  std::string file;  // the location in `function`; "" when unknown
  int line = 0;
  std::vector<SourceLocation> inlined;  // calls inlined at this point, outermost first
  // The frame's characters in the line, annotation included ([begin, end)).
  size_t begin = 0;
  size_t end = 0;
  bool annotated = false;  // the line already carries a location
};

// The frame a trace line ends with (a frame line, a "RIP: 0010:..." line, a
// title "... in func+0x1/0x2", a lockdep "at: func+0x1/0x2"), with its
// annotation if there is one. nullopt for every other line.
std::optional<TraceFrame> parse_trace_line(std::string_view line);

// "fs/x.c:40, inlined helper fs/y.c:12" ("" when the frame has no file).
std::string location_text(const TraceFrame& frame);

// "func+0x12/0x40" (or "0xffffffff812570cf" for an unnamed address).
std::string frame_symbol_text(const TraceFrame& frame);

// Every frame in a block of trace text, in order.
std::vector<TraceFrame> parse_trace_frames(std::string_view text);

}  // namespace famlab
