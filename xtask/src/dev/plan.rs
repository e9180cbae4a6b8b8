//! What `cargo xtask dev` starts, decided before anything starts: which card services (from
//! `--with`, `--all` and the toolchains found here) and which port each process gets.

use std::collections::BTreeMap;

use crate::service::Kind;

/// The services to start, and the notes about those left out.
#[derive(Debug, PartialEq, Eq)]
pub struct Chosen {
    pub services: Vec<String>,
    pub left_out: Vec<String>,
}

/// Rust services always run; another runs when its toolchain is here (`missing` says what to
/// install otherwise). Left out, it is named in a note; with `--all`, or named by `--with`, it
/// is an error instead. `known` is every card service, `kind_of` gives each one's kind.
pub fn choose(
    known: &[String],
    kind_of: impl Fn(&str) -> Kind,
    missing: impl Fn(Kind) -> Option<&'static str>,
    with: &[String],
    all: bool,
) -> anyhow::Result<Chosen> {
    let mut services: Vec<String> = known.iter().filter(|name| kind_of(name) == Kind::Rust).cloned().collect();
    let mut left_out = Vec::new();
    for name in known.iter().filter(|name| kind_of(name) != Kind::Rust) {
        let kind = kind_of(name);
        match missing(kind) {
            None => services.push(name.clone()),
            Some(what) if all => anyhow::bail!("--all: {name} ({}) cannot run here: install {what}", kind.name()),
            Some(what) if with.contains(name) => {
                anyhow::bail!("--with {name}: {name} ({}) cannot run here: install {what}", kind.name())
            }
            Some(what) => left_out.push(format!(
                "leaving out {name} ({}): install {what}, and `cargo xtask dev` starts it too",
                kind.name()
            )),
        }
    }
    for name in with {
        anyhow::ensure!(
            known.contains(name),
            "--with {name}: no card service services/{name} (card services: {})",
            known.join(" ")
        );
    }
    anyhow::ensure!(!services.is_empty(), "no card service found under services/");
    Ok(Chosen { services, left_out })
}

/// The ports asked for: `CARDMESH_DEV_PORT`, `CARDMESH_DEV_ADMIN_PORT` and
/// `CARDMESH_DEV_SERVICE_PORT` (0: each process picks a free port).
#[derive(Clone, Copy, Debug)]
pub struct Ports {
    pub gateway: u16,
    pub admin: u16,
    pub first_service: u16,
}

/// Every port of the run with what it is for; ports of 0 are not in `owners`.
#[derive(Debug)]
pub struct Assigned {
    /// One per service, in order.
    pub services: Vec<u16>,
    /// The example card endpoint behind http-bridge, when http-bridge runs.
    pub bridge_endpoint: Option<u16>,
    pub owners: BTreeMap<u16, String>,
}

/// The services get `first_service`, `first_service + 1`, ... in order, then http-bridge's
/// example card endpoint the next one. A port that would serve two processes is refused.
pub fn assign(ports: Ports, services: &[String]) -> anyhow::Result<Assigned> {
    let mut owners = BTreeMap::new();
    let mut claim = |port: u16, owner: String| -> anyhow::Result<()> {
        if port == 0 {
            return Ok(());
        }
        if let Some(other) = owners.get(&port) {
            anyhow::bail!("port {port} would serve both {owner} and {other}; choose other ports");
        }
        owners.insert(port, owner);
        Ok(())
    };
    claim(ports.gateway, "the gateway (CARDMESH_DEV_PORT)".into())?;
    claim(ports.admin, "the gateway's admin listener (CARDMESH_DEV_ADMIN_PORT)".into())?;
    let nth = |i: usize| -> anyhow::Result<u16> {
        if ports.first_service == 0 {
            return Ok(0);
        }
        u16::try_from(usize::from(ports.first_service) + i)
            .map_err(|_| anyhow::anyhow!("CARDMESH_DEV_SERVICE_PORT + {i} is above 65535; choose a lower first port"))
    };
    let mut service_ports = Vec::new();
    for (i, name) in services.iter().enumerate() {
        let port = nth(i)?;
        claim(port, format!("{name} (CARDMESH_DEV_SERVICE_PORT + {i})"))?;
        service_ports.push(port);
    }
    let bridge_endpoint = if services.iter().any(|name| name == "http-bridge") {
        let port = nth(services.len())?;
        claim(port, format!("http-bridge's example card endpoint (CARDMESH_DEV_SERVICE_PORT + {})", services.len()))?;
        Some(port)
    } else {
        None
    };
    Ok(Assigned { services: service_ports, bridge_endpoint, owners })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn kind_of(name: &str) -> Kind {
        match name {
            "orders" => Kind::Node,
            "feedback" => Kind::Python,
            _ => Kind::Rust,
        }
    }

    #[test]
    fn services_without_their_toolchain_are_left_out_with_what_to_install() {
        let known = names(&["billing", "feedback", "orders"]);
        let no_node = |kind| (kind == Kind::Node).then_some("Node.js 20 and npm");
        let chosen = choose(&known, kind_of, no_node, &[], false).unwrap();
        assert_eq!(chosen.services, ["billing", "feedback"]);
        assert_eq!(
            chosen.left_out,
            ["leaving out orders (node): install Node.js 20 and npm, and `cargo xtask dev` starts it too"]
        );
        let all = choose(&known, kind_of, no_node, &[], true).unwrap_err().to_string();
        assert_eq!(all, "--all: orders (node) cannot run here: install Node.js 20 and npm");
        let with = choose(&known, kind_of, no_node, &names(&["orders"]), false).unwrap_err().to_string();
        assert_eq!(with, "--with orders: orders (node) cannot run here: install Node.js 20 and npm");
        let everything = choose(&known, kind_of, |_| None, &[], true).unwrap();
        assert_eq!(everything.services, ["billing", "feedback", "orders"]);
    }

    #[test]
    fn an_unknown_with_lists_the_card_services() {
        let known = names(&["billing", "usage"]);
        let error = choose(&known, kind_of, |_| None, &names(&["shipping"]), false).unwrap_err().to_string();
        assert_eq!(error, "--with shipping: no card service services/shipping (card services: billing usage)");
    }

    #[test]
    fn services_take_consecutive_ports_then_the_bridges_endpoint() {
        let ports = Ports { gateway: 8080, admin: 9090, first_service: 50051 };
        let assigned = assign(ports, &names(&["billing", "http-bridge"])).unwrap();
        assert_eq!(assigned.services, [50051, 50052]);
        assert_eq!(assigned.bridge_endpoint, Some(50053));
        assert_eq!(assigned.owners[&50052], "http-bridge (CARDMESH_DEV_SERVICE_PORT + 1)");
        assert_eq!(assigned.owners[&50053], "http-bridge's example card endpoint (CARDMESH_DEV_SERVICE_PORT + 2)");
        assert_eq!(assigned.owners.len(), 5);
    }

    #[test]
    fn a_port_for_two_processes_is_refused_and_zero_is_never_claimed() {
        let clash = Ports { gateway: 50052, admin: 9090, first_service: 50051 };
        let error = assign(clash, &names(&["billing", "usage"])).unwrap_err().to_string();
        assert_eq!(
            error,
            "port 50052 would serve both usage (CARDMESH_DEV_SERVICE_PORT + 1) and the gateway (CARDMESH_DEV_PORT); \
             choose other ports"
        );
        let zeros = assign(Ports { gateway: 0, admin: 0, first_service: 0 }, &names(&["a", "http-bridge"])).unwrap();
        assert!(zeros.owners.is_empty());
        assert_eq!(zeros.services, [0, 0]);
        assert_eq!(zeros.bridge_endpoint, Some(0));
        let high = assign(Ports { gateway: 1, admin: 2, first_service: 65535 }, &names(&["a", "b"]));
        assert!(high.unwrap_err().to_string().contains("above 65535"));
    }
}
