// SPDX-License-Identifier: MIT
#include "protocol/request_parser.h"

#include <algorithm>
#include <cstring>

namespace tlspolicyd::protocol {

std::string_view to_string(ParseError error) {
  switch (error) {
    case ParseError::None: return "no error";
    case ParseError::LineTooLong: return "line too long";
    case ParseError::RequestTooLarge: return "request too large";
    case ParseError::TooManyAttributes: return "too many attributes";
    case ParseError::MissingEquals: return "line without '='";
    case ParseError::NulByte: return "NUL byte in request";
  }
  return "unknown error";
}

void RequestParser::append(std::string_view bytes) {
  if (error_ != ParseError::None) return;
  if (start_ > 0) {
    // Drop the requests already handed out; offsets are relative to start_.
    buf_.erase(0, start_);
    scan_ = std::max(scan_, line_start_) - start_;
    line_start_ -= start_;
    start_ = 0;
  }
  buf_.append(bytes);
}

void RequestParser::set_limits(const Limits& limits) {
  if (mid_request()) {
    next_limits_ = limits;
    has_next_limits_ = true;
  } else {
    limits_ = limits;
  }
}

void RequestParser::shrink() {
  if (start_ == buf_.size()) {
    buf_.clear();
    start_ = line_start_ = scan_ = 0;
  }
  buf_.shrink_to_fit();
}

ParseStatus RequestParser::fail(ParseError error) {
  error_ = error;
  return ParseStatus::Error;
}

void RequestParser::begin_request() {
  start_ = line_start_;
  attributes_ = 0;
  spans_.fill(Span{});
  if (has_next_limits_) {
    limits_ = next_limits_;
    has_next_limits_ = false;
  }
}

std::optional<Attr> RequestParser::predicted_at(const char* line, std::size_t available) const {
  // Postfix writes the same attributes in the same order every time: the name at
  // this line of the last request, if "name=" starts this line too.
  if (attributes_ >= predicted_.size() || predicted_[attributes_] == NoAttr) return std::nullopt;
  const auto attr = static_cast<Attr>(predicted_[attributes_]);
  const std::string_view name = attr_name(attr);
  if (available <= name.size() || line[name.size()] != '=' || std::memcmp(line, name.data(), name.size()) != 0) {
    return std::nullopt;
  }
  return attr;
}

ParseStatus RequestParser::next(Request& out) {
  if (error_ != ParseError::None) return ParseStatus::Error;
  const char* base = buf_.data();
  const std::size_t end = buf_.size();

  while (line_start_ < end) {
    const char* line = base + line_start_;
    const std::optional<Attr> guess = predicted_at(line, end - line_start_);
    // The LF search starts after "name=" when the name is known already.
    const std::size_t from = std::max(scan_, line_start_ + (guess ? attr_name(*guess).size() + 1 : 0));
    const auto* lf = static_cast<const char*>(std::memchr(base + from, '\n', end - from));
    if (lf == nullptr) {
      // An unfinished line: fail now if it can no longer fit (one CR may follow).
      scan_ = end;
      if (end - line_start_ > limits_.line_bytes + 1) return fail(ParseError::LineTooLong);
      if (end - start_ > limits_.request_bytes) return fail(ParseError::RequestTooLarge);
      return ParseStatus::NeedMore;
    }
    std::size_t len = static_cast<std::size_t>(lf - line);
    const std::size_t next_line = line_start_ + len + 1;
    if (len > 0 && line[len - 1] == '\r') --len;
    if (len > limits_.line_bytes) return fail(ParseError::LineTooLong);
    if (next_line - start_ > limits_.request_bytes) return fail(ParseError::RequestTooLarge);

    if (len == 0) {
      // End of request: no NUL anywhere in it (one scan of the whole request), then
      // publish the spans as views and start the next one.
      if (std::memchr(base + start_, '\0', line_start_ - start_) != nullptr) return fail(ParseError::NulByte);
      for (std::size_t i = 0; i < AttrCount; ++i) {
        const Span& s = spans_[i];
        out.set(static_cast<Attr>(i), s.set ? std::string_view(base + start_ + s.offset, s.length) : std::string_view());
      }
      out.finalize();
      line_start_ = next_line;
      begin_request();
      return ParseStatus::Complete;
    }

    if (attributes_ >= limits_.attributes) return fail(ParseError::TooManyAttributes);
    std::size_t name_len = 0;
    std::optional<Attr> attr = guess;
    if (guess) {
      name_len = attr_name(*guess).size();
    } else {
      const auto* eq = static_cast<const char*>(std::memchr(line, '=', len));
      if (eq == nullptr) {
        return fail(std::memchr(line, '\0', len) != nullptr ? ParseError::NulByte : ParseError::MissingEquals);
      }
      name_len = static_cast<std::size_t>(eq - line);
      attr = find_attr(std::string_view(line, name_len));
      if (attributes_ < predicted_.size()) predicted_[attributes_] = attr ? static_cast<std::uint8_t>(*attr) : NoAttr;
    }
    ++attributes_;
    if (attr) {
      Span& s = spans_[static_cast<std::size_t>(*attr)];
      s.offset = static_cast<std::uint32_t>(line_start_ + name_len + 1 - start_);
      s.length = static_cast<std::uint32_t>(len - name_len - 1);
      s.set = true;
    }
    line_start_ = next_line;
  }
  return ParseStatus::NeedMore;
}

}  // namespace tlspolicyd::protocol
