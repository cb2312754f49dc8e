// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "fixtures.h"
#include "protocol/request_parser.h"

using namespace tlspolicyd::protocol;
using tlspolicyd::test::fixture;

namespace {

// Everything a parse run produced, in comparable form.
struct Outcome {
  std::vector<std::vector<std::string>> requests;  // every attribute value, by Attr
  ParseStatus last = ParseStatus::NeedMore;
  ParseError error = ParseError::None;
  bool mid_request = false;
};

std::vector<std::string> values(const Request& r) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < AttrCount; ++i) out.emplace_back(r.get(static_cast<Attr>(i)));
  return out;
}

enum class Feed { Copy, Borrow };

// Feeds `input` in chunks of `chunk` bytes, taking every complete request. Borrow:
// each chunk lives in a scratch buffer that is released, then scribbled over,
// before the next one, as a connection's read buffer is.
Outcome run_fed(std::string_view input, std::size_t chunk, Limits limits, Feed feed) {
  RequestParser parser(limits);
  Outcome out;
  Request req;
  std::string scratch;
  for (std::size_t pos = 0; pos < input.size() && out.last != ParseStatus::Error; pos += chunk) {
    if (feed == Feed::Copy) {
      parser.append(input.substr(pos, chunk));
    } else {
      scratch.assign(input.substr(pos, chunk));
      parser.borrow(scratch);
    }
    while ((out.last = parser.next(req)) == ParseStatus::Complete) out.requests.push_back(values(req));
    if (feed == Feed::Borrow) {
      parser.release();
      scratch.assign(scratch.size(), '\xaa');
    }
  }
  out.error = parser.error();
  out.mid_request = parser.mid_request();
  return out;
}

// Both ways of feeding must give the same; the outcome of either.
Outcome run(std::string_view input, std::size_t chunk, Limits limits = {}) {
  const Outcome copied = run_fed(input, chunk, limits, Feed::Copy);
  const Outcome borrowed = run_fed(input, chunk, limits, Feed::Borrow);
  CHECK(borrowed.requests == copied.requests);
  CHECK(borrowed.last == copied.last);
  CHECK(borrowed.error == copied.error);
  CHECK(borrowed.mid_request == copied.mid_request);
  return copied;
}

std::string get(const Outcome& o, std::size_t n, Attr a) { return o.requests.at(n)[static_cast<std::size_t>(a)]; }

}  // namespace

TEST_CASE("parser reads every attribute of a real Postfix 3.7 request") {
  auto o = run(fixture("postfix-3.7/c_tls12_ecdhe.req"), 1 << 20);
  REQUIRE(o.requests.size() == 1);
  CHECK(o.last == ParseStatus::NeedMore);
  CHECK_FALSE(o.mid_request);
  CHECK(get(o, 0, Attr::Request) == "smtpd_access_policy");
  CHECK(get(o, 0, Attr::ProtocolState) == "RCPT");
  CHECK(get(o, 0, Attr::ClientAddress) == "127.0.0.1");
  CHECK(get(o, 0, Attr::Sender) == "sender@example.org");
  CHECK(get(o, 0, Attr::Recipient) == "rcpt@example.test");
  CHECK(get(o, 0, Attr::EncryptionProtocol) == "TLSv1.2");
  CHECK(get(o, 0, Attr::EncryptionCipher) == "ECDHE-RSA-AES256-GCM-SHA384");
  CHECK(get(o, 0, Attr::EncryptionKeysize) == "256");
  CHECK(get(o, 0, Attr::ServerPort) == "2525");
  CHECK(get(o, 0, Attr::QueueId) == "");
  CHECK(get(o, 0, Attr::Instance) == "97e.6b0b28ec.5fa09.0");
}

TEST_CASE("parser gives the same requests however the bytes are chunked") {
  for (const char* name : {"postfix-3.7/h3_wrapper_stages.req", "postfix-3.7/k2_stages_nodelay_tls_auth.req",
                           "postfix-3.7/i1_ccert_trusted.req", "postfix-3.7/k9_smtputf8_sender.req"}) {
    CAPTURE(name);
    std::string input = fixture(name);
    Outcome whole = run(input, input.size());
    REQUIRE_FALSE(whole.requests.empty());
    for (std::size_t chunk : {1, 2, 3, 7, 64, 500, 4096}) {
      CAPTURE(chunk);
      Outcome split = run(input, chunk);
      CHECK(split.requests == whole.requests);
      CHECK(split.last == ParseStatus::NeedMore);
      CHECK_FALSE(split.mid_request);
    }
  }
}

TEST_CASE("parser returns pipelined requests in order") {
  std::string input = fixture("postfix-3.7/h3_wrapper_stages.req");
  Outcome o = run(input, input.size());
  REQUIRE(o.requests.size() == 6);
  const char* states[] = {"CONNECT", "EHLO", "MAIL", "RCPT", "DATA", "END-OF-MESSAGE"};
  for (std::size_t i = 0; i < 6; ++i) CHECK(get(o, i, Attr::ProtocolState) == states[i]);
}

TEST_CASE("parser keeps 8-bit bytes of values as they are") {
  Outcome o = run(fixture("postfix-3.7/k9_smtputf8_sender.req"), 5);
  REQUIRE(o.requests.size() == 1);
  CHECK(get(o, 0, Attr::Sender) == "j\xc3\xb6s\xc3\xa9@example.org");
}

TEST_CASE("parser tolerates CRLF line ends") {
  Outcome o = run("request=smtpd_access_policy\r\nsender=a@b.example\r\n\r\n", 1);
  REQUIRE(o.requests.size() == 1);
  CHECK(get(o, 0, Attr::Sender) == "a@b.example");
  CHECK(get(o, 0, Attr::Request) == "smtpd_access_policy");
}

TEST_CASE("parser drops only one trailing CR") {
  Outcome o = run("sender=a@b\r\r\n\n", 100);
  REQUIRE(o.requests.size() == 1);
  CHECK(get(o, 0, Attr::Sender) == "a@b\r");
}

TEST_CASE("parser splits at the first '=' and keeps '=' in values") {
  Outcome o = run("sender=a=b@c==\nhelo_name=\n\n", 100);
  REQUIRE(o.requests.size() == 1);
  CHECK(get(o, 0, Attr::Sender) == "a=b@c==");
  CHECK(get(o, 0, Attr::HeloName) == "");
}

TEST_CASE("parser lets the last of repeated attributes win") {
  Outcome o = run("sender=first@x\nsender=second@x\n\n", 3);
  REQUIRE(o.requests.size() == 1);
  CHECK(get(o, 0, Attr::Sender) == "second@x");
}

TEST_CASE("parser is not misled when a line differs from the same line of the last request") {
  // The parser first tries the name seen at each line last time; every way a line
  // can differ from it must still parse as if nothing were remembered.
  const std::string input =
      "sender=a@x\nrecipient=r@x\nhelo_name=h\n\n"   // learnt order
      "senderx=1\nrecipient\nhelo_name=h2\n\n";      // longer name, then no '='
  for (std::size_t chunk : {1, 2, 5, 100}) {
    CAPTURE(chunk);
    Outcome o = run(input, chunk);
    REQUIRE(o.requests.size() == 1);
    CHECK(o.error == ParseError::MissingEquals);
  }
  const std::string reordered =
      "sender=a@x\nrecipient=r@x\n\n"
      "recipient=r2@x\nsender=s2@x\nsend=3\nrecipient=\n\n"  // swapped, a prefix name, a value gone
      "sender=s3@x\n\n";
  for (std::size_t chunk : {1, 3, 7, 100}) {
    CAPTURE(chunk);
    Outcome o = run(reordered, chunk);
    REQUIRE(o.requests.size() == 3);
    CHECK(get(o, 1, Attr::Recipient) == "");
    CHECK(get(o, 1, Attr::Sender) == "s2@x");
    CHECK(get(o, 2, Attr::Sender) == "s3@x");
    CHECK(get(o, 2, Attr::Recipient) == "");
  }
}

TEST_CASE("parser ignores unknown attributes, including an empty name") {
  Outcome o = run("x_future_attr=1\n=value\nSENDER=upper@x\nsender=a@x\n\n", 100);
  REQUIRE(o.requests.size() == 1);
  CHECK(get(o, 0, Attr::Sender) == "a@x");
}

TEST_CASE("parser answers an empty request as a request without attributes") {
  Outcome o = run("\n\n", 1);
  REQUIRE(o.requests.size() == 2);
  for (const auto& v : o.requests[0]) CHECK(v.empty());
  CHECK_FALSE(o.mid_request);
}

TEST_CASE("parser waits for the blank line and reports a request in progress") {
  Outcome o = run("sender=a@x\nrecipient=b@y\n", 100);
  CHECK(o.requests.empty());
  CHECK(o.last == ParseStatus::NeedMore);
  CHECK(o.mid_request);
  Outcome partial_line = run("sender=a@", 100);
  CHECK(partial_line.mid_request);
}

TEST_CASE("parser limits the line length without LF and trailing CR") {
  Limits limits;
  limits.line_bytes = 600;
  const std::string value(600 - 7, 'v');  // "sender=" + value is exactly 600 bytes
  SUBCASE("a line of exactly the limit passes, with or without CR") {
    CHECK(run("sender=" + value + "\n\n", 1000, limits).requests.size() == 1);
    CHECK(run("sender=" + value + "\r\n\n", 1000, limits).requests.size() == 1);
    CHECK(run("sender=" + value + "\r\n\n", 1, limits).requests.size() == 1);
  }
  SUBCASE("one byte more fails") {
    Outcome o = run("sender=" + value + "x\n\n", 1000, limits);
    CHECK(o.requests.empty());
    CHECK(o.last == ParseStatus::Error);
    CHECK(o.error == ParseError::LineTooLong);
  }
  SUBCASE("an endless line fails as soon as it cannot fit, before any LF") {
    Outcome o = run(std::string(602, 'x'), 1, limits);
    CHECK(o.last == ParseStatus::Error);
    CHECK(o.error == ParseError::LineTooLong);
    CHECK(run(std::string(601, 'x'), 1, limits).last == ParseStatus::NeedMore);
  }
}

TEST_CASE("parser limits the request size") {
  Limits limits;
  limits.line_bytes = 1000;
  limits.request_bytes = 2000;
  std::string line = "sender=" + std::string(992, 's') + "\n";  // 1000 bytes with LF
  SUBCASE("a request of exactly the limit passes, one byte more fails") {
    std::string shorter = "sender=" + std::string(991, 's') + "\n";  // 999 bytes with LF
    Outcome o = run(line + shorter + "\n", 64, limits);             // 2000 bytes
    CHECK(o.requests.size() == 1);
    CHECK(o.error == ParseError::None);
    Outcome over = run(line + line + "\n", 64, limits);  // 2001 bytes
    CHECK(over.requests.empty());
    CHECK(over.error == ParseError::RequestTooLarge);
  }
  SUBCASE("a larger one fails, even before its blank line arrives") {
    Outcome o = run(line + line + "x", 64, limits);
    CHECK(o.last == ParseStatus::Error);
    CHECK(o.error == ParseError::RequestTooLarge);
  }
  SUBCASE("the limit applies per request, not per connection") {
    std::string req = line + "\n";
    Outcome o = run(req + req + req + req, 4096, limits);
    CHECK(o.requests.size() == 4);
    CHECK(o.error == ParseError::None);
  }
}

TEST_CASE("parser reports the limit a line breaks first, however the bytes are chunked") {
  // The second line breaks both limits; the error is the one its bytes reach first
  // (found by the parser fuzzer: whole input said one, byte by byte the other).
  Limits limits;
  limits.line_bytes = 32;
  const std::string first = "a=" + std::string(20, 'x') + "\n";  // 23 bytes
  const std::string second = "b=" + std::string(60, 'y');        // too long, no LF yet or ever
  struct Case {
    const char* name;
    std::size_t request_bytes;
    ParseError first;
  };
  for (const Case& c : {Case{"the line's limit first: byte 57 against byte 65", 64, ParseError::LineTooLong},
                        Case{"the request's limit first: byte 41 against byte 57", 40, ParseError::RequestTooLarge}}) {
    CAPTURE(c.name);
    limits.request_bytes = c.request_bytes;
    for (const std::string& input : {first + second + "\n", first + second}) {
      for (std::size_t chunk : {std::size_t{1}, std::size_t{7}, input.size()}) {
        CAPTURE(chunk);
        CHECK(run(input, chunk, limits).error == c.first);
      }
    }
  }
}

TEST_CASE("parser limits the number of attribute lines") {
  Limits limits;
  limits.attributes = 32;
  std::string req;
  for (int i = 0; i < 32; ++i) req += "sender=x\n";
  CHECK(run(req + "\n", 7, limits).requests.size() == 1);
  Outcome o = run(req + "sender=x\n\n", 7, limits);
  CHECK(o.requests.empty());
  CHECK(o.error == ParseError::TooManyAttributes);
}

TEST_CASE("parser refuses a line without '='") {
  Outcome o = run("request=smtpd_access_policy\nGET / HTTP/1.0\n\n", 100);
  CHECK(o.requests.empty());
  CHECK(o.last == ParseStatus::Error);
  CHECK(o.error == ParseError::MissingEquals);
}

TEST_CASE("parser refuses NUL bytes") {
  using namespace std::string_literals;
  Outcome o = run("sender=a\0b\n\n"s, 100);
  CHECK(o.error == ParseError::NulByte);
  CHECK(run("\0\n"s, 1).error == ParseError::NulByte);
}

TEST_CASE("parser answers requests before an error, then stays failed") {
  RequestParser parser;
  Request req;
  parser.append("sender=a@x\n\nbroken line\nsender=b@x\n\n");
  CHECK(parser.next(req) == ParseStatus::Complete);
  CHECK(req.get(Attr::Sender) == "a@x");
  CHECK(parser.next(req) == ParseStatus::Error);
  CHECK(parser.error() == ParseError::MissingEquals);
  parser.append("sender=c@x\n\n");
  CHECK(parser.next(req) == ParseStatus::Error);
  CHECK(to_string(parser.error()) == "line without '='");
}

TEST_CASE("parser applies new limits between requests") {
  RequestParser parser;
  Request req;
  parser.set_limits(Limits{512, 1024, 32});
  parser.append("sender=" + std::string(600, 'x') + "\n\n");
  CHECK(parser.next(req) == ParseStatus::Error);
  CHECK(parser.error() == ParseError::LineTooLong);

  RequestParser midway;
  midway.append("sender=" + std::string(600, 'x'));
  midway.set_limits(Limits{512, 1024, 32});  // a request is under way: later
  midway.append("\n\nsender=" + std::string(600, 'y') + "\n\n");
  CHECK(midway.next(req) == ParseStatus::Complete);
  CHECK(midway.next(req) == ParseStatus::Error);
  CHECK(midway.limits().line_bytes == 512);
}

TEST_CASE("parser keeps only an unfinished request of borrowed bytes, and no view into them") {
  const std::string one = fixture("postfix-3.7/a_plain.req");
  const std::string input = one + one + one.substr(0, 100);  // two requests and a piece
  RequestParser parser;
  Request req;
  std::string scratch = input;
  parser.borrow(scratch);
  REQUIRE(parser.next(req) == ParseStatus::Complete);
  REQUIRE(parser.next(req) == ParseStatus::Complete);
  REQUIRE(parser.next(req) == ParseStatus::NeedMore);
  parser.release();
  CHECK(parser.buffered() == 100);
  scratch.assign(scratch.size(), 'x');
  scratch = one.substr(100);  // the rest of the third request
  parser.borrow(scratch);  // held bytes: copied behind them
  REQUIRE(parser.next(req) == ParseStatus::Complete);
  CHECK(req.get(Attr::Request) == "smtpd_access_policy");
  parser.release();
  CHECK(parser.buffered() == 0);
  CHECK_FALSE(parser.mid_request());
}

TEST_CASE("parser memory stays bounded by one request") {
  RequestParser parser;
  Request req;
  std::string input = fixture("postfix-3.7/a_plain.req");
  for (int i = 0; i < 1000; ++i) {
    parser.append(input);
    REQUIRE(parser.next(req) == ParseStatus::Complete);
    REQUIRE(parser.next(req) == ParseStatus::NeedMore);
  }
  CHECK(parser.buffered() == 0);
  CHECK_FALSE(parser.mid_request());
}
