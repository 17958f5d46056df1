// The event stream of one inference job: started, tokens, metrics, end, [DONE].
#include "inference_stream.hpp"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "event_stream.hpp"
#include "timestamp.hpp"

namespace reference_worker {

using Clock = std::chrono::steady_clock;
using hivetest::http::json_escape;

namespace {

// Only the end of the text can hold a stop sequence that the last token completed.
bool ends_in_stop(const std::string& text, std::size_t new_from, const std::vector<std::string>& stops) {
  for (const auto& stop : stops) {
    std::size_t from = new_from >= stop.size() ? new_from - stop.size() + 1 : 0;
    if (text.find(stop, from) != std::string::npos) return true;
  }
  return false;
}

double seconds_since(Clock::time_point t) {
  // Never zero: without a token delay a whole answer takes less than the clock's tick.
  return std::max(std::chrono::duration<double>(Clock::now() - t).count(), 1e-6);
}

asio::awaitable<void> run_job(Worker& w, InferenceRequest job, hivetest::http::BodyWriter& out) {
  const auto delay = std::chrono::milliseconds(w.opts.token_delay_ms);
  w.log("job {}: generating up to {} tokens", job.job_id, job.max_tokens);
  std::string started = fmt::format(R"({{"type":"started","job_id":"{}","model":"{}","started_at":"{}"}})",
                                    json_escape(job.job_id), json_escape(w.opts.model_ref), rfc3339_now());
  if (!co_await send_event(out, started)) {
    w.log("job {}: client went away before the first token", job.job_id);
    co_return;
  }

  TokenSampler sampler(w.model.vocabulary, job.prompt, job.seed, job.temperature);
  const int metrics_after = (job.max_tokens + 1) / 2;
  const auto decode_start = Clock::now();
  std::string text;  // kept only to find stop sequences
  std::string_view stop_reason = "max_tokens";
  int tokens_out = 0;

  for (int i = 0; i < job.max_tokens; ++i) {
    if (i > 0 && delay.count() > 0 && !co_await wait_until(Clock::now() + delay, w.shutdown)) {
      w.log("job {}: cancelled by shutdown after {} tokens", job.job_id, tokens_out);
      co_return;
    }
    const std::string& token = sampler.next();
    if (!job.stop.empty()) {
      std::size_t new_from = text.size();
      text += token;
      if (ends_in_stop(text, new_from, job.stop)) {
        stop_reason = "stop_sequence";
        break;
      }
    }
    if (!co_await send_event(out, fmt::format(R"({{"type":"token","t":"{}","i":{}}})", json_escape(token), i))) {
      w.log("job {}: client went away after {} tokens", job.job_id, tokens_out);
      co_return;
    }
    ++tokens_out;
    if (tokens_out == metrics_after) {
      auto metrics = fmt::format(R"({{"type":"metrics","tokens_out":{},"tokens_per_sec":{:.1f}}})", tokens_out,
                                 tokens_out / seconds_since(decode_start));
      if (!co_await send_event(out, metrics)) co_return;
    }
  }

  auto decode_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - decode_start).count();
  auto end = fmt::format(R"({{"type":"end","tokens_out":{},"decode_time_ms":{},"stop_reason":"{}"}})", tokens_out,
                         decode_ms, stop_reason);
  if (co_await send_event(out, end) && co_await send_done(out))
    w.log("job {}: {} tokens in {} ms ({})", job.job_id, tokens_out, decode_ms, stop_reason);
  else
    w.log("job {}: client went away before the end", job.job_id);
}

}  // namespace

hivetest::http::Response inference_stream(Worker& w, InferenceRequest job) {
  // The lambda is no coroutine: run_job's frame gets its own copy of the job, so the
  // stream does not depend on how long the server keeps the lambda.
  return hivetest::http::Response::event_stream(
      [&w, job = std::move(job)](hivetest::http::BodyWriter& out) { return run_job(w, job, out); });
}

}  // namespace reference_worker
