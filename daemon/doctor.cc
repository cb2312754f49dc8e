// SPDX-License-Identifier: MIT
// doctor: runs postconf for the default Postfix instance and for each one of
// its multi_instance_directories (postconf -c DIR), gathers the facts
// doctor::diagnose() needs (doctor_facts), and prints its findings (SPEC 2).
// Exit 0 when there is no warning or error, 1 otherwise, 78 for a bad
// tlspolicyd configuration, 69 when postconf cannot be run for the default
// instance (an other instance that cannot be read is a finding).
#include <sys/wait.h>
#include <unistd.h>

#include <iostream>

#include "commands.h"
#include "privileges.h"
#include "config/config_loader.h"
#include "doctor/doctor.h"
#include "doctor/placement.h"
#include "doctor_facts.h"

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

// One parameter's value (postconf -h NAME), without the newline; nullopt when postconf fails.
std::optional<std::string> value_of(const std::string& command, const std::string& dir, const std::string& name) {
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
  if (auto q = value_of(command, dir, "queue_directory"); q && !q->empty()) inst.queue_directory = *q;
  if (dir.empty()) {
    // The default instance, or the one --postconf "postconf -c DIR" names: fixes say -c DIR then.
    inst.name = value_of(command, dir, "config_directory").value_or("/etc/postfix");
    if (inst.name != "/etc/postfix") inst.config_directory = inst.name;
  }
  if (auto name = inst.postfix.get("multi_instance_name"); name && !name->empty()) inst.name = *name;
  return inst;
}

std::vector<doctor::RuleFacts> rule_facts(const config::Config& cfg) {
  std::vector<doctor::RuleFacts> out;
  for (const auto& rule : cfg.policy.rules()) {
    doctor::RuleFacts r;
    r.name = rule.name;
    const auto kind = rule.action.kind();
    const bool refuses = kind == policy::ActionKind::Reject || kind == policy::ActionKind::Defer ||
                         kind == policy::ActionKind::DeferIfPermit || kind == policy::ActionKind::Numeric;
    r.refuses_plaintext = rule.mode == policy::Mode::Enforce &&
                          (rule.require != nullptr || (refuses && rule.match.uses(match::Field::Tls)));
    r.uses_recipient = rule.match.uses(match::Field::Recipient) || rule.match.uses(match::Field::RecipientDomain);
    r.uses_sasl = rule.match.uses(match::Field::Sasl) || rule.match.uses(match::Field::SaslUsername) ||
                  rule.match.uses(match::Field::SaslMethod);
    r.needs_transaction = r.uses_recipient || r.uses_sasl || rule.match.uses(match::Field::Sender) ||
                          rule.match.uses(match::Field::SenderDomain) || rule.match.uses(match::Field::CcertSubject) ||
                          rule.match.uses(match::Field::CcertFingerprint) ||
                          rule.match.uses(match::Field::CcertPubkeyFingerprint);
    r.needs_helo = rule.match.uses(match::Field::HeloName);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace

int run_doctor(const DoctorArgs& args) {
  config::LoadResult loaded = config::load_config_file(args.config_path, file_owners());
  for (const auto& e : loaded.errors) std::cerr << e.to_string() << '\n';
  if (!loaded.config) return exit_code::Config;
  const config::Config& cfg = *loaded.config;

  doctor::Inputs in;
  in.instances.push_back(read_instance(args.postconf, ""));
  if (!in.instances.front().unreadable.empty()) {
    std::cerr << "tlspolicyd doctor: cannot run \"" << args.postconf << " -n\" and \"" << args.postconf
              << " -M\" (is Postfix installed? try --postconf)\n";
    return exit_code::Unavailable;
  }
  for (const std::string& dir : doctor::split_list(value_of(args.postconf, "", "multi_instance_directories").value_or(""))) {
    in.instances.push_back(read_instance(args.postconf, dir));
  }
  in.listen = cfg.listen;
  if (in.listen.empty()) in.listen.push_back(std::get<config::ListenAddress>(config::parse_listen_address(config::DefaultListen)));
  in.rules = rule_facts(cfg);
  std::vector<std::string> hosts;
  for (const auto& inst : in.instances) {
    for (auto& h : doctor::policy_hosts(inst.postfix)) hosts.push_back(std::move(h));
  }
  for (const auto& a : in.listen) {
    if (a.kind == config::ListenAddress::Kind::Inet) hosts.push_back(a.host);
  }
  in.resolved = resolve_hosts(hosts);
  const std::string mail_owner = value_of(args.postconf, "", "mail_owner").value_or("postfix");
  for (const auto& a : in.listen) in.sockets.push_back(socket_facts(a, mail_owner.empty() ? "postfix" : mail_owner));

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
