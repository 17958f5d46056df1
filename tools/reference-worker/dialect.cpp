// The wire protocols this worker can speak (--dialect), and what each of them has.
#include "dialect.hpp"

#include <array>

namespace reference_worker {

namespace {

constexpr std::array<std::string_view, 5> names = {"rbee", "rbee-v1", "rbee-v2", "llama-server", "openai"};

}  // namespace

std::string_view dialect_name(Dialect d) { return names[static_cast<std::size_t>(d)]; }

std::optional<Dialect> dialect_from_name(std::string_view name) {
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return static_cast<Dialect>(i);
  return std::nullopt;
}

std::vector<std::string_view> dialect_names() { return {names.begin(), names.end()}; }

bool is_rbee(Dialect d) { return d == Dialect::rbee || d == Dialect::rbee_v1 || d == Dialect::rbee_v2; }

bool loads_before_listening(Dialect d) { return d == Dialect::rbee; }

bool fault_applies(Fault f, Dialect d) {
  switch (f) {
    case Fault::ready_false:
    case Fault::unready_after_ready:
    case Fault::progress_not_sse:
    case Fault::progress_no_ready:
      return d == Dialect::rbee_v1 || d == Dialect::rbee_v2;
    case Fault::no_heartbeat:
    case Fault::bad_heartbeat:
    case Fault::late_heartbeat:
    case Fault::irregular_heartbeat:
      return is_rbee(d);
    case Fault::miscount:
      return d != Dialect::rbee;  // its streams carry no count
    case Fault::garbage_while_loading:
      return !loads_before_listening(d);  // no one can ask while it loads
    case Fault::job_without_url:
      return d == Dialect::rbee || d == Dialect::rbee_v2;
    default:
      return true;
  }
}

}  // namespace reference_worker
