//! Prints the catalogue as JSON: `cargo run -p cardmesh-rules --bin cardmesh-rules-export >
//! rules/catalogue.json`.

fn main() {
    print!("{}", cardmesh_rules::catalogue::to_json_text());
}
