// SPDX-License-Identifier: MIT
#include "history/record.h"

#include <algorithm>
#include <numeric>

namespace tlspolicyd::history {
namespace {

constexpr std::uint8_t FormatVersion = 2;
constexpr std::size_t EncodedSizeV1 = 1 + 8 + 8 + ProtocolSlots * 8 + 1 + 1 + 8;
constexpr std::size_t EncodedSize = EncodedSizeV1 + 4 * 8;

void put64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::uint64_t get64(const unsigned char* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | p[i];
  return v;
}

}  // namespace

std::size_t slot_of(tls::TlsVersion v) {
  switch (v) {
    case tls::TlsVersion::Plaintext: return 0;
    case tls::TlsVersion::Unknown: return 1;
    default: return 2 + static_cast<std::size_t>(*tls::tls_rank(v));
  }
}

tls::TlsVersion version_of_slot(std::size_t slot) {
  static constexpr tls::TlsVersion Slots[ProtocolSlots] = {
      tls::TlsVersion::Plaintext, tls::TlsVersion::Unknown, tls::TlsVersion::SSLv2,   tls::TlsVersion::SSLv3,
      tls::TlsVersion::TLSv1,     tls::TlsVersion::TLSv1_1, tls::TlsVersion::TLSv1_2, tls::TlsVersion::TLSv1_3};
  return slot < ProtocolSlots ? Slots[slot] : tls::TlsVersion::Unknown;
}

std::uint64_t Record::tls() const { return std::accumulate(counts.begin() + 1, counts.end(), std::uint64_t{0}); }

std::uint64_t Record::below(tls::TlsVersion floor) const {
  const std::size_t floor_slot = slot_of(floor);
  std::uint64_t n = counts[0] + counts[1];  // plaintext and unknown protocols never meet a floor
  for (std::size_t s = 2; s < floor_slot; ++s) n += counts[s];
  return n;
}

std::optional<tls::TlsVersion> Record::best_version() const {
  if (best < 2) return std::nullopt;
  return version_of_slot(best);
}

void Record::add(tls::TlsVersion v, std::int64_t now) {
  const std::size_t slot = slot_of(v);
  ++counts[slot];
  if (slot >= 1) ++baseline_tls;
  if (slot >= 2) best = std::max(best, static_cast<std::uint8_t>(slot));
  if (now >= last_seen) last = static_cast<std::uint8_t>(slot);  // an older transaction (a log read late) is not the last
  if (first_seen == 0 || now < first_seen) first_seen = now;
  last_seen = std::max(last_seen, now);
}

void Record::mark_at_best(std::int64_t now) {
  at_best_last = std::max(at_best_last, now);
  if (below_since != 0 && below_since <= at_best_last) below_since = 0;
}

void Record::mark_below(std::int64_t now) {
  if (below_since == 0 && now > at_best_last) below_since = now;
}

void Record::start_baseline(std::int64_t epoch, std::uint8_t best_slot) {
  baseline = epoch;
  best = best_slot;
  baseline_tls = 0;
  at_best_last = 0;
  below_since = 0;
}

void Record::rebaseline(std::int64_t now) {
  start_baseline(std::max(now, baseline + 1), last >= 2 ? last : std::uint8_t{0});
}

Record combine(const Record& base, const Record& delta) {
  Record r;
  if (base.first_seen == 0 || (delta.first_seen != 0 && delta.first_seen < base.first_seen)) {
    r.first_seen = delta.first_seen;
  } else {
    r.first_seen = base.first_seen;
  }
  r.last_seen = std::max(base.last_seen, delta.last_seen);
  for (std::size_t i = 0; i < ProtocolSlots; ++i) r.counts[i] = base.counts[i] + delta.counts[i];
  if (base.baseline != delta.baseline) {
    const Record& newer = delta.baseline > base.baseline ? delta : base;
    r.baseline = newer.baseline;
    r.best = newer.best;
    r.baseline_tls = newer.baseline_tls;
    r.at_best_last = newer.at_best_last;
    r.below_since = newer.below_since;
  } else {
    r.baseline = base.baseline;
    r.best = std::max(base.best, delta.best);
    r.baseline_tls = base.baseline_tls + delta.baseline_tls;
    r.at_best_last = std::max(base.at_best_last, delta.at_best_last);
    for (std::int64_t since : {base.below_since, delta.below_since}) {
      if (since > r.at_best_last && (r.below_since == 0 || since < r.below_since)) r.below_since = since;
    }
  }
  // An empty delta (last_seen 0: nothing seen) keeps the base's last protocol.
  r.last = delta.last_seen != 0 && delta.last_seen >= base.last_seen ? delta.last : base.last;
  r.downgrades = base.downgrades + delta.downgrades;
  return r;
}

std::string encode(const Record& r) {
  std::string out;
  out.reserve(EncodedSize);
  out.push_back(static_cast<char>(FormatVersion));
  put64(out, static_cast<std::uint64_t>(r.first_seen));
  put64(out, static_cast<std::uint64_t>(r.last_seen));
  for (std::uint64_t c : r.counts) put64(out, c);
  out.push_back(static_cast<char>(r.best));
  out.push_back(static_cast<char>(r.last));
  put64(out, r.downgrades);
  put64(out, static_cast<std::uint64_t>(r.baseline));
  put64(out, r.baseline_tls);
  put64(out, static_cast<std::uint64_t>(r.at_best_last));
  put64(out, static_cast<std::uint64_t>(r.below_since));
  return out;
}

std::optional<Record> decode(std::string_view bytes) {
  if (bytes.empty()) return std::nullopt;
  const auto format = static_cast<std::uint8_t>(bytes[0]);
  if (!(format == 1 && bytes.size() == EncodedSizeV1) && !(format == FormatVersion && bytes.size() == EncodedSize)) {
    return std::nullopt;
  }
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data()) + 1;
  Record r;
  r.first_seen = static_cast<std::int64_t>(get64(p));
  r.last_seen = static_cast<std::int64_t>(get64(p + 8));
  p += 16;
  for (auto& c : r.counts) {
    c = get64(p);
    p += 8;
  }
  r.best = p[0];
  r.last = p[1];
  r.downgrades = get64(p + 2);
  if (format >= 2) {
    p += 10;
    r.baseline = static_cast<std::int64_t>(get64(p));
    r.baseline_tls = get64(p + 8);
    r.at_best_last = static_cast<std::int64_t>(get64(p + 16));
    r.below_since = static_cast<std::int64_t>(get64(p + 24));
  }
  if (r.best >= ProtocolSlots || r.last >= ProtocolSlots) return std::nullopt;
  return r;
}

}  // namespace tlspolicyd::history
