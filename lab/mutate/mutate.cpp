#include "lab/mutate/mutate.h"

#include <chrono>
#include <ctime>
#include <fstream>
#include <map>

#include "base/error.h"
#include "base/small_file.h"
#include "lab/common/paths.h"
#include "lab/kernel/kernel.h"
#include "lab/kernel/kernel_recipe.h"
#include "lab/kernel/lab_kernel_build.h"
#include "lab/mutate/patch_mutation.h"
#include "lab/mutate/result_cache.h"
#include "lab/report/terminal.h"
#include "lab/runner/guest_software.h"
#include "lab/runner/runner.h"
#include "lab/scenario/scenario_check.h"
#include "lab/vm/interrupt.h"

namespace fs = std::filesystem;

namespace famlab::mutate {
namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

std::string now_iso8601() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f s", s);
  return buf;
}

// A folder name for a scenario or mutant id (both are plain already; this
// keeps a hostile name from leaving the report folder).
std::string folder(const std::string& name) {
  std::string out;
  for (char c : name) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') ? c : '_';
  return out.empty() ? "_" : out;
}

// Everything the matrix is run against, checked before anything builds.
struct Plan {
  MutationFile file;
  kernel::Variant variant;
  fs::path config_dir;
  std::vector<scenario::Scenario> scenarios;
  std::vector<std::string> scenario_keys;
};

Plan make_plan(const MutateOptions& o, std::ostream& out) {
  Plan p;
  p.file = load_mutation_file(o.mutation_file);
  std::string name = o.variant.empty() ? p.file.variant : o.variant;
  p.variant = kernel::find_variant(kernel::load_kernel_recipe(source_dir()), name);
  p.config_dir = source_dir() / "kernel-config";
  topology::throw_first(check_against_series(p.file, p.config_dir, p.variant.patches));
  if (!o.only.empty()) {
    std::vector<Mutant> kept;
    for (const auto& id : o.only) {
      auto it = std::find_if(p.file.mutants.begin(), p.file.mutants.end(),
                             [&](const Mutant& m) { return m.id == id; });
      if (it == p.file.mutants.end()) throw Error(Location{o.mutation_file.string()}, "no mutant " + id);
      kept.push_back(*it);
    }
    p.file.mutants = kept;
  }
  for (const auto& f : o.scenario_files) {
    scenario::Scenario sc = scenario::load_scenario(f);
    if (!sc.applies_to(p.variant.name)) {
      out << "mutate: " << sc.name << " is not for kernel " << p.variant.name << ": left out\n";
      continue;
    }
    for (const auto& have : p.scenarios)
      if (have.name == sc.name) throw Error(Location{f.string()}, "scenario " + sc.name + " given twice");
    p.scenario_keys.push_back(scenario_key(sc));
    p.scenarios.push_back(std::move(sc));
  }
  if (p.scenarios.empty()) throw Error("no scenario given applies to kernel " + p.variant.name);
  return p;
}

// One scenario on one kernel, through the runner (one guest at a time);
// its reports and artifacts go to `dir`.
CellResult run_cell(const kernel::KernelRequest& req, const scenario::Scenario& sc, const fs::path& dir,
                    double boot_timeout_s, report::Terminal& log) {
  runner::RunOptions o;
  o.kernels = {req};
  o.report_dir = dir;
  o.boot_timeout_s = boot_timeout_s;
  runner::Runner r(o, log);
  report::RunResult run = r.run({sc.file});
  if (run.scenarios.empty()) return CellResult{};
  return classify(run.scenarios.front());
}

class MatrixRun {
 public:
  MatrixRun(const MutateOptions& o, Plan plan, std::ostream& out)
      : o_(o),
        plan_(std::move(plan)),
        out_(out),
        cache_(cache_dir() / "mutate"),
        env_(kernel::default_lab_build_env()) {
    env_.cancelled = [] { return vm::interrupted(); };  // SIGINT stops a kernel build at once
    fs::create_directories(o_.report_dir);
    log_file_.open(o_.report_dir / "famlab-mutate.log", std::ios::app);
    m_.variant = plan_.variant.name;
    m_.mutation_file = o_.mutation_file.string();
    m_.started_at = now_iso8601();
    m_.stop_at_first_kill = o_.stop_at_first_kill;
    for (const auto& sc : plan_.scenarios) {
      m_.scenarios.push_back(sc.name);
      m_.scenario_files.push_back(sc.file.string());
    }
    for (const auto& mu : plan_.file.mutants) {
      MutantRow row;
      row.mutant = mu;
      row.cells.resize(plan_.scenarios.size());
      m_.rows.push_back(std::move(row));
    }
  }

  int run() {
    auto t0 = Clock::now();
    out_ << "mutate: " << m_.rows.size() << " mutant(s) of " << m_.variant << " x " << m_.scenarios.size()
         << " scenario(s); details in " << (o_.report_dir / "famlab-mutate.log").string() << std::endl;
    try {
      baseline();
    } catch (const Error&) {
      if (!vm::interrupted()) throw;  // an interrupted baseline build still leaves a (partial) report
    }
    for (auto& row : m_.rows) {
      if (vm::interrupted()) break;
      mutant(row);
      m_.seconds = since(t0);
      write_reports(m_, o_.report_dir);
    }
    m_.interrupted = vm::interrupted();
    m_.seconds = since(t0);
    write_reports(m_, o_.report_dir);
    out_ << std::endl;
    print_matrix(m_, out_);
    out_ << "reports: " << (o_.report_dir / "mutate-report.md").string() << ", "
         << (o_.report_dir / "mutate-report.json").string() << std::endl;
    if (m_.interrupted) return 2;
    Score s = score(m_);
    if (o_.min_score >= 0 && s.percent() < o_.min_score) {
      out_ << "mutate: score below --min-score " << o_.min_score << "%" << std::endl;
      return 1;
    }
    return 0;
  }

 private:
  // The unmutated variant must pass everything: a score on a red baseline
  // would count the scenarios' own failures as kills.
  void baseline() {
    kernel::KernelRequest req;
    req.spec = plan_.variant.name;
    out_ << "baseline " << m_.variant << ": building or finding the kernel and image" << std::endl;
    kernel::build_lab_kernel(plan_.variant, env_, [&](const std::string& s) { log_.info(s); });
    runner::GuestSoftware sw = runner::prepare_guest(req, log_);  // the kernel is cached now
    image_hash_ = sw.image.hash;
    std::string key = kernel::lab_kernel_key(plan_.variant, env_);
    m_.baseline.resize(plan_.scenarios.size());
    for (size_t i = 0; i < plan_.scenarios.size() && !vm::interrupted(); ++i) {
      m_.baseline[i] = cell(req, key, i, o_.report_dir / "baseline" / folder(m_.scenarios[i]));
      out_ << "baseline " << m_.variant << ": " << m_.scenarios[i] << " " << describe(m_.baseline[i])
           << std::endl;
    }
    if (vm::interrupted()) return;
    std::string red;
    for (size_t i = 0; i < m_.baseline.size(); ++i)
      if (m_.baseline[i].cell != Cell::Survived)
        red += "\n  " + m_.scenarios[i] + ": " + to_string(m_.baseline[i].cell) +
               (m_.baseline[i].step.empty() ? "" : " at step " + m_.baseline[i].step) + ": " +
               m_.baseline[i].message + " (" + m_.baseline[i].artifacts + ")";
    if (!red.empty()) {
      write_reports(m_, o_.report_dir);
      throw Error(
          "the unmutated " + m_.variant +
          " kernel does not pass every scenario, so a kill would mean nothing; fix these first:" + red);
    }
  }

  void mutant(MutantRow& row) {
    auto t0 = Clock::now();
    const Mutant& mu = row.mutant;
    PlantedMutant planted;
    kernel::KernelRequest req;
    req.spec = plan_.variant.name;
    req.patch_texts = plant_in_series(mu, plan_.config_dir, plan_.variant.patches, &planted);
    row.patch_line = planted.patch_line;
    row.old_line = planted.old_line;
    row.new_line = planted.new_line;
    kernel::Variant mutated =
        kernel::with_patch_texts(plan_.variant, req.patch_texts, cache_dir() / "patch-texts");
    row.kernel_key = kernel::lab_kernel_key(mutated, env_);
    std::string head = "mutant " + mu.id + " [" + mu.klass + "]";
    if (mu.equivalent && o_.skip_equivalent) {
      out_ << head << ": declared equivalent, not run (--skip-equivalent)" << std::endl;
      return;
    }

    if (!o_.fresh)
      if (auto failed = cache_.find_build_failure(row.kernel_key)) {
        row.build = Build::Failed;
        row.build_message = *failed;
        out_ << head << ": does not compile (cached)" << std::endl;
        return;
      }
    std::vector<size_t> todo;
    bool killed = false;
    for (size_t i = 0; i < plan_.scenarios.size(); ++i) {
      std::optional<CellResult> c;
      if (!o_.fresh) c = cache_.find_cell(cell_key(row.kernel_key, image_hash_, plan_.scenario_keys[i]));
      if (c) {
        row.cells[i] = *c;
        killed = killed || is_kill(c->cell);
      } else {
        todo.push_back(i);
      }
    }
    if (todo.empty() || (killed && o_.stop_at_first_kill)) {
      row.build = Build::Built;
      out_ << head << ": " << to_string(row.verdict()) << " (cached)" << std::endl;
      return;
    }

    out_ << head << ": building (" << mu.patch << " line " << row.patch_line << ")" << std::endl;
    auto b0 = Clock::now();
    try {
      // Built here (interruptible); the runner then finds it in the cache.
      kernel::build_lab_kernel(mutated, env_, [&](const std::string& s) { log_.info(s); });
    } catch (const Error& e) {
      row.build_seconds = since(b0);
      row.seconds = since(t0);
      if (vm::interrupted()) return;
      if (!is_compile_failure(e.what())) {
        for (size_t i : todo) row.cells[i] = CellResult(Cell::Error, "build", e.what());
        out_ << head << ": kernel build failed for a reason not the mutant's (see the report): error"
             << std::endl;
        return;
      }
      row.build = Build::Failed;
      row.build_message = e.what();
      cache_.store_build_failure(row.kernel_key, row.build_message);
      out_ << head << ": does not compile (" << seconds_text(row.build_seconds) << ")" << std::endl;
      return;
    }
    row.build = Build::Built;
    row.build_seconds = since(b0);
    out_ << head << ": built in " << seconds_text(row.build_seconds) << std::endl;
    for (size_t i : todo) {
      if (vm::interrupted()) break;
      if (killed && o_.stop_at_first_kill) break;
      row.cells[i] =
          cell(req, row.kernel_key, i, o_.report_dir / "mutants" / folder(mu.id) / folder(m_.scenarios[i]));
      out_ << head << ": " << m_.scenarios[i] << " " << describe(row.cells[i]) << std::endl;
      killed = killed || is_kill(row.cells[i].cell);
    }
    row.seconds = since(t0);
    out_ << head << ": " << to_string(row.verdict()) << " (" << seconds_text(row.seconds) << ")" << std::endl;
  }

  // A cell from the cache, or run now (and cached when it is a verdict).
  CellResult cell(const kernel::KernelRequest& req, const std::string& kernel_key, size_t i,
                  const fs::path& dir) {
    std::string key = cell_key(kernel_key, image_hash_, plan_.scenario_keys[i]);
    if (!o_.fresh)
      if (auto c = cache_.find_cell(key)) return *c;
    CellResult r = run_cell(req, plan_.scenarios[i], dir, o_.boot_timeout_s, log_);
    if (!vm::interrupted()) cache_.store_cell(key, r);
    return r;
  }

  static std::string describe(const CellResult& c) {
    std::string s = to_string(c.cell);
    if (c.cached) return s + " (cached)";
    s += " (" + seconds_text(c.seconds) + ")";
    if (!c.step.empty() && c.cell != Cell::Survived) s += " at " + c.step;
    return s;
  }

  const MutateOptions& o_;
  Plan plan_;
  std::ostream& out_;
  std::ofstream log_file_;
  report::Terminal log_{log_file_};
  ResultCache cache_;
  kernel::LabBuildEnv env_;
  std::string image_hash_;
  Matrix m_;
};

}  // namespace

bool is_compile_failure(const std::string& build_error) {
  std::string text = build_error;
  // The whole log, when the error names it: the first compiler error may
  // be more lines up than the error shows.
  if (size_t at = build_error.find("full log: "); at != std::string::npos) {
    std::string path = build_error.substr(at + 10, build_error.find('\n', at) - at - 10);
    if (auto log = try_read_small_file(path)) text = *log;
  }
  for (const char* mark : {": error: ", "undefined reference to", "multiple definition of"})
    if (text.find(mark) != std::string::npos) return true;
  return false;
}

int check_mutations(const fs::path& file, const std::string& variant, std::ostream& out, std::ostream& err) {
  MutationFile mf;
  std::vector<topology::Diagnostic> diags = parse_mutation_file(file, mf);
  std::string name = variant.empty() ? mf.variant : variant;
  if (!name.empty()) {
    try {
      kernel::Variant v = kernel::find_variant(kernel::load_kernel_recipe(source_dir()), name);
      auto more = check_against_series(mf, source_dir() / "kernel-config", v.patches);
      diags.insert(diags.end(), more.begin(), more.end());
    } catch (const Error& e) {
      diags.push_back({Location{file.string()}, e.what()});
    }
  }
  topology::sort_by_position(diags);
  for (const auto& d : diags) err << d.str() << "\n";
  if (!diags.empty()) return 2;
  size_t equivalent = 0;
  for (const auto& m : mf.mutants) equivalent += m.equivalent;
  out << file.string() << ": valid mutation file, " << mf.mutants.size() << " mutant(s) (" << equivalent
      << " equivalent) against kernel " << name << "\n";
  return 0;
}

int run_mutate(const MutateOptions& options, std::ostream& out) {
  MatrixRun run(options, make_plan(options, out), out);
  return run.run();
}

}  // namespace famlab::mutate
