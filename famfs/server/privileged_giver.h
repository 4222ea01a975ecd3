#pragma once
// A privileged helper thread that gives dax devices to the connection
// (FUSE_DEV_IOC_FAMFS_DAXDEV) for a server whose serving thread became an
// ordinary user. Linux credentials belong to threads: the helper keeps the
// ones it was started with, so the device is given by a task holding
// CAP_SYS_RAWIO, which the famfs kernel requires after INIT (patch 0011).
// The ioctl has no io_uring path, so a server that answers through an
// io_uring personality (--cap-drop uring-personality) delegates the device
// this way, on purpose, as it delegates its replies to the personality.
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <thread>

namespace famlab::famfs::server {

class PrivilegedDaxdevGiver {
 public:
  PrivilegedDaxdevGiver();  // start it before dropping privilege
  ~PrivilegedDaxdevGiver();
  PrivilegedDaxdevGiver(const PrivilegedDaxdevGiver&) = delete;
  PrivilegedDaxdevGiver& operator=(const PrivilegedDaxdevGiver&) = delete;

  // give_daxdev(fuse_fd, index, device_fd) run in the helper thread: 0 or
  // the errno the kernel answered.
  int give(int fuse_fd, uint32_t index, int device_fd);

 private:
  struct Job {
    int fuse_fd;
    uint32_t index;
    int device_fd;
  };
  void serve();

  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<Job> job_;
  std::optional<int> result_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace famlab::famfs::server
