// SPDX-License-Identifier: MIT
// redis_store: history in Redis, shared by several MX hosts.
//
// A record is a hash under "tlspolicyd:history:KEY" with one field per Record
// member. Writes go through a Lua script that adds each delta as record.h's
// combine() does (counts and downgrades add; last seen by maximum; first seen by
// minimum; the last protocol of the newer; the baseline's fields from the newer
// baseline, or added up within one) and sets the key to expire after the retention, so
// concurrent writers' counts add up exactly and old peers disappear by themselves.
//
// A batch goes in chunks of ChunkKeys keys, pipelined; each chunk is one script
// run that first sets "tlspolicyd:batch:ID:N" (SET NX, expiring after
// BatchMemory) and skips the chunk if it was there: a batch sent again after a
// lost reply (the script ran, the answer timed out) counts once, and a batch half
// applied is completed. Limit: a retry more than BatchMemory after the first
// attempt could count twice. Every call has a timeout (ConnectTimeout,
// IoTimeout); after a failure the next call reconnects.
//
// Over TCP or a unix socket; with a password, every connection sends AUTH [USER]
// PASSWORD first. A refused AUTH, or NOAUTH on a later command, is a StoreError
// "NAME: authentication failed (...)". Errors name the store by its masked
// address and never contain the password.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "history/store.h"

struct redisContext;
struct redisReply;

namespace tlspolicyd::history {

class RedisStore final : public Store {
 public:
  static constexpr std::chrono::milliseconds ConnectTimeout{1000};
  static constexpr std::chrono::milliseconds IoTimeout{2000};
  static constexpr const char* Prefix = "tlspolicyd:history:";
  static constexpr const char* BatchPrefix = "tlspolicyd:batch:";
  static constexpr std::chrono::seconds BatchMemory{86400};
  static constexpr std::size_t ChunkKeys = 256;
  static constexpr const char* ChangesKey = "tlspolicyd:changes";  // members "SEQ:KEY", scored by SEQ
  static constexpr const char* ChangesSeqKey = "tlspolicyd:changes:seq";

  // Connects at once; throws StoreError when Redis cannot be reached or refuses
  // the credentials.
  RedisStore(StoreAddress address, std::chrono::seconds retention);
  ~RedisStore() override;
  RedisStore(const RedisStore&) = delete;
  RedisStore& operator=(const RedisStore&) = delete;

  std::vector<std::optional<Record>> get(const std::vector<std::string>& keys) override;
  void add(const Batch& batch) override;
  std::size_t remove(const std::vector<std::string>& keys) override;
  // Redis expires records by itself; this removes nothing.
  void log_changes(const std::vector<std::string>& keys) override;
  Changes changes_since(std::optional<std::uint64_t> after) override;
  std::string scan_page(const std::string& cursor, std::size_t count, const Visit& fn) override;
  std::string expire_page(const std::string&, std::size_t, std::int64_t, std::int64_t, std::size_t&) override {
    return {};
  }

  struct FreeReply {
    void operator()(redisReply* r) const;
  };

 private:
  // Runs one command; throws StoreError (and disconnects) on a failure or an error reply.
  std::unique_ptr<redisReply, FreeReply> command(const std::vector<std::string>& args);
  // The next reply of those queued; throws as above when the connection fails.
  std::unique_ptr<redisReply, FreeReply> next_reply();
  // Disconnects and throws StoreError(failure(error)).
  [[noreturn]] void fail(std::string error);
  void connect();
  void disconnect();
  redisContext* context();
  // "NAME: ERROR", the password masked, authentication errors said so.
  [[nodiscard]] std::string failure(std::string error) const;

  StoreAddress address_;
  std::string name_;  // address_.to_string(), for error messages
  std::chrono::seconds retention_;
  redisContext* ctx_ = nullptr;
  std::string script_sha_;
};

}  // namespace tlspolicyd::history
