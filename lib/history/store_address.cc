// SPDX-License-Identifier: MIT
#include "history/store_address.h"

#include <charconv>

namespace tlspolicyd::history {

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
  a.host = std::move(host);
  a.port = port;
  a.db = db;
  return a;
}

std::variant<StoreAddress, std::string> StoreAddress::parse(std::string_view s, std::string_view what) {
  if (s == "memory") return memory();
  if (s.starts_with("lmdb:")) {
    std::string_view path = s.substr(5);
    if (path.empty() || path.front() != '/') return std::string(what) + ": lmdb:PATH needs an absolute path";
    return lmdb(std::string(path));
  }
  if (s.starts_with("redis://")) {
    std::string_view rest = s.substr(8);
    std::string_view db;
    if (auto slash = rest.find('/'); slash != std::string_view::npos) {
      db = rest.substr(slash + 1);
      rest = rest.substr(0, slash);
    }
    auto colon = rest.rfind(':');
    std::string_view host = rest.substr(0, colon);
    std::string_view port = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
    if (host.starts_with('[') && host.ends_with(']')) host = host.substr(1, host.size() - 2);
    unsigned p = DefaultRedisPort, dbn = 0;
    bool ok = !host.empty();
    if (!port.empty()) {
      auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
      ok = ok && ec == std::errc{} && ptr == port.data() + port.size() && p > 0 && p < 65536;
    }
    if (!db.empty()) {
      auto [ptr, ec] = std::from_chars(db.data(), db.data() + db.size(), dbn);
      ok = ok && ec == std::errc{} && ptr == db.data() + db.size() && dbn < 10000;
    }
    if (!ok) return std::string(what) + ": expected redis://HOST:PORT/DB";
    return redis(std::string(host), static_cast<std::uint16_t>(p), dbn);
  }
  return std::string(what) + " must be memory, lmdb:PATH or redis://HOST:PORT/DB";
}

std::string StoreAddress::to_string() const {
  switch (kind) {
    case Kind::Memory: return "memory";
    case Kind::Lmdb: return "lmdb:" + path;
    case Kind::Redis: return "redis://" + host + ":" + std::to_string(port) + "/" + std::to_string(db);
  }
  return {};
}

bool StoreAddress::operator==(const StoreAddress& other) const {
  if (kind != other.kind) return false;
  switch (kind) {
    case Kind::Memory: return true;
    case Kind::Lmdb: return path == other.path;
    case Kind::Redis: return host == other.host && port == other.port && db == other.db;
  }
  return false;
}

}  // namespace tlspolicyd::history
