// SPDX-License-Identifier: MIT
// redis_store: history in Redis, shared by several MX hosts.
//
// A record is a hash under "tlspolicyd:history:KEY" with one field per Record
// member. Writes go through a Lua script that merges field by field (maximum;
// first_seen minimum; the last protocol of the newer record) and sets the key to
// expire after the retention, so concurrent writers never lose each other's
// evidence and old peers disappear by themselves. Batches are pipelined. Every
// call has a timeout (ConnectTimeout, IoTimeout); after a failure the next call
// reconnects.
#pragma once

#include <chrono>
#include <string>

#include "history/store.h"

struct redisContext;

namespace tlspolicyd::history {

class RedisStore final : public Store {
 public:
  static constexpr std::chrono::milliseconds ConnectTimeout{1000};
  static constexpr std::chrono::milliseconds IoTimeout{2000};
  static constexpr const char* Prefix = "tlspolicyd:history:";

  // Connects at once; throws StoreError when Redis cannot be reached.
  RedisStore(std::string host, std::uint16_t port, unsigned db, std::chrono::seconds retention);
  ~RedisStore() override;
  RedisStore(const RedisStore&) = delete;
  RedisStore& operator=(const RedisStore&) = delete;

  std::vector<std::optional<Record>> get(const std::vector<std::string>& keys) override;
  void merge(const std::vector<std::pair<std::string, Record>>& batch) override;
  // Redis expires records by itself; this removes nothing.
  std::size_t expire(std::int64_t cutoff) override;
  void scan(const std::function<bool(const std::string&, const Record&)>& fn) override;

 private:
  void connect();
  void disconnect();
  redisContext* context();

  StoreAddress address_;
  std::string name_;  // address_.to_string(), for error messages
  std::chrono::seconds retention_;
  redisContext* ctx_ = nullptr;
  std::string script_sha_;
};

}  // namespace tlspolicyd::history
