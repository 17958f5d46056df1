// The events of an rbee inference stream: started, tokens, then (rbee-v1, rbee-v2) metrics and end, then [DONE].
#include "rbee_events.hpp"

#include <fmt/format.h>

#include "hivetest/http/message.hpp"

#include "timestamp.hpp"

namespace reference_worker {

using hivetest::http::json_escape;

namespace {

class RbeeEvents : public AnswerFormat {
 public:
  RbeeEvents(std::string job_id, std::string model, int max_tokens, bool metrics_and_end)
      : job_id_(std::move(job_id)),
        model_(std::move(model)),
        metrics_after_((max_tokens + 1) / 2),
        metrics_and_end_(metrics_and_end) {}

  std::string started() override {
    return fmt::format(R"({{"type":"started","job_id":"{}","model":"{}","started_at":"{}"}})", json_escape(job_id_),
                       json_escape(model_), rfc3339_now());
  }

  void token(std::vector<std::string>& events, const TokenOut& t) override {
    events.push_back(fmt::format(R"({{"type":"token","t":"{}","i":{}}})", json_escape(t.text), t.index));
    const int tokens_out = t.index + 1;
    if (metrics_and_end_ && tokens_out == metrics_after_)
      events.push_back(fmt::format(R"({{"type":"metrics","tokens_out":{},"tokens_per_sec":{:.1f}}})", tokens_out,
                                   tokens_out / (t.decode_ms / 1000.0)));
  }

  void finished(std::vector<std::string>& events, const AnswerEnd& end) override {
    if (!metrics_and_end_) return;  // rbee (v3) has no end event: [DONE] alone ends the stream
    events.push_back(fmt::format(R"({{"type":"end","tokens_out":{},"decode_time_ms":{},"stop_reason":"{}"}})",
                                 end.tokens, int64_t(end.decode_ms), rbee_stop_reason(end.end)));
  }

  std::string error_event() override {
    return R"({"type":"error","code":"fault","message":"fault sse-error-event: the model failed mid-stream"})";
  }

  bool ends_with_done() const override { return true; }

  std::string whole(const std::string&, const AnswerEnd&) override { return ""; }  // rbee always streams

 private:
  std::string job_id_;
  std::string model_;
  int metrics_after_;
  bool metrics_and_end_;
};

}  // namespace

std::shared_ptr<AnswerFormat> rbee_events(const Worker& w, const InferenceRequest& job) {
  return std::make_shared<RbeeEvents>(job.job_id, w.opts.model_ref, job.max_tokens, w.opts.dialect != Dialect::rbee);
}

}  // namespace reference_worker
