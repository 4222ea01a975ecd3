#include "report/write_file.h"

#include <fstream>

#include "common/error.h"

namespace famlab::report {

void write_file_atomically(const std::filesystem::path& file, const std::string& contents) {
  std::filesystem::path tmp = file;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << contents;
    out.flush();
    if (!out) throw Error(Location{tmp.string()}, "cannot write report file");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, file, ec);
  if (ec) throw Error(Location{file.string()}, "cannot move report into place: " + ec.message());
}

}  // namespace famlab::report
