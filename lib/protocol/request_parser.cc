// SPDX-License-Identifier: MIT
#include "protocol/request_parser.h"

#include <algorithm>
#include <cstring>

#include "protocol/byte_scan.h"

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

ParseError RequestParser::size_error(std::size_t line_over_at, std::size_t reached) const {
  const std::size_t request_over_at = start_ + limits_.request_bytes + 1;
  const bool request_over = reached >= request_over_at;
  if (line_over_at != 0 && (!request_over || line_over_at <= request_over_at)) return ParseError::LineTooLong;
  return request_over ? ParseError::RequestTooLarge : ParseError::None;
}

std::size_t RequestParser::predicted_name(const char* line, const char* end) const {
  // Postfix writes the same attributes in the same order every time: the name at
  // this line of the last request, if "name=" starts this line too.
  if (attributes_ >= predicted_.size() || predicted_[attributes_] == NoAttr) return 0;
  const std::string_view name = AttrNames[predicted_[attributes_]];
  if (static_cast<std::size_t>(end - line) <= name.size() || line[name.size()] != '=' ||
      !same_bytes(line, name.data(), name.size())) {
    return 0;
  }
  return name.size();
}

ParseStatus RequestParser::next(Request& out) {
  if (error_ != ParseError::None) return ParseStatus::Error;
  const char* base = buf_.data();
  const char* end = base + buf_.size();

  while (line_start_ < buf_.size()) {
    const char* line = base + line_start_;
    const std::size_t known = predicted_name(line, end);
    // The LF search starts after "name=" when the name is known already.
    const char* from = base + std::max(scan_, line_start_ + (known != 0 ? known + 1 : 0));
    const char* lf = find_byte(from, end, '\n');
    if (lf == nullptr) {
      // An unfinished line: fail now if it can no longer fit (one CR may follow).
      scan_ = buf_.size();
      const std::size_t line_over_at = line_start_ + limits_.line_bytes + 2;
      const ParseError error = size_error(buf_.size() >= line_over_at ? line_over_at : 0, buf_.size());
      return error != ParseError::None ? fail(error) : ParseStatus::NeedMore;
    }
    std::size_t len = static_cast<std::size_t>(lf - line);
    const std::size_t next_line = line_start_ + len + 1;
    if (len > 0 && line[len - 1] == '\r') --len;
    const std::size_t line_over_at = std::min(line_start_ + limits_.line_bytes + 2, next_line);
    if (const ParseError error = size_error(len > limits_.line_bytes ? line_over_at : 0, next_line);
        error != ParseError::None) {
      return fail(error);
    }

    if (len == 0) {
      // End of request: no NUL anywhere in it (one scan of the whole request), then
      // publish the spans as views and start the next one.
      const char* request = base + start_;
      if (std::memchr(request, '\0', line_start_ - start_) != nullptr) return fail(ParseError::NulByte);
      for (std::size_t i = 0; i < AttrCount; ++i) {
        out.set(static_cast<Attr>(i), std::string_view(request + spans_[i].offset, spans_[i].length));
      }
      out.finalize();
      line_start_ = next_line;
      begin_request();
      return ParseStatus::Complete;
    }

    if (attributes_ >= limits_.attributes) return fail(ParseError::TooManyAttributes);
    std::size_t name_len = known;
    std::uint8_t attr = known != 0 ? predicted_[attributes_] : NoAttr;
    if (known == 0) {
      const char* eq = find_byte(line, line + len, '=');
      if (eq == nullptr) {
        return fail(find_byte(line, line + len, '\0') != nullptr ? ParseError::NulByte : ParseError::MissingEquals);
      }
      name_len = static_cast<std::size_t>(eq - line);
      const std::optional<Attr> found = find_attr(std::string_view(line, name_len));
      attr = found ? static_cast<std::uint8_t>(*found) : NoAttr;
      if (attributes_ < predicted_.size()) predicted_[attributes_] = attr;
    }
    ++attributes_;
    if (attr != NoAttr) {
      spans_[attr] = Span{static_cast<std::uint32_t>(line_start_ + name_len + 1 - start_),
                          static_cast<std::uint32_t>(len - name_len - 1)};
    }
    line_start_ = next_line;
  }
  return ParseStatus::NeedMore;
}

}  // namespace tlspolicyd::protocol
