//! `comply users add|list`: the desk's staff accounts. The password is read from standard input (one
//! line), never from an argument, so it appears in no process list or shell history; there is no default.

use std::io::IsTerminal;

use clap::{Subcommand, ValueEnum};
use comply_records::Role;

use super::records::{DEFAULT_DB, login_name, open};
use super::{EXIT_OK, Failure, Io, LangArg, Outcome};
use crate::explain::Lang;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a staff account; the password is read from standard input.
    Add {
        name: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        /// The records database (a SQLite file or a postgres:// URL).
        #[arg(long, default_value = DEFAULT_DB)]
        db: String,
        /// Who creates the account (default: the login name); recorded in the chain.
        #[arg(long)]
        by: Option<String>,
        #[arg(long, value_enum, default_value_t)]
        lang: LangArg,
    },
    /// List the staff accounts and their roles.
    List {
        #[arg(long, default_value = DEFAULT_DB)]
        db: String,
        #[arg(long, value_enum, default_value_t)]
        lang: LangArg,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Clerk,
    Auditor,
}

pub fn run(command: Command, io: &mut Io<'_>) -> Outcome {
    match command {
        Command::Add { name, role, db, by, lang } => {
            let lang: Lang = lang.into();
            let role = match role {
                RoleArg::Clerk => Role::Clerk,
                RoleArg::Auditor => Role::Auditor,
            };
            if std::io::stdin().is_terminal() {
                let _ = write!(io.stderr, "{}", crate::explain::pick(lang, "密码：", "password: "));
            }
            let mut password = String::new();
            // One line, bounded: a password is not a file.
            let _ = std::io::BufRead::read_line(&mut std::io::Read::take(&mut *io.stdin, 4096), &mut password);
            let password = password.trim_end_matches(['\r', '\n']);
            let mut store = open(&db, lang)?;
            let actor = by.unwrap_or_else(login_name);
            let user = store.add_user(&actor, &name, role, password).map_err(|e| Failure(e.render(lang)))?;
            let _ = match lang {
                Lang::Zh => writeln!(io.stdout, "已添加用户 {}（{}）", user.name, user.role.label(lang)),
                Lang::En => writeln!(io.stdout, "added user {} ({})", user.name, user.role.label(lang)),
            };
            Ok(EXIT_OK)
        }
        Command::List { db, lang } => {
            let lang: Lang = lang.into();
            let mut store = open(&db, lang)?;
            let users = store.users().map_err(|e| Failure(e.render(lang)))?;
            for user in users {
                let _ = writeln!(io.stdout, "{}\t{}\t{}", user.name, user.role.as_str(), user.created_at);
            }
            Ok(EXIT_OK)
        }
    }
}
