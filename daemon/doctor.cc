// SPDX-License-Identifier: MIT
// doctor: runs postconf, looks at tlspolicyd's sockets as the postfix user would,
// and prints doctor::diagnose()'s findings (SPEC 2). Exit 0 when there is no
// warning or error, 1 otherwise, 78 for a bad tlspolicyd configuration, 69 when
// postconf cannot be run.
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <poll.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <iostream>

#include "commands.h"
#include "config/config_loader.h"
#include "doctor/doctor.h"

namespace tlspolicyd::daemon {
namespace {

// Runs COMMAND ARGS (COMMAND may hold its own arguments, split at spaces) and
// returns its standard output, or nullopt when it could not run or failed.
std::optional<std::string> run_command(const std::string& command, const std::vector<std::string>& args) {
  std::vector<std::string> argv;
  for (std::size_t pos = 0; pos < command.size();) {
    std::size_t end = command.find(' ', pos);
    if (end == std::string::npos) end = command.size();
    if (end > pos) argv.push_back(command.substr(pos, end - pos));
    pos = end + 1;
  }
  argv.insert(argv.end(), args.begin(), args.end());
  int out[2];
  if (argv.empty() || ::pipe(out) != 0) return std::nullopt;
  const pid_t pid = ::fork();
  if (pid < 0) return std::nullopt;
  if (pid == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::close(out[0]);
    ::close(out[1]);
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    ::execvp(cargv[0], cargv.data());
    ::_exit(127);
  }
  ::close(out[1]);
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) > 0;) text.append(buf, static_cast<std::size_t>(n));
  ::close(out[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
  return text;
}

// Can the postfix user (uid, its groups) use a file with these bits for `need`
// (4 read, 2 write, 1 search)?
bool allowed(const struct stat& st, uid_t uid, const std::vector<gid_t>& groups, unsigned need) {
  unsigned bits = st.st_mode & 07;
  if (st.st_uid == uid) bits = (st.st_mode >> 6) & 07;
  else if (std::find(groups.begin(), groups.end(), st.st_gid) != groups.end()) bits = (st.st_mode >> 3) & 07;
  return (bits & need) == need;
}

bool connects(const config::ListenAddress& a) {
  int fd = -1;
  if (a.kind == config::ListenAddress::Kind::Unix) {
    fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::strncpy(sa.sun_path, a.path.c_str(), sizeof sa.sun_path - 1);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
    ::close(fd);
    return ok;
  }
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (::getaddrinfo(a.host.c_str(), std::to_string(a.port).c_str(), &hints, &res) != 0) return false;
  fd = ::socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  bool ok = ::connect(fd, res->ai_addr, res->ai_addrlen) == 0;
  if (!ok && errno == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    int err = 0;
    socklen_t len = sizeof err;
    ok = ::poll(&p, 1, 2000) == 1 && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0;
  }
  ::freeaddrinfo(res);
  ::close(fd);
  return ok;
}

doctor::SocketFacts facts(const config::ListenAddress& a) {
  doctor::SocketFacts f;
  f.endpoint = a.kind == config::ListenAddress::Kind::Unix ? "unix:" + a.path : a.to_string();
  f.accepting = connects(a);
  if (a.kind != config::ListenAddress::Kind::Unix) return f;
  struct stat st {};
  if (::stat(a.path.c_str(), &st) != 0) {
    f.missing = true;
    return f;
  }
  if (!S_ISSOCK(st.st_mode)) {
    f.problem = a.path + " is not a socket";
    return f;
  }
  const passwd* pw = ::getpwnam("postfix");
  if (pw == nullptr) return f;  // no postfix user here: nothing to check against
  int n = 64;
  std::vector<gid_t> groups(static_cast<std::size_t>(n));
  if (::getgrouplist("postfix", pw->pw_gid, groups.data(), &n) < 0) n = 0;
  groups.resize(static_cast<std::size_t>(std::max(n, 0)));
  groups.push_back(pw->pw_gid);
  if (!allowed(st, pw->pw_uid, groups, 6)) {
    f.problem = "the postfix user may not write to " + a.path + " (mode " + [&] {
      char m[8];
      std::snprintf(m, sizeof m, "%04o", st.st_mode & 07777);
      return std::string(m);
    }() + ")";
    return f;
  }
  for (std::size_t pos = a.path.rfind('/'); pos != std::string::npos && pos > 0; pos = a.path.rfind('/', pos - 1)) {
    const std::string dir = a.path.substr(0, pos);
    struct stat ds {};
    if (::stat(dir.c_str(), &ds) == 0 && !allowed(ds, pw->pw_uid, groups, 1)) {
      f.problem = "the postfix user may not search the directory " + dir;
      return f;
    }
  }
  return f;
}

}  // namespace

int run_doctor(const DoctorArgs& args) {
  config::LoadResult loaded = config::load_config_file(args.config_path);
  for (const auto& e : loaded.errors) std::cerr << e.to_string() << '\n';
  if (!loaded.config) return exit_code::Config;
  const config::Config& cfg = *loaded.config;

  auto main_cf = run_command(args.postconf, {"-n"});
  auto master_cf = run_command(args.postconf, {"-M"});
  if (!main_cf || !master_cf) {
    std::cerr << "tlspolicyd doctor: cannot run \"" << args.postconf << " -n\" and \"" << args.postconf
              << " -M\" (is Postfix installed? try --postconf)\n";
    return exit_code::Unavailable;
  }
  doctor::Inputs in;
  in.postfix.main = doctor::parse_main(*main_cf);
  in.postfix.services = doctor::parse_master(*master_cf);
  if (auto q = run_command(args.postconf, {"-h", "queue_directory"})) {
    std::string dir = *q;
    while (!dir.empty() && (dir.back() == '\n' || dir.back() == ' ')) dir.pop_back();
    if (!dir.empty()) in.queue_directory = dir;
  }
  in.listen = cfg.listen;
  if (in.listen.empty()) in.listen.push_back(std::get<config::ListenAddress>(config::parse_listen_address(config::DefaultListen)));
  for (const auto& rule : cfg.policy.rules()) {
    in.rules_use_sasl = in.rules_use_sasl || rule.match.uses(match::Field::Sasl) ||
                        rule.match.uses(match::Field::SaslUsername) || rule.match.uses(match::Field::SaslMethod);
  }
  for (const auto& a : in.listen) in.sockets.push_back(facts(a));

  const auto findings = doctor::diagnose(in);
  int errors = 0, warnings = 0;
  for (const auto& f : findings) {
    std::cout << doctor::to_string(f.severity) << ": " << f.message << '\n';
    if (!f.fix.empty()) std::cout << "  fix: " << f.fix << '\n';
    errors += f.severity == doctor::Severity::Error;
    warnings += f.severity == doctor::Severity::Warning;
  }
  if (errors + warnings == 0) {
    std::cout << "doctor: no problems found" << (findings.empty() ? "" : " (see the notes above)") << '\n';
    return exit_code::Ok;
  }
  std::cout << "doctor: " << errors << " error(s), " << warnings << " warning(s)\n";
  return 1;
}

}  // namespace tlspolicyd::daemon
