//! Ports on 127.0.0.1: which are taken (and by what, when `ss` can tell), and which process
//! a listening socket belongs to (Linux `/proc`).

use std::collections::BTreeMap;
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::time::Duration;

/// Fails naming every port of `owners` that something already listens on, with what it is for.
pub fn check_free(owners: &BTreeMap<u16, String>) -> anyhow::Result<()> {
    let mut taken = Vec::new();
    for (&port, owner) in owners {
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        if TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_ok() {
            let by = holder_of(port).map(|holder| format!(" by {holder}")).unwrap_or_default();
            taken.push(format!("port {port}, for {owner}, is already in use{by}"));
        }
    }
    anyhow::ensure!(
        taken.is_empty(),
        "{}\nstop what uses the port(s) above, or choose others: CARDMESH_DEV_PORT, CARDMESH_DEV_ADMIN_PORT, \
         CARDMESH_DEV_SERVICE_PORT",
        taken.join("\n")
    );
    Ok(())
}

/// What listens on `port`, when `ss` can tell (`users:((...))`).
fn holder_of(port: u16) -> Option<String> {
    let out = Command::new("ss").args(["-Hltnp", &format!("sport = :{port}")]).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let start = text.find("users:((")?;
    let end = text[start..].find("))")?;
    Some(text[start..start + end + 2].to_owned())
}

/// The inodes of the sockets listening on `port` in a `/proc/net/tcp` (or `tcp6`) table.
pub fn listening_inodes(table: &str, port: u16) -> Vec<String> {
    let suffix = format!(":{port:04X}");
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            // local_address is field 1, st field 3 (0A: LISTEN), inode field 9.
            (fields.len() > 9 && fields[3] == "0A" && fields[1].ends_with(&suffix)).then(|| fields[9].to_owned())
        })
        .collect()
}

/// Whether the socket listening on 127.0.0.1:`port` belongs to process `pid`. Without `/proc`
/// this cannot be checked, and the caller's own check of the process stands (`true`).
pub fn listens_on(pid: u32, port: u16) -> bool {
    let Ok(v4) = std::fs::read_to_string("/proc/net/tcp") else { return true };
    let v6 = std::fs::read_to_string("/proc/net/tcp6").unwrap_or_default();
    let inodes: Vec<String> = [v4, v6].iter().flat_map(|table| listening_inodes(table, port)).collect();
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else { return false };
    fds.filter_map(Result::ok).filter_map(|fd| std::fs::read_link(fd.path()).ok()).any(|link| {
        let link = link.to_string_lossy();
        inodes.iter().any(|inode| link == format!("socket:[{inode}]"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn a_taken_port_is_named_with_its_owner() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let free = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let owners = BTreeMap::from([(port, "the gateway (CARDMESH_DEV_PORT)".to_owned()), (free, "x".to_owned())]);
        let error = check_free(&owners).unwrap_err().to_string();
        assert!(error.starts_with(&format!("port {port}, for the gateway (CARDMESH_DEV_PORT), is already in use")));
        assert!(!error.contains(&format!("port {free}")), "{error}");
        assert!(error.contains("choose others: CARDMESH_DEV_PORT"), "{error}");
    }

    #[test]
    fn the_listening_socket_is_found_in_this_process() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        assert!(listens_on(std::process::id(), port));
        drop(listener);
        assert!(!listens_on(std::process::id(), port));
    }

    #[test]
    fn only_listening_rows_of_the_port_count() {
        let table =
            "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   \
            0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1\n   \
            1: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000  1000        0 4343 1\n   \
            2: 0100007F:1F91 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4444 1\n";
        assert_eq!(listening_inodes(table, 8080), ["4242"]);
    }
}
