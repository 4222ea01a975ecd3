#pragma once
// The record of one guest's QMP traffic (qmp.log in its artifacts): every
// line sent and received, with wall-clock time (UTC, microseconds) and the
// seconds since the transcript began, plus notes (connection, failures).
// Written as it happens, so a hung or crashed QEMU leaves its last
// exchange behind. Safe to use from several threads.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>

namespace famlab::vm {

class QmpTranscript {
 public:
  // An empty path records nothing.
  explicit QmpTranscript(const std::filesystem::path& file);

  void sent(const std::string& line) { write("->", line); }
  void received(const std::string& line) { write("<-", line); }
  void note(const std::string& text) { write("--", text); }

 private:
  void write(const char* direction, const std::string& text);

  std::mutex mu_;
  std::ofstream out_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace famlab::vm
