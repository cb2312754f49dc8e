// SPDX-License-Identifier: MIT
#include "history/store_address.h"

#include <charconv>
#include <cstring>

namespace tlspolicyd::history {
namespace {

constexpr std::string_view RedisScheme = "redis://";
constexpr std::string_view RedisUnixScheme = "redis+unix://";

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// `s` with every %XX replaced by its byte; false on a '%' without two hex digits.
bool percent_decode(std::string_view s, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return false;
    const int hi = hex_digit(s[i + 1]), lo = hex_digit(s[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return true;
}

// A user name as a URL writes it: anything but unreserved and sub-delimiter
// characters as %XX (also keeps control characters out of log lines).
std::string percent_encode(std::string_view s) {
  static constexpr const char* Safe = "-._~!$&'()*+,;=";
  std::string out;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || (u != 0 && std::strchr(Safe, c))) {
      out += c;
    } else {
      static constexpr const char* Hex = "0123456789ABCDEF";
      out += '%';
      out += Hex[u >> 4];
      out += Hex[u & 15];
    }
  }
  return out;
}

bool parse_number(std::string_view text, unsigned& out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && ptr == text.data() + text.size();
}

// USER[:PASSWORD] into the address, or the error (which quotes neither).
std::string parse_credentials(std::string_view userinfo, StoreAddress& a, std::string_view what) {
  const auto colon = userinfo.find(':');
  const std::string_view user = userinfo.substr(0, colon);
  if (!percent_decode(user, a.user) ||
      (colon != std::string_view::npos && !percent_decode(userinfo.substr(colon + 1), a.password))) {
    return std::string(what) + ": a '%' in USER:PASSWORD must start %XX (write a '%' itself as %25)";
  }
  if (colon == std::string_view::npos && a.user.empty()) {
    return std::string(what) + ": nothing before '@' (expected USER@, :PASSWORD@ or USER:PASSWORD@)";
  }
  if (colon != std::string_view::npos && a.password.empty()) {
    return std::string(what) + ": the password after ':' is empty";
  }
  return {};
}

std::variant<StoreAddress, std::string> parse_redis_tcp(std::string_view rest, std::string_view what) {
  const std::string expected = std::string(what) + ": expected redis://[[USER]:PASSWORD@]HOST:PORT/DB";
  StoreAddress a = StoreAddress::redis({}, DefaultRedisPort, 0);
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    if (auto err = parse_credentials(rest.substr(0, at), a, what); !err.empty()) return err;
    rest = rest.substr(at + 1);
  }
  if (rest.starts_with('/')) {
    return std::string(what) + ": no HOST; a Redis unix socket is written redis+unix:///PATH?db=DB";
  }
  std::string_view db;
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    db = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
  }
  auto colon = rest.rfind(':');
  if (colon != std::string_view::npos && rest.starts_with('[') && rest.find(']') > colon) colon = std::string_view::npos;
  std::string_view host = rest.substr(0, colon);
  std::string_view port = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
  if (host.starts_with('[') && host.ends_with(']')) host = host.substr(1, host.size() - 2);
  unsigned p = DefaultRedisPort, dbn = 0;
  if (host.empty()) return expected;
  if (!port.empty() && !(parse_number(port, p) && p > 0 && p < 65536)) return expected;
  if (!db.empty() && !(parse_number(db, dbn) && dbn < 10000)) return expected;
  a.host = std::string(host);
  a.port = static_cast<std::uint16_t>(p);
  a.db = dbn;
  return a;
}

std::variant<StoreAddress, std::string> parse_redis_unix(std::string_view rest, std::string_view what) {
  const std::string expected = std::string(what) + ": expected redis+unix://[[USER]:PASSWORD@]/PATH?db=DB";
  StoreAddress a = StoreAddress::redis_unix({}, 0);
  if (!rest.starts_with('/')) {
    // Credentials end at the last "@/" (the socket path is absolute).
    const auto at = rest.rfind("@/");
    if (at == std::string_view::npos) return expected + " (an absolute socket path)";
    if (auto err = parse_credentials(rest.substr(0, at), a, what); !err.empty()) return err;
    rest = rest.substr(at + 1);
  }
  std::string_view query;
  if (auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  if (rest.size() < 2) return expected + " (an absolute socket path)";
  if (!query.empty()) {
    unsigned dbn = 0;
    if (!query.starts_with("db=") || !parse_number(query.substr(3), dbn) || dbn >= 10000) {
      return expected + " (the only parameter is db=N)";
    }
    a.db = dbn;
  }
  a.socket = std::string(rest);
  return a;
}

}  // namespace

StoreAddress StoreAddress::memory() {
  StoreAddress a;
  a.kind = Kind::Memory;
  return a;
}

StoreAddress StoreAddress::lmdb(std::string path) {
  StoreAddress a;
  a.kind = Kind::Lmdb;
  a.path = std::move(path);
  return a;
}

StoreAddress StoreAddress::redis(std::string host, std::uint16_t port, unsigned db) {
  StoreAddress a;
  a.kind = Kind::Redis;
  a.path.clear();
  a.host = std::move(host);
  a.port = port;
  a.db = db;
  return a;
}

StoreAddress StoreAddress::redis_unix(std::string socket, unsigned db) {
  StoreAddress a = redis({}, DefaultRedisPort, db);
  a.socket = std::move(socket);
  return a;
}

std::variant<StoreAddress, std::string> StoreAddress::parse(std::string_view s, std::string_view what) {
  if (s == "memory") return memory();
  if (s.starts_with("lmdb:")) {
    std::string_view path = s.substr(5);
    if (path.empty() || path.front() != '/') return std::string(what) + ": lmdb:PATH needs an absolute path";
    return lmdb(std::string(path));
  }
  if (s.starts_with(RedisScheme)) return parse_redis_tcp(s.substr(RedisScheme.size()), what);
  if (s.starts_with(RedisUnixScheme)) return parse_redis_unix(s.substr(RedisUnixScheme.size()), what);
  if (s.starts_with("unix:") || s.starts_with("redis+socket:") || s.starts_with("redis-socket:")) {
    return std::string(what) + ": a Redis unix socket is written redis+unix:///PATH?db=DB";
  }
  return std::string(what) + " must be memory, lmdb:PATH, redis://HOST:PORT/DB or redis+unix:///PATH?db=DB";
}

std::string StoreAddress::to_string() const {
  switch (kind) {
    case Kind::Memory: return "memory";
    case Kind::Lmdb: return "lmdb:" + path;
    case Kind::Redis: {
      std::string credentials;
      if (!user.empty() || !password.empty()) {
        credentials = percent_encode(user) + (password.empty() ? "" : ":***") + "@";
      }
      if (!socket.empty()) return std::string(RedisUnixScheme) + credentials + socket + "?db=" + std::to_string(db);
      return std::string(RedisScheme) + credentials + host + ":" + std::to_string(port) + "/" + std::to_string(db);
    }
  }
  return {};
}

bool StoreAddress::operator==(const StoreAddress& other) const {
  if (kind != other.kind) return false;
  switch (kind) {
    case Kind::Memory: return true;
    case Kind::Lmdb: return path == other.path;
    case Kind::Redis:
      return host == other.host && port == other.port && socket == other.socket && db == other.db &&
             user == other.user && password == other.password;
  }
  return false;
}

}  // namespace tlspolicyd::history
