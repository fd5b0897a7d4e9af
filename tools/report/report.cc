#include "tools/report/report.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "scenarios/lang/scenario_parser.h"
#include "tools/plot/axis.h"
#include "tools/plot/connection.h"
#include "tools/plot/sim_input.h"
#include "tools/plot/time_sequence.h"

namespace tcplab::report {
namespace {

constexpr char kStyle[] =
    "body{font-family:sans-serif;margin:2em;color:#222;max-width:1100px}"
    "h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}"
    "pre{background:#f6f6f6;padding:0.8em;overflow-x:auto;font-size:12px;line-height:1.35}"
    "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:0.3em 0.6em;"
    "text-align:left;vertical-align:top;font-size:13px}"
    ".pass{color:#1a7f37;font-weight:bold}.fail{color:#c62828;font-weight:bold}"
    "figure{margin:1em 0}figcaption{font-size:13px;color:#555}";

// The text of the runner's report between the line starting with `from`
// and the next blank-line section (RunScenario's layout, run.h).
std::string Section(const std::string& output, const std::string& from) {
  const size_t at = output.find(absl::StrCat("\n", from));
  if (at == std::string::npos) return "";
  const size_t body = output.find('\n', at + 1);
  if (body == std::string::npos) return "";
  const size_t end = output.find("\n\n", body);
  return output.substr(body + 1, end == std::string::npos ? std::string::npos : end - body);
}

std::string Pre(const std::string& text) {
  return absl::StrCat("<pre>", plot::XmlEscape(text), "</pre>\n");
}

// The SVG document without its XML declaration, for inlining in HTML.
std::string InlineSvg(const std::string& svg) {
  const size_t at = svg.find("<svg");
  return at == std::string::npos ? svg : svg.substr(at);
}

}  // namespace

std::string RenderReportHtml(const std::string& scenario_text,
                             const scenario::runner::RunResult& result,
                             const plot::PlotInput& plots, const std::string& pcap_name) {
  using plot::XmlEscape;
  const std::string title = absl::StrCat("tcplab run ", plots.source, " --seed ", result.seed);
  std::string h;
  absl::StrAppend(&h,
                  "<!DOCTYPE html>\n<html lang=\"en\" xmlns=\"http://www.w3.org/1999/xhtml\">\n",
                  "<head><meta charset=\"utf-8\"/><title>", XmlEscape(title), "</title><style>",
                  kStyle, "</style></head>\n<body>\n");
  int held = 0;
  for (const auto& e : result.expectations) held += e.passed ? 1 : 0;
  absl::StrAppend(
      &h, "<h1>", XmlEscape(title), "</h1>\n<p class=\"result\">Result: <span class=\"",
      result.passed ? "pass\">PASS" : "fail\">FAIL", "</span> (", held, " of ",
      result.expectations.size(), " expectations hold); simulated time ",
      XmlEscape(absl::FormatDuration(result.end.since_start())),
      result.hit_time_limit ? " (time limit reached)" : "", ". Capture: <a href=\"",
      XmlEscape(pcap_name), "\">", XmlEscape(pcap_name), "</a>",
      result.passed ? "" : absl::StrCat(". Replay: <code>", XmlEscape(result.replay), "</code>"),
      ".</p>\n");

  absl::StrAppend(&h, "<h2>Expectations</h2>\n<table class=\"expectations\">\n",
                  "<tr><th>result</th><th>expectation</th><th>seen</th><th>where</th></tr>\n");
  for (const auto& e : result.expectations) {
    absl::StrAppend(&h, "<tr class=\"expectation\"><td class=\"",
                    e.passed ? "pass\">PASS" : "fail\">FAIL", "</td><td><code>expect ",
                    XmlEscape(e.text), "</code></td><td>", XmlEscape(e.seen), "</td><td>",
                    XmlEscape(e.where), "</td></tr>\n");
  }
  absl::StrAppend(&h, "</table>\n");
  if (result.expectations.empty()) absl::StrAppend(&h, "<p>(none)</p>\n");

  absl::StrAppend(&h, "<h2>Graphs</h2>\n");
  const std::vector<std::string> conns = plot::ListConnections(plots);
  for (size_t i = 0; i < conns.size() && i < kMaxGraphs; ++i) {
    absl::StatusOr<plot::Connection> c = plot::SelectConnection(plots, conns[i]);
    if (!c.ok()) continue;
    plot::PlotOptions o;
    o.id_prefix = absl::StrCat("g", i, "-");
    absl::StrAppend(&h, "<figure class=\"graph\">\n",
                    InlineSvg(plot::RenderTimeSequenceSvg(plots, *c, o)), "<figcaption>",
                    XmlEscape(conns[i]), ": <code>tcplab plot ", XmlEscape(plots.source),
                    " --seed ", result.seed, " --conn ", XmlEscape(conns[i]),
                    " -o OUT.svg</code></figcaption>\n</figure>\n");
  }
  if (conns.size() > kMaxGraphs) {
    absl::StrAppend(&h, "<p>", conns.size() - kMaxGraphs,
                    " more connections not drawn; plot one with --conn.</p>\n");
  }
  if (conns.empty()) absl::StrAppend(&h, "<p>(no TCP packets)</p>\n");

  absl::StrAppend(&h, "<h2>Summary</h2>\n", Pre(Section(result.output, "summary:")));
  absl::StrAppend(&h, "<h2>Timeline</h2>\n", Pre(Section(result.output, "timeline (")));
  absl::StrAppend(&h, "<h2>Scenario</h2>\n", Pre(scenario_text));
  absl::StrAppend(&h, "</body>\n</html>\n");
  return h;
}

absl::StatusOr<scenario::runner::RunResult> WriteRunReport(const std::string& scn_path,
                                                           std::optional<uint64_t> seed,
                                                           const std::string& dir) {
  std::ifstream in(scn_path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", scn_path));
  std::stringstream text;
  text << in.rdbuf();
  absl::StatusOr<scenario::Scenario> s = scenario::ParseScenario(text.str(), scn_path);
  if (!s.ok()) return s.status();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return absl::PermissionDeniedError(absl::StrCat("cannot create ", dir, ": ", ec.message()));

  scenario::runner::RunOptions options;
  options.seed = seed;
  options.pcap_path = (std::filesystem::path(dir) / "run.pcap").string();
  absl::StatusOr<scenario::runner::RunResult> result = scenario::runner::RunScenario(*s, options);
  if (!result.ok()) return result.status();
  absl::StatusOr<plot::PlotInput> plots = plot::RecordScenario(*s, result->seed);
  if (!plots.ok()) return plots.status();

  const std::string html_path = (std::filesystem::path(dir) / "index.html").string();
  std::ofstream out(html_path, std::ios::binary | std::ios::trunc);
  out << RenderReportHtml(text.str(), *result, *plots, "run.pcap");
  out.close();
  if (!out) return absl::PermissionDeniedError(absl::StrCat("cannot write ", html_path));
  return result;
}

}  // namespace tcplab::report
