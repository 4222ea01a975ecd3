#include "famfs/server/fmap_fuzzer.h"

#include <algorithm>
#include <cstring>

#include "base/error.h"
#include "famfs/fuse/famfs_wire.h"
#include "famfs/fuse/fmap_message.h"

namespace famlab::famfs::server {
namespace {

using fuse::FmapExtent;
using fuse::FmapInterleave;
using fuse::FmapMessage;
constexpr uint64_t kUnit = fuse::kFmapAlign;

// SplitMix64: tiny, and the same numbers everywhere (std:: distributions
// are not). Seeded from (seed, index) so every case stands alone.
class Rng {
 public:
  Rng(uint64_t seed, uint64_t index) : state_(seed ^ (index * 0xD1B54A32D192ED03ull)) { next(); }

  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  uint64_t below(uint64_t n) { return n ? next() % n : 0; }
  uint64_t between(uint64_t lo, uint64_t hi) { return hi <= lo ? lo : lo + below(hi - lo + 1); }
  bool percent(uint64_t p) { return below(100) < p; }
  template <class T>
  T pick(std::initializer_list<T> values) {
    return *(values.begin() + below(values.size()));
  }

 private:
  uint64_t state_;
};

uint64_t ceil_div(uint64_t a, uint64_t b) { return a / b + (a % b != 0); }

// n positive parts that add up to total (n <= total).
std::vector<uint64_t> split(Rng& rng, uint64_t total, uint64_t n) {
  std::vector<uint64_t> parts(n, 1);
  for (uint64_t left = total - n; left; --left) ++parts[rng.below(n)];
  return parts;
}

uint64_t random_file_size(Rng& rng, uint64_t max_units) {
  const uint64_t r = rng.below(100);
  const uint64_t units = rng.between(1, max_units);
  if (r < 3) return 0;
  if (r < 8) return rng.between(1, 4096);
  if (r < 35) return units * kUnit;
  if (r < 60) return rng.between(1, max_units * kUnit);
  if (r < 85) {
    int64_t delta = rng.pick<int64_t>({-4096, -1, 1, 4096});
    return static_cast<uint64_t>(std::max<int64_t>(0, static_cast<int64_t>(units * kUnit) + delta));
  }
  return units * kUnit - rng.below(kUnit);
}

// Every device range of the message (simple extents or strips), in order.
std::vector<FmapExtent*> ranges_of(FmapMessage& m) {
  std::vector<FmapExtent*> out;
  for (auto& e : m.extents) out.push_back(&e);
  for (auto& ie : m.interleaved)
    for (auto& s : ie.strips) out.push_back(&s);
  return out;
}

// A valid map for `size` bytes: the ranges' lengths first, then places on
// the device with random gaps and in random order, none overlapping.
FmapMessage valid_map(Rng& rng, const FuzzSetup& s, uint64_t size, std::string& recipe) {
  const uint64_t device_units = s.device_size / kUnit;
  const uint64_t need = std::max<uint64_t>(1, ceil_div(size, kUnit));
  const uint64_t max_extents = std::min<uint64_t>(s.abi->max_extents, need);
  FmapMessage m;
  for (int attempt = 0; attempt < 4; ++attempt) {
    const uint64_t n = rng.between(1, max_extents);
    std::vector<uint64_t> parts = split(rng, need, n);
    if (rng.percent(50) && attempt < 3) {
      m = FmapMessage{};
      m.ext_type = fuse::kExtInterleave;
      m.file_size = size;
      for (uint64_t units : parts) {
        FmapInterleave ie;
        ie.nstrips =
            static_cast<uint32_t>(rng.percent(70) ? rng.between(1, 4) : rng.between(5, s.abi->max_strips));
        ie.chunk_size = static_cast<uint32_t>(kUnit << rng.between(0, 2));
        ie.nbytes = units * kUnit;
        const uint64_t rows = ceil_div(ceil_div(ie.nbytes, ie.chunk_size), ie.nstrips);
        for (uint32_t i = 0; i < ie.nstrips; ++i)
          ie.strips.push_back(FmapExtent{0, 0, rows * ie.chunk_size + (rng.percent(15) ? kUnit : 0)});
        m.interleaved.push_back(std::move(ie));
      }
      m.nextents = static_cast<uint32_t>(m.interleaved.size());
      recipe = "interleaved " + std::to_string(n) + " extent(s), strips";
      for (const auto& ie : m.interleaved)
        recipe += " " + std::to_string(ie.nstrips) + "x" + std::to_string(ie.chunk_size >> 20) + "M";
    } else {
      std::vector<FmapExtent> extents;
      for (uint64_t units : parts)
        extents.push_back(FmapExtent{0, 0, (units + (rng.percent(20) ? 1 : 0)) * kUnit});
      m = fuse::simple_fmap(size, std::move(extents));
      recipe = "simple " + std::to_string(n) + " extent(s)";
    }
    uint64_t total = 0;
    for (FmapExtent* r : ranges_of(m)) total += r->length / kUnit;
    if (total <= device_units) break;
    if (attempt == 3) {  // one extent of exactly what the file needs always fits
      m = fuse::simple_fmap(size, {FmapExtent{0, 0, need * kUnit}});
      recipe = "simple 1 extent";
    }
  }
  std::vector<FmapExtent*> ranges = ranges_of(m);
  uint64_t used = 0;
  for (FmapExtent* r : ranges) used += r->length / kUnit;
  // Gaps: cut points in [0, free], sorted; placement order: a shuffle.
  std::vector<uint64_t> cuts;
  for (size_t i = 0; i < ranges.size(); ++i) cuts.push_back(rng.below(device_units - used + 1));
  std::sort(cuts.begin(), cuts.end());
  for (size_t i = ranges.size(); i > 1; --i) std::swap(ranges[i - 1], ranges[rng.below(i)]);
  uint64_t pos = 0, previous_cut = 0;
  for (size_t i = 0; i < ranges.size(); ++i) {
    pos += cuts[i] - previous_cut;
    previous_cut = cuts[i];
    ranges[i]->offset = pos * kUnit;
    pos += ranges[i]->length / kUnit;
  }
  return m;
}

// --- mutations of the message --------------------------------------------

// The fields a boundary value can go into.
enum class Field {
  FileType,
  HeaderReserved,
  Version,
  ExtType,
  NExtents,
  HeaderReserved0,
  FileSize,
  HeaderReserved1,
  NStrips,
  ChunkSize,
  NBytes,
  InterleaveReserved,
  DevIndex,
  RangeReserved,
  Offset,
  Length,
};
constexpr int kFieldCount = 16;
const char* const kFieldNames[kFieldCount] = {"file_type",   "reserved",    "fmap_version", "ext_type",
                                              "nextents",    "reserved0",   "file_size",    "reserved1",
                                              "nstrips",     "chunk",       "nbytes",       "ie_reserved",
                                              "se_devindex", "se_reserved", "se_offset",    "se_len"};

class Mutator {
 public:
  Mutator(Rng& rng, const FuzzSetup& s, FmapMessage& m, std::string& recipe)
      : rng_(rng), s_(s), m_(m), recipe_(recipe) {}

  void any() {
    switch (rng_.below(10)) {
      case 0:
      case 1:
      case 2:
        boundary();
        break;
      case 3:
        overlap();
        break;
      case 4:
        beyond_device();
        break;
      case 5:
        short_coverage();
        break;
      case 6:
        count_mismatch();
        break;
      case 7:
        device_index();
        break;
      case 8:
        reserved();
        break;
      default:
        size_mismatch();
        break;
    }
  }

 private:
  void say(const std::string& what) { recipe_ += "; " + what; }

  FmapExtent* some_range() {
    std::vector<FmapExtent*> r = ranges_of(m_);
    return r.empty() ? nullptr : r[rng_.below(r.size())];
  }
  FmapInterleave* some_interleave() {
    return m_.interleaved.empty() ? nullptr : &m_.interleaved[rng_.below(m_.interleaved.size())];
  }

  uint64_t covered() const {
    uint64_t c = 0;
    for (const auto& e : m_.extents) c += e.length;
    for (const auto& ie : m_.interleaved) c += ie.nbytes;
    return c;
  }

  void boundary() {
    Field f = static_cast<Field>(rng_.below(kFieldCount));
    const uint64_t dev = s_.device_size, max_e = s_.abi->max_extents, max_s = s_.abi->max_strips;
    FmapExtent* r = some_range();
    FmapInterleave* ie = some_interleave();
    if ((f >= Field::NStrips && f <= Field::InterleaveReserved && !ie) || (f >= Field::DevIndex && !r))
      f = Field::FileSize;  // no such record in this map
    uint64_t v = 0;
    switch (f) {
      case Field::FileType:
        v = m_.file_type = static_cast<uint8_t>(rng_.pick<uint64_t>({1, 2, 3, 0x80, 0xff}));
        break;
      case Field::HeaderReserved:
        v = m_.reserved = static_cast<uint8_t>(rng_.pick<uint64_t>({1, 0x80, 0xff}));
        break;
      case Field::Version:
        v = m_.version = static_cast<uint16_t>(rng_.pick<uint64_t>({0, 2, 0x100, 0xffff}));
        break;
      case Field::ExtType:
        v = m_.ext_type = static_cast<uint32_t>(rng_.pick<uint64_t>({2, 3, 0x80000000u, 0xffffffffu}));
        break;
      case Field::NExtents:
        v = m_.nextents = static_cast<uint32_t>(rng_.pick<uint64_t>(
            {0, 1, max_e, max_e + 1, m_.nextents + 1ull, m_.nextents - 1ull, 0xffffffffu}));
        break;
      case Field::HeaderReserved0:
        v = m_.reserved0 = static_cast<uint32_t>(rng_.pick<uint64_t>({1, 0x80000000u, 0xffffffffu}));
        break;
      case Field::FileSize: {
        const uint64_t fs = m_.file_size, c = covered();
        v = m_.file_size = rng_.pick<uint64_t>(
            {0, 1, fs - 1, fs + 1, fs + kUnit, fs - kUnit, c, c + 1, 1ull << 63, UINT64_MAX});
        break;
      }
      case Field::HeaderReserved1:
        v = m_.reserved1 = rng_.pick<uint64_t>({1, 1ull << 63, UINT64_MAX});
        break;
      case Field::NStrips:
        v = ie->nstrips = static_cast<uint32_t>(rng_.pick<uint64_t>(
            {0, 1, max_s, max_s + 1, ie->nstrips + 1ull, ie->nstrips - 1ull, 0xffffffffu}));
        break;
      case Field::ChunkSize:
        v = ie->chunk_size =
            static_cast<uint32_t>(rng_.pick<uint64_t>({0, 1, 4096, kUnit / 2, kUnit, 3 * kUnit, 2 * kUnit,
                                                       1ull << 31, (1ull << 31) + kUnit, 0xffffffffu}));
        break;
      case Field::NBytes: {
        const uint64_t n = ie->nbytes;
        v = ie->nbytes = rng_.pick<uint64_t>(
            {0, 4096, n - kUnit, n + kUnit, n + 4096, 1ull << 63, UINT64_MAX - kUnit + 1, UINT64_MAX});
        break;
      }
      case Field::InterleaveReserved:
        v = ie->reserved = rng_.pick<uint64_t>({1, 1ull << 63, UINT64_MAX});
        break;
      case Field::DevIndex:
        v = r->devindex = static_cast<uint32_t>(rng_.pick<uint64_t>({1, 2, 15, 16, 17, 0xffff, 0xffffffffu}));
        break;
      case Field::RangeReserved:
        v = r->reserved = static_cast<uint32_t>(rng_.pick<uint64_t>({1, 0x80000000u, 0xffffffffu}));
        break;
      case Field::Offset:
        v = r->offset =
            rng_.pick<uint64_t>({0, 4096, kUnit - 1, kUnit, dev - kUnit, dev, dev + kUnit, r->offset + 4096,
                                 1ull << 63, UINT64_MAX - kUnit + 1, UINT64_MAX});
        break;
      case Field::Length:
        v = r->length =
            rng_.pick<uint64_t>({0, 4096, kUnit - 4096, kUnit, r->length + kUnit, r->length - kUnit, dev,
                                 dev + kUnit, 1ull << 63, UINT64_MAX - kUnit + 1, UINT64_MAX});
        break;
    }
    say(std::string(kFieldNames[static_cast<int>(f)]) + "=" + std::to_string(v));
  }

  void overlap() {
    std::vector<FmapExtent*> r = ranges_of(m_);
    if (r.empty()) return;  // earlier mutations left no range to copy
    if (r.size() == 1) {    // a second copy of the only range, next to it
      if (!m_.extents.empty()) {
        m_.extents.push_back(m_.extents.front());
        m_.nextents = static_cast<uint32_t>(m_.extents.size());
      } else {
        for (auto& ie : m_.interleaved) {
          if (ie.strips.empty()) continue;
          ie.strips.push_back(ie.strips.front());
          ie.nstrips = static_cast<uint32_t>(ie.strips.size());
          break;
        }
      }
      say("overlap: a range twice");
      return;
    }
    size_t a = rng_.below(r.size()), b = (a + 1 + rng_.below(r.size() - 1)) % r.size();
    r[b]->devindex = r[a]->devindex;
    r[b]->offset = r[a]->offset + (r[a]->length > kUnit ? rng_.below(r[a]->length / kUnit) * kUnit : 0);
    say("overlap: range " + std::to_string(b) + " moved into range " + std::to_string(a));
  }

  void beyond_device() {
    FmapExtent* r = some_range();
    if (!r) return;
    const uint64_t dev = s_.device_size;
    r->offset = rng_.percent(50) ? dev - std::min(dev, r->length) + kUnit : dev + rng_.below(4) * kUnit;
    say("beyond device: offset " + std::to_string(r->offset));
  }

  void short_coverage() {
    if (FmapInterleave* ie = some_interleave(); ie && ie->nbytes > kUnit) {
      ie->nbytes -= kUnit;
    } else if (!m_.extents.empty() && m_.extents.back().length > kUnit) {
      m_.extents.back().length -= kUnit;
    } else {
      m_.file_size += kUnit;  // same effect: the map covers less than it says
    }
    say("coverage 2 MiB short");
  }

  void count_mismatch() {
    switch (rng_.below(4)) {
      case 0:
        m_.nextents += rng_.percent(50) ? 1 : -1;
        say("nextents off by one");
        break;
      case 1:
        if (FmapInterleave* ie = some_interleave()) {
          ie->nstrips += rng_.percent(50) ? 1 : -1;
          say("nstrips off by one");
        }
        break;
      case 2:  // a record dropped, the count kept
        if (!m_.extents.empty())
          m_.extents.pop_back();
        else if (FmapInterleave* ie = some_interleave(); ie && !ie->strips.empty())
          ie->strips.pop_back();
        say("a record dropped");
        break;
      default:  // the extent type swapped under the same records
        m_.ext_type = m_.ext_type == fuse::kExtSimple ? fuse::kExtInterleave : fuse::kExtSimple;
        say("ext_type swapped");
        break;
    }
  }

  void device_index() {
    if (FmapExtent* r = some_range()) {
      r->devindex = static_cast<uint32_t>(rng_.percent(60) ? rng_.between(1, fuse::kMaxDaxdevs - 1)
                                                           : rng_.between(fuse::kMaxDaxdevs, 40));
      say("device index " + std::to_string(r->devindex));
    }
  }

  void reserved() {
    const uint64_t v = rng_.pick<uint64_t>({1, 0x80, 0xff00, 1ull << 31, 1ull << 63});
    FmapExtent* r = some_range();
    FmapInterleave* ie = some_interleave();
    switch (rng_.below(5)) {
      case 0:
        m_.reserved = static_cast<uint8_t>(v | 1);
        say("reserved (header byte) non-zero");
        break;
      case 1:
        m_.reserved0 = static_cast<uint32_t>(v | 1);
        say("reserved0 non-zero");
        break;
      case 2:
        m_.reserved1 = v;
        say("reserved1 non-zero");
        break;
      case 3:
        if (ie) {
          ie->reserved = v;
          say("ie_reserved non-zero");
          break;
        }
        [[fallthrough]];
      default:
        if (r) {
          r->reserved = static_cast<uint32_t>(v | 1);
          say("se_reserved non-zero");
        }
        break;
    }
  }

  void size_mismatch() {
    m_.file_size += rng_.percent(50) ? 1 : -1;
    say("map file size off by one");
  }

  Rng& rng_;
  const FuzzSetup& s_;
  FmapMessage& m_;
  std::string& recipe_;
};

// --- mutations of the bytes --------------------------------------------------

void mutate_bytes(Rng& rng, std::vector<uint8_t>& b, std::string& recipe) {
  switch (rng.below(4)) {
    case 0: {
      uint64_t flips = rng.between(1, 4);
      std::string bits;
      for (uint64_t i = 0; i < flips && !b.empty(); ++i) {
        uint64_t bit = rng.below(b.size() * 8);
        b[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
        bits += (bits.empty() ? "" : ",") + std::to_string(bit);
      }
      recipe += "; bit flips " + bits;
      break;
    }
    case 1:
      if (!b.empty()) {
        uint64_t at = rng.below(b.size());
        b[at] = static_cast<uint8_t>(rng.next());
        recipe += "; byte " + std::to_string(at) + "=" + std::to_string(b[at]);
      }
      break;
    case 2: {  // cut: anywhere, or at a record boundary
      uint64_t n =
          rng.percent(50) ? rng.below(b.size() + 1) : std::min<uint64_t>(b.size(), 32 + 24 * rng.below(4));
      b.resize(n);
      recipe += "; cut to " + std::to_string(n) + " bytes";
      break;
    }
    default: {  // extend: a little, past the first buffer (4 KiB), or past the largest (32 KiB)
      uint64_t r = rng.below(100);
      uint64_t more = r < 70   ? rng.between(1, 48)
                      : r < 95 ? rng.between(4096, 8192)
                               : rng.between(32768, 33000);
      bool zeros = rng.percent(50);
      for (uint64_t i = 0; i < more; ++i) b.push_back(zeros ? 0 : static_cast<uint8_t>(rng.next()));
      recipe += "; " + std::to_string(more) + (zeros ? " zero" : " random") + " bytes appended";
      break;
    }
  }
}

}  // namespace

FuzzCase fuzz_case(const FuzzSetup& s, uint64_t index) {
  if (s.device_size < kUnit)
    throw Error("fmap fuzzing needs a device of at least 2 MiB, not " + std::to_string(s.device_size) +
                " bytes");
  Rng rng(s.seed, index);
  FuzzCase c;
  c.index = index;
  const uint64_t max_units = std::clamp<uint64_t>(s.device_size / kUnit / 4, 1, 32);
  c.file_size = std::min(random_file_size(rng, max_units), s.device_size / kUnit * kUnit);
  if (rng.percent(4)) {  // plain garbage, mostly shorter than a header
    c.reply.resize(rng.below(rng.percent(50) ? 40 : 400));
    for (auto& byte : c.reply) byte = static_cast<uint8_t>(rng.next());
    c.recipe = "random " + std::to_string(c.reply.size()) + " bytes";
    return c;
  }
  FmapMessage m = valid_map(rng, s, c.file_size, c.recipe);
  const uint64_t r = rng.below(100);
  const uint64_t structural = r < 25 ? 0 : r < 80 ? rng.between(1, 3) : 0;
  Mutator mutator(rng, s, m, c.recipe);
  for (uint64_t i = 0; i < structural; ++i) mutator.any();
  c.reply = fuse::encode_fmap(m);
  if (r >= 80 || (structural && rng.percent(15))) mutate_bytes(rng, c.reply, c.recipe);
  if (r < 25) c.recipe += "; unchanged";
  return c;
}

fuse::FmapContext fuzz_context(const FuzzSetup& s, const FuzzCase& c) {
  return fuse::FmapContext{s.abi, c.file_size, {{0, s.device_size}}};
}

}  // namespace famlab::famfs::server
