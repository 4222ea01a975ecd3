// libFuzzer target: any bytes as one request read from /dev/fuse, through
// the whole server path (decode, count, answer from a real filesystem on
// a file-backed device). A malformed or hostile request must never crash
// the server. Replies go to /dev/null.
#include <fcntl.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <sstream>

#include "famfs/format/filesystem.h"
#include "famfs/server/session.h"

using namespace famlab::famfs;

namespace {

struct World {
  std::string path;
  std::unique_ptr<format::Device> dev;
  std::unique_ptr<format::Filesystem> fs;
  server::ServerOptions options;
  server::StatusRecorder recorder{"", 1u << 30};
  std::unique_ptr<server::RequestHandler> handler;
  std::ostringstream log;
  std::unique_ptr<server::Session> session;

  World() {
    char tmpl[] = "/tmp/famfs-fuzz-XXXXXX";
    int fd = mkstemp(tmpl);
    if (fd < 0 || ftruncate(fd, 32 << 20) != 0) abort();
    close(fd);
    path = tmpl;
    dev = format::Device::open(path, true);
    format::mkfs(*dev, {format::kMinLogSize, false});
    fs = std::make_unique<format::Filesystem>(*dev);
    fs->mkdir("d", {0755, 0, 0});
    auto fill = [](uint64_t, std::span<uint8_t> d) { std::memset(d.data(), 1, d.size()); };
    fs->create_file("d/f", 5000, {}, {}, fill);             // inode 3
    fs->create_file("s", 5 << 20, {2, 2 << 20}, {}, fill);  // inode 4
    options.device = path;
    options.daxdev_name = "/dev/dax0.0";
    options.dax_fmap = fuse::DaxFmapPolicy::Force;  // famfs opcodes answered from the start
    handler = std::make_unique<server::RequestHandler>(*fs, options, recorder);
    session =
        std::make_unique<server::Session>(open("/dev/null", O_WRONLY), *handler, recorder, options, log);
  }
  ~World() { unlink(path.c_str()); }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World world;
  world.session->serve_one({data, size});
  world.log.str("");
  return 0;
}
