// SPDX-License-Identifier: MIT
#include "protocol/request_parser.h"

#include <algorithm>
#include <bit>

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

void RequestParser::drop_consumed() {
  // Offsets become relative to start_. The scanned block loses its bytes before
  // start_ (all of them LF bits already consumed).
  if (block_ < start_) {
    const std::size_t dropped = std::min(start_ - block_, block_len_);
    lf_bits_ = dropped < 64 ? lf_bits_ >> dropped : 0;
    block_len_ -= dropped;
    block_ = start_;
  }
  block_ -= start_;
  line_start_ -= start_;
  if (nul_at_ != NoNul) nul_at_ -= start_;
  start_ = 0;
}

void RequestParser::forget_bytes() {
  buf_.clear();
  in_ = buf_.data();
  in_size_ = start_ = line_start_ = block_ = block_len_ = 0;
  lf_bits_ = 0;
  nul_at_ = NoNul;
}

void RequestParser::append(std::string_view bytes) {
  if (error_ != ParseError::None) return;
  release();
  if (start_ > 0) {  // drop the requests already handed out
    const std::size_t consumed = start_;
    drop_consumed();
    buf_.erase(0, consumed);
  }
  buf_.append(bytes);
  in_ = buf_.data();
  in_size_ = buf_.size();
}

void RequestParser::borrow(std::string_view bytes) {
  if (error_ != ParseError::None) return;
  release();
  if (mid_request()) {  // held bytes come first: one buffer for both
    append(bytes);
    return;
  }
  // At a request boundary with nothing held: the bytes are parsed where they are.
  forget_bytes();
  in_ = bytes.data();
  in_size_ = bytes.size();
  borrowed_ = true;
}

void RequestParser::release() {
  if (!borrowed_) return;
  borrowed_ = false;
  if (!mid_request()) {  // the common case: every request was whole
    forget_bytes();
    return;
  }
  buf_.assign(in_ + start_, in_size_ - start_);  // an unfinished request, if any
  drop_consumed();
  in_ = buf_.data();
  in_size_ = buf_.size();
}

void RequestParser::set_limits(const Limits& limits) {
  if (mid_request()) {
    next_limits_ = limits;
    has_next_limits_ = true;
  } else {
    limits_ = limits;
  }
}

ParseStatus RequestParser::fail(ParseError error) {
  error_ = error;
  return ParseStatus::Error;
}

void RequestParser::begin_request() {
  start_ = line_start_;
  attributes_ = 0;
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

namespace {

// "name=" of every attribute, as the words the parser compares a line's start with.
constexpr std::array<WordPrefix, AttrCount> NameKeys = [] {
  std::array<WordPrefix, AttrCount> keys{};
  for (std::size_t i = 0; i < AttrCount; ++i) {
    std::array<char, WordPrefix::MaxSize> text{};
    const std::string_view name = Attrs[i].name;
    for (std::size_t j = 0; j < name.size(); ++j) text[j] = name[j];
    text[name.size()] = '=';
    keys[i] = WordPrefix(std::string_view(text.data(), name.size() + 1));
  }
  return keys;
}();

struct NameLookup {
  std::optional<Attr> attr;  // none for a name this program does not know
  std::size_t name_len;
  ParseError error;
};

// The name of a line that does not start as predicted: searched for (out of line,
// so the parser's loop keeps its registers).
[[gnu::noinline]] NameLookup look_up_name(const char* line, std::size_t len) {
  const char* eq = find_byte(line, line + len, '=');
  if (eq == nullptr) {
    return {std::nullopt, 0, find_byte(line, line + len, '\0') != nullptr ? ParseError::NulByte : ParseError::MissingEquals};
  }
  const auto name_len = static_cast<std::size_t>(eq - line);
  return {find_attr(std::string_view(line, name_len)), name_len, ParseError::None};
}

}  // namespace

ParseStatus RequestParser::next(Request& out) {
  if (error_ != ParseError::None) return ParseStatus::Error;
  // The loop works on pointers (registers), stored back as offsets when it returns
  // a result (an error is final: nothing more is read). Few values stay live in
  // it, so that they all fit in registers.
  const char* block = in_ + block_;  // the block whose LFs are left in lf_bits
  std::uint64_t lf_bits = lf_bits_;
  const char* line = in_ + line_start_;
  std::size_t attributes = attributes_;
  const char* const request = in_ + start_;
  // The spans live on the stack while parsing (hot memory); only an unfinished
  // request's go back to the parser.
  std::array<Span, AttrCount> spans{};
  if (attributes > 0) spans = spans_;
  const auto save = [&] {
    block_ = static_cast<std::size_t>(block - in_);
    lf_bits_ = lf_bits;
    line_start_ = static_cast<std::size_t>(line - in_);
    attributes_ = attributes;
  };
  // A line longer than line_bytes breaks the line's limit; an LF request_bytes or
  // more after the request's first byte breaks the request's.
  const std::size_t line_bytes = limits_.line_bytes;
  const std::size_t request_bytes = limits_.request_bytes;

  while (true) {
    // The next LF: the lowest bit left, else the marks of the next block.
    while (lf_bits == 0) {
      block += block_len_;
      const auto left = static_cast<std::size_t>(in_ + in_size_ - block);
      block_len_ = std::min<std::size_t>(64, left);
      if (left == 0) {
        // An unfinished line: fail now if it can no longer fit (one CR may follow).
        save();
        const std::size_t line_over_at = line_start_ + line_bytes + 2;
        const ParseError error = size_error(in_size_ >= line_over_at ? line_over_at : 0, in_size_);
        if (error != ParseError::None) return fail(error);
        if (attributes > 0) spans_ = spans;
        return ParseStatus::NeedMore;
      }
      const LineMarks marks = line_marks(block, block_len_);
      lf_bits = marks.lf;
      if (marks.nul != 0 && nul_at_ == NoNul) {
        nul_at_ = static_cast<std::size_t>(block - in_) + static_cast<std::size_t>(std::countr_zero(marks.nul));
      }
    }
    const char* const lf = block + std::countr_zero(lf_bits);
    lf_bits &= lf_bits - 1;

    auto len = static_cast<std::size_t>(lf - line);
    if (len > 0 && line[len - 1] == '\r') --len;
    if (len > line_bytes || static_cast<std::size_t>(lf - request) >= request_bytes) [[unlikely]] {
      const std::size_t line_start = static_cast<std::size_t>(line - in_);
      const std::size_t next_line = static_cast<std::size_t>(lf - in_) + 1;
      const std::size_t line_over_at = std::min(line_start + line_bytes + 2, next_line);
      if (const ParseError error = size_error(len > line_bytes ? line_over_at : 0, next_line);
          error != ParseError::None) {
        return fail(error);
      }
    }

    if (len == 0) {
      // End of request: no NUL anywhere in it (its bytes are all scanned), then
      // publish the spans as views and start the next one.
      if (nul_at_ < static_cast<std::size_t>(line - in_)) return fail(ParseError::NulByte);
      line = lf + 1;
      save();
      begin_request();
      for (std::size_t i = 0; i < AttrCount; ++i) {
        out.set(static_cast<Attr>(i), std::string_view(request + spans[i].offset, spans[i].length));
      }
      out.finalize();
      return ParseStatus::Complete;
    }

    if (attributes >= limits_.attributes) [[unlikely]] return fail(ParseError::TooManyAttributes);
    // Postfix writes the same attributes in the same order every time: the name at
    // this line of the last request, when "name=" starts this line too.
    std::uint8_t attr = attributes < predicted_.size() ? predicted_[attributes] : NoAttr;
    std::size_t name_len;
    if (attr != NoAttr && NameKeys[attr].starts(line, len)) [[likely]] {
      name_len = NameKeys[attr].size() - 1;
    } else {
      const NameLookup found = look_up_name(line, len);
      if (found.error != ParseError::None) return fail(found.error);
      attr = found.attr ? static_cast<std::uint8_t>(*found.attr) : NoAttr;
      name_len = found.name_len;
      if (attributes < predicted_.size()) predicted_[attributes] = attr;
    }
    ++attributes;
    if (attr != NoAttr) {
      spans[attr] = Span{static_cast<std::uint32_t>(line + name_len + 1 - request),
                          static_cast<std::uint32_t>(len - name_len - 1)};
    }
    line = lf + 1;
  }
}

}  // namespace tlspolicyd::protocol
