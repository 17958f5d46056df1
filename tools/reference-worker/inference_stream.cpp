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
using namespace std::string_view_literals;

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

// What the sse-garbage fault sends instead of events: an error page, binary bytes and a
// traceback, none of it a line of the event-stream format.
constexpr std::string_view garbage =
    "<html><head><title>502 Bad Gateway</title></head><body>upstream crashed</body></html>\r\n"
    "\x00\x01\x02\xff\xfe\x1b[31m binary \x7f\x80\r\n"
    "Traceback (most recent call last): fault sse-garbage\n"sv;

// The stream faults that strike after this many tokens, so that a tester sees a stream
// that began well.
constexpr int tokens_before_fault = 3;

// The stream faults that break off mid-stream. Returns once the stream is to end.
asio::awaitable<void> break_off(Worker& w, const InferenceRequest& job, hivetest::http::BodyWriter& out, int tokens) {
  if (w.opts.faults.has(Fault::sse_stall)) {
    w.log("job {}: fault sse-stall: no more events after {} tokens, the connection stays open", job.job_id, tokens);
    co_await w.shutdown.wait();
    co_return;
  }
  w.log("job {}: fault sse-error-event: sending an error event after {} tokens", job.job_id, tokens);
  const std::string_view error = R"({"type":"error","code":"fault","message":"fault sse-error-event: the model failed mid-stream"})";
  if (co_await send_event(out, error)) co_await send_done(out);
  co_return;
}

asio::awaitable<void> run_job(Worker& w, InferenceRequest job, hivetest::http::BodyWriter& out) {
  const auto delay = std::chrono::milliseconds(w.opts.token_delay_ms);
  w.log("job {}: generating up to {} tokens", job.job_id, job.max_tokens);
  if (w.opts.faults.has(Fault::sse_garbage)) {
    w.log("job {}: fault sse-garbage: sending {} bytes that are not events, then ending the stream", job.job_id,
          garbage.size());
    co_await out.write(garbage);
    co_return;
  }
  const bool breaks_off = w.opts.faults.has(Fault::sse_error_event) || w.opts.faults.has(Fault::sse_stall);
  const int break_off_at = std::min(tokens_before_fault, job.max_tokens);
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
    if (breaks_off && tokens_out == break_off_at) {
      co_await break_off(w, job, out, tokens_out);
      co_return;
    }
    if (tokens_out == metrics_after) {
      auto metrics = fmt::format(R"({{"type":"metrics","tokens_out":{},"tokens_per_sec":{:.1f}}})", tokens_out,
                                 tokens_out / seconds_since(decode_start));
      if (!co_await send_event(out, metrics)) co_return;
    }
  }

  auto decode_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - decode_start).count();
  auto end = fmt::format(R"({{"type":"end","tokens_out":{},"decode_time_ms":{},"stop_reason":"{}"}})", tokens_out,
                         decode_ms, stop_reason);
  if (w.opts.faults.has(Fault::sse_no_done)) {
    if (co_await send_event(out, end))
      w.log("job {}: fault sse-no-done: {} tokens, ending the stream without [DONE]", job.job_id, tokens_out);
  } else if (co_await send_event(out, end) && co_await send_done(out))
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
