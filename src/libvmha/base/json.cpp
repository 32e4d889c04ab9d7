#include "libvmha/base/json.h"

#include <charconv>
#include <cstdio>

#include "libvmha/base/strings.h"

namespace vmha {

std::string json_escape(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

Json Json::array(Array items) {
  Json j;
  j.type_ = Type::kArray;
  j.items_ = std::move(items);
  return j;
}

Json Json::object(Object members) {
  Json j;
  j.type_ = Type::kObject;
  j.members_ = std::move(members);
  return j;
}

Json Json::number_from_text(std::string text) {
  Json j;
  j.type_ = Type::kNumber;
  j.text_ = std::move(text);
  return j;
}

const Json* Json::find(std::string_view key) const {
  if (type_ != Type::kObject) return nullptr;
  for (const auto& [k, v] : members_)
    if (k == key) return &v;
  return nullptr;
}

std::string Json::str(std::string_view key) const {
  const Json* v = find(key);
  return v && v->is_string() ? v->text_ : std::string();
}

bool Json::flag(std::string_view key, bool fallback) const {
  const Json* v = find(key);
  return v && v->as_bool() ? *v->as_bool() : fallback;
}

const std::string& Json::as_string() const {
  static const std::string empty;
  return type_ == Type::kString ? text_ : empty;
}

std::optional<bool> Json::as_bool() const {
  if (type_ != Type::kBool) return std::nullopt;
  return bool_;
}

std::optional<int64_t> Json::as_int() const {
  if (type_ != Type::kNumber) return std::nullopt;
  int64_t v = 0;
  const char* end = text_.data() + text_.size();
  auto [p, ec] = std::from_chars(text_.data(), end, v);
  if (ec != std::errc() || p != end) return std::nullopt;  // fraction, exponent, overflow
  return v;
}

Json& Json::add(std::string key, Json value) {
  if (type_ == Type::kNull) type_ = Type::kObject;
  members_.emplace_back(std::move(key), std::move(value));
  return *this;
}

Json& Json::push(Json value) {
  if (type_ == Type::kNull) type_ = Type::kArray;
  items_.push_back(std::move(value));
  return *this;
}

void Json::dump_to(std::string& out) const {
  switch (type_) {
    case Type::kNull:
      out += "null";
      break;
    case Type::kBool:
      out += bool_ ? "true" : "false";
      break;
    case Type::kNumber:
      out += text_;
      break;
    case Type::kString:
      out += '"' + json_escape(text_) + '"';
      break;
    case Type::kArray:
      out += '[';
      for (size_t i = 0; i < items_.size(); ++i) {
        if (i) out += ',';
        items_[i].dump_to(out);
      }
      out += ']';
      break;
    case Type::kObject:
      out += '{';
      for (size_t i = 0; i < members_.size(); ++i) {
        if (i) out += ',';
        out += '"' + json_escape(members_[i].first) + "\":";
        members_[i].second.dump_to(out);
      }
      out += '}';
      break;
  }
}

std::string Json::dump() const {
  std::string out;
  dump_to(out);
  return out;
}

namespace {

class Parser {
 public:
  Parser(std::string_view s, int max_depth) : s_(s), max_depth_(max_depth) {}

  Result<Json> document() {
    Json v;
    if (!value(v, 0)) return fail();
    ws();
    if (pos_ != s_.size()) {
      why_ = "text after the value";
      return fail();
    }
    return v;
  }

 private:
  Error fail() const {
    return make_error(Errc::kInvalidArgument,
                      "malformed JSON at byte " + std::to_string(pos_) + ": " + why_);
  }
  bool bad(const char* why) {
    why_ = why;
    return false;
  }
  void ws() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
      ++pos_;
  }
  bool literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return bad("unknown literal");
    pos_ += word.size();
    return true;
  }

  bool value(Json& out, int depth) {
    ws();
    if (pos_ >= s_.size()) return bad("unexpected end");
    char c = s_[pos_];
    if (c == '{' || c == '[') {
      if (depth >= max_depth_) return bad("nested too deeply");
      return c == '{' ? object(out, depth + 1) : array(out, depth + 1);
    }
    if (c == '"') {
      std::string text;
      if (!string(text)) return false;
      out = Json(std::move(text));
      return true;
    }
    if (c == 't') return literal("true") && (out = Json(true), true);
    if (c == 'f') return literal("false") && (out = Json(false), true);
    if (c == 'n') return literal("null") && (out = Json(), true);
    return number(out);
  }

  bool object(Json& out, int depth) {
    out = Json::object();
    ++pos_;
    ws();
    if (pos_ < s_.size() && s_[pos_] == '}') {
      ++pos_;
      return true;
    }
    for (;;) {
      ws();
      std::string key;
      if (pos_ >= s_.size() || s_[pos_] != '"') return bad("expected a member name");
      if (!string(key)) return false;
      ws();
      if (pos_ >= s_.size() || s_[pos_] != ':') return bad("expected ':'");
      ++pos_;
      Json v;
      if (!value(v, depth)) return false;
      out.add(std::move(key), std::move(v));
      ws();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < s_.size() && s_[pos_] == '}') {
        ++pos_;
        return true;
      }
      return bad("expected ',' or '}'");
    }
  }

  bool array(Json& out, int depth) {
    out = Json::array();
    ++pos_;
    ws();
    if (pos_ < s_.size() && s_[pos_] == ']') {
      ++pos_;
      return true;
    }
    for (;;) {
      Json v;
      if (!value(v, depth)) return false;
      out.push(std::move(v));
      ws();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < s_.size() && s_[pos_] == ']') {
        ++pos_;
        return true;
      }
      return bad("expected ',' or ']'");
    }
  }

  bool hex4(uint32_t& cp) {
    if (pos_ + 4 > s_.size()) return bad("short \\u escape");
    cp = 0;
    for (int i = 0; i < 4; ++i) {
      char h = s_[pos_++];
      cp <<= 4;
      if (h >= '0' && h <= '9')
        cp |= static_cast<uint32_t>(h - '0');
      else if (h >= 'a' && h <= 'f')
        cp |= static_cast<uint32_t>(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F')
        cp |= static_cast<uint32_t>(h - 'A' + 10);
      else
        return bad("bad hex digit in \\u escape");
    }
    return true;
  }

  bool escape(std::string& out) {
    if (pos_ >= s_.size()) return bad("unterminated string");
    char e = s_[pos_++];
    switch (e) {
      case '"':
        out += '"';
        return true;
      case '\\':
        out += '\\';
        return true;
      case '/':
        out += '/';
        return true;
      case 'b':
        out += '\b';
        return true;
      case 'f':
        out += '\f';
        return true;
      case 'n':
        out += '\n';
        return true;
      case 'r':
        out += '\r';
        return true;
      case 't':
        out += '\t';
        return true;
      case 'u':
        break;
      default:
        return bad("unknown escape");
    }
    uint32_t cp = 0;
    if (!hex4(cp)) return false;
    if (cp >= 0xDC00 && cp <= 0xDFFF) return bad("lone low surrogate");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      uint32_t low = 0;
      if (s_.substr(pos_, 2) != "\\u") return bad("high surrogate without its pair");
      pos_ += 2;
      if (!hex4(low)) return false;
      if (low < 0xDC00 || low > 0xDFFF) return bad("high surrogate without its pair");
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    append_utf8(out, cp);
    return true;
  }

  bool string(std::string& out) {
    ++pos_;  // the opening quote
    while (pos_ < s_.size()) {
      unsigned char c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c < 0x20) return bad("control character in a string");
      ++pos_;
      if (c == '\\') {
        if (!escape(out)) return false;
      } else {
        out += static_cast<char>(c);
      }
    }
    return bad("unterminated string");
  }

  bool digits() {
    size_t start = pos_;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
    return pos_ > start;
  }

  bool number(Json& out) {
    size_t start = pos_;
    if (s_[pos_] == '-') ++pos_;
    if (pos_ < s_.size() && s_[pos_] == '0') {
      ++pos_;
    } else if (!digits()) {
      return bad("unexpected character");
    }
    if (pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      if (!digits()) return bad("digits expected after '.'");
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (!digits()) return bad("digits expected in the exponent");
    }
    out = Json::number_from_text(std::string(s_.substr(start, pos_ - start)));
    return true;
  }

  std::string_view s_;
  int max_depth_;
  size_t pos_ = 0;
  std::string why_;
};

}  // namespace

Result<Json> parse_json(std::string_view text, int max_depth) {
  return Parser(text, max_depth).document();
}

}  // namespace vmha
