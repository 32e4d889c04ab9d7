#include "libvmha/ctl/history_cmd.h"

#include <ctime>

#include "libvmha/base/strings.h"
#include "libvmha/ctl/output.h"
#include "libvmha/history/journal.h"

namespace vmha::ctl {
namespace {

std::string when(int64_t ms) {
  time_t s = static_cast<time_t>(ms / 1000);
  tm local;
  localtime_r(&s, &local);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &local);
  char out[40];
  std::snprintf(out, sizeof out, "%s.%03d", buf, static_cast<int>(ms % 1000));
  return out;
}

}  // namespace

std::string history_usage() {
  return "usage: vmhactl history [--journal PATH] [--subject NAME] [--kind detection|action|state]\n"
         "                       [--since-minutes N] [--limit N] [--output-as text|json|xml]\n";
}

Result<std::string> history(const std::vector<std::string>& args) {
  std::string path = "/var/lib/vmha/journal.db";
  history::Query q;
  Format format = Format::kText;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string key = args[i], value;
    if (auto eq = key.find('='); eq != std::string::npos) {
      value = key.substr(eq + 1);
      key.resize(eq);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return make_error(Errc::kInvalidArgument, "option " + key + " needs a value");
    }
    if (key == "--journal") path = value;
    else if (key == "--subject") q.subject = value;
    else if (key == "--kind") {
      q.kind = history::parse_kind(value);
      if (!q.kind) return make_error(Errc::kInvalidArgument, "--kind must be detection, action or state");
    } else if (key == "--since-minutes") {
      auto n = parse_int(value);
      if (!n || *n <= 0) return make_error(Errc::kInvalidArgument, "--since-minutes must be positive");
      q.since_ms = (static_cast<int64_t>(std::time(nullptr)) - *n * 60) * 1000;
    } else if (key == "--limit") {
      auto n = parse_int(value);
      if (!n) return make_error(Errc::kInvalidArgument, "--limit must be a number (0: all)");
      q.limit = static_cast<int>(*n);
    } else if (key == "--output-as") {
      auto f = parse_format(value);
      if (!f) return make_error(Errc::kInvalidArgument, "--output-as must be text, json or xml");
      format = *f;
    } else {
      return make_error(Errc::kInvalidArgument, "unknown option " + key);
    }
  }
  auto journal = history::Journal::open_read_only(path);
  if (!journal) return journal.error();
  auto rows = journal->query(q);
  if (!rows) return rows.error();
  Table t{"event", {"time", "node", "kind", "subject", "what", "how", "outcome", "detail"}, {}};
  for (const auto& e : *rows)
    t.rows.push_back({when(e.time_ms), e.node, history::to_string(e.kind), e.subject, e.what, e.how,
                      e.outcome, e.detail});
  return render(t, format);
}

}  // namespace vmha::ctl
