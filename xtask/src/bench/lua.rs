//! The wrk script: the same 4-card request for the same customer everywhere, each in a thread
//! of its own (a random prefix per wrk thread and run, then a counter), signed by wrk as Plain
//! signs (`scripts/lib/hmac-sha256.lua`). A real Plain asks for a (customer, card, thread) only
//! when it holds no copy: a new thread, or an expired copy. Asking for one context over and over
//! would make every ask after the duplicate window a reload of Plain's, drawn again. The card
//! services' cards are customer-scoped, so every thread's cards are cache hits. `init()` checks
//! the Lua signature against the gateway's `sign` for the fixed body, and stops wrk when they
//! differ.

/// The script for `body` (which must end with `"thread":null}`), signed with `secret`, whose
/// signature by the gateway's `sign` is `signature`.
pub fn request_script(secret: &str, workspace: &str, body: &str, signature: &str) -> anyhow::Result<String> {
    let head = body
        .strip_suffix("null}")
        .ok_or_else(|| anyhow::anyhow!("the request body must end with \"thread\":null}}"))?;
    Ok(format!(
        r#"dofile("scripts/lib/hmac-sha256.lua")
local sign = hmac_signer("{secret}")
local head = [[{head}]]
local headers = {{
  ["Content-Type"] = "application/json",
  ["Plain-Workspace-Id"] = "{workspace}",
}}
local prefix, n = nil, 0
function init(args)
  if sign([[{body}]]) ~= "{signature}" then
    io.stderr:write("the Lua HMAC-SHA256 differs from cardmesh-gateway sign\n")
    os.exit(1)
  end
  local f = assert(io.open("/dev/urandom", "rb"))
  local r = f:read(8)
  f:close()
  prefix = "th_bench_" .. r:gsub(".", function(c) return string.format("%02x", c:byte()) end) .. "_"
end
function request()
  n = n + 1
  local body = head .. '{{"id":"' .. prefix .. n .. '","externalId":null}}}}'
  headers["Plain-Request-Signature"] = sign(body)
  return wrk.format("POST", "/", headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d rps=%.1f p50_us=%d p99_us=%d max_us=%d connect=%d read=%d write=%d status=%d timeout=%d\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
"#
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_builds_each_body_from_the_head_and_checks_the_signature() {
        let body = r#"{"cardKeys":["usage"],"thread":null}"#;
        let script = request_script("s3cret", "w_bench", body, "abc").unwrap();
        assert!(script.contains(r#"local head = [[{"cardKeys":["usage"],"thread":]]"#), "{script}");
        assert!(script.contains(r#"if sign([[{"cardKeys":["usage"],"thread":null}]]) ~= "abc" then"#));
        assert!(script.contains(r#"local body = head .. '{"id":"' .. prefix .. n .. '","externalId":null}}'"#));
        assert!(script.contains("differs from cardmesh-gateway sign\\n\")"));
        assert!(request_script("s", "w", "{}", "x").is_err());
    }
}
