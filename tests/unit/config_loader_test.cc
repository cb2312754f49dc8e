// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include <string>

#include "config/config_loader.h"

using namespace tlspolicyd::config;

namespace {

std::vector<std::string> errors_of(std::string_view yaml) {
  LoadResult r = load_config_text(yaml, "t.yaml");
  CHECK(r.config == nullptr);
  std::vector<std::string> out;
  for (const auto& e : r.errors) out.push_back(e.to_string());
  return out;
}

std::shared_ptr<const Config> good(std::string_view yaml) {
  LoadResult r = load_config_text(yaml, "t.yaml");
  for (const auto& e : r.errors) FAIL_CHECK(e.to_string());
  REQUIRE(r.config != nullptr);
  return r.config;
}

}  // namespace

TEST_CASE("config: log level and syslog facility names round-trip") {
  for (std::size_t i = 0; i < LogLevelCount; ++i) {
    const auto level = static_cast<LogLevel>(i);
    CHECK(parse_log_level(to_string(level)) == level);
  }
  for (std::size_t i = 0; i < SyslogFacilityCount; ++i) {
    const auto facility = static_cast<SyslogFacility>(i);
    CHECK(parse_syslog_facility(to_string(facility)) == facility);
  }
  CHECK_FALSE(parse_log_level("critical"));
  CHECK_FALSE(parse_syslog_facility("local8"));
  CHECK(log_level_names() == "trace, debug, info, warning or error");
  CHECK(syslog_facility_names() == "mail, daemon, user, auth, authpriv or local0..local7");
}

TEST_CASE("config: defaults of SPEC section 3.5") {
  auto c = good("rules: []\n");
  CHECK(c->listen.empty());
  CHECK(c->socket.mode == 0660);
  CHECK(c->socket.group.empty());
  CHECK(c->mode == tlspolicyd::policy::Mode::Enforce);
  CHECK(c->log.facility == SyslogFacility::Mail);
  CHECK(c->log.ident == "tlspolicyd");
  CHECK(c->log.level == LogLevel::Info);
  CHECK(c->log.decisions == DecisionLog::Violations);
  CHECK(c->limits.request.line_bytes == 8192);
  CHECK(c->limits.request.request_bytes == 65536);
  CHECK(c->limits.request.attributes == 128);
  CHECK(c->limits.connections == 10000);
  CHECK(c->limits.idle_timeout == std::chrono::seconds(1000));
  CHECK(c->policy.default_action().verb() == "DUNNO");
}

TEST_CASE("config: server settings are read") {
  auto c = good(R"(
listen:
  - unix:/run/tlspolicyd/policy.sock
  - inet:127.0.0.1:10040
  - "inet:[::1]:10040"
socket: { mode: "0660", group: postfix }
mode: warn
default_action: defer_if_permit 4.7.1 try later
log:
  syslog: { facility: local3, ident: tlsp, socket: /var/spool/postfix/dev/log }
  level: debug
  decisions: all
limits: { line_bytes: 4096, request_bytes: 32768, attributes: 64, connections: 500, idle_timeout: 20m }
rules: []
)");
  REQUIRE(c->listen.size() == 3);
  CHECK(c->listen[0].to_string() == "unix:/run/tlspolicyd/policy.sock");
  CHECK(c->listen[2].to_string() == "inet:[::1]:10040");
  CHECK(c->socket.group == "postfix");
  CHECK(c->mode == tlspolicyd::policy::Mode::Warn);
  CHECK(c->policy.default_action().verb() == "DEFER_IF_PERMIT");
  CHECK(c->log.facility == SyslogFacility::Local3);
  CHECK(c->log.ident == "tlsp");
  CHECK(c->log.syslog_socket == "/var/spool/postfix/dev/log");
  CHECK(good("rules: []\n")->log.syslog_socket == "/dev/log");
  CHECK(errors_of("log: { syslog: { socket: dev/log } }\nrules: []\n") ==
        std::vector<std::string>{"t.yaml:1:26: log.syslog.socket must be an absolute path of at most 107 bytes"});
  CHECK(c->log.level == LogLevel::Debug);
  CHECK(c->log.decisions == DecisionLog::All);
  CHECK(c->limits.request.line_bytes == 4096);
  CHECK(c->limits.request.request_bytes == 32768);
  CHECK(c->limits.request.attributes == 64);
  CHECK(c->limits.connections == 500);
  CHECK(c->limits.idle_timeout == std::chrono::seconds(1200));
}

TEST_CASE("config: one peer's share of the connections is half of them unless set, never more than all") {
  CHECK(good("rules: []\n")->limits.connections_per_peer == 5000);
  CHECK(good("limits: { connections: 501 }\nrules: []\n")->limits.connections_per_peer == 250);
  CHECK(good("limits: { connections: 1 }\nrules: []\n")->limits.connections_per_peer == 1);
  CHECK(good("limits: { connections: 500, connections_per_peer: 500 }\nrules: []\n")->limits.connections_per_peer == 500);
  auto errs = errors_of("limits: { connections: 500, connections_per_peer: 501 }\nrules: []\n");
  REQUIRE(errs.size() == 1);
  CHECK(errs[0].find("limits.connections_per_peer must not exceed limits.connections") != std::string::npos);
}

TEST_CASE("config: limits.reserved_for: Postfix's user unless set; users looked up, networks parsed") {
  FileOwners host = FileOwners::of_process();
  host.user_id = [](const std::string& name) -> std::optional<uid_t> {
    if (name == "postfix") return 107;
    if (name == "mx") return 2000;
    return std::nullopt;
  };
  auto load = [&](std::string_view yaml) { return load_config_text(yaml, "t.yaml", host); };
  auto plain = load("rules: []\n");
  REQUIRE(plain.config);
  CHECK(plain.config->limits.reserved.users == std::vector<std::string>{"postfix", "root"});
  CHECK(plain.config->limits.reserved.uids == std::vector<uid_t>{107});
  CHECK(plain.config->limits.reserved.contains(107, std::nullopt));
  CHECK_FALSE(plain.config->limits.reserved.contains(0, std::nullopt));
  // Users listed: only those. A local process is known by its uid, never its address.
  auto set = load("limits: { reserved_for: [ mx, 192.0.2.0/24, \"2001:db8::/48\" ] }\nrules: []\n");
  REQUIRE(set.config);
  const auto& reserved = set.config->limits.reserved;
  CHECK(reserved.uids == std::vector<uid_t>{2000});
  CHECK_FALSE(reserved.contains(107, std::nullopt));
  CHECK(reserved.contains(std::nullopt, tlspolicyd::net::parse_ip("192.0.2.25")));
  CHECK(reserved.contains(std::nullopt, tlspolicyd::net::parse_ip("2001:db8:0:1::9")));
  CHECK_FALSE(reserved.contains(std::nullopt, tlspolicyd::net::parse_ip("198.51.100.1")));
  CHECK_FALSE(reserved.contains(107, tlspolicyd::net::parse_ip("192.0.2.25")));
  // Networks alone (room for another MX): Postfix and root keep theirs.
  auto networks = load("limits: { reserved_for: [ 192.0.2.26 ] }\nrules: []\n");
  REQUIRE(networks.config);
  CHECK(networks.config->limits.reserved.users == std::vector<std::string>{"postfix", "root"});
  CHECK(networks.config->limits.reserved.contains(107, std::nullopt));
  CHECK(networks.config->limits.reserved.contains(std::nullopt, tlspolicyd::net::parse_ip("192.0.2.26")));
  // On a host without Postfix the default reserves no one, silently.
  auto bare = load_config_text("rules: []\n", "t.yaml", [] {
    FileOwners none = FileOwners::of_process();
    none.user_id = [](const std::string&) -> std::optional<uid_t> { return std::nullopt; };
    return none;
  }());
  REQUIRE(bare.config);
  CHECK(bare.config->limits.reserved.uids.empty());
  // Every error at once.
  auto bad = load("limits: { reserved_for: [ nobody-here, 192.0.2.1/24, \"-x\" ] }\nrules: []\n");
  REQUIRE(bad.errors.size() == 3);
  CHECK(bad.errors[0].to_string() == "t.yaml:1:27: limits.reserved_for: no user \"nobody-here\" on this host");
  CHECK(bad.errors[1].to_string().starts_with("t.yaml:1:40: limits.reserved_for \"192.0.2.1/24\": "));
  CHECK(bad.errors[2].to_string() == "t.yaml:1:54: limits.reserved_for must be a user or group name");
}

TEST_CASE("config: user, group, run_as_root and metrics") {
  auto c = good("user: tlspolicyd\ngroup: tlspolicyd\nrun_as_root: true\nmetrics: { listen: \"inet:127.0.0.1:9187\" }\nrules: []\n");
  CHECK(c->process.user == "tlspolicyd");
  CHECK(c->process.group == "tlspolicyd");
  CHECK(c->process.run_as_root);
  REQUIRE(c->metrics.has_value());
  CHECK(c->metrics->port == 9187);
  auto errs = errors_of("user: \"-x\"\nmetrics: { listen: unix:/run/m.sock }\nrules: []\n");
  REQUIRE(errs.size() == 2);
  CHECK(errs[0] == "t.yaml:1:7: user must be a user or group name");
  CHECK(errs[1] == "t.yaml:2:20: metrics.listen must be inet:HOST:PORT (Prometheus scrapes over HTTP)");
}

TEST_CASE("config: a single listen address may be a scalar") {
  auto c = good("listen: inet:127.0.0.1:9999\nrules: []\n");
  REQUIRE(c->listen.size() == 1);
  CHECK(c->listen[0].port == 9999);
}

TEST_CASE("config: every error is reported at once with line and column") {
  auto errs = errors_of(R"(listen: [ "tcp:1.2.3.4:5" ]
socket: { mode: "0666" }
mode: strict
default_action: "550"
colour: blue
log: { level: loud }
limits: { line_bytes: 10 }
rules:
  - name: a
    action: reject 4.7.1 wrong class
  - name: a
    action: dunno
)");
  REQUIRE(errs.size() == 9);
  CHECK(errs[0] == "t.yaml:1:11: listen address \"tcp:1.2.3.4:5\": expected unix:PATH or inet:HOST:PORT");
  CHECK(errs[1] == "t.yaml:2:17: socket.mode must not give access to others (the last digit must be 0)");
  CHECK(errs[2] == "t.yaml:3:7: mode must be enforce, warn or observe, not \"strict\"");
  CHECK(errs[3].starts_with("t.yaml:4:17: default_action: a numeric action needs text"));
  CHECK(errs[4] == "t.yaml:5:1: unknown key \"colour\" in the configuration (expected one of: listen, socket, user, "
                   "group, run_as_root, mode, default_action, log, profiles, limits, lists, rules, downgrade, metrics)");
  CHECK(errs[5] == "t.yaml:6:15: log.level must be trace, debug, info, warning or error");
  CHECK(errs[6] == "t.yaml:7:23: limits.line_bytes must be a whole number from 512 to 1048576");
  CHECK(errs[7].starts_with("t.yaml:10:13: action: reject takes only 5.x.x"));
  CHECK(errs[8] == "t.yaml:11:11: duplicate rule name \"a\"");
}

TEST_CASE("config: duplicate keys and rule names are errors") {
  auto errs = errors_of(R"(mode: warn
mode: enforce
rules:
  - name: same
    action: dunno
  - name: same
    action: dunno
    action: ok
)");
  REQUIRE(errs.size() == 3);
  CHECK(errs[0] == "t.yaml:2:1: duplicate key \"mode\" in the configuration");
  CHECK(errs[1] == "t.yaml:6:11: duplicate rule name \"same\"");
  CHECK(errs[2] == "t.yaml:8:5: duplicate key \"action\" in a rule");
}

TEST_CASE("config: default and downgrade are not rule names: logs and metrics use them") {
  auto errs = errors_of("rules:\n  - name: default\n    action: dunno\n  - name: downgrade\n    action: dunno\n");
  REQUIRE(errs.size() == 2);
  CHECK(errs[0] == "t.yaml:2:11: rule name \"default\" is reserved: logs and metrics name the default action so");
  CHECK(errs[1] == "t.yaml:4:11: rule name \"downgrade\" is reserved: logs and metrics name the TLS downgrade answer so");
}

TEST_CASE("config: rules are required and need a name and an action") {
  CHECK(errors_of("mode: warn\n") == std::vector<std::string>{"t.yaml: the configuration needs a \"rules\" list"});
  auto errs = errors_of("rules:\n  - mode: warn\n  - name: \"bad name\"\n    action: dunno\n");
  REQUIRE(errs.size() == 3);
  CHECK(errs[0] == "t.yaml:2:5: a rule needs a name");
  CHECK(errs[1] == "t.yaml:2:5: rule \"\" needs a require or an action");
  CHECK(errs[2] == "t.yaml:3:11: rule name \"bad name\" must be letters, digits, '.', '_' or '-'");
}

TEST_CASE("config: YAML syntax errors and empty files") {
  auto errs = errors_of("rules: [ { name: a\n");
  REQUIRE(errs.size() == 1);
  CHECK(errs[0].starts_with("t.yaml:2:1: YAML syntax: "));
  CHECK(errors_of("") == std::vector<std::string>{"t.yaml: the file holds no configuration"});
  CHECK(errors_of("- a\n- b\n") == std::vector<std::string>{"t.yaml:1:1: the configuration must be a map"});
  CHECK(errors_of("rules: []\n---\nrules: []\n").at(0).find("one YAML document") != std::string::npos);
  // yaml-cpp 0.7's LoadAll() never returns on these (found by tests/fuzz/config_fuzz.cc).
  CHECK(errors_of(",\n") == std::vector<std::string>{"t.yaml:1:1: YAML syntax: unexpected character"});
  CHECK(errors_of("\n,\n").size() == 1);
}

TEST_CASE("config: a file that cannot be read names the file and the reason") {
  LoadResult r = load_config_file("/nonexistent/tlspolicyd.yaml");
  CHECK(r.config == nullptr);
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].to_string() ==
        "/nonexistent/tlspolicyd.yaml: cannot read the configuration file: No such file or directory");
}

TEST_CASE("config: profiles and inline requirements, with the default action") {
  auto c = good(R"(
profiles:
  strict: { min_protocol: TLSv1.2, ciphers: high, forward_secrecy: true }
rules:
  - name: partners
    match: { sender_domain: partner.example }
    require: strict
  - name: inline
    require: { tls: true }
    mode: observe
)");
  const auto& rules = c->policy.rules();
  REQUIRE(rules.size() == 2);
  REQUIRE(rules[0].require != nullptr);
  CHECK(rules[0].require->min_protocol == tlspolicyd::tls::TlsVersion::TLSv1_2);
  CHECK(rules[0].action.source() == "reject 5.7.1 TLS requirement \"partners\" not met");
  CHECK(rules[1].mode == tlspolicyd::policy::Mode::Observe);
  CHECK(rules[1].require->tls);
}

TEST_CASE("config: every cipher key alone gets the cipher catalog") {
  // Issue 15: aead or forward_secrecy without ciphers/exclude_ciphers before it
  // had no catalog, so every TLS cipher read as unknown and failed.
  for (const char* key : {"aead: true", "forward_secrecy: true", "ciphers: high", "exclude_ciphers: [kRSA]"}) {
    CAPTURE(key);
    auto c = good(std::string("rules:\n  - name: alone\n    require: { ") + key + " }\n");
    REQUIRE(c->policy.rules().size() == 1);
    REQUIRE(c->policy.rules()[0].require != nullptr);
    REQUIRE(c->policy.rules()[0].require->catalog != nullptr);
    CHECK(c->policy.rules()[0].require->catalog->find("TLS_AES_256_GCM_SHA384") != nullptr);
  }
}

TEST_CASE("config: requirement errors") {
  auto errs = errors_of(R"(profiles:
  p1: { tls: false }
  p2: { min_protocol: "<=TLSv1.2" }
  p3: { ciphers: null }
  p4: { ciphers: "NOPE-CIPHER" }
  p5: { forward_secrecy: false, aead: yes }
  p6: { }
  p7: { min_keysize: 0, client_cert: [ "zz" ] }
  p8: { exclude_ciphers: [ "!RC4" ], colour: red }
rules:
  - name: a
    require: nope
)");
  REQUIRE(errs.size() == 12);
  CHECK(errs[0] == "t.yaml:2:14: tls: false is not a requirement; select plaintext with match: { tls: false }");
  CHECK(errs[1] == "t.yaml:3:23: min_protocol: \"<=TLSv1.2\" is an upper bound; min_protocol takes a floor (e.g. >=TLSv1.2)");
  CHECK(errs[2] == "t.yaml:4:18: ciphers has no value (write \"null\" in quotes for the null grade)");
  CHECK(errs[3].starts_with("t.yaml:5:18: ciphers: OpenSSL selects no cipher for \"NOPE-CIPHER\""));
  CHECK(errs[4] == "t.yaml:6:26: forward_secrecy: false is not a requirement; leave it out");
  CHECK(errs[5] == "t.yaml:6:39: aead must be true or false");
  CHECK(errs[6] == "t.yaml:7:7: profile \"p6\" requires nothing");
  CHECK(errs[7] == "t.yaml:8:22: min_keysize must be a whole number from 1 to 4096");
  CHECK(errs[8].starts_with("t.yaml:8:40: client_cert: \"zz\" is not a hex fingerprint"));
  CHECK(errs[9] == "t.yaml:9:26: exclude_ciphers: exclusion item \"!RC4\" must not start with '!', '+', '-' or '@'");
  CHECK(errs[10] == "t.yaml:9:38: unknown key \"colour\" in profile \"p8\" (expected one of: tls, min_protocol, "
                    "ciphers, exclude_ciphers, forward_secrecy, aead, min_keysize, client_cert)");
  CHECK(errs[11] == "t.yaml:12:14: unknown profile \"nope\" (defined: p1, p2, p3, p4, p5, p6, p7, p8)");
  auto missing = errors_of("rules:\n  - name: a\n    require: nope\n");
  CHECK(missing == std::vector<std::string>{"t.yaml:3:14: unknown profile \"nope\" (no profiles are defined)"});
}

TEST_CASE("config: match errors") {
  auto errs = errors_of(R"(rules:
  - name: a
    match: { sendr: x@y }
    action: dunno
  - name: b
    match: { }
    action: dunno
  - name: c
    match: { any: { sender: x@y } }
    action: dunno
  - name: d
    match: { not: { sasl: maybe } }
    action: dunno
  - name: e
    match: { client_address: 10.0.0.1/8, server_port: 0 }
    action: dunno
)");
  REQUIRE(errs.size() == 6);
  CHECK(errs[0].starts_with("t.yaml:3:14: unknown match key \"sendr\" (expected one of: sender, recipient,"));
  CHECK(errs[1] == "t.yaml:6:12: match is empty");
  CHECK(errs[2] == "t.yaml:9:19: any takes a list of match maps: any: [ {...}, {...} ]");
  CHECK(errs[3] == "t.yaml:12:27: sasl must be true or false");
  CHECK(errs[4] == "t.yaml:15:30: client_address: \"10.0.0.1/8\" has host bits set (did you mean 10.0.0.0/8?)");
  CHECK(errs[5] == "t.yaml:15:55: server_port: \"0\" is not a port number (1 to 65535)");
}

TEST_CASE("config: downgrade section defaults and errors") {
  auto c = good("rules: []\ndowngrade: {}\n");
  REQUIRE(c->downgrade.has_value());
  CHECK(c->downgrade->store == tlspolicyd::history::StoreAddress::lmdb("/var/lib/tlspolicyd/history"));
  using tlspolicyd::history::KeyPart;
  CHECK(c->downgrade->key == std::vector<KeyPart>{KeyPart::SenderDomain, KeyPart::Client});
  CHECK(c->downgrade->retention == std::chrono::hours(24 * 90));
  CHECK(c->downgrade->min_observations == 3);
  CHECK(c->downgrade->mode == tlspolicyd::policy::Mode::Observe);
  CHECK(c->downgrade->action.verb() == "DEFER");
  CHECK_FALSE(good("rules: []\n")->downgrade.has_value());

  auto redis = good("rules: []\ndowngrade: { store: \"redis://127.0.0.1:6380/2\", key: [sender, client_address] }\n");
  CHECK(redis->downgrade->store == tlspolicyd::history::StoreAddress::redis("127.0.0.1", 6380, 2));
  CHECK(redis->downgrade->key == std::vector<KeyPart>{KeyPart::Sender, KeyPart::ClientAddress});

  auto errs = errors_of(R"(rules: []
downgrade:
  store: lmdb:relative/path
  key: [sender_domain, planet, sender_domain]
  retention: 10m
  min_observations: 0
  mode: maybe
  action: "reject 4.7.1 wrong"
)");
  REQUIRE(errs.size() == 7);
  CHECK(errs[0] == "t.yaml:3:10: downgrade.store: lmdb:PATH needs an absolute path");
  CHECK(errs[1].starts_with("t.yaml:4:24: downgrade.key: unknown part \"planet\""));
  CHECK(errs[2] == "t.yaml:4:32: downgrade.key: \"sender_domain\" is listed twice");
  CHECK(errs[3] == "t.yaml:5:14: downgrade.retention must be at least 1h");
  CHECK(errs[4] == "t.yaml:6:21: downgrade.min_observations must be a whole number from 1 to 1000000");
  CHECK(errs[5] == "t.yaml:7:9: downgrade.mode must be enforce, warn or observe, not \"maybe\"");
  CHECK(errs[6].starts_with("t.yaml:8:11: downgrade.action: reject takes only 5.x.x"));
  CHECK(errors_of("rules: []\ndowngrade: { store: \"redis://:x/y\" }\n").at(0) ==
        "t.yaml:2:21: downgrade.store: expected redis://[[USER]:PASSWORD@]HOST:PORT/DB");
  CHECK(c->downgrade->lookup_timeout == std::chrono::milliseconds(200));
  CHECK(good("rules: []\ndowngrade: { lookup_timeout: 50ms }\n")->downgrade->lookup_timeout ==
        std::chrono::milliseconds(50));
  CHECK(good("rules: []\ndowngrade: { lookup_timeout: 0 }\n")->downgrade->lookup_timeout.count() == 0);
  CHECK(errors_of("rules: []\ndowngrade: { lookup_timeout: 11s }\n").at(0) ==
        "t.yaml:2:30: downgrade.lookup_timeout must be at most 10s (smtpd waits meanwhile)");
  CHECK(errors_of("rules: []\ndowngrade: { lookup_timeout: soon }\n").at(0) ==
        "t.yaml:2:30: downgrade.lookup_timeout must be a duration such as 200ms, 2s or 1m");
}

TEST_CASE("config: socket.mode takes permission bits only") {
  for (const char* mode : {"4660", "2660", "1770"}) {
    auto errs = errors_of(std::string("socket: { mode: \"") + mode + "\" }\nrules: []\n");
    REQUIRE(errs.size() == 1);
    CHECK(errs[0] == "t.yaml:1:17: socket.mode takes permission bits only (no setuid, setgid or sticky bit: at most "
                     "\"0770\")");
  }
}

TEST_CASE("config: a default_action that acts on whole messages is refused; a rule may answer it (review 15)") {
  for (const char* action : {"discard", "redirect q@example.org", "bcc archive@example.org", "filter scan:[127.0.0.1]:10025"}) {
    CAPTURE(action);
    auto errs = errors_of(std::string("default_action: ") + action + "\nrules: []\n");
    REQUIRE(errs.size() == 1);
    CHECK(errs[0].starts_with("t.yaml:1:17: default_action: "));
    CHECK(errs[0].find("would act on every message no rule decides; give it to a rule") != std::string::npos);
  }
  const LoadResult ok = load_config_text("rules:\n  - name: q\n    match: { recipient_domain: legal.example }\n"
                                          "    require: { tls: true }\n    action: redirect quarantine@example.org\n",
                                          "t.yaml");
  CHECK(ok.errors.empty());
  CHECK(ok.config != nullptr);
}
