// SPDX-License-Identifier: MIT
// Named lists, file: lists and key values, through the configuration loader.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "config/config_loader.h"
#include "fixtures.h"

using namespace tlspolicyd;
using protocol::Attr;

namespace {

config::LoadResult load_in(const test::TempDir& dir, const std::string& yaml) {
  return config::load_config_file(dir.write("c.yaml", yaml));
}

std::vector<std::string> errors(const config::LoadResult& r) {
  std::vector<std::string> out;
  for (const auto& e : r.errors) out.push_back(e.to_string());
  return out;
}

// The answer to a request from `sender` at `client`.
std::string answer(const config::Config& c, const std::string& sender, const std::string& client = "198.51.100.1") {
  protocol::Request r;
  r.set(Attr::Sender, sender);
  r.set(Attr::ClientAddress, client);
  r.finalize();
  return policy::to_string(c.policy.evaluate(r).answer);
}

}  // namespace

TEST_CASE("lists: file entries with comments, blanks, whitespace and '!' exclusions") {
  test::TempDir dir;
  dir.write("partners.txt",
            "# partner domains\n"
            "\n"
            "  bank.example   # a comment after whitespace\n"
            "\t.law.example\n"
            "odd#name.example\n"
            "!blocked.law.example\r\n");
  auto r = load_in(dir, R"(
lists:
  partners: [file:partners.txt, extra.example]
rules:
  - name: partners
    match: { sender_domain: list:partners }
    action: "reject hit"
)");
  REQUIRE_MESSAGE(r.config, errors(r).front());
  const auto& c = *r.config;
  CHECK(answer(c, "a@bank.example") == "REJECT hit");
  CHECK(answer(c, "a@x.law.example") == "REJECT hit");
  CHECK(answer(c, "a@odd#name.example") == "REJECT hit");  // '#' inside a word is no comment
  CHECK(answer(c, "a@extra.example") == "REJECT hit");
  CHECK(answer(c, "a@blocked.law.example") == "DUNNO");
  CHECK(answer(c, "a@law.example") == "DUNNO");
  CHECK(answer(c, "a@comment") == "DUNNO");
}

TEST_CASE("lists: '!' semantics of SPEC 3.2") {
  test::TempDir dir;
  auto r = load_in(dir, R"(
lists:
  inside: [10.0.0.0/8]
rules:
  - name: mixed
    match: { client_address: [10.0.0.0/8, "!10.1.0.0/16"] }
    action: "reject mixed"
  - name: only-exclusions
    match: { sender_domain: ["!a.example", "!b.example"] }
    action: "reject excl"
)");
  REQUIRE(r.config);
  CHECK(answer(*r.config, "x@a.example", "10.2.0.1") == "REJECT mixed");
  CHECK(answer(*r.config, "x@a.example", "10.1.0.1") == "DUNNO");
  CHECK(answer(*r.config, "x@c.example", "192.0.2.1") == "REJECT excl");
  CHECK(answer(*r.config, "x@b.example", "192.0.2.1") == "DUNNO");

  auto neg = load_in(dir, R"(
lists:
  inside: [10.0.0.0/8]
rules:
  - name: outside
    match: { client_address: "!list:inside" }
    action: "reject outside"
)");
  REQUIRE(neg.config);
  CHECK(answer(*neg.config, "x@y", "192.0.2.1") == "REJECT outside");
  CHECK(answer(*neg.config, "x@y", "10.9.9.9") == "DUNNO");
}

TEST_CASE("lists: one named list serves keys of different kinds") {
  // helo_name compiles the list as domains (case-insensitive), sasl_username as
  // text (case-sensitive): one list, two sets, each matching its own way.
  test::TempDir dir;
  auto r = load_in(dir, R"(
lists:
  names: [Mx.Example.NET]
rules:
  - name: by-helo
    match: { helo_name: list:names }
    action: "reject helo"
  - name: by-user
    match: { sasl_username: list:names }
    action: "reject user"
)");
  REQUIRE_MESSAGE(r.config, errors(r).front());
  auto ask = [&](std::string_view helo, std::string_view user) {
    protocol::Request q;
    q.set(Attr::HeloName, helo);
    q.set(Attr::SaslUsername, user);
    q.finalize();
    return policy::to_string(r.config->policy.evaluate(q).answer);
  };
  CHECK(ask("mx.example.net", "") == "REJECT helo");           // a domain, in any case
  CHECK(ask("other.example", "Mx.Example.NET") == "REJECT user");  // text, exactly
  CHECK(ask("other.example", "mx.example.net") == "DUNNO");        // text is case-sensitive
}

TEST_CASE("lists: bad entries are reported with FILE:LINE:COLUMN, unreadable files by name") {
  test::TempDir dir;
  std::string file = dir.write("nets.txt", "192.0.2.0/24\n  10.1.0.0/8\nnot-an-ip\n");
  auto r = load_in(dir, R"(
lists:
  nets: [file:nets.txt]
  gone: [file:/nonexistent/list.txt]
rules:
  - name: a
    match: { client_address: list:nets }
    action: dunno
  - name: b
    match: { client_address: list:missing }
    action: dunno
  - name: c
    match: { client_address: "file:nowhere.txt" }
    action: dunno
)");
  auto e = errors(r);
  REQUIRE(e.size() == 5);
  CHECK(e[0] == dir.path + "/c.yaml:4:10: cannot read list file /nonexistent/list.txt: No such file or directory");
  CHECK(e[1] == dir.path + "/c.yaml:10:30: unknown list \"missing\" (defined: gone, nets)");
  CHECK(e[2] == dir.path + "/c.yaml:13:30: cannot read list file " + dir.path +
                    "/nowhere.txt: No such file or directory");
  CHECK(e[3] == file + ":2:3: \"10.1.0.0/8\" has host bits set (did you mean 10.0.0.0/8?)");
  CHECK(e[4] == file + ":3:1: \"not-an-ip\" is not an IP address or network");
}

TEST_CASE("lists: U-labels and A-labels match each other in key values, named lists and files (issue 20)") {
  test::TempDir dir;
  dir.write("idn.txt", "# one of each form\nxn--fa-hia.de\n  .Bücher.example\n");
  auto r = load_in(dir, R"(
lists:
  named: ["münchen.example"]
  senders: ["@XN--MLLER-KVA.example"]
rules:
  - name: key
    match: { sender_domain: [ÅNGSTRÖM.example] }
    action: "reject key"
  - name: named
    match: { sender_domain: list:named }
    action: "reject named"
  - name: address
    match: { sender: list:senders }
    action: "reject address"
  - name: file
    match: { recipient_domain: file:idn.txt }
    action: "reject file"
)");
  REQUIRE_MESSAGE(r.config, errors(r).front());
  const auto& c = *r.config;
  CHECK(answer(c, "a@xn--ngstrm-hua5l.example") == "REJECT key");
  CHECK(answer(c, "a@ångström.example") == "REJECT key");
  CHECK(answer(c, "a@XN--MNCHEN-3YA.example") == "REJECT named");
  CHECK(answer(c, "a@müller.example") == "REJECT address");
  CHECK(answer(c, "a@mueller.example") == "DUNNO");
  auto to = [&](const std::string& recipient) {
    protocol::Request q;
    q.set(Attr::Recipient, recipient);
    q.finalize();
    return policy::to_string(c.policy.evaluate(q).answer);
  };
  CHECK(to("b@faß.de") == "REJECT file");
  CHECK(to("b@FASS.de") == "DUNNO");
  CHECK(to("b@mx.xn--bcher-kva.example") == "REJECT file");
  CHECK(to("b@MX.BÜCHER.EXAMPLE") == "REJECT file");
}

TEST_CASE("lists: a name IDNA 2008 refuses is a bad entry, reported like the others") {
  test::TempDir dir;
  const std::string file = dir.write("idn.txt", "ok.example\n  -bü.example\n");
  auto r = load_in(dir, R"(
rules:
  - name: a
    match: { sender_domain: [file:idn.txt, "☃.example"] }
    action: dunno
)");
  auto e = errors(r);
  REQUIRE(e.size() == 2);
  CHECK(e[0] == dir.path + "/c.yaml:4:44: sender_domain: \"\\xe2\\x98\\x83.example\" has a label that IDNA "
                           "2008 refuses (string contains a disallowed character)");
  CHECK(e[1] == file + ":2:3: \"-b\\xc3\\xbc.example\" has a label that IDNA 2008 refuses "
                       "(string start/ends with forbidden hyphen)");
}

TEST_CASE("lists: a file with many bad lines reports the first ones and a count") {
  test::TempDir dir;
  std::string content;
  for (int i = 0; i < 50; ++i) content += "bad entry " + std::to_string(i) + "\n";
  dir.write("bad.txt", content);
  auto r = load_in(dir, "rules:\n  - name: a\n    match: { client_address: file:bad.txt }\n    action: dunno\n");
  auto e = errors(r);
  REQUIRE(e.size() == 21);
  CHECK(e.back() == dir.path + "/bad.txt:21:1: 30 more bad entries from here on");
}

TEST_CASE("lists: YAML surprises are explained") {
  test::TempDir dir;
  auto r = load_in(dir, R"(
rules:
  - name: a
    match: { sender_domain: [ !a.example ] }
    action: dunno
  - name: b
    match: { helo_name: [ null ] }
    action: dunno
  - name: c
    match: { sender_domain: [] }
    action: dunno
  - name: d
    match: { sender_domain: "list:" }
    action: dunno
)");
  auto e = errors(r);
  REQUIRE(e.size() == 4);
  CHECK(e[0].find(":4:31: an unquoted value starting with '!' is read by YAML as a tag: write \"!a.example\"") !=
        std::string::npos);
  CHECK(e[1].find(":7:27: helo_name has an empty value (quote \"null\" if you mean the word)") != std::string::npos);
  CHECK(e[2].find(":10:29: sender_domain has an empty list") != std::string::npos);
  CHECK(e[3].find(":13:29: unknown list \"\" (no lists are defined)") != std::string::npos);
}

TEST_CASE("lists: a million-entry file loads and answers") {
  test::TempDir dir;
  {
    std::ofstream out(dir.path + "/million.txt");
    for (int i = 0; i < 1000000; ++i) out << "host" << i << ".example\n";
  }
  auto r = load_in(dir, R"(
rules:
  - name: million
    match: { sender_domain: file:million.txt }
    action: "reject listed"
)");
  REQUIRE(r.errors.empty());
  CHECK(answer(*r.config, "a@host0.example") == "REJECT listed");
  CHECK(answer(*r.config, "a@HOST500000.example") == "REJECT listed");
  CHECK(answer(*r.config, "a@host999999.example") == "REJECT listed");
  CHECK(answer(*r.config, "a@host1000000.example") == "DUNNO");
  CHECK(answer(*r.config, "a@sub.host1.example") == "DUNNO");
}

TEST_CASE("lists: a FIFO, a directory or a device as a list file is refused, never read, and nothing hangs") {
  test::TempDir dir;
  REQUIRE(::mkfifo((dir.path + "/fifo.txt").c_str(), 0600) == 0);  // no writer: a blocking open would hang
  std::filesystem::create_directory(dir.path + "/dir.txt");
  auto r = load_in(dir, R"(
rules:
  - name: a
    match: { client_address: [file:fifo.txt, file:dir.txt, file:/dev/zero] }
    action: dunno
)");
  auto e = errors(r);
  REQUIRE(e.size() == 3);
  CHECK(e[0] == dir.path + "/c.yaml:4:31: cannot read list file " + dir.path + "/fifo.txt: not a regular file (a FIFO)");
  CHECK(e[1] == dir.path + "/c.yaml:4:46: cannot read list file " + dir.path +
                    "/dir.txt: not a regular file (a directory)");
  CHECK(e[2] == dir.path + "/c.yaml:4:60: cannot read list file /dev/zero: not a regular file (a device)");
}

TEST_CASE("lists: a list file that is a symbolic link is refused, and its target's lines never show") {
  test::TempDir dir;
  std::string secret = dir.write("secret", "root:$y$j9T$SECRETSALT$SECRETHASH:19000:0:99999:7:::\n");
  ::chmod(secret.c_str(), 0600);
  std::filesystem::create_symlink(secret, dir.path + "/nets.txt");
  auto r = load_in(dir, "rules:\n  - name: a\n    match: { client_address: file:nets.txt }\n    action: dunno\n");
  auto e = errors(r);
  REQUIRE(e.size() == 1);
  CHECK(e[0] == dir.path + "/c.yaml:3:30: cannot read list file " + dir.path +
                    "/nets.txt: is a symbolic link (not followed: name the file it points to)");
  CHECK(e[0].find("SECRET") == std::string::npos);
}

TEST_CASE("lists: a bad line is quoted as a short escaped prefix, never whole") {
  test::TempDir dir;
  std::string file = dir.write("nets.txt", "\x1b[2J\r" + std::string(200, 'S') + "\n");
  auto r = load_in(dir, "rules:\n  - name: a\n    match: { client_address: file:nets.txt }\n    action: dunno\n");
  auto e = errors(r);
  REQUIRE(e.size() == 1);
  CHECK(e[0] == file + ":1:1: \"\\x1b[2J\\x0d" + std::string(27, 'S') + "...\" is not an IP address or network");
}

TEST_CASE("lists: a list file another user could write is refused (StrictModes)") {
  test::TempDir dir;
  std::string nets = dir.write("nets.txt", "192.0.2.0/24\n");
  const std::string yaml =
      "user: daemonuser\nrules:\n  - name: a\n    match: { client_address: file:nets.txt }\n    action: dunno\n";
  const std::string where = dir.path + "/c.yaml:4:30: cannot read list file " + nets + ": ";
  auto load = [&](config::FileOwners owners) {
    return config::load_config_file(dir.write("c.yaml", yaml), owners);
  };
  const uid_t me = ::geteuid();
  SUBCASE("writable by its group or by others") {
    ::chmod(nets.c_str(), 0664);
    CHECK(errors(load({{0, me}, {}})) == std::vector<std::string>{where + "is writable by its group (mode 0664)"});
    ::chmod(nets.c_str(), 0646);
    CHECK(errors(load({{0, me}, {}})) == std::vector<std::string>{where + "is writable by others (mode 0646)"});
    ::chmod(nets.c_str(), 0644);
    CHECK(load({{0, me}, {}}).config != nullptr);
  }
  SUBCASE("owned by another user than root, the loading user and the configured user") {
    if (me != 0) {
      MESSAGE("skipped: giving a file to another user needs root");
      return;
    }
    const uid_t other = 4242;
    REQUIRE(::chown(nets.c_str(), other, static_cast<gid_t>(-1)) == 0);
    CHECK(errors(load({{0}, {}})) ==
          std::vector<std::string>{where + "is owned by uid 4242, not by root or the daemon's user"});
    // The configured user (looked up by the caller) may own a list file ...
    auto as_user = [other](const std::string& user) -> std::optional<uid_t> {
      return user == "daemonuser" ? std::optional<uid_t>(other) : std::nullopt;
    };
    CHECK(load({{0}, as_user}).config != nullptr);
    // ... but not the configuration file: only root or the loading user.
    const std::string cfg = dir.path + "/c.yaml";
    REQUIRE(::chown(cfg.c_str(), other, static_cast<gid_t>(-1)) == 0);
    auto r = config::load_config_file(cfg, {{0}, as_user});
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].to_string() ==
          cfg + ": cannot read the configuration file: is owned by uid 4242, not by root or the daemon's user");
  }
}

TEST_CASE("config: the configuration file may be a symbolic link; a FIFO is refused without hanging") {
  test::TempDir dir;
  std::string real = dir.write("real.yaml", "rules: []\n");
  std::filesystem::create_symlink(real, dir.path + "/link.yaml");
  CHECK(config::load_config_file(dir.path + "/link.yaml").config != nullptr);
  REQUIRE(::mkfifo((dir.path + "/fifo.yaml").c_str(), 0600) == 0);
  auto r = config::load_config_file(dir.path + "/fifo.yaml");
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].to_string() ==
        dir.path + "/fifo.yaml: cannot read the configuration file: not a regular file (a FIFO)");
}
