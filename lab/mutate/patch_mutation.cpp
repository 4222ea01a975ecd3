#include "lab/mutate/patch_mutation.h"

#include <regex>
#include <sstream>

#include "base/error.h"
#include "base/small_file.h"

namespace fs = std::filesystem;

namespace famlab::mutate {
namespace {

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::string line;
  std::istringstream in(text);
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

// "+++ b/fs/fuse/famfs.c\t2024-..." -> "fs/fuse/famfs.c"
std::string header_path(const std::string& line) {
  std::string p = line.substr(4);
  if (size_t tab = p.find('\t'); tab != std::string::npos) p.resize(tab);
  if (p.rfind("b/", 0) == 0) p = p.substr(2);
  return p;
}

}  // namespace

std::string trim_blanks(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

std::vector<HunkLine> hunk_lines(const std::string& patch_text) {
  static const std::regex hunk_header(R"(^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@)");
  std::vector<HunkLine> out;
  std::vector<std::string> lines = split_lines(patch_text);
  std::string file;
  long old_left = 0, new_left = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& l = lines[i];
    int number = static_cast<int>(i + 1);
    if (old_left > 0 || new_left > 0) {
      char kind = l.empty() ? ' ' : l[0];  // an empty line is context whose blank was stripped
      if (kind == '\\') continue;          // "\ No newline at end of file"
      if (kind != ' ' && kind != '-' && kind != '+') {
        old_left = new_left = 0;  // a malformed hunk ends here; patch(1) will say more
      } else {
        if (kind != '+') --old_left;
        if (kind != '-') --new_left;
        out.push_back({number, kind, file, l.empty() ? "" : l.substr(1)});
        continue;
      }
    }
    std::smatch m;
    if (l.rfind("+++ ", 0) == 0) {
      file = header_path(l);
    } else if (std::regex_search(l, m, hunk_header)) {
      old_left = m[1].matched ? std::stol(m[1].str()) : 1;
      new_left = m[2].matched ? std::stol(m[2].str()) : 1;
    }
  }
  return out;
}

PlantedMutant plant_mutant(const Mutant& m, const std::string& patch_text, const std::string& patch_file) {
  const std::string want = trim_blanks(m.line);
  std::vector<const HunkLine*> hits;
  std::vector<HunkLine> hunks = hunk_lines(patch_text);
  for (const auto& h : hunks)
    if (h.kind == '+' && trim_blanks(h.text) == want) hits.push_back(&h);
  if (hits.empty()) {
    // Say whether the line is there at all, just not as an added line.
    std::string hint;
    for (const auto& h : hunks)
      if (trim_blanks(h.text) == want) {
        hint = " (line " + std::to_string(h.number) + " has it as a " +
               (h.kind == '-' ? "removed" : "context") + " line: only added lines can be mutated)";
        break;
      }
    throw Error(m.where,
                "mutant " + m.id + ": no added line of " + patch_file + " reads '" + want + "'" + hint);
  }
  std::string at;
  for (const auto* h : hits) at += (at.empty() ? "" : ", ") + std::to_string(h->number);
  if (m.occurrence > static_cast<int>(hits.size()))
    throw Error(m.where, "mutant " + m.id + ": occurrence " + std::to_string(m.occurrence) + " of '" + want +
                             "', but " + patch_file + " adds it only at line(s) " + at);
  if (hits.size() > 1 && m.occurrence == 0)
    throw Error(m.where, "mutant " + m.id + ": '" + want + "' is ambiguous: added lines " + at + " of " +
                             patch_file + " all read so; say which with occurrence = N");
  const HunkLine& hit = *hits[m.occurrence > 0 ? static_cast<size_t>(m.occurrence - 1) : 0];
  std::string replacement = m.replacement;
  if (replacement.empty() || (replacement[0] != ' ' && replacement[0] != '\t'))
    replacement = hit.text.substr(0, hit.text.find_first_not_of(" \t")) + replacement;
  PlantedMutant out;
  out.patch_line = hit.number;
  out.old_line = "+" + hit.text;
  out.new_line = "+" + replacement;
  std::vector<std::string> lines = split_lines(patch_text);
  lines[static_cast<size_t>(hit.number - 1)] = out.new_line;
  for (size_t i = 0; i < lines.size(); ++i)
    out.patch_text += lines[i] + (i + 1 < lines.size() || patch_text.back() == '\n' ? "\n" : "");
  return out;
}

fs::path series_patch(const Mutant& m, const fs::path& config_dir, const std::vector<fs::path>& series) {
  fs::path want = (config_dir / m.patch).lexically_normal();
  for (const auto& p : series)
    if (p.lexically_normal() == want) return p;
  return {};
}

std::map<fs::path, std::string> plant_in_series(const Mutant& m, const fs::path& config_dir,
                                                const std::vector<fs::path>& series,
                                                PlantedMutant* planted_out) {
  fs::path patch = series_patch(m, config_dir, series);
  if (patch.empty()) {
    std::string names;
    for (const auto& p : series)
      names += (names.empty() ? "" : ", ") + p.lexically_normal().lexically_relative(config_dir).string();
    throw Error(m.where, "mutant " + m.id + ": " + m.patch + " is not in the variant's series (" +
                             (names.empty() ? "it has no patches" : names) + ")");
  }
  std::optional<std::string> text = try_read_small_file(patch);
  if (!text) throw Error(m.where, "mutant " + m.id + ": cannot read " + patch.string());
  PlantedMutant planted = plant_mutant(m, *text, m.patch);
  std::map<fs::path, std::string> texts = {{patch, planted.patch_text}};
  std::string changed_file;
  for (const auto& h : hunk_lines(*text))
    if (h.number == planted.patch_line) changed_file = h.file;
  // Later patches of the same file that quote the line as context get the
  // mutated line there too, as rebasing the series onto the bug would; one
  // that removes it would undo the mutant, so that is an error.
  bool later = false;
  for (const auto& p : series) {
    if (p == patch) {
      later = true;
      continue;
    }
    if (!later) continue;
    std::optional<std::string> other = try_read_small_file(p);
    if (!other) continue;
    std::vector<std::string> lines = split_lines(*other);
    bool carried = false;
    for (const auto& h : hunk_lines(*other)) {
      if (h.kind == '+' || h.file != changed_file || trim_blanks(h.text) != trim_blanks(m.line)) continue;
      if (h.kind == '-')
        throw Error(m.where, "mutant " + m.id + ": a later patch removes the line (" + p.filename().string() +
                                 " line " + std::to_string(h.number) + "): mutate what replaces it there");
      lines[static_cast<size_t>(h.number - 1)] = " " + planted.new_line.substr(1);
      carried = true;
    }
    if (!carried) continue;
    std::string joined;
    for (size_t i = 0; i < lines.size(); ++i)
      joined += lines[i] + (i + 1 < lines.size() || other->back() == '\n' ? "\n" : "");
    texts[p] = joined;
  }
  if (planted_out) *planted_out = planted;
  return texts;
}

std::vector<topology::Diagnostic> check_against_series(const MutationFile& file, const fs::path& config_dir,
                                                       const std::vector<fs::path>& series) {
  std::vector<topology::Diagnostic> diags;
  for (const Mutant& m : file.mutants) {
    if (m.patch.empty() || m.line.empty()) continue;  // the parser said so already
    try {
      plant_in_series(m, config_dir, series, nullptr);
    } catch (const Error& e) {
      diags.push_back({m.where, std::string(e.what()).substr(m.where.str().size() + 2)});
    }
  }
  return diags;
}

}  // namespace famlab::mutate
