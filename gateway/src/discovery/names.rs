//! What the gateway calls each card service: a name from its configured endpoint, never the
//! name the service gives itself (which any service could make up, long or junk, or another
//! service's).

use std::sync::Arc;

/// The name of each of `endpoints`, in order: the endpoint's host (`http://billing:50051` is
/// `billing`), or `host:port` when another configured endpoint has the same host (services
/// on one machine: `127.0.0.1:50051`), cleaned by [`cardmesh_telemetry::scrub::label`]. An
/// endpoint that is not a URL is named by itself, cleaned. These names are the `service`
/// label of the metrics and the `service` of log lines, spans, `/readyz` and the preview.
pub fn service_names(endpoints: &[&str]) -> Vec<Arc<str>> {
    let parsed: Vec<Option<(String, Option<u16>)>> = endpoints
        .iter()
        .map(|e| {
            let url = url::Url::parse(e).ok()?;
            Some((url.host_str()?.to_ascii_lowercase(), url.port_or_known_default()))
        })
        .collect();
    parsed
        .iter()
        .zip(endpoints)
        .map(|(host, endpoint)| {
            let name = match host {
                None => (*endpoint).to_owned(),
                Some((host, port)) => {
                    let shared =
                        parsed.iter().filter(|other| other.as_ref().is_some_and(|(h, _)| h == host)).count() > 1;
                    match port {
                        Some(port) if shared => format!("{host}:{port}"),
                        _ => host.clone(),
                    }
                }
            };
            Arc::from(cardmesh_telemetry::scrub::label(&name))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(endpoints: &[&str]) -> Vec<String> {
        service_names(endpoints).iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn hosts_name_services_and_ports_tell_apart_those_on_one_host() {
        assert_eq!(names(&["http://billing:50051", "https://Usage.internal:443"]), ["billing", "usage.internal"]);
        assert_eq!(
            names(&["http://127.0.0.1:50051", "http://127.0.0.1:50052", "http://accounts:50051"]),
            ["127.0.0.1:50051", "127.0.0.1:50052", "accounts"]
        );
        assert_eq!(names(&["http://[::1]:50051", "http://[::1]:50052"]), ["_::1_:50051", "_::1_:50052"]);
        assert_eq!(names(&["not a url"]), ["not_a_url"]);
    }
}
