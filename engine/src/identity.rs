//! Content identity: the SHA-256 fingerprint of a policy and of a rulebook (the rule texts and the gazette
//! texts they cite), and the files a rulebook can be loaded again from, byte for byte.
//!
//! A decision record names the rules it was made under by this fingerprint, so it must not depend on where
//! the files lie on disk, on the order they were read, or on the machine: files are named relative to the
//! folder that holds them all, `/`-separated, and hashed in name order with every field length-prefixed
//! (no two different rulebooks can serialise to the same bytes). All hashing of the project goes through
//! `Fingerprint`, so the records store's chain uses the same construction.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Component, Path, PathBuf};

use sha2::{Digest, Sha256};

/// A SHA-256 digest, written `sha256:` and 64 lowercase hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hash([u8; 32]);

impl Hash {
    pub fn hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Reads the `sha256:…` form (or bare hex) back.
    pub fn parse(text: &str) -> Option<Hash> {
        let hex = text.strip_prefix("sha256:").unwrap_or(text);
        if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(Hash(out))
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256:{}", self.hex())
    }
}

/// Hashes a sequence of fields without ambiguity: each field is written as its length (8 bytes, big
/// endian) and its bytes, after a domain string that keeps a policy's hash from ever equalling a record's.
pub struct Fingerprint(Sha256);

impl Fingerprint {
    pub fn new(domain: &str) -> Fingerprint {
        let mut f = Fingerprint(Sha256::new());
        f.field(domain.as_bytes());
        f
    }

    pub fn field(&mut self, bytes: &[u8]) -> &mut Fingerprint {
        self.0.update((bytes.len() as u64).to_be_bytes());
        self.0.update(bytes);
        self
    }

    pub fn text(&mut self, text: &str) -> &mut Fingerprint {
        self.field(text.as_bytes())
    }

    /// An optional field: absent and empty are different values.
    pub fn optional(&mut self, text: Option<&str>) -> &mut Fingerprint {
        match text {
            None => self.field(b"\0none"),
            Some(t) => self.field(b"\0some").text(t),
        }
    }

    pub fn finish(self) -> Hash {
        Hash(self.0.finalize().into())
    }
}

/// The files a rulebook was loaded from: rule files and the gazette texts they cite, each named relative
/// to the folder holding every rule file, `/`-separated. `Rulebook::from_files` loads them again.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RulebookFiles {
    pub rules: BTreeMap<String, String>,
    pub sources: BTreeMap<String, String>,
}

impl RulebookFiles {
    pub fn hash(&self) -> Hash {
        let mut f = Fingerprint::new("comply rulebook v1");
        f.field(&(self.rules.len() as u64).to_be_bytes());
        for (name, text) in &self.rules {
            f.text(name).text(text);
        }
        f.field(&(self.sources.len() as u64).to_be_bytes());
        for (name, text) in &self.sources {
            f.text(name).text(text);
        }
        f.finish()
    }

    /// The key a source cited as `path` from `rule_file` is stored under.
    pub fn source_key(rule_file: &str, path: &str) -> String {
        let joined = Path::new(rule_file).parent().unwrap_or(Path::new("")).join(path);
        slash_name(&normalise(&joined))
    }

    /// Reads a cited source from the stored files, as `Rulebook::from_texts` asks for it.
    pub fn read_source(&self, rule_file: &str, path: &str) -> Option<String> {
        self.sources.get(&RulebookFiles::source_key(rule_file, path)).cloned()
    }
}

/// The fingerprint of one policy: its id, the text of the file it is written in, and the text of the
/// gazette it cites (empty when it cites none).
pub fn policy_hash(id: &str, rule_text: &str, source: Option<&str>) -> Hash {
    let mut f = Fingerprint::new("comply policy v1");
    f.text(id).text(rule_text).optional(source);
    f.finish()
}

/// The names of `files` relative to the deepest folder that holds them all.
pub fn relative_names(names: &[&str]) -> Vec<String> {
    let paths: Vec<PathBuf> = names.iter().map(|n| normalise(Path::new(n))).collect();
    let mut root: Option<PathBuf> = None;
    for p in &paths {
        let parent = p.parent().unwrap_or(Path::new("")).to_path_buf();
        root = Some(match root {
            None => parent,
            Some(r) => common_prefix(&r, &parent),
        });
    }
    let root = root.unwrap_or_default();
    paths.iter().map(|p| slash_name(p.strip_prefix(&root).unwrap_or(p))).collect()
}

fn common_prefix(a: &Path, b: &Path) -> PathBuf {
    a.components().zip(b.components()).take_while(|(x, y)| x == y).map(|(x, _)| x).collect()
}

/// Removes `.` and folds `name/..` without touching the file system (a stored rulebook has none).
fn normalise(path: &Path) -> PathBuf {
    let mut out: Vec<Component<'_>> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out.iter().collect()
}

fn slash_name(path: &Path) -> String {
    path.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect::<Vec<_>>().join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_relative_to_the_common_folder() {
        assert_eq!(relative_names(&["/a/b/x.rules", "/a/b/c/y.rules"]), vec!["x.rules", "c/y.rules"]);
        assert_eq!(relative_names(&["rules/x.rules"]), vec!["x.rules"]);
        assert_eq!(relative_names(&["./rules/../rules/x.rules", "rules/y.rules"]), vec!["x.rules", "y.rules"]);
        assert_eq!(RulebookFiles::source_key("c/y.rules", "../sources/g.txt"), "sources/g.txt");
        assert_eq!(RulebookFiles::source_key("y.rules", "./sources/g.txt"), "sources/g.txt");
    }

    #[test]
    fn fields_are_not_ambiguous() {
        let ab = Fingerprint::new("t").text("ab").text("c").clone_finish();
        let a_bc = Fingerprint::new("t").text("a").text("bc").clone_finish();
        assert_ne!(ab, a_bc);
        let none = Fingerprint::new("t").optional(None).clone_finish();
        let empty = Fingerprint::new("t").optional(Some("")).clone_finish();
        assert_ne!(none, empty);
    }

    #[test]
    fn a_hash_reads_back() {
        let h = policy_hash("p", "text", None);
        assert_eq!(Hash::parse(&h.to_string()), Some(h));
        assert_eq!(Hash::parse("sha256:zz"), None);
        // The known SHA-256 of the empty string, so the construction is the standard one.
        let empty = Hash(Sha256::digest(b"").into());
        assert_eq!(empty.hex(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    impl Fingerprint {
        fn clone_finish(&mut self) -> Hash {
            Hash(self.0.clone().finalize().into())
        }
    }
}
