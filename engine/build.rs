//! The shipped packs in rules/ (at the workspace root) are embedded into the binary; rebuild when they change.
fn main() {
    println!("cargo:rerun-if-changed=../rules");
}
