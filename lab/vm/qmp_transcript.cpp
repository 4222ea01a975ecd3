#include "lab/vm/qmp_transcript.h"

#include <cstdio>
#include <ctime>

namespace famlab::vm {

QmpTranscript::QmpTranscript(const std::filesystem::path& file) : start_(std::chrono::steady_clock::now()) {
  if (!file.empty()) out_.open(file, std::ios::app);
}

void QmpTranscript::write(const char* direction, const std::string& text) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!out_.is_open()) return;
  auto now = std::chrono::system_clock::now();
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(us / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[64];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  double since = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  char head[128];
  std::snprintf(head, sizeof head, "%s.%06lldZ %+10.3fs %s ", stamp, static_cast<long long>(us % 1000000),
                since, direction);
  std::string body = text;
  while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.pop_back();
  out_ << head << body << '\n';
  out_.flush();
}

}  // namespace famlab::vm
