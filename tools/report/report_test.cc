// The HTML report of a run: written next to its pcap, well-formed,
// self-contained (no scripts, nothing fetched), one graph per connection
// with ids that do not collide, the expectations as the runner judged
// them, the scenario text, and the same bytes on every run.

#include "tools/report/report.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "scenarios/lang/scenario_parser.h"
#include "tools/plot/svg_check.h"

namespace tcplab::report {
namespace {

// Two clients, so two connections and two graphs; one expectation fails.
constexpr char kScenario[] = R"(# two clients & a lossy link
seed 3
host c { address 10.0.1.1; count 2 }
host s { address 10.0.0.1 }
switch sw
link c -- sw { delay 5ms; rate 10Mbit/s; loss 2% }
link s -- sw { delay 1ms; rate 50Mbit/s }
app rx sink on s { listen 80 }
app tx bulk on c { connect s:80; bytes 150KB }
expect rx.received == 150KB
expect rx.intact
expect tx.retransmits < 0
)";

std::string Slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

int Count(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TEST_TMPDIR");
    dir_ = std::filesystem::path(tmp ? tmp : "/tmp") / "report_test";
    std::filesystem::create_directories(dir_);
    scn_ = (dir_ / "two_clients.scn").string();
    std::ofstream(scn_) << kScenario;
  }
  std::filesystem::path dir_;
  std::string scn_;
};

TEST_F(ReportTest, WritesASelfContainedPageAndThePcap) {
  const std::string out = (dir_ / "r1").string();
  absl::StatusOr<scenario::runner::RunResult> r = WriteRunReport(scn_, std::nullopt, out);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->passed);
  const std::string html = Slurp(out + "/index.html");
  ASSERT_FALSE(html.empty());
  ASSERT_EQ(html.rfind("<!DOCTYPE html>\n", 0), 0u);
  EXPECT_EQ(plot::WellFormedError(html.substr(html.find("<html"))), "");

  // The pcap is the run's: the same bytes the runner writes for this seed.
  scenario::runner::RunOptions o;
  o.pcap_in_memory = true;
  absl::StatusOr<scenario::Scenario> s = scenario::ParseScenario(kScenario, scn_);
  ASSERT_TRUE(s.ok());
  absl::StatusOr<scenario::runner::RunResult> again = scenario::runner::RunScenario(*s, o);
  ASSERT_TRUE(again.ok());
  const std::string pcap = Slurp(out + "/run.pcap");
  EXPECT_EQ(pcap, std::string(again->pcap.begin(), again->pcap.end()));
  EXPECT_EQ(Count(html, "<a href=\"run.pcap\">"), 1);

  // Self-contained: no scripts, no external resources, one link (the pcap).
  EXPECT_EQ(Count(html, "<script"), 0);
  EXPECT_EQ(Count(html, " src="), 0);
  EXPECT_EQ(Count(html, "href="), 1);
  EXPECT_EQ(Count(html, "url(http"), 0);

  // Expectations as judged: three rows, one FAIL, the replay command.
  EXPECT_EQ(Count(html, "<tr class=\"expectation\">"), 3);
  EXPECT_EQ(Count(html, "<td class=\"fail\">FAIL</td>"), 1);
  EXPECT_EQ(Count(html, "<td class=\"pass\">PASS</td>"), 2);
  EXPECT_NE(html.find("expect tx.retransmits &lt; 0"), std::string::npos);
  EXPECT_NE(html.find(absl::StrCat("Replay: <code>tcplab run ", scn_, " --seed 3</code>")),
            std::string::npos);

  // Both connections drawn, with their own ids; the scenario text escaped.
  EXPECT_EQ(Count(html, "<svg xmlns="), 2);
  EXPECT_EQ(Count(html, "<figure class=\"graph\">"), 2);
  EXPECT_EQ(Count(html, "<?xml"), 0);
  std::set<std::string> ids;
  int n_ids = 0;
  for (size_t at = html.find(" id=\""); at != std::string::npos;
       at = html.find(" id=\"", at + 1), ++n_ids) {
    const size_t v = at + 5;
    ids.insert(html.substr(v, html.find('"', v) - v));
  }
  EXPECT_GT(n_ids, 0);
  EXPECT_EQ(static_cast<int>(ids.size()), n_ids) << "ids repeat";
  EXPECT_NE(html.find("# two clients &amp; a lossy link"), std::string::npos);
  EXPECT_NE(html.find("<h2>Summary</h2>\n<pre>connections:"), std::string::npos);
  EXPECT_NE(html.find("<h2>Timeline</h2>\n<pre>"), std::string::npos);
}

TEST_F(ReportTest, SameRunSameBytes) {
  ASSERT_TRUE(WriteRunReport(scn_, 3, (dir_ / "a").string()).ok());
  ASSERT_TRUE(WriteRunReport(scn_, 3, (dir_ / "b").string()).ok());
  EXPECT_EQ(Slurp((dir_ / "a/index.html").string()), Slurp((dir_ / "b/index.html").string()));
  ASSERT_TRUE(WriteRunReport(scn_, 4, (dir_ / "c").string()).ok());
  EXPECT_NE(Slurp((dir_ / "a/index.html").string()), Slurp((dir_ / "c/index.html").string()));
}

TEST_F(ReportTest, ErrorsNameTheFile) {
  absl::StatusOr<scenario::runner::RunResult> r =
      WriteRunReport((dir_ / "missing.scn").string(), std::nullopt, (dir_ / "x").string());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("missing.scn"), absl::string_view::npos);
}

}  // namespace
}  // namespace tcplab::report
