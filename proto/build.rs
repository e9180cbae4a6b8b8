//! Compiles `proto/cardmesh/v1/*.proto` with the protoc shipped in `protoc-bin-vendored`,
//! so a fresh machine needs nothing but cargo.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    if std::env::var_os("PROTOC").is_none() {
        // SAFETY: build scripts are single-threaded; nothing else reads the environment yet.
        unsafe { std::env::set_var("PROTOC", protoc_bin_vendored::protoc_bin_path()?) };
    }
    let files = ["proto/cardmesh/v1/components.proto", "proto/cardmesh/v1/card_service.proto"];
    for f in &files {
        println!("cargo:rerun-if-changed={f}");
    }
    // The generated clients and servers decode each message from one slice (src/codec.rs).
    tonic_prost_build::configure().codec_path("crate::codec::SliceCodec").compile_protos(&files, &["proto"])?;
    Ok(())
}
