#pragma once
// Turns kernel traces into something a developer can read: every frame
// gets its source location (file:line, and the calls inlined there) from
// the kernel's vmlinux, through binutils (nm once, addr2line once per batch
// of traces). Frames are found by name and offset ("func+0x12/0x40"), which
// KASLR does not change; bare addresses (a kernel without KALLSYMS) are
// looked up as they are when the kernel is not relocated, and also get a
// name. With only a System.map the frames get names but no lines.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "lab/common/trace_line.h"

namespace famlab::kernel {

struct SymbolFile {
  std::filesystem::path path;  // vmlinux (ELF, ideally with line tables) or System.map
  // Bare addresses in traces are link addresses: the kernel is not
  // relocated at boot (no CONFIG_RANDOMIZE_BASE).
  bool fixed_addresses = false;
};

class Symbolizer {
 public:
  explicit Symbolizer(SymbolFile symbols);

  // Annotates every frame line of every text in place, with one addr2line
  // run for all of them. Lines already annotated, and frames the symbols do
  // not know (modules, user space), stay as they are. Never throws: a
  // symbolizer that cannot run leaves the traces as the kernel wrote them
  // and says why in last_error().
  void annotate(std::vector<std::string>& texts);
  std::string annotate(const std::string& text);

  const SymbolFile& symbols() const { return symbols_; }
  const std::string& last_error() const { return last_error_; }

  struct Symbol {
    uint64_t address = 0;
    uint64_t size = 0;  // 0: unknown (System.map), bounded by the next symbol
    std::string name;
  };
  // The symbol table (text symbols only), loaded on first use.
  const std::vector<Symbol>& table();

  // The link address of a named frame: the symbol whose size matches the
  // frame's (static functions share names), else the first of that name.
  std::optional<uint64_t> address_of(const TraceFrame& frame);
  // The function containing `address` ("" if none).
  std::optional<TraceFrame> frame_at(uint64_t address);

 private:
  void load();
  std::map<uint64_t, std::vector<SourceLocation>> addr2line(const std::vector<uint64_t>& addresses);
  std::string source_relative(const std::string& file) const;

  SymbolFile symbols_;
  bool loaded_ = false;
  bool is_elf_ = false;
  std::vector<Symbol> table_;                   // sorted by address
  std::multimap<std::string, size_t> by_name_;  // name -> index in table_
  std::string source_prefix_;                   // stripped from addr2line's paths
  bool calibrated_ = false;
  std::string last_error_;
};

// The part of an addr2line path inside the kernel tree, given where
// init/main.c was found ("" prefix: keep the path, normalized).
std::string kernel_relative_path(const std::string& file, const std::string& prefix);

// Reads `nm -S -n` output or a System.map into text symbols sorted by address.
std::vector<Symbolizer::Symbol> parse_symbol_listing(const std::string& text);

// Parses `addr2line -a -f -i` output: address -> locations, innermost first.
std::map<uint64_t, std::vector<SourceLocation>> parse_addr2line_output(const std::string& text);

}  // namespace famlab::kernel
