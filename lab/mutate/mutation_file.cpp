#include "lab/mutate/mutation_file.h"

#ifndef TOML_HEADER_ONLY
#define TOML_HEADER_ONLY 0  // the compiled libtomlplusplus
#endif
#include <toml++/toml.h>

#include <algorithm>
#include <map>
#include <set>

namespace fs = std::filesystem;

namespace famlab::mutate {
namespace {

using topology::Diagnostic;

Location where(const fs::path& file, const toml::node& node) {
  const auto& src = node.source();
  return Location{file.string(), static_cast<int>(src.begin.line), static_cast<int>(src.begin.column)};
}

bool valid_id(const std::string& id) {
  return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  }) && id[0] != '.';
}

bool is_blank(const std::string& s) { return s.find_first_not_of(" \t") == std::string::npos; }

class MutantReader {
 public:
  MutantReader(const fs::path& file, std::vector<Diagnostic>& diags) : file_(file), diags_(diags) {}

  Mutant read(const toml::table& t, size_t index) {
    Mutant m;
    m.where = where(file_, t);
    name_ = "mutant #" + std::to_string(index + 1);
    m.id = str(t, "id", true);
    if (!m.id.empty()) {
      name_ = "mutant " + m.id;
      if (!valid_id(m.id)) problem(t, "id may hold only letters, digits, '_', '-' and '.'");
    }
    for (const auto& [key, node] : t)
      if (!known_.count(std::string(key.str())))
        problem(node, "unknown key '" + std::string(key.str()) +
                          "' (known: id, patch, line, occurrence, replace, class, bug, equivalent, reason)");
    m.patch = str(t, "patch", true);
    if (!m.patch.empty() && (fs::path(m.patch).is_absolute() || m.patch.find("..") != std::string::npos))
      problem(*t.get("patch"), "patch must be a path inside kernel-config/ (relative, no '..')");
    m.line = str(t, "line", true);
    m.replacement = str(t, "replace", true);
    m.klass = str(t, "class", true);
    m.bug = str(t, "bug", true);
    for (const auto* key : {"line", "replace", "bug"})
      if (const toml::node* n = t.get(key);
          n && n->is_string() && n->value<std::string>()->find('\n') != std::string::npos)
        problem(*n, std::string(key) + " must be one line");
    if (!m.line.empty() && is_blank(m.line))
      problem(*t.get("line"), "line is blank: name the line to change");
    if (t.get("line") && t.get("replace") && !m.line.empty() && trimmed(m.line) == trimmed(m.replacement))
      problem(*t.get("replace"), "replace is the same line: not a mutation");
    const auto& classes = mutant_classes();
    if (!m.klass.empty() && std::find(classes.begin(), classes.end(), m.klass) == classes.end()) {
      std::string known;
      for (const auto& c : classes) known += (known.empty() ? "" : ", ") + c;
      problem(*t.get("class"), "unknown class '" + m.klass + "' (known: " + known + ")");
    }
    if (const toml::node* n = t.get("equivalent")) {
      if (auto b = n->value<bool>())
        m.equivalent = *b;
      else
        problem(*n, "equivalent must be true or false");
    }
    if (const toml::node* n = t.get("occurrence")) {
      auto v = n->value<int64_t>();
      if (!v || *v < 1)
        problem(*n, "occurrence must be a positive integer (which of the identical added lines)");
      else
        m.occurrence = static_cast<int>(*v);
    }
    m.reason = str(t, "reason", false);
    if (m.equivalent && m.reason.empty()) problem(t, "an equivalent mutant needs a reason");
    if (!m.equivalent && !m.reason.empty()) problem(*t.get("reason"), "reason goes with equivalent = true");
    return m;
  }

  static std::string trimmed(const std::string& s) {
    size_t b = s.find_first_not_of(" \t");
    if (b == std::string::npos) return "";
    return s.substr(b, s.find_last_not_of(" \t") - b + 1);
  }

 private:
  std::string str(const toml::table& t, const char* key, bool required) {
    const toml::node* n = t.get(key);
    if (!n) {
      if (required) problem(t, std::string("missing key '") + key + "'");
      return "";
    }
    auto v = n->value<std::string>();
    if (!v) {
      problem(*n, std::string("'") + key + "' must be a string");
      return "";
    }
    if (required && v->empty()) problem(*n, std::string("'") + key + "' is empty");
    return *v;
  }
  void problem(const toml::node& n, const std::string& what) {
    diags_.push_back({where(file_, n), name_ + ": " + what});
  }

  const fs::path& file_;
  std::vector<Diagnostic>& diags_;
  std::string name_;
  const std::set<std::string> known_ = {"id",    "patch", "line",       "occurrence", "replace",
                                        "class", "bug",   "equivalent", "reason"};
};

}  // namespace

const std::vector<std::string>& mutant_classes() {
  static const std::vector<std::string> classes = {"interleave", "bounds",   "overflow", "capability",
                                                   "lifecycle",  "fallback", "protocol", "locking"};
  return classes;
}

std::vector<Diagnostic> parse_mutation_file(const fs::path& file, MutationFile& out) {
  std::vector<Diagnostic> diags;
  out = MutationFile{};
  out.file = file;
  toml::table doc;
  try {
    doc = toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    diags.push_back({Location{file.string(), static_cast<int>(e.source().begin.line),
                              static_cast<int>(e.source().begin.column)},
                     std::string(e.description())});
    return diags;
  }
  for (const auto& [key, node] : doc)
    if (key.str() != "variant" && key.str() != "mutant")
      diags.push_back(
          {where(file, node), "unknown key '" + std::string(key.str()) + "' (known: variant, mutant)"});
  if (const toml::node* v = doc.get("variant")) {
    if (auto s = v->value<std::string>(); s && !s->empty())
      out.variant = *s;
    else
      diags.push_back({where(file, *v), "variant must be a kernel variant's name"});
  } else {
    diags.push_back({Location{file.string()}, "missing 'variant' (the kernel variant the mutants are for)"});
  }
  const toml::array* mutants = doc.get_as<toml::array>("mutant");
  if (!mutants || mutants->empty()) {
    diags.push_back({Location{file.string()}, "no [[mutant]] tables"});
    return diags;
  }
  MutantReader reader(file, diags);
  std::map<std::string, Location> seen;
  for (size_t i = 0; i < mutants->size(); ++i) {
    const toml::table* t = (*mutants)[i].as_table();
    if (!t) {
      diags.push_back({where(file, (*mutants)[i]), "mutant #" + std::to_string(i + 1) + " must be a table"});
      continue;
    }
    Mutant m = reader.read(*t, i);
    if (!m.id.empty()) {
      auto [it, fresh] = seen.emplace(m.id, m.where);
      if (!fresh) diags.push_back({m.where, "mutant " + m.id + ": id already used at " + it->second.str()});
    }
    out.mutants.push_back(std::move(m));
  }
  topology::sort_by_position(diags);
  return diags;
}

MutationFile load_mutation_file(const fs::path& file) {
  MutationFile out;
  topology::throw_first(parse_mutation_file(file, out));
  return out;
}

}  // namespace famlab::mutate
