// SPDX-License-Identifier: MIT
#include "history/redis_store.h"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <memory>

#include "util/text.h"

namespace tlspolicyd::history {
namespace {

// Field names of a record's hash, in Record order.
// A hash written before baselines existed has no "bl", "bt", "ab", "bs": they
// read as 0 (no baseline: record.h's tls_since_baseline() counts every TLS one).
constexpr std::array<const char*, 17> Fields = {"f",  "l",  "c0", "c1", "c2", "c3", "c4", "c5", "c6",
                                                 "c7", "b",  "lp", "d",  "bl", "bt", "ab", "bs"};

// Adds one chunk of a batch, once. KEYS[1] the chunk's marker, KEYS[2..] the
// records' keys; ARGV[1] the marker's life in seconds (0: no marker, not
// idempotent), ARGV[2] the records' retention, ARGV[3] a weak record's (never
// TLS, or seen over less than ARGV[4] seconds: record.h's weak()), then 17
// fields (in Fields order) per record, combined as record.h's combine() does. The marker is set first, in the same script: Redis runs a script
// atomically, so a chunk is applied whole and once, or not at all. Returns 1
// when applied, 0 when skipped as a repeat.
constexpr const char* AddScript = R"lua(
if tonumber(ARGV[1]) > 0 then
  if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return 0 end
end
for k = 2, #KEYS do
  local cur = redis.call('HMGET', KEYS[k], 'f','l','c0','c1','c2','c3','c4','c5','c6','c7','b','lp','d',
                         'bl','bt','ab','bs')
  local function old(i) return tonumber(cur[i] or '0') or 0 end
  local new = {}
  for i = 1, 17 do new[i] = tonumber(ARGV[4 + (k - 2) * 17 + i]) end
  local out = {}
  local of, nf = old(1), new[1]
  if of == 0 or (nf ~= 0 and nf < of) then out[1] = nf else out[1] = of end
  out[2] = math.max(old(2), new[2])
  for i = 3, 10 do out[i] = old(i) + new[i] end
  if new[2] ~= 0 and new[2] >= old(2) then out[12] = new[12] else out[12] = old(12) end
  out[13] = old(13) + new[13]
  -- The baseline: the newer one wins its fields whole; the same one adds up.
  if new[14] ~= old(14) then
    local from_new = new[14] > old(14)
    for _, i in ipairs({11, 14, 15, 16, 17}) do
      if from_new then out[i] = new[i] else out[i] = old(i) end
    end
  else
    out[11] = math.max(old(11), new[11])
    out[14] = old(14)
    out[15] = old(15) + new[15]
    out[16] = math.max(old(16), new[16])
    out[17] = 0
    for _, since in ipairs({old(17), new[17]}) do
      if since > out[16] and (out[17] == 0 or since < out[17]) then out[17] = since end
    end
  end
  redis.call('HSET', KEYS[k], 'f',out[1],'l',out[2],'c0',out[3],'c1',out[4],'c2',out[5],'c3',out[6],'c4',out[7],
             'c5',out[8],'c6',out[9],'c7',out[10],'b',out[11],'lp',out[12],'d',out[13],
             'bl',out[14],'bt',out[15],'ab',out[16],'bs',out[17])
  local tls = 0
  for i = 4, 10 do tls = tls + out[i] end
  if tls == 0 or out[2] - out[1] < tonumber(ARGV[4]) then
    redis.call('EXPIRE', KEYS[k], ARGV[3])
  else
    redis.call('EXPIRE', KEYS[k], ARGV[2])
  end
end
return 1
)lua";

using Reply = std::unique_ptr<redisReply, RedisStore::FreeReply>;

// Appends each key to the change log. KEYS[1] the log, KEYS[2] its counter;
// ARGV the keys, then how many entries to keep.
constexpr const char* LogChangesScript = R"lua(
for i = 1, #ARGV - 1 do
  local seq = redis.call('INCR', KEYS[2])
  redis.call('ZADD', KEYS[1], seq, seq .. ':' .. ARGV[i])
end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[#ARGV]) + 1))
return 1
)lua";

// {last sequence, first sequence kept (0: none), members after ARGV[1]...}, at one instant.
constexpr const char* ChangesScript = R"lua(
local last = tonumber(redis.call('GET', KEYS[2]) or '0')
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local out = {last, tonumber(first[2] or '0')}
if ARGV[1] ~= '' then
  for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf')) do out[#out + 1] = m end
end
return out
)lua";

timeval to_tv(std::chrono::milliseconds ms) {
  return timeval{static_cast<time_t>(ms.count() / 1000), static_cast<suseconds_t>((ms.count() % 1000) * 1000)};
}

std::uint64_t number(const redisReply* r) {
  if (r == nullptr || r->type != REDIS_REPLY_STRING) return 0;
  std::uint64_t v = 0;
  std::from_chars(r->str, r->str + r->len, v);
  return v;
}

std::vector<std::string> fields_of(const Record& r) {
  std::vector<std::string> out = {std::to_string(r.first_seen), std::to_string(r.last_seen)};
  for (std::uint64_t c : r.counts) out.push_back(std::to_string(c));
  out.push_back(std::to_string(r.best));
  out.push_back(std::to_string(r.last));
  out.push_back(std::to_string(r.downgrades));
  out.push_back(std::to_string(r.baseline));
  out.push_back(std::to_string(r.baseline_tls));
  out.push_back(std::to_string(r.at_best_last));
  out.push_back(std::to_string(r.below_since));
  return out;
}

std::optional<Record> record_of(const redisReply* r) {
  if (r == nullptr || r->type != REDIS_REPLY_ARRAY || r->elements != Fields.size()) return std::nullopt;
  if (r->element[1]->type != REDIS_REPLY_STRING) return std::nullopt;  // no such key
  Record rec;
  rec.first_seen = static_cast<std::int64_t>(number(r->element[0]));
  rec.last_seen = static_cast<std::int64_t>(number(r->element[1]));
  for (std::size_t i = 0; i < ProtocolSlots; ++i) rec.counts[i] = number(r->element[2 + i]);
  rec.best = static_cast<std::uint8_t>(std::min<std::uint64_t>(number(r->element[10]), ProtocolSlots - 1));
  rec.last = static_cast<std::uint8_t>(std::min<std::uint64_t>(number(r->element[11]), ProtocolSlots - 1));
  rec.downgrades = number(r->element[12]);
  rec.baseline = static_cast<std::int64_t>(number(r->element[13]));
  rec.baseline_tls = number(r->element[14]);
  rec.at_best_last = static_cast<std::int64_t>(number(r->element[15]));
  rec.below_since = static_cast<std::int64_t>(number(r->element[16]));
  return rec;
}

// Queues one command (binary-safe arguments) on the connection.
void append(redisContext* c, const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  redisAppendCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lens.data());
}

}  // namespace

void RedisStore::FreeReply::operator()(redisReply* r) const { freeReplyObject(r); }

RedisStore::RedisStore(StoreAddress address, std::chrono::seconds retention)
    : address_(std::move(address)), name_(address_.to_string()), retention_(retention) {
  connect();
}

std::string RedisStore::failure(std::string error) const {
  // Redis does not echo a password, but nothing it says reaches the log unchecked.
  if (!address_.password.empty()) {
    for (auto at = error.find(address_.password); at != std::string::npos; at = error.find(address_.password, at)) {
      error.replace(at, address_.password.size(), "***");
    }
  }
  // Whoever answers on Redis's port chooses this text: no control byte reaches a log or a terminal.
  error = util::printable(error);
  if (error.starts_with("WRONGPASS") || error.starts_with("NOAUTH")) {
    error = "authentication failed (" + error + ")";
    if (address_.password.empty()) error += "; no password is configured for it";
  }
  return name_ + ": " + error;
}

void RedisStore::fail(std::string error) {
  disconnect();
  throw StoreError(failure(std::move(error)));
}

Reply RedisStore::next_reply() {
  void* raw = nullptr;
  if (redisGetReply(ctx_, &raw) != REDIS_OK || raw == nullptr) fail(ctx_->errstr);
  return Reply(static_cast<redisReply*>(raw));
}

Reply RedisStore::command(const std::vector<std::string>& args) {
  append(context(), args);
  Reply r = next_reply();
  if (r->type == REDIS_REPLY_ERROR) fail(std::string(r->str, r->len));
  return r;
}

RedisStore::~RedisStore() { disconnect(); }

void RedisStore::disconnect() {
  if (ctx_ != nullptr) redisFree(ctx_);
  ctx_ = nullptr;
}

void RedisStore::connect() {
  disconnect();
  ctx_ = address_.socket.empty()
             ? redisConnectWithTimeout(address_.host.c_str(), address_.port, to_tv(ConnectTimeout))
             : redisConnectUnixWithTimeout(address_.socket.c_str(), to_tv(ConnectTimeout));
  if (ctx_ == nullptr || ctx_->err != 0) {
    std::string err = ctx_ != nullptr ? ctx_->errstr : "out of memory";
    disconnect();
    throw StoreError("cannot connect to " + name_ + ": " + err);
  }
  redisSetTimeout(ctx_, to_tv(IoTimeout));
  // On every (re)connection: AUTH first, as Redis 6 ACL users or the requirepass password.
  if (!address_.password.empty()) {
    std::vector<std::string> auth = {"AUTH"};
    if (!address_.user.empty()) auth.push_back(address_.user);
    auth.push_back(address_.password);
    append(ctx_, auth);
    Reply r = next_reply();
    if (r->type == REDIS_REPLY_ERROR) {
      std::string err(r->str, r->len);
      fail(err.starts_with("WRONGPASS") ? err : "authentication failed (" + err + ")");
    }
  }
  (void)command({"SELECT", std::to_string(address_.db)});
  Reply sha = command({"SCRIPT", "LOAD", AddScript});
  script_sha_.assign(sha->str, sha->len);
}

redisContext* RedisStore::context() {
  if (ctx_ == nullptr || ctx_->err != 0) connect();
  return ctx_;
}

std::vector<std::optional<Record>> RedisStore::get(const std::vector<std::string>& keys) {
  redisContext* c = context();
  for (const auto& key : keys) {
    std::vector<std::string> args = {"HMGET", Prefix + key};
    args.insert(args.end(), Fields.begin(), Fields.end());
    append(c, args);
  }
  std::vector<std::optional<Record>> out;
  out.reserve(keys.size());
  std::string error;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    Reply r = next_reply();
    // An error (NOAUTH, NOPERM, WRONGTYPE) is no "no record": the store failed.
    if (r && r->type == REDIS_REPLY_ERROR && error.empty()) error.assign(r->str, r->len);
    out.push_back(record_of(r.get()));
  }
  if (!error.empty()) fail(std::move(error));
  return out;
}

void RedisStore::add(const Batch& batch) {
  redisContext* c = context();
  const std::string marker_life = batch.id.empty() ? "0" : std::to_string(BatchMemory.count());
  const std::string ttl = std::to_string(retention_.count());
  const std::string weak_ttl = std::to_string(std::min<std::int64_t>(retention_.count(), WeakRetentionSeconds));
  std::size_t chunks = 0;
  for (std::size_t first = 0; first < batch.deltas.size(); first += ChunkKeys, ++chunks) {
    const std::size_t end = std::min(batch.deltas.size(), first + ChunkKeys);
    std::vector<std::string> args = {"EVALSHA", script_sha_, std::to_string(end - first + 1),
                                     BatchPrefix + batch.id + ":" + std::to_string(chunks)};
    for (std::size_t i = first; i < end; ++i) args.push_back(Prefix + batch.deltas[i].first);
    args.push_back(marker_life);
    args.push_back(ttl);
    args.push_back(weak_ttl);
    args.push_back(std::to_string(WeakSpanSeconds));
    for (std::size_t i = first; i < end; ++i) {
      for (auto& f : fields_of(batch.deltas[i].second)) args.push_back(std::move(f));
    }
    append(c, args);
  }
  std::string error;
  for (std::size_t i = 0; i < chunks; ++i) {
    Reply r = next_reply();
    if (r->type == REDIS_REPLY_ERROR && error.empty()) error.assign(r->str, r->len);
  }
  // e.g. NOSCRIPT after a Redis restart: the next connect loads it again
  if (!error.empty()) fail(std::move(error));
}

std::size_t RedisStore::remove(const std::vector<std::string>& keys) {
  if (keys.empty()) return 0;
  std::vector<std::string> args = {"DEL"};
  for (const auto& key : keys) args.push_back(Prefix + key);
  Reply r = command(args);
  return r->type == REDIS_REPLY_INTEGER ? static_cast<std::size_t>(r->integer) : 0;
}

void RedisStore::log_changes(const std::vector<std::string>& keys) {
  if (keys.empty()) return;
  std::vector<std::string> args = {"EVAL", LogChangesScript, "2", ChangesKey, ChangesSeqKey};
  args.insert(args.end(), keys.begin(), keys.end());
  args.push_back(std::to_string(ChangesKept));
  (void)command(args);
}

Changes RedisStore::changes_since(std::optional<std::uint64_t> after) {
  Reply r = command({"EVAL", ChangesScript, "2", ChangesKey, ChangesSeqKey, after ? std::to_string(*after) : ""});
  if (r->type != REDIS_REPLY_ARRAY || r->elements < 2 || r->element[0]->type != REDIS_REPLY_INTEGER ||
      r->element[1]->type != REDIS_REPLY_INTEGER) {
    fail("unexpected reply to the change log script");
  }
  Changes out;
  out.last = static_cast<std::uint64_t>(r->element[0]->integer);
  const auto first = static_cast<std::uint64_t>(r->element[1]->integer);
  if (!after || *after == out.last) return out;
  if (*after > out.last || first == 0 || *after + 1 < first) {
    out.complete = false;
    return out;
  }
  for (std::size_t i = 2; i < r->elements; ++i) {
    if (r->element[i]->type != REDIS_REPLY_STRING) continue;
    const std::string_view member(r->element[i]->str, r->element[i]->len);
    const auto colon = member.find(':');
    if (colon != std::string_view::npos) out.keys.emplace_back(member.substr(colon + 1));
  }
  return out;
}


std::string RedisStore::scan_page(const std::string& cursor, std::size_t count, const Visit& fn) {
  Reply r = command({"SCAN", cursor.empty() ? "0" : cursor, "MATCH", std::string(Prefix) + "*", "COUNT",
                     std::to_string(count)});
  if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 || r->element[0]->type != REDIS_REPLY_STRING ||
      r->element[1]->type != REDIS_REPLY_ARRAY) {
    fail("unexpected reply to SCAN");
  }
  std::string next(r->element[0]->str, r->element[0]->len);
  std::vector<std::string> keys;
  for (std::size_t i = 0; i < r->element[1]->elements; ++i) {
    const redisReply* k = r->element[1]->element[i];
    if (k->type != REDIS_REPLY_STRING) continue;
    const std::string_view name(k->str, k->len);
    if (name.starts_with(Prefix)) keys.emplace_back(name.substr(std::string_view(Prefix).size()));
  }
  auto records = get(keys);
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (records[i]) fn(keys[i], *records[i]);
  }
  return next == "0" ? std::string() : next;
}

}  // namespace tlspolicyd::history
