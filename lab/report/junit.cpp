#include "lab/report/junit.h"

#include <cstdio>
#include <sstream>

#include "base/small_file.h"
#include "lab/common/xml_escape.h"

namespace famlab::report {
namespace {

std::string seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", s);
  return buf;
}

std::string failure_text(const ScenarioResult& sc) {
  std::ostringstream out;
  out << sc.message << "\n";
  for (const auto& st : sc.steps) {
    if (st.status != Status::Failed && st.status != Status::Error) continue;
    out << "\nstep '" << st.name << "' " << to_string(st.status) << ": " << st.message << "\n";
    for (const auto& sp : st.splats) out << "\nkernel " << sp.kind << ":\n" << sp.text;
    if (!st.output.empty()) out << "\noutput:\n" << st.output << "\n";
  }
  for (const auto& a : sc.attempts) out << "\nnot run on " << a << "\n";
  if (!sc.artifacts.empty()) out << "\nartifacts: " << sc.artifacts.string() << "\n";
  return out.str();
}

}  // namespace

std::string junit_xml(const RunResult& run) {
  int failures = 0, errors = 0, skipped = 0;
  for (const auto& sc : run.scenarios) {
    failures += sc.status == Status::Failed;
    errors += sc.status == Status::Error;
    skipped += sc.status == Status::Skipped;
  }
  std::ostringstream x;
  x << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  x << "<testsuites name=\"famlab\" tests=\"" << run.scenarios.size() << "\" failures=\"" << failures
    << "\" errors=\"" << errors << "\" skipped=\"" << skipped << "\" time=\"" << seconds(run.seconds)
    << "\">\n";
  x << "  <testsuite name=\"famlab\" tests=\"" << run.scenarios.size() << "\" failures=\"" << failures
    << "\" errors=\"" << errors << "\" skipped=\"" << skipped << "\" time=\"" << seconds(run.seconds)
    << "\" timestamp=\"" << xml_escape(run.started_at) << "\">\n";
  for (const auto& sc : run.scenarios) {
    x << "    <testcase classname=\"famlab." << xml_escape(sc.kernel) << "\" name=\"" << xml_escape(sc.name)
      << "\" file=\"" << xml_escape(sc.file) << "\" time=\"" << seconds(sc.seconds) << "\">\n";
    x << "      <properties>\n        <property name=\"backend\" value=\"" << xml_escape(sc.backend)
      << "\"/>\n";
    if (!sc.host.empty()) x << "        <property name=\"host\" value=\"" << xml_escape(sc.host) << "\"/>\n";
    if (!sc.domain.empty())
      x << "        <property name=\"domain\" value=\"" << xml_escape(sc.domain) << "\"/>\n";
    for (const auto& a : sc.attempts)
      x << "        <property name=\"not-run-on\" value=\"" << xml_escape(a) << "\"/>\n";
    x << "      </properties>\n";
    if (sc.status == Status::Failed)
      x << "      <failure message=\"" << xml_escape(sc.message) << "\">" << xml_escape(failure_text(sc))
        << "</failure>\n";
    else if (sc.status == Status::Error)
      x << "      <error message=\"" << xml_escape(sc.message) << "\">" << xml_escape(failure_text(sc))
        << "</error>\n";
    else if (sc.status == Status::Skipped)
      x << "      <skipped message=\"" << xml_escape(sc.message) << "\"/>\n";
    std::ostringstream steps;
    for (const auto& st : sc.steps)
      steps << to_string(st.status) << "  " << st.name << " (" << seconds(st.seconds) << " s)"
            << (st.message.empty() ? "" : ": " + st.message) << "\n";
    std::string where = "backend " + sc.backend + (sc.host.empty() ? "" : " on " + sc.host);
    for (const auto& a : sc.attempts) where += "\nnot run on " + a;
    x << "      <system-out>"
      << xml_escape("kernel " + sc.kernel_release + ", topology " + sc.topology + ", " + where + "\n" +
                    steps.str())
      << "</system-out>\n";
    x << "    </testcase>\n";
  }
  x << "  </testsuite>\n</testsuites>\n";
  return x.str();
}

void write_junit(const RunResult& run, const std::filesystem::path& file) {
  replace_file_atomically(file, junit_xml(run));
}

}  // namespace famlab::report
