// SPDX-License-Identifier: MIT
#include "history_json.h"

#include <set>

#include "history/key.h"
#include "log/kv_line.h"

namespace tlspolicyd::daemon {
namespace {

using history::ProtocolSlots;
using history::Record;

std::string slot_name(std::size_t slot) { return std::string(tls::to_string(history::version_of_slot(slot))); }

std::optional<std::uint8_t> slot_named(const std::string& name) {
  for (std::size_t s = 0; s < ProtocolSlots; ++s) {
    if (slot_name(s) == name) return static_cast<std::uint8_t>(s);
  }
  return std::nullopt;
}

// A non-negative integer field; throws the error text.
std::uint64_t unsigned_field(const Json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end()) throw std::string("\"") + name + "\" is missing";
  if (!it->is_number_unsigned()) throw std::string("\"") + name + "\" is not a non-negative integer";
  return it->get<std::uint64_t>();
}

std::int64_t time_field(const Json& object, const char* name) {
  const std::uint64_t v = unsigned_field(object, name);
  if (v > static_cast<std::uint64_t>(INT64_MAX)) throw std::string("\"") + name + "\" is out of range";
  return static_cast<std::int64_t>(v);
}

std::uint8_t slot_field(const Json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) throw std::string("\"") + name + "\" is not a protocol name";
  auto slot = slot_named(it->get<std::string>());
  if (!slot) throw std::string("\"") + name + "\": unknown protocol \"" + it->get<std::string>() + "\"";
  return *slot;
}

}  // namespace

Json record_json(const std::string& key, const Record& r) {
  Json out;
  std::string shown;
  log::append_escaped(shown, key);
  out["key"] = shown;
  out["first_seen"] = r.first_seen;
  out["last_seen"] = r.last_seen;
  Json counts = Json::object();
  for (std::size_t s = 0; s < ProtocolSlots; ++s) counts[slot_name(s)] = r.counts[s];
  out["counts"] = std::move(counts);
  out["best"] = slot_name(r.best);
  out["last"] = slot_name(r.last);
  out["downgrades"] = r.downgrades;
  out["baseline"] = r.baseline;
  out["baseline_tls"] = r.baseline_tls;
  out["at_best_last"] = r.at_best_last;
  out["below_since"] = r.below_since;
  return out;
}

ParsedRecord parse_record_line(const std::string& line) {
  ParsedRecord out;
  Json j = Json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    out.error = "not a JSON object";
    return out;
  }
  static const std::set<std::string> Known = {"key",      "first_seen",   "last_seen",   "counts",
                                                "best",     "last",         "downgrades",  "baseline",
                                                "baseline_tls", "at_best_last", "below_since"};
  try {
    for (const auto& [name, value] : j.items()) {
      if (Known.count(name) == 0) throw "unknown field \"" + name + "\"";
    }
    auto key_it = j.find("key");
    if (key_it == j.end() || !key_it->is_string()) throw std::string("\"key\" is not a string");
    auto key = log::parse_escaped(key_it->get<std::string>());
    if (!key || !history::trackable_key(*key) || *key == history::LmdbChangesName) {
      throw std::string("\"key\" is not a key as report prints it");
    }
    Record r;
    r.first_seen = time_field(j, "first_seen");
    r.last_seen = time_field(j, "last_seen");
    auto counts = j.find("counts");
    if (counts == j.end() || !counts->is_object()) throw std::string("\"counts\" is not an object");
    for (const auto& [name, value] : counts->items()) {
      auto slot = slot_named(name);
      if (!slot) throw "\"counts\": unknown protocol \"" + name + "\"";
      if (!value.is_number_unsigned()) throw "\"counts\": \"" + name + "\" is not a non-negative integer";
      r.counts[*slot] = value.get<std::uint64_t>();
    }
    r.best = slot_field(j, "best");
    if (r.best == 1) throw std::string("\"best\" is not a TLS version");
    r.last = slot_field(j, "last");
    r.downgrades = unsigned_field(j, "downgrades");
    // Files written before baselines existed have none of these: no baseline.
    if (j.contains("baseline")) {
      r.baseline = time_field(j, "baseline");
      r.baseline_tls = unsigned_field(j, "baseline_tls");
      r.at_best_last = time_field(j, "at_best_last");
      r.below_since = time_field(j, "below_since");
    }
    out.record.emplace(std::move(*key), r);
  } catch (const std::string& error) {
    out.error = error;
  }
  return out;
}

}  // namespace tlspolicyd::daemon
