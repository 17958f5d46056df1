// One answer to an inference request, in a dialect's format: streamed as events, or generated whole.
#include "answer.hpp"

#include <algorithm>
#include <string_view>

#include "event_stream.hpp"

namespace reference_worker {

using hivetest::http::BodyWriter;
using hivetest::http::Response;
using namespace std::string_view_literals;

namespace {

// What the sse-garbage fault sends instead of events: an error page, binary bytes and a
// traceback, none of it a line of the event-stream format.
constexpr std::string_view garbage =
    "<html><head><title>502 Bad Gateway</title></head><body>upstream crashed</body></html>\r\n"
    "\x00\x01\x02\xff\xfe\x1b[31m binary \x7f\x80\r\n"
    "Traceback (most recent call last): fault sse-garbage\n"sv;

// What the sse-not-json fault sends as an event's data.
constexpr std::string_view not_json = "this is not json";

// The stream faults that strike after this many tokens, so that a tester sees a stream
// that began well.
constexpr int tokens_before_fault = 3;

// What the end of the answer reports: the miscount fault adds one token.
AnswerEnd reported_end(Worker& w, const std::string& job_id, const Generation& gen) {
  AnswerEnd end;
  end.tokens = gen.count();
  end.end = gen.end();
  end.prompt_ms = gen.prompt_ms();
  end.decode_ms = gen.decode_ms();
  if (w.opts.faults.has(Fault::miscount)) {
    ++end.tokens;
    w.log("job {}: fault miscount: the end reports {} tokens for the {} generated", job_id, end.tokens, gen.count());
  }
  return end;
}

TokenOut token_of(const Generation& gen) {
  TokenOut t;
  t.text = gen.text();
  t.id = gen.id();
  t.index = gen.count() - 1;
  t.decode_ms = gen.decode_ms();
  return t;
}

// The stream faults that break off mid-stream. Returns once the stream is to end.
asio::awaitable<void> break_off(Worker& w, std::string job_id, std::shared_ptr<AnswerFormat> format, BodyWriter& out,
                                int tokens) {
  if (w.opts.faults.has(Fault::sse_cut)) {
    w.log("job {}: fault sse-cut: closing the connection after {} tokens, without the end of the body", job_id, tokens);
    w.listener.cut_every_connection(w);
    co_return;
  }
  if (w.opts.faults.has(Fault::sse_stall)) {
    w.log("job {}: fault sse-stall: no more events after {} tokens, the connection stays open", job_id, tokens);
    co_await w.shutdown.wait();
    co_return;
  }
  w.log("job {}: fault sse-error-event: sending an error event after {} tokens", job_id, tokens);
  const std::string error = format->error_event();
  const bool sent = co_await send_event(out, error);
  if (sent && format->ends_with_done()) co_await send_done(out);
}

// The events after the last token, and [DONE] where the format has it; the sse-no-done
// fault leaves out whichever of them ends the stream.
asio::awaitable<void> finish(Worker& w, std::string job_id, std::shared_ptr<AnswerFormat> format, BodyWriter& out,
                             AnswerEnd end) {
  std::vector<std::string> events;
  format->finished(events, end);
  const bool no_done = w.opts.faults.has(Fault::sse_no_done);
  if (no_done && !format->ends_with_done() && !events.empty()) events.pop_back();
  bool sent = co_await send_events(out, events);
  if (sent && !no_done && format->ends_with_done()) sent = co_await send_done(out);
  if (!sent) {
    w.log("job {}: client went away before the end", job_id);
  } else if (no_done) {
    w.log("job {}: fault sse-no-done: {} tokens, ending the stream without {}", job_id, end.tokens,
          format->ends_with_done() ? "[DONE]" : "its final event");
  } else {
    w.log("job {}: {} tokens in {} ms ({})", job_id, end.tokens, int64_t(end.decode_ms), rbee_stop_reason(end.end));
  }
}

// ignore-disconnect: the generation whose client has gone runs on to its end all the same,
// holding the slot, at the token delay or abandoned_token_delay, whichever is more.
asio::awaitable<void> generate_for_no_one(Worker& w, std::string job_id, Generation& gen, int sent) {
  gen.pace_at_least(abandoned_token_delay);
  w.log("job {}: fault ignore-disconnect: generating on for no one, at least {} ms per token", job_id,
        abandoned_token_delay.count());
  // Not `while (co_await gen.next()) {}`: g++ 12 miscompiles a loop whose condition
  // co_awaits and whose body is empty (the coroutine crashes when resumed).
  for (bool more = true; more;) more = co_await gen.next();
  w.log("job {}: fault ignore-disconnect: generation over at {} tokens, {} of them for no one", job_id, gen.count(),
        gen.count() - sent);
}

// A write failed: the client left, or cancel-kills-others cut this stream for another's.
asio::awaitable<void> stream_lost(Worker& w, std::string job_id, Generation& gen, RunningStream& running) {
  const int sent = gen.count() - 1;  // the last token's events did not go out
  if (running.cut_off) {
    w.log("job {}: broken off after {} tokens (fault cancel-kills-others)", job_id, sent);
    co_return;
  }
  w.log("job {}: client went away after {} tokens", job_id, sent);
  if (w.streams.client_left(running)) w.listener.cut_every_connection(w);
  if (w.opts.faults.has(Fault::ignore_disconnect)) co_await generate_for_no_one(w, job_id, gen, sent);
}

asio::awaitable<void> run_stream(Worker& w, InferenceRequest job, std::shared_ptr<AnswerFormat> format,
                                 BodyWriter& out) {
  w.log("job {}: generating up to {} tokens at temperature {}", job.job_id, job.max_tokens, job.temperature);
  Slot::Place place(w.slot);
  if (!co_await w.slot.wait_turn(place, job.job_id, w.shutdown)) co_return;
  if (w.opts.faults.has(Fault::sse_garbage)) {
    w.log("job {}: fault sse-garbage: sending {} bytes that are not events, then ending the stream", job.job_id,
          garbage.size());
    co_await out.write(garbage);
    co_return;
  }
  const bool breaks_off = w.opts.faults.has(Fault::sse_error_event) || w.opts.faults.has(Fault::sse_stall) ||
                          w.opts.faults.has(Fault::sse_cut);
  const int fault_at = std::min(tokens_before_fault, job.max_tokens);
  const std::string started = format->started();
  if (!started.empty()) {
    const bool sent = co_await send_event(out, started);
    if (!sent) {
      w.log("job {}: client went away before the first token", job.job_id);
      co_return;
    }
  }

  RunningStreams::Entry running(w.streams, job.job_id);
  Generation gen(w, job);
  std::vector<std::string> events;
  while (co_await gen.next()) {
    events.clear();
    format->token(events, token_of(gen));
    w.streams.route_token(*running, gen.count(), events);
    if (w.opts.faults.has(Fault::sse_not_json) && gen.count() == fault_at) {
      w.log("job {}: fault sse-not-json: an event that is not JSON after {} tokens", job.job_id, gen.count());
      events.emplace_back(not_json);
    }
    // Awaited on its own line, not inside ||: g++ 12 mishandles the temporaries around it.
    bool sent = !running->cut_off;
    if (sent) sent = co_await send_events(out, events);
    if (!sent) {
      co_await stream_lost(w, job.job_id, gen, *running);
      co_return;
    }
    if (breaks_off && gen.count() == fault_at) {
      co_await break_off(w, job.job_id, format, out, gen.count());
      co_return;
    }
  }
  if (gen.end() == Generation::End::shutdown) {
    w.log("job {}: cancelled by shutdown after {} tokens", job.job_id, gen.count());
    co_return;
  }
  const AnswerEnd end = reported_end(w, job.job_id, gen);
  co_await finish(w, job.job_id, format, out, end);
}

Response shutting_down() {
  return Response::json(503, R"({"error":{"code":503,"message":"the worker is shutting down","type":"unavailable_error"}})");
}

}  // namespace

Response stream_answer(Worker& w, InferenceRequest job, std::shared_ptr<AnswerFormat> format) {
  // The lambda is no coroutine: run_stream's frame gets its own copies, so the stream
  // does not depend on how long the server keeps the lambda.
  return Response::event_stream(
      [&w, job = std::move(job), format = std::move(format)](BodyWriter& out) { return run_stream(w, job, format, out); });
}

asio::awaitable<Response> whole_answer(Worker& w, InferenceRequest job, std::shared_ptr<AnswerFormat> format) {
  w.log("job {}: generating up to {} tokens at temperature {}, answered whole", job.job_id, job.max_tokens,
        job.temperature);
  Slot::Place place(w.slot);
  if (!co_await w.slot.wait_turn(place, job.job_id, w.shutdown)) co_return shutting_down();
  Generation gen(w, job);
  std::string text;
  while (co_await gen.next()) text += gen.text();
  if (gen.end() == Generation::End::shutdown) {
    w.log("job {}: cancelled by shutdown after {} tokens", job.job_id, gen.count());
    co_return shutting_down();
  }
  AnswerEnd end = reported_end(w, job.job_id, gen);
  w.log("job {}: {} tokens in {} ms ({})", job.job_id, end.tokens, int64_t(end.decode_ms), rbee_stop_reason(end.end));
  co_return Response::json(200, format->whole(text, end));
}

}  // namespace reference_worker
