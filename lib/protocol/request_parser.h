// SPDX-License-Identifier: MIT
// request_parser: turns the bytes of one policy connection into Requests.
//
// Input: arbitrary chunks (append), in order. Lines end in LF; one trailing CR is
// dropped. A line splits at its first '='; an empty line ends a request. Unknown
// names are ignored and a repeated name keeps its last value. Several requests may
// be buffered at once (pipelining); next() returns them in order.
// Limits: a line longer than Limits::line_bytes (without LF and CR), a request over
// Limits::request_bytes, more than Limits::attributes lines, a non-empty line
// without '=', or a NUL byte is an Error. An error is final: the connection must be
// closed without an answer. Nothing is ever truncated or repaired.
// Cost: one pass over each byte, however the input is chunked, then a few
// operations per line; borrow() spares the copy. Memory: the unconsumed bytes
// only, which the limits bound to about one request plus one chunk.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/request.h"

namespace tlspolicyd::protocol {

struct Limits {
  std::size_t line_bytes = 8192;
  std::size_t request_bytes = 65536;
  std::size_t attributes = 128;
};

enum class ParseStatus { NeedMore, Complete, Error };

enum class ParseError {
  None,
  LineTooLong,
  RequestTooLarge,
  TooManyAttributes,
  MissingEquals,
  NulByte,
};

// A short English description ("line longer than 8192 bytes" style text is built
// by the caller from the limits); never empty for an error.
[[nodiscard]] std::string_view to_string(ParseError error);

class RequestParser {
 public:
  explicit RequestParser(Limits limits = {}) : limits_(limits) {}

  // New limits apply at once between requests, else from the next request on.
  void set_limits(const Limits& limits);
  [[nodiscard]] const Limits& limits() const { return limits_; }

  // Adds bytes read from the peer (copied). Invalidates the views of the last Request.
  void append(std::string_view bytes);
  // The same without a copy when no bytes are held (the common case: a read brings
  // whole requests): they are parsed where they are, and the Requests view them.
  // Until release(), `bytes` must stay as they are; release() keeps a copy of an
  // unfinished request and ends the views. append() and borrow() release.
  void borrow(std::string_view bytes);
  void release();

  // Parses the next request out of the buffered bytes. On Complete, `out` holds it,
  // valid until the next append(), borrow() or release(). On Error, error() tells
  // why; it stays Error.
  ParseStatus next(Request& out);

  [[nodiscard]] ParseError error() const { return error_; }
  // True when bytes not yet returned as requests are held: an unfinished request
  // (EOF now is premature), or requests the caller has not asked for yet.
  [[nodiscard]] bool mid_request() const { return in_size_ > start_; }
  // Bytes held, for memory accounting.
  [[nodiscard]] std::size_t buffered() const { return in_size_ - start_; }

 private:
  struct Span {  // an attribute's value; an attribute not sent is the empty {0, 0}
    std::uint32_t offset = 0;  // from start_
    std::uint32_t length = 0;
  };

  ParseStatus fail(ParseError error);
  // Makes offsets relative to start_, for a buffer without the bytes before it.
  void drop_consumed();
  void begin_request();
  // Drops every byte held or borrowed, at a request boundary.
  void forget_bytes();
  // The size limit broken first when the bytes up to `reached` (a count from the
  // buffer's start) arrive one by one: the line's when it broke its limit at byte
  // count `line_over_at` (0: it did not) no later than the request broke its own.
  // So the error never depends on how the input was chunked. None: neither.
  [[nodiscard]] ParseError size_error(std::size_t line_over_at, std::size_t reached) const;

  static constexpr std::uint8_t NoAttr = 0xff;
  static constexpr std::size_t NoNul = static_cast<std::size_t>(-1);

  // What every request touches first, together (a connection's memory is cold
  // when its turn comes); the rest after.
  Limits limits_;
  const char* in_ = nullptr;  // the bytes parsed: buf_'s or borrowed ones
  std::size_t in_size_ = 0;
  std::size_t start_ = 0;       // first byte of the current request
  std::size_t line_start_ = 0;  // first byte of the current line
  // The LFs not yet reached, as bits of the block of up to 64 bytes at block_ that
  // was scanned last; every byte before block_ + block_len_ has been scanned once.
  std::size_t block_ = 0;
  std::size_t block_len_ = 0;
  std::uint64_t lf_bits_ = 0;
  std::size_t nul_at_ = NoNul;  // the first NUL byte scanned (every earlier request had none)
  std::size_t attributes_ = 0;  // lines of the current request so far
  ParseError error_ = ParseError::None;
  bool borrowed_ = false;
  bool has_next_limits_ = false;
  std::array<std::uint8_t, 48> predicted_ = [] {  // the attribute seen at each line last time
    std::array<std::uint8_t, 48> a{};
    a.fill(NoAttr);
    return a;
  }();
  std::array<Span, AttrCount> spans_{};  // an unfinished request's, between calls of next()
  std::string buf_;  // the bytes held (not borrowed)
  Limits next_limits_;
};

}  // namespace tlspolicyd::protocol
