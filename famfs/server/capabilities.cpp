#include "famfs/server/capabilities.h"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace famlab::famfs::server {
namespace {

protocol::FamfsCapability capability(const __user_cap_data_struct (&data)[2], int cap) {
  uint32_t bit = 1u << (cap % 32);
  int word = cap / 32;
  protocol::FamfsCapability c;
  c.effective = data[word].effective & bit;
  c.permitted = data[word].permitted & bit;
  c.bounding = prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1;
  return c;
}

}  // namespace

protocol::FamfsCredentials read_credentials() {
  protocol::FamfsCredentials c;
  uid_t ruid, euid, suid;
  gid_t rgid, egid, sgid;
  getresuid(&ruid, &euid, &suid);
  getresgid(&rgid, &egid, &sgid);
  c.uid = ruid;
  c.euid = euid;
  c.gid = rgid;
  c.egid = egid;
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (syscall(SYS_capget, &header, data) != 0) return c;  // reported as no capabilities
  c.sys_rawio = capability(data, CAP_SYS_RAWIO);
  c.sys_admin = capability(data, CAP_SYS_ADMIN);
  return c;
}

}  // namespace famlab::famfs::server
