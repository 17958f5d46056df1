// hivetest's help, man page and bash completion, each written from the option table.
#include "hivetest/cli/help.hpp"

#include <fmt/format.h>

#include "hivetest/cli/option_table.hpp"
#include "hivetest/flow/checks.hpp"
#include "hivetest/flow/result.hpp"
#include "hivetest/version.hpp"

namespace hivetest::cli {

namespace {

constexpr const char* summary =
    "Tests an LLM inference worker in isolation: plays the hive it reports to, starts it (or attaches to it), "
    "checks readiness, heartbeats, its endpoints, its streams and its shutdown, shows both sides' logs, and leaves "
    "nothing running. With no options: the bundled reference worker and tiny model.";

struct ExitCode {
  int code;
  const char* meaning;
};
const ExitCode exit_codes[] = {
    {flow::exit_code::passed, "every check passed (warnings too, unless --strict)"},
    {flow::exit_code::failed, "a check failed"},
    {flow::exit_code::setup_error, "bad usage or a set-up error (port in use, worker not found, model not GGUF)"},
    {flow::exit_code::skipped, "skipped: no model file"},
    {flow::exit_code::interrupted, "interrupted by Ctrl-C, after cleanup (143: by SIGTERM, 129: by SIGHUP)"},
};
constexpr const char* tap_exit_note = "Under --format tap a passed, failed or skipped run exits 0: the document says which.";

const Group groups[] = {Group::worker, Group::hive, Group::checks, Group::output, Group::parallel};

std::string names_and_value(const OptionSpec& o) {
  std::string names = o.names;
  for (auto& c : names)
    if (c == ',') c = ' ';
  std::string out;
  // "-v --verbose" reads as "-v, --verbose"
  auto space = names.find(' ');
  out = space == std::string::npos ? names : names.substr(0, space) + ", " + names.substr(space + 1);
  if (o.value) out += fmt::format(" {}", o.value);
  return out;
}

std::string allowed(const OptionSpec& o) {
  std::string c = o.choices;
  if (c == "check names") return flow::selectable_check_names();
  for (auto& ch : c)
    if (ch == ' ') ch = '|';
  return c;
}

// `text` in lines of at most `width` columns after an indent of `indent` (the first line's
// indent is already written).
std::string wrapped(const std::string& text, std::size_t indent, std::size_t width) {
  std::string out, line;
  std::size_t from = 0;
  while (from < text.size()) {
    auto space = text.find(' ', from);
    auto word = text.substr(from, space == std::string::npos ? std::string::npos : space - from);
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      out += line + "\n" + std::string(indent, ' ');
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
    if (space == std::string::npos) break;
    from = space + 1;
  }
  return out + line + "\n";
}

constexpr std::size_t help_columns = 100;
constexpr std::size_t left_column = 24;

}  // namespace

std::string help_text() {
  Settings defaults;
  std::string out = fmt::format("Usage: hivetest [OPTIONS]\n\n{}", wrapped(summary, 0, help_columns));
  for (Group g : groups) {
    out += fmt::format("\n{}:\n", group_title(g));
    for (const auto& o : option_table()) {
      if (o.group != g) continue;
      std::string left = names_and_value(o);
      std::string text = o.help;
      if (*o.choices) text += fmt::format(" ({})", allowed(o));
      auto d = o.shown_default(defaults);
      if (!d.empty()) text += fmt::format(" [default: {}]", d);
      std::string indent(left_column + 3, ' ');
      if (left.size() <= left_column)
        out += fmt::format("  {:<{}} {}", left, left_column, wrapped(text, indent.size(), help_columns - indent.size()));
      else
        out += fmt::format("  {}\n{}{}", left, indent, wrapped(text, indent.size(), help_columns - indent.size()));
    }
  }
  out += "\nExit status:\n";
  for (const auto& e : exit_codes) out += fmt::format("  {:<4} {}\n", e.code, e.meaning);
  out += fmt::format("  {}\n", tap_exit_note);
  out += "\nMore: README.md and docs/PROFILES.md in hivetest's source, man hivetest.\n";
  return out;
}

std::string man_page() {
  Settings defaults;
  auto roff = [](std::string s) {
    std::string out;
    for (char c : s) {
      if (c == '\\') out += "\\e";
      else if (c == '-') out += "\\-";
      else out += c;
    }
    if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out = "\\&" + out;
    return out;
  };
  std::string out = fmt::format(".TH HIVETEST 1 \"\" \"hivetest {}\" \"User Commands\"\n", version);
  out += ".SH NAME\nhivetest \\- test an LLM inference worker in isolation\n";
  out += ".SH SYNOPSIS\n.B hivetest\n[\\fIOPTIONS\\fR]\n";
  out += fmt::format(".SH DESCRIPTION\n{}\n", roff(summary));
  for (Group g : groups) {
    out += fmt::format(".SH {}\n", roff(group_title(g)));
    for (const auto& o : option_table()) {
      if (o.group != g) continue;
      out += fmt::format(".TP\n.B {}\n", roff(names_and_value(o)));
      std::string text = o.help;
      if (*o.choices) text += fmt::format(" ({})", allowed(o));
      auto d = o.shown_default(defaults);
      if (!d.empty()) text += fmt::format(" [default: {}]", d);
      out += roff(text) + "\n";
    }
  }
  out += ".SH EXIT STATUS\n";
  for (const auto& e : exit_codes) out += fmt::format(".TP\n.B {}\n{}\n", e.code, roff(e.meaning));
  out += fmt::format(".PP\n{}\n", roff(tap_exit_note));
  out += ".SH SEE ALSO\nREADME.md and docs/PROFILES.md in hivetest's source.\n";
  return out;
}

std::string bash_completion() {
  std::string flags, cases;
  for (const auto& o : option_table()) {
    if (o.group == Group::hidden) continue;
    std::string names = o.names;
    for (auto& c : names)
      if (c == ',') c = ' ';
    flags += (flags.empty() ? "" : " ") + names;
    if (*o.choices) {
      std::string words = o.choices;
      if (words == "check names") {
        words = flow::selectable_check_names();
        for (auto& c : words)
          if (c == ',') c = ' ';
      }
      cases += fmt::format("    {}) COMPREPLY=($(compgen -W \"{}\" -- \"$cur\")); return ;;\n", long_name(o), words);
    }
  }
  return fmt::format(R"(# bash completion for hivetest, written from its option table by `hivetest --generate bash-completion`.
_hivetest() {{
  local cur=${{COMP_WORDS[COMP_CWORD]}} prev=${{COMP_WORDS[COMP_CWORD-1]}}
  case $prev in
{}    --model|--matrix|--junit) COMPREPLY=($(compgen -f -- "$cur")); return ;;
  esac
  COMPREPLY=($(compgen -W "{}" -- "$cur"))
}}
complete -F _hivetest hivetest
)",
                     cases, flags);
}

}  // namespace hivetest::cli
