// SPDX-License-Identifier: MIT
#include "postconf_reader.h"

#include <sys/wait.h>
#include <unistd.h>

#include "doctor/postconf.h"

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

// postconf [-c DIR] ARGS.
std::optional<std::string> postconf(const std::string& command, const std::string& dir, std::vector<std::string> args) {
  if (!dir.empty()) args.insert(args.begin(), {"-c", dir});
  return run_command(command, args);
}

}  // namespace

// One parameter's value (postconf -h NAME), without the newline; nullopt when postconf fails.
std::optional<std::string> postconf_value(const std::string& command, const std::string& dir, const std::string& name) {
  auto v = postconf(command, dir, {"-h", name});
  if (!v) return std::nullopt;
  while (!v->empty() && (v->back() == '\n' || v->back() == ' ')) v->pop_back();
  return v;
}

// An instance's configuration; `dir` empty for the default instance.
doctor::Instance read_instance(const std::string& command, const std::string& dir) {
  doctor::Instance inst;
  inst.config_directory = dir;
  inst.name = dir;
  auto main_cf = postconf(command, dir, {"-n"});
  auto master_cf = postconf(command, dir, {"-M"});
  if (!main_cf || !master_cf) {
    inst.unreadable = "postconf" + (dir.empty() ? std::string() : " -c " + dir) + " -n or -M failed";
    return inst;
  }
  inst.postfix.main = doctor::parse_main(*main_cf);
  inst.postfix.services = doctor::parse_master(*master_cf);
  if (auto q = postconf_value(command, dir, "queue_directory"); q && !q->empty()) inst.queue_directory = *q;
  if (dir.empty()) {
    // The default instance, or the one --postconf "postconf -c DIR" names: fixes say -c DIR then.
    inst.name = postconf_value(command, dir, "config_directory").value_or("/etc/postfix");
    if (inst.name != "/etc/postfix") inst.config_directory = inst.name;
  }
  if (auto name = inst.postfix.get("multi_instance_name"); name && !name->empty()) inst.name = *name;
  return inst;
}

std::vector<doctor::Instance> read_instances(const std::string& command) {
  std::vector<doctor::Instance> out;
  out.push_back(read_instance(command, ""));
  if (!out.front().unreadable.empty()) return out;
  for (const std::string& dir : doctor::split_list(postconf_value(command, "", "multi_instance_directories").value_or(""))) {
    out.push_back(read_instance(command, dir));
  }
  return out;
}

}  // namespace tlspolicyd::daemon
