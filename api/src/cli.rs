//! The `cairn` command line.

use std::io::BufRead;
use std::path::PathBuf;

use anyhow::{Context, bail};
use cairn_domain::{DisplayName, Email, OrgId, Role};
use clap::{Parser, Subcommand};

use crate::auth::{Password, PasswordHasher};
use crate::config::{Config, DataArgs, ServeArgs};
use crate::store::{self, Store, orgs, users};

/// Cairn: a learner and employment record wallet with a stacking engine.
#[derive(Debug, Parser)]
#[command(name = "cairn", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP service. On an empty database, CAIRN_ADMIN_EMAIL and
    /// CAIRN_ADMIN_PASSWORD create the first administrator.
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate {
        #[command(flatten)]
        data: DataArgs,
    },
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Print the OpenAPI description, or write it to a file.
    Openapi {
        /// Write to this file instead of standard output.
        #[arg(long)]
        write: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account. The password is read from CAIRN_USER_PASSWORD, or
    /// else from the first line of standard input.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// admin, issuer, employer or learner.
        #[arg(long)]
        role: String,
        /// The organisation of an issuer or employer.
        #[arg(long)]
        org: Option<String>,
        #[command(flatten)]
        data: DataArgs,
    },
}

/// Runs a command that is not `serve`.
pub fn run_offline(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve(_) => bail!("`serve` runs through the async entry point"),
        Command::Migrate { data } => {
            let applied = store::migrate::run_pending(&data.database()?)?;
            if applied.is_empty() {
                println!("the database is up to date");
            }
            for name in applied {
                println!("applied {name}");
            }
            Ok(())
        }
        Command::User(UserCommand::Create { email, name, role, org, data }) => create_user(email, name, role, org, &data),
        Command::Openapi { write } => {
            let spec = crate::http::openapi::pretty();
            match write {
                Some(path) => std::fs::write(&path, spec).with_context(|| format!("cannot write {}", path.display()))?,
                None => print!("{spec}"),
            }
            Ok(())
        }
    }
}

fn create_user(email: String, name: String, role: String, org: Option<String>, data: &DataArgs) -> anyhow::Result<()> {
    let email = Email::parse(&email)?;
    let name = DisplayName::parse(&name)?;
    let role: Role = role.parse()?;
    let org: Option<OrgId> = org.map(|o| o.parse()).transpose()?;
    if role.org_kind().is_some() != org.is_some() {
        bail!("--org is required for issuer and employer accounts, and not allowed for others");
    }
    let password = match std::env::var("CAIRN_USER_PASSWORD") {
        Ok(password) => password,
        Err(_) => {
            eprintln!("password (one line on standard input):");
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    let password = Password::parse(password)?;
    let password_hash = PasswordHasher::new()?.hash(&password)?;
    std::fs::create_dir_all(&data.data_dir)?;
    let store = Store::open(&data.database()?)?;
    let account = store.write_blocking(move |conn| {
        if let Some(org_id) = org {
            let found = orgs::find(conn, org_id)?.ok_or(store::StoreError::NotFound("organisation"))?;
            if role.org_kind() != Some(found.kind) {
                return Err(store::StoreError::Conflict(format!("a {role} cannot belong to a {} organisation", found.kind)));
            }
        }
        users::insert(
            conn, // The operator creating the account vouches for its address.
            users::NewAccount { email, name, password_hash, role, org, email_verified: true },
            None,
        )
    })?;
    println!("created {} account {} ({})", account.role, account.id, account.email);
    Ok(())
}

/// Builds the service configuration for `serve`.
pub fn serve_config(args: &ServeArgs) -> anyhow::Result<Config> {
    Ok(Config::from_args(args)?)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_cli_is_well_formed_and_documents_every_command() {
        Cli::command().debug_assert();
        let help = Cli::command().render_long_help().to_string();
        for command in ["serve", "migrate", "user", "openapi"] {
            assert!(help.contains(command), "`cairn --help` does not mention {command}");
        }
        let mut serve = Cli::command();
        let serve_help = serve.find_subcommand_mut("serve").unwrap().render_long_help().to_string();
        for flag in [
            "--bind",
            "--public-url",
            "--data-dir",
            "--database-url",
            "--demo",
            "--smtp-url",
            "--mail-from",
            "CAIRN_SMTP_URL",
            "CAIRN_MAIL_FROM",
            "CAIRN_BIND",
            "CAIRN_PUBLIC_URL",
            "CAIRN_DATA_DIR",
            "CAIRN_DATABASE_URL",
            "--job-chunk",
            "CAIRN_JOB_CHUNK",
            "CAIRN_JOB_LEASE_SECONDS",
            "CAIRN_JOB_PAUSE_MS",
            "CAIRN_WEBHOOKS_ALLOW_PRIVATE",
            "CAIRN_FETCH_TIMEOUT_MS",
            "CAIRN_FETCH_MAX_BYTES",
        ] {
            assert!(serve_help.contains(flag), "`cairn serve --help` does not mention {flag}");
        }
    }

    #[test]
    fn serve_defaults_follow_the_contract() {
        let cli = Cli::try_parse_from(["cairn", "serve"]).unwrap();
        let Command::Serve(args) = cli.command else { panic!("not serve") };
        let config = Config::new(&args, None).unwrap();
        assert_eq!(config.bind, "127.0.0.1:8080");
        assert_eq!(config.data_dir, PathBuf::from("./cairn-data"));
        assert_eq!(config.database, store::DatabaseUrl::Sqlite(PathBuf::from("./cairn-data/cairn.db")));
        assert_eq!(config.public_url, None, "defaults to http:// + the bound address at start-up");
        assert!(config.mail.smtp.is_none(), "without CAIRN_SMTP_URL mail goes to the outbox");
        assert_eq!(config.jobs.chunk, 500);
        assert_eq!(config.jobs.lease, std::time::Duration::from_secs(30));
        assert!(config.jobs.pause.is_zero());
    }

    #[test]
    fn a_job_chunk_of_zero_is_refused() {
        assert!(Cli::try_parse_from(["cairn", "serve", "--job-chunk", "0"]).is_err());
        let cli = Cli::try_parse_from(["cairn", "serve", "--job-chunk", "10", "--job-lease-seconds", "2"]).unwrap();
        let Command::Serve(args) = cli.command else { panic!("not serve") };
        let config = Config::new(&args, None).unwrap();
        assert_eq!((config.jobs.chunk, config.jobs.lease), (10, std::time::Duration::from_secs(2)));
    }

    #[test]
    fn a_bad_smtp_url_or_sender_stops_start_up() {
        for flags in [["--smtp-url", "http://mail.example.org"], ["--mail-from", "nobody"]] {
            let cli = Cli::try_parse_from(["cairn", "serve", flags[0], flags[1]]).unwrap();
            let Command::Serve(args) = cli.command else { panic!("not serve") };
            assert!(Config::new(&args, None).is_err(), "{flags:?} was accepted");
        }
    }
}
