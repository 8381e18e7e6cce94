//! The service as a child process, for tests that kill it (`SIGKILL`, no
//! clean shutdown) and start it again on the same database and data
//! directory. The child is this e2e binary itself, run with a filter that
//! selects only [`CHILD_TEST`]: that entry reads its settings from the
//! `CAIRN_*` environment exactly as `cairn serve` does (`Cli`, then
//! `start`), and serves until killed. One test binary, the binary's code
//! path.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cairn_api::cli::{Cli, Command as CliCommand, serve_config};
use clap::Parser;

/// The e2e test that serves when the environment asks it to (`CHILD_ENV`).
pub const CHILD_TEST: &str = "jobs::serve_as_a_child_process";
/// Set in a child's environment; without it the entry returns at once.
pub const CHILD_ENV: &str = "CAIRN_E2E_CHILD";

/// The child's side: serves with the `CAIRN_*` settings of its environment
/// until it is killed. Does nothing outside a child.
pub fn serve_if_child() {
    if std::env::var_os(CHILD_ENV).is_none() {
        return;
    }
    let cli = Cli::parse_from(["cairn", "serve"]);
    let CliCommand::Serve(args) = cli.command else { panic!("`cairn serve` did not parse as serve") };
    let config = serve_config(&args).unwrap();
    actix_web::rt::System::new().block_on(async move {
        let running = cairn_api::start(config).await.unwrap();
        running.run().await.unwrap();
    });
}

/// A running child and how to start it again.
pub(crate) struct ChildService {
    child: Option<Child>,
    env: Vec<(String, String)>,
    log: PathBuf,
    base: String,
}

impl ChildService {
    /// Starts the child with `env` (its whole configuration) and waits until
    /// it answers `/health`.
    pub(crate) fn start(env: Vec<(String, String)>, data_dir: &Path, base: String) -> Self {
        let mut service = ChildService { child: None, env, log: data_dir.join("child.log"), base };
        service.spawn();
        service
    }

    fn spawn(&mut self) {
        let exe = std::env::current_exe().unwrap();
        let log = std::fs::OpenOptions::new().create(true).append(true).open(&self.log).unwrap();
        let child = Command::new(exe)
            .args([CHILD_TEST, "--exact", "--ignored", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, "1")
            .env_remove("CAIRN_SMTP_URL")
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        self.child = Some(child);
        self.wait_until_healthy();
    }

    fn wait_until_healthy(&mut self) {
        let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(2)).build();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if agent.get(&format!("{}/health", self.base)).call().is_ok() {
                return;
            }
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().unwrap()) {
                panic!("the child service exited ({status}): {}", std::fs::read_to_string(&self.log).unwrap_or_default());
            }
            assert!(Instant::now() < deadline, "the child service never answered: {}", std::fs::read_to_string(&self.log).unwrap_or_default());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `SIGKILL`: no shutdown, no transaction finishes.
    pub(crate) fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    /// Starts it again with the same settings (port, database, data dir).
    pub(crate) fn restart(&mut self) {
        assert!(self.child.is_none(), "kill the child before restarting it");
        self.spawn();
    }
}

impl Drop for ChildService {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A free port on loopback (free now; the child binds it next).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}
