#include "famfs/server/privilege_drop.h"

#include <grp.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "base/error.h"
#include "famfs/server/capabilities.h"

namespace famlab::famfs::server {
namespace {

std::string errno_text() { return std::strerror(errno); }

}  // namespace

void drop_rawio_from_bounding_set() {
  if (prctl(PR_CAPBSET_DROP, CAP_SYS_RAWIO, 0, 0, 0) != 0)
    throw Error("cap-drop bounding: prctl(PR_CAPBSET_DROP, CAP_SYS_RAWIO) failed: " + errno_text());
}

void drop_rawio_with_capset() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (syscall(SYS_capget, &header, data) != 0) throw Error("cap-drop capset: capget failed: " + errno_text());
  uint32_t bit = 1u << (CAP_SYS_RAWIO % 32);
  auto& word = data[CAP_SYS_RAWIO / 32];
  word.effective &= ~bit;
  word.permitted &= ~bit;
  word.inheritable &= ~bit;
  if (syscall(SYS_capset, &header, data) != 0) throw Error("cap-drop capset: capset failed: " + errno_text());
  if (read_credentials().sys_rawio.effective)
    throw Error("cap-drop capset: CAP_SYS_RAWIO is still effective after capset");
}

void become_user(uint32_t uid, uint32_t gid) {
  if (setgroups(0, nullptr) != 0) throw Error("cap-drop user: setgroups failed: " + errno_text());
  if (setresgid(gid, gid, gid) != 0)
    throw Error("cap-drop user: setresgid(" + std::to_string(gid) + ") failed: " + errno_text());
  if (setresuid(uid, uid, uid) != 0)
    throw Error("cap-drop user: setresuid(" + std::to_string(uid) + ") failed: " + errno_text());
  auto c = read_credentials();
  if (uid != 0 && (c.sys_rawio.effective || c.sys_admin.effective || c.sys_rawio.permitted))
    throw Error("cap-drop user: capabilities survived the switch to uid " + std::to_string(uid));
}

void become_user_in_this_thread(uint32_t uid, uint32_t gid) {
  if (syscall(SYS_setgroups, 0, nullptr) != 0)
    throw Error("cap-drop user: setgroups failed: " + errno_text());
  if (syscall(SYS_setresgid, gid, gid, gid) != 0)
    throw Error("cap-drop user: setresgid(" + std::to_string(gid) + ") failed: " + errno_text());
  if (syscall(SYS_setresuid, uid, uid, uid) != 0)
    throw Error("cap-drop user: setresuid(" + std::to_string(uid) + ") failed: " + errno_text());
  // capget of pid 0 is this thread's (/proc/self/status is the leader's).
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (syscall(SYS_capget, &header, data) != 0) throw Error("cap-drop user: capget failed: " + errno_text());
  if (uid != 0 && (data[0].effective || data[1].effective || data[0].permitted || data[1].permitted))
    throw Error("cap-drop user: capabilities survived the switch to uid " + std::to_string(uid));
}

}  // namespace famlab::famfs::server
