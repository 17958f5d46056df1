// The command line, read through the option table and checked whole before anything starts.
#include "hivetest/cli/options.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <asio/ip/address.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "hivetest/cli/help.hpp"
#include "hivetest/cli/matrix.hpp"
#include "hivetest/cli/option_table.hpp"
#include "hivetest/cli/shard.hpp"
#include "hivetest/flow/checks.hpp"
#include "hivetest/version.hpp"

namespace hivetest::cli {

namespace fs = std::filesystem;

namespace {

// The bundled reference worker and tiny model sit beside hivetest in the build tree, or
// under libexec and share when installed.
struct Bundled {
  std::string worker;
  std::string model;
};

Bundled find_bundled() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  fs::path dir = exe.parent_path();
  Bundled b;
  for (auto p : {dir / "tools/reference-worker/reference-worker", dir / "../libexec/hivetest/reference-worker"})
    if (fs::exists(p, ec)) {
      b.worker = p.lexically_normal().string();
      break;
    }
  for (auto p : {dir / "tools/make-tiny-model/tiny.gguf", dir / "../share/hivetest/tiny.gguf"})
    if (fs::exists(p, ec)) {
      b.model = p.lexically_normal().string();
      break;
    }
  return b;
}

void print_profiles() {
  for (const auto& p : profile::builtin_profiles()) {
    fmt::print("{}\n", p.name);
    fmt::print("  {}\n", p.summary);
    std::string args;
    for (const auto& a : p.arguments) args += " " + a;
    fmt::print("  starts: WORKER{}\n", args.empty() ? " (the --worker command as given, placeholders filled in)" : args);
    std::vector<std::string> checks;
    for (const auto& r : p.readiness) checks.push_back("ready " + r.path);
    if (p.heartbeats.expected) checks.push_back("heartbeats " + p.heartbeats.paths.front());
    if (p.health) checks.push_back("health " + p.health->path);
    if (p.ready_endpoint) checks.push_back("ready-endpoint " + p.ready_endpoint->path);
    if (p.progress) checks.push_back("loading-progress " + p.progress->path);
    if (p.models) checks.push_back("models " + p.models->path);
    for (const auto& st : p.streams) checks.push_back(st.name + " " + st.method + " " + st.path);
    if (!p.invalid_requests.empty()) checks.push_back(fmt::format("client-errors-are-4xx ({})", p.invalid_requests.size()));
    fmt::print("  checks: {}\n", fmt::join(checks, ", "));
  }
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// " (did you mean --profile?)" for a misspelt option, or "".
std::string nearest_option(const std::string& given) {
  std::string best;
  std::size_t best_distance = 3;  // further than that is no misspelling
  for (const auto& o : option_table()) {
    if (o.group == Group::hidden) continue;
    auto name = long_name(o);
    if (given.size() >= 4 && name.rfind(given, 0) == 0) return fmt::format(" (did you mean {}?)", name);
    if (auto d = edit_distance(given, name); d < best_distance) {
      best_distance = d;
      best = name;
    }
  }
  return best.empty() ? "" : fmt::format(" (did you mean {}?)", best);
}

Parsed usage_error(const std::string& msg) {
  fmt::print(stderr, "hivetest: {}\n", msg);
  return Parsed{std::nullopt, flow::exit_code::setup_error};
}

// NO_COLOR counts when it is set and not empty (no-color.org); a dumb terminal has none.
bool wants_color(bool no_color_option) {
  const char* no_color = std::getenv("NO_COLOR");
  const char* term = std::getenv("TERM");
  return !no_color_option && !(no_color && *no_color) && !(term && std::string_view(term) == "dumb") &&
         ::isatty(STDOUT_FILENO);
}

// The locale says UTF-8: emoji can be shown; otherwise ASCII markers replace them.
bool utf8_locale() {
  for (const char* name : {"LC_ALL", "LC_CTYPE", "LANG"}) {
    const char* v = std::getenv(name);
    if (!v || !*v) continue;
    std::string s(v);
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s.find("utf-8") != std::string::npos || s.find("utf8") != std::string::npos;
  }
  return false;
}

// The checks chosen: every selectable one unless --checks names some or --skip-check leaves some out.
std::string choose_checks(Settings& s) {
  if (!s.checks.empty() && !s.skip_checks.empty()) return "--checks and --skip-check: give one or the other";
  std::vector<std::string> named;
  for (const auto& list : s.checks.empty() ? s.skip_checks : s.checks) {
    std::size_t from = 0;
    while (from <= list.size()) {
      auto comma = list.find(',', from);
      auto name = list.substr(from, comma == std::string::npos ? std::string::npos : comma - from);
      if (!flow::find_check(name))
        return fmt::format("{} must name checks such as health, inference, graceful-shutdown (--help lists them) (got '{}')",
                           s.checks.empty() ? "--skip-check" : "--checks", name);
      named.push_back(name);
      if (comma == std::string::npos) break;
      from = comma + 1;
    }
  }
  for (const auto& info : flow::check_catalog()) {
    if (!info.selectable) continue;
    bool listed = std::find(named.begin(), named.end(), info.name) != named.end();
    if (s.checks.empty() ? listed : !listed) s.worker.skipped.insert(info.step);
  }
  return {};
}

// The settings read, turned into what runs: the profile loaded, the checks chosen, the
// workers listed, every combination checked.
Parsed resolve(Settings s);

}  // namespace

Parsed parse(int argc, char** argv) {
  Settings s;
  std::string error;  // the first value refused
  CLI::App app{"hivetest"};
  app.set_help_flag();  // hivetest writes its own help, from the table
  app.allow_extras();   // and says itself what it does not know
  for (const auto& o : option_table()) {
    if (!o.value) {
      app.add_flag_function(o.names, [&s, &o](std::int64_t) { o.apply(s, ""); });
      continue;
    }
    app.add_option_function<std::vector<std::string>>(
           o.names,
           [&s, &o, &error](const std::vector<std::string>& values) {
             for (const auto& v : values) {
               auto e = o.apply(s, v);
               if (!e.empty() && error.empty()) error = fmt::format("{} {} (got '{}')", long_name(o), e, v);
             }
           })
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
        ->allow_extra_args(false);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::string what = e.what();
    auto colon = what.find(':');
    std::string flag = colon == std::string::npos ? what : what.substr(0, colon);
    if (const auto* o = find_option(flag)) return usage_error(fmt::format("{} needs a value ({})", flag, o->value));
    return usage_error(what);
  }
  for (const auto& extra : app.remaining()) {
    if (extra.rfind("-", 0) == 0)
      return usage_error(fmt::format("unknown option '{}'{}", extra, nearest_option(extra.substr(0, extra.find('=')))));
    return usage_error(fmt::format("unexpected argument '{}' (a command with arguments goes in quotes: --worker \"CMD ARGS\")", extra));
  }
  if (s.help) {
    fmt::print("{}", help_text());
    return {std::nullopt, 0};
  }
  if (s.version) {
    fmt::print("hivetest {}\n", version);
    return {std::nullopt, 0};
  }
  if (!s.generate.empty()) {
    fmt::print("{}", s.generate == "man" ? man_page() : bash_completion());
    return {std::nullopt, 0};
  }
  if (s.list_profiles) {
    print_profiles();
    return {std::nullopt, 0};
  }
  if (!error.empty()) return usage_error(error);
  return resolve(std::move(s));
}

namespace {

Parsed resolve(Settings s) {
  Options o;
  flow::Config& f = s.worker;
  std::string error;
  f.profile = profile::load_profile(s.profile, error);
  if (!f.profile) return usage_error("--profile: " + error);
  if (auto e = choose_checks(s); !e.empty()) return usage_error(e);
  if (!s.matrix.empty() && s.workers > 1) return usage_error("--matrix and --workers: give one or the other");
  if (!s.attach.empty()) {
    f.attach = flow::parse_attach_url(s.attach, error);
    if (!f.attach) return usage_error("--attach: " + error);
    if (s.worker_given) return usage_error("--attach and --worker: give one or the other");
    if (s.workers > 1) return usage_error("--attach and --workers: one running worker is one worker");
  }
  if (s.plan.hive_bind != flow::SuitePlan{}.hive_bind) {
    std::error_code ec;
    asio::ip::make_address(s.plan.hive_bind, ec);
    if (ec) return usage_error(fmt::format("--hive-bind must be an IP address of this machine (got '{}')", s.plan.hive_bind));
    fmt::print(stderr, "hivetest: warning: --hive-bind {}: the mock hive is reachable from other hosts\n", s.plan.hive_bind);
  }
  std::optional<Shard> share;
  if (!s.shard.empty()) {
    share = parse_shard(s.shard, error);
    if (!share) return usage_error("--shard: " + error);
    if (s.matrix.empty()) return usage_error("--shard needs --matrix: it shares out a matrix's workers");
  }

  Bundled bundled = find_bundled();
  if (f.attach) {
    f.label = f.attach->url;
  } else if (!s.worker_given) {
    if (bundled.worker.empty()) return usage_error("the bundled reference-worker was not found beside hivetest: pass --worker CMD");
    f.worker_argv = {bundled.worker};
    f.label = "reference-worker";
  } else {
    // The program's name, not its path: a test's identity must not change with the build folder.
    f.label = fs::path(f.worker_argv.front()).filename().string();
  }
  // The default model: the bundled one with the bundled worker, else the conventional
  // path; an attached worker's model is checked only when given.
  if (!s.model_given && !f.attach) {
    f.model = !s.worker_given && !bundled.model.empty() ? bundled.model : default_external_model;
    f.model_defaulted = s.worker_given;
  }

  o.report = s.report;
  o.report.color = wants_color(s.no_color);
  o.report.unicode = utf8_locale();
  o.report.terminal = ::isatty(STDOUT_FILENO) && o.report.format == "human" && !f.verbose;
  o.report.live_board = o.report.terminal;
  o.junit = s.junit;
  o.plan = s.plan;
  if (!s.matrix.empty()) {
    if (!read_matrix(s.matrix, f, o.plan.workers, error)) return usage_error("--matrix: " + error);
    if (share) {
      o.plan.workers = take_shard(std::move(o.plan.workers), *share);
      if (o.plan.workers.empty()) return usage_error(fmt::format("--shard {}: no worker of the matrix falls in this share", s.shard));
    }
  } else {
    for (std::size_t i = 0; i < s.workers; ++i) {
      o.plan.workers.push_back(f);
      if (s.workers > 1) o.plan.workers.back().label = fmt::format("{} {}", f.label, i + 1);
    }
  }
  return {std::move(o), 0};
}

}  // namespace

}  // namespace hivetest::cli
