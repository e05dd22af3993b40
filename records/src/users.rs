//! Staff accounts: a name, a role, and an argon2id hash of the password (never the password). There is no
//! default account and no default password: `comply users add` creates each one, and that is recorded.

use argon2::{Algorithm, Argon2, Params, Version};
use comply_engine::explain::Lang;
use password_hash::rand_core::OsRng;
use password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::{Store, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Creates cases and sees the bureau's cases.
    Clerk,
    /// Reads everything, changes nothing, runs verify and replay.
    Auditor,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Clerk => "clerk",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "clerk" => Some(Role::Clerk),
            "auditor" => Some(Role::Auditor),
            _ => None,
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Role::Clerk, Lang::Zh) => "承办人",
            (Role::Auditor, Lang::Zh) => "审计员",
            (Role::Clerk, Lang::En) => "clerk",
            (Role::Auditor, Lang::En) => "auditor",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub role: Role,
    pub created_at: String,
}

/// The shortest password accepted: staff passwords guard decisions with legal effect.
pub const MIN_PASSWORD_CHARS: usize = 12;
const MAX_NAME_CHARS: usize = 64;
const MAX_PASSWORD_BYTES: usize = 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UserError {
    #[error("a user name must be 1 to 64 characters without spaces or control characters, but `{0}` was given")]
    BadName(String),
    #[error("the user `{0}` already exists")]
    Exists(String),
    #[error("the password is too short: at least 12 characters are required, {0} were given")]
    ShortPassword(usize),
    #[error("the password is longer than 1024 bytes")]
    LongPassword,
    #[error("the password could not be hashed")]
    Hashing,
}

impl UserError {
    pub fn render(&self, lang: Lang) -> String {
        match (self, lang) {
            (UserError::BadName(n), Lang::Zh) => {
                format!("用户名须为 1 至 64 个字符，不含空格或控制字符，给出的是 `{n}`")
            }
            (UserError::Exists(n), Lang::Zh) => format!("用户 `{n}` 已存在"),
            (UserError::ShortPassword(n), Lang::Zh) => {
                format!("密码太短：至少需要 {MIN_PASSWORD_CHARS} 个字符，给出的只有 {n} 个")
            }
            (UserError::LongPassword, Lang::Zh) => "密码超过 1024 字节".to_string(),
            (UserError::Hashing, Lang::Zh) => "密码无法计算哈希".to_string(),
            (other, Lang::En) => other.to_string(),
        }
    }
}

impl From<UserError> for StoreError {
    fn from(e: UserError) -> StoreError {
        StoreError::User(e)
    }
}

/// argon2id with the parameters OWASP recommends (19 MiB, 2 passes, 1 lane): about 20 ms per login on a
/// server core, slow for a password guesser.
fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash_password(password: &str) -> Result<String, UserError> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(UserError::ShortPassword(chars));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(UserError::LongPassword);
    }
    let salt = SaltString::generate(&mut OsRng);
    hasher().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|_| UserError::Hashing)
}

/// A secret for a session or a form token: 32 bytes from the operating system, hex.
pub fn random_token() -> String {
    use password_hash::rand_core::RngCore;
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn password_matches(password: &str, stored: &str) -> bool {
    if password.len() > MAX_PASSWORD_BYTES {
        return false;
    }
    PasswordHash::new(stored).is_ok_and(|parsed| hasher().verify_password(password.as_bytes(), &parsed).is_ok())
}

fn valid_name(name: &str) -> bool {
    let chars = name.chars().count();
    (1..=MAX_NAME_CHARS).contains(&chars) && !name.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// A hash to check a password against when the user does not exist, so that a login with an unknown
/// name takes as long as one with a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy-password-never-matches").unwrap_or_default())
}

impl Store {
    /// Creates a staff account and records that `actor` created it, in one transaction.
    pub fn add_user(&mut self, actor: &str, name: &str, role: Role, password: &str) -> Result<User, StoreError> {
        if !valid_name(name) {
            return Err(UserError::BadName(name.to_string()).into());
        }
        let hash = hash_password(password)?;
        let created_at = crate::now();
        self.in_write(|store| {
            let existing = store.conn().query("SELECT 1 FROM users WHERE name = $1", &[name.into()])?;
            if !existing.is_empty() {
                return Err(UserError::Exists(name.to_string()).into());
            }
            store.conn().execute(
                "INSERT INTO users (name, role, password_hash, created_at) VALUES ($1, $2, $3, $4)",
                &[name.into(), role.as_str().into(), hash.into(), created_at.as_str().into()],
            )?;
            let detail = format!("user={name} role={}", role.as_str());
            store.append_locked(crate::Record::action(actor, "user_added", &detail), None)?;
            Ok(User { name: name.to_string(), role, created_at })
        })
    }

    /// The user whose name and password these are, if any.
    pub fn authenticate(&mut self, name: &str, password: &str) -> Result<Option<User>, StoreError> {
        let rows = self
            .conn()
            .query("SELECT name, role, password_hash, created_at FROM users WHERE name = $1", &[name.into()])?;
        let Some(row) = rows.first() else {
            let _ = password_matches(password, decoy_hash());
            return Ok(None);
        };
        if !password_matches(password, &row.text(2)) {
            return Ok(None);
        }
        Ok(Role::parse(&row.text(1)).map(|role| User { name: row.text(0), role, created_at: row.text(3) }))
    }

    pub fn users(&mut self) -> Result<Vec<User>, StoreError> {
        let rows = self.conn().query("SELECT name, role, created_at FROM users ORDER BY name", &[])?;
        Ok(rows
            .iter()
            .filter_map(|r| Role::parse(&r.text(1)).map(|role| User { name: r.text(0), role, created_at: r.text(2) }))
            .collect())
    }
}
