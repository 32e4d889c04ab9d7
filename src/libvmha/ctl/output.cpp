#include "libvmha/ctl/output.h"

#include "libvmha/base/json.h"
#include "libvmha/base/xml.h"

#include <algorithm>

namespace vmha::ctl {
namespace {

std::string text(const Table& t) {
  std::vector<size_t> width(t.columns.size());
  for (size_t i = 0; i < t.columns.size(); ++i) width[i] = t.columns[i].size();
  for (const auto& r : t.rows)
    for (size_t i = 0; i < r.size() && i < width.size(); ++i) width[i] = std::max(width[i], r[i].size());
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (size_t i = 0; i < cells.size(); ++i) {
      out += cells[i];
      if (i + 1 < cells.size()) out += std::string(width[i] - cells[i].size() + 2, ' ');
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::string out = line(t.columns);
  for (const auto& r : t.rows) out += line(r);
  return out;
}

}  // namespace

std::optional<Format> parse_format(const std::string& s) {
  if (s == "text") return Format::kText;
  if (s == "json") return Format::kJson;
  if (s == "xml") return Format::kXml;
  return std::nullopt;
}

std::string render(const Table& t, Format f) {
  if (f == Format::kText) return text(t);
  std::string out;
  if (f == Format::kJson) {
    out = "[";
    for (size_t r = 0; r < t.rows.size(); ++r) {
      out += r ? ",\n {" : "\n {";
      for (size_t i = 0; i < t.columns.size() && i < t.rows[r].size(); ++i)
        out += (i ? ", \"" : "\"") + json_escape(t.columns[i]) + "\": \"" + json_escape(t.rows[r][i]) + "\"";
      out += "}";
    }
    return out + "\n]\n";
  }
  out = "<" + t.name + "s>\n";
  for (const auto& row : t.rows) {
    out += "  <" + t.name;
    for (size_t i = 0; i < t.columns.size() && i < row.size(); ++i)
      out += " " + t.columns[i] + "=\"" + xml_escape(row[i]) + "\"";
    out += "/>\n";
  }
  return out + "</" + t.name + "s>\n";
}

}  // namespace vmha::ctl
