#include "famfs/server/privileged_giver.h"

#include "famfs/server/daxdev_giver.h"

namespace famlab::famfs::server {

PrivilegedDaxdevGiver::PrivilegedDaxdevGiver() : thread_([this] { serve(); }) {}

PrivilegedDaxdevGiver::~PrivilegedDaxdevGiver() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

int PrivilegedDaxdevGiver::give(int fuse_fd, uint32_t index, int device_fd) {
  std::unique_lock<std::mutex> lk(mu_);
  cv_.wait(lk, [this] { return !job_ && !result_; });  // one job at a time
  job_ = Job{fuse_fd, index, device_fd};
  cv_.notify_all();
  cv_.wait(lk, [this] { return result_.has_value(); });
  int r = *result_;
  result_.reset();
  cv_.notify_all();
  return r;
}

void PrivilegedDaxdevGiver::serve() {
  std::unique_lock<std::mutex> lk(mu_);
  for (;;) {
    cv_.wait(lk, [this] { return stop_ || job_.has_value(); });
    if (stop_) return;
    Job j = *job_;
    job_.reset();
    lk.unlock();
    int r = give_daxdev(j.fuse_fd, j.index, j.device_fd);
    lk.lock();
    result_ = r;
    cv_.notify_all();
  }
}

}  // namespace famlab::famfs::server
