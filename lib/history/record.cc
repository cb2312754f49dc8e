// SPDX-License-Identifier: MIT
#include "history/record.h"

#include <algorithm>
#include <numeric>

namespace tlspolicyd::history {
namespace {

constexpr std::uint8_t FormatVersion = 1;
constexpr std::size_t EncodedSize = 1 + 8 + 8 + ProtocolSlots * 8 + 1 + 1 + 8;

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
  if (slot >= 2) best = std::max(best, static_cast<std::uint8_t>(slot));
  last = static_cast<std::uint8_t>(slot);
  if (first_seen == 0 || now < first_seen) first_seen = now;
  last_seen = std::max(last_seen, now);
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
  r.best = std::max(base.best, delta.best);
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
  return out;
}

std::optional<Record> decode(std::string_view bytes) {
  if (bytes.size() != EncodedSize || static_cast<std::uint8_t>(bytes[0]) != FormatVersion) return std::nullopt;
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
  if (r.best >= ProtocolSlots || r.last >= ProtocolSlots) return std::nullopt;
  return r;
}

}  // namespace tlspolicyd::history
