#include "harness/agent/child_reaper.h"

#include <sys/wait.h>

#include <cerrno>
#include <map>
#include <mutex>

namespace famlab::agent {
namespace {

std::mutex g_mutex;
std::map<pid_t, std::optional<int>> g_tracked;

int decode_status(int st) { return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st); }

}  // namespace

void track_child(pid_t pid) {
  std::lock_guard lock(g_mutex);
  g_tracked[pid] = std::nullopt;
}

void forget_child(pid_t pid) {
  std::lock_guard lock(g_mutex);
  g_tracked.erase(pid);
}

std::optional<int> child_exit_status(pid_t pid) {
  std::lock_guard lock(g_mutex);
  auto it = g_tracked.find(pid);
  if (it != g_tracked.end() && it->second) return it->second;
  int st = 0;
  pid_t r = waitpid(pid, &st, WNOHANG);
  if (r == pid) {
    g_tracked[pid] = decode_status(st);
    return decode_status(st);
  }
  if (r < 0 && errno == ECHILD) return -1;  // not ours, or reaped behind our back
  return std::nullopt;
}

void reap_children() {
  std::lock_guard lock(g_mutex);
  int st = 0;
  pid_t pid;
  while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
    auto it = g_tracked.find(pid);
    if (it != g_tracked.end()) it->second = decode_status(st);
  }
}

}  // namespace famlab::agent
