-- wrk script: POST a flat heartbeat on every request of a keep-alive connection.
wrk.method = "POST"
wrk.path = "/v1/heartbeat"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"worker_id":"bench-worker","timestamp":"2026-01-01T00:00:00Z","health_status":"healthy"}'
