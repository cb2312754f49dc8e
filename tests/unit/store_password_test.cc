// SPDX-License-Identifier: MIT
// downgrade.password_file and Redis credentials, through the configuration loader.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "config/config_loader.h"
#include "fixtures.h"

using namespace tlspolicyd;

namespace {

// The configuration with this `downgrade:` section, loaded from dir/c.yaml.
config::LoadResult load(const test::TempDir& dir, const std::string& downgrade,
                        const config::FileOwners& owners = config::FileOwners::of_process()) {
  return config::load_config_file(dir.write("c.yaml", "rules: []\ndowngrade: " + downgrade + "\n", 0644), owners);
}

// The errors, one a line (a string, so that a failed CHECK shows it).
std::string errors(const config::LoadResult& r) {
  std::string out;
  for (const auto& e : r.errors) out += e.to_string() + "\n";
  return out;
}

const std::string Secret = "s3cret-Pa55";

}  // namespace

TEST_CASE("password_file: one line, its newline stripped, becomes the Redis password") {
  test::TempDir dir;
  const std::string file = dir.write("redis.password", Secret + "\n", 0600);
  auto r = load(dir, "{ store: \"redis://127.0.0.1:6379/0\", password_file: " + file + " }");
  REQUIRE_MESSAGE(r.config, errors(r));
  CHECK(r.config->downgrade->store.password == Secret);
  CHECK(r.config->downgrade->store.user.empty());
  CHECK(r.config->downgrade->store.to_string() == "redis://:***@127.0.0.1:6379/0");

  SUBCASE("with an ACL user in the URL, a CRLF line, a path relative to the configuration") {
    dir.write("pw", Secret + "\r\n", 0600);
    auto u = load(dir, "{ store: \"redis+unix://tlspolicyd@/run/redis/redis-server.sock\", password_file: pw }");
    REQUIRE_MESSAGE(u.config, errors(u));
    CHECK(u.config->downgrade->store.user == "tlspolicyd");
    CHECK(u.config->downgrade->store.password == Secret);
    CHECK(u.config->downgrade->store.to_string() == "redis+unix://tlspolicyd:***@/run/redis/redis-server.sock?db=0");
  }
  SUBCASE("a changed password is a changed store") {
    dir.write("redis.password", "other\n", 0600);
    auto changed = load(dir, "{ store: \"redis://127.0.0.1:6379/0\", password_file: " + file + " }");
    REQUIRE(changed.config);
    CHECK(changed.config->downgrade->store != r.config->downgrade->store);
  }
}

TEST_CASE("password_file: a file its group or others may read or write is refused, its content never shown") {
  test::TempDir dir;
  const std::string file = dir.write("redis.password", Secret + "\n", 0600);
  const std::string yaml = "{ store: \"redis://127.0.0.1:6379/0\", password_file: " + file + " }";
  // "rules: []\ndowngrade: { store: ..., password_file: " puts the path at line 2, column 64.
  const std::string where = dir.path + "/c.yaml:2:64: cannot read downgrade.password_file " + file + ": ";
  struct Case {
    mode_t mode;
    std::string why;
  };
  for (const Case& c : {Case{0640, "is readable by its group (mode 0640): a password file must be readable by its owner alone"},
                        Case{0604, "is readable by others (mode 0604): a password file must be readable by its owner alone"},
                        Case{0644, "is readable by others (mode 0644): a password file must be readable by its owner alone"},
                        Case{0620, "is writable by its group (mode 0620)"},
                        Case{0602, "is writable by others (mode 0602)"}}) {
    CAPTURE(c.mode);
    REQUIRE(::chmod(file.c_str(), c.mode) == 0);
    auto r = load(dir, yaml);
    CHECK(errors(r) == where + c.why + "\n");
    CHECK(r.config == nullptr);
  }
  for (mode_t ok : {0600, 0400}) {
    REQUIRE(::chmod(file.c_str(), ok) == 0);
    CHECK(load(dir, yaml).config != nullptr);
  }

  SUBCASE("a symbolic link, a directory") {
    std::filesystem::create_symlink(file, dir.path + "/link");
    CHECK(errors(load(dir, "{ store: \"redis://h\", password_file: link }")) ==
          dir.path + "/c.yaml:2:49: cannot read downgrade.password_file " + dir.path +
              "/link: is a symbolic link (not followed: name the file it points to)\n");
    std::filesystem::create_directory(dir.path + "/d");
    CHECK(errors(load(dir, "{ store: \"redis://h\", password_file: d }")) ==
          dir.path + "/c.yaml:2:49: cannot read downgrade.password_file " + dir.path +
              "/d: not a regular file (a directory)\n");
  }
  SUBCASE("empty, or more than one line") {
    dir.write("redis.password", "\n", 0600);
    CHECK(errors(load(dir, yaml)) == where + "is empty\n");
    dir.write("redis.password", Secret + "\n" + Secret + "\n", 0600);
    const auto e = errors(load(dir, yaml));
    CHECK(e == where + "has more than one line (the password is the one line)\n");
    CHECK(e.find(Secret) == std::string::npos);
  }
  SUBCASE("owned by another user than root, the loading user and the configured user") {
    if (::geteuid() != 0) {
      MESSAGE("skipped: giving a file to another user needs root");
      return;
    }
    REQUIRE(::chown(file.c_str(), 4242, static_cast<gid_t>(-1)) == 0);
    CHECK(errors(load(dir, yaml, {{0}, {}})) == where + "is owned by uid 4242, not by root or the daemon's user\n");
  }
}

TEST_CASE("password_file: with user: set, it must be that user's, even when root checks it (it is read as that user)") {
  if (::geteuid() != 0) {
    MESSAGE("skipped: giving a file to another user needs root");
    return;
  }
  test::TempDir dir;
  const std::string file = dir.write("redis.password", Secret + "\n", 0600);
  config::FileOwners owners{{0}, [](const std::string& user) -> std::optional<uid_t> {
                              return user == "tlspolicyd" ? std::optional<uid_t>(4243) : std::nullopt;
                            }};
  auto load_as = [&](const std::string& top) {
    return config::load_config_file(
        dir.write("c.yaml", top + "rules: []\ndowngrade: { store: \"redis://h\", password_file: redis.password }\n"),
        owners);
  };
  const std::string where = dir.path + "/c.yaml:3:49: cannot read downgrade.password_file " + file + ": ";
  // root's, 0600: the daemon, running as tlspolicyd, could not read it.
  CHECK(errors(load_as("user: tlspolicyd\n")) ==
        where + "is owned by uid 0, not by tlspolicyd: the daemon reads it as tlspolicyd at every start and reload "
                "(chown tlspolicyd " + file + ")\n");
  REQUIRE(::chown(file.c_str(), 4243, static_cast<gid_t>(-1)) == 0);
  CHECK(errors(load_as("user: tlspolicyd\n")).empty());
  // Staying root, or without user:, root's file is the one.
  REQUIRE(::chown(file.c_str(), 0, static_cast<gid_t>(-1)) == 0);
  CHECK(errors(load_as("user: tlspolicyd\nrun_as_root: true\n")).empty());
  CHECK(errors(load_as("")).empty());
}

TEST_CASE("password_file: only for Redis, not with a password in the URL; a Redis user needs a password") {
  test::TempDir dir;
  const std::string file = dir.write("redis.password", Secret + "\n", 0600);
  auto e = errors(load(dir, "{ store: \"redis://:" + Secret + "@h\", password_file: " + file + " }"));
  CHECK(e == dir.path + "/c.yaml:2:62: downgrade.password_file: downgrade.store has a password already; keep one "
                        "of the two\n");
  CHECK(e.find(Secret) == std::string::npos);

  e = errors(load(dir, "{ store: lmdb:/var/lib/x, password_file: " + file + " }"));
  CHECK(e == dir.path + "/c.yaml:2:53: downgrade.password_file is for a Redis store (redis:// or redis+unix://)\n");
  e = errors(load(dir, "{ password_file: " + file + " }"));  // the default store is LMDB
  CHECK(e == dir.path + "/c.yaml:2:29: downgrade.password_file is for a Redis store (redis:// or redis+unix://)\n");

  e = errors(load(dir, "{ store: \"redis://tlspolicyd@h\" }"));
  CHECK(e == dir.path + "/c.yaml:2:21: downgrade.store names a Redis user but no password: write USER:PASSWORD@ "
                        "or set downgrade.password_file\n");
  e = errors(load(dir, "{ store: \"redis://h\", password_file: missing.password }"));
  CHECK(e == dir.path + "/c.yaml:2:49: cannot read downgrade.password_file " + dir.path +
                 "/missing.password: No such file or directory\n");
}
