//! End-to-end harness: a real moto server per test, the real AWS SDK to seed it, the real
//! `cisrun` binary to audit it, and xmllint to validate its JUnit against Jenkins' schema.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

pub use serde_json::Value;

/// The workspace root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace")
        .to_path_buf()
}

/// The cisrun binary that cargo built beside this test (`CISRUN_BIN` overrides).
pub fn cisrun_bin() -> PathBuf {
    if let Ok(path) = std::env::var("CISRUN_BIN") {
        return PathBuf::from(path);
    }
    built_binary("cisrun")
}

/// A binary of this workspace that cargo built beside this test, e.g. `acme-cisrun`.
pub fn built_binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    // target/<profile>/deps/<test> -> target/<profile>/<name>
    let bin = exe
        .parent()
        .and_then(Path::parent)
        .expect("test executable lives in target/<profile>/deps")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} not found: build it first (`cargo build --workspace`, or run the whole workspace's tests)",
        bin.display()
    );
    bin
}

fn ensure_moto_installed() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let status = Command::new("bash")
            .arg(repo_root().join("scripts/ensure-moto"))
            .status()
            .expect("run scripts/ensure-moto");
        assert!(status.success(), "scripts/ensure-moto failed");
    });
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// A moto server of this test's own, killed when dropped.
pub struct Moto {
    child: Child,
    pub port: u16,
    pub endpoint: String,
    /// A HOME without ~/.aws, so the binary reads no developer credentials.
    pub home: tempfile::TempDir,
}

impl Moto {
    pub fn start() -> Moto {
        Self::start_with_env(&[])
    }

    /// Starts moto with extra environment (e.g. `INITIAL_NO_AUTH_ACTION_COUNT`).
    pub fn start_with_env(env: &[(&str, &str)]) -> Moto {
        Self::launch(&repo_root().join(".venv/bin/moto_server"), &[], env)
    }

    /// Starts moto through `scripts/moto_fast.py` (see tests/MOTO.md): the same API, but a
    /// new account costs ~0.05 s instead of ~1.2 s, so organizations of dozens of accounts
    /// fit in a test. Only the AWS managed policies named in `policies` exist.
    pub fn start_fast(policies: &[&str]) -> Moto {
        let script = repo_root().join("scripts/moto_fast.py");
        let script = script.to_str().expect("UTF-8 repository path").to_string();
        let policies = policies.join(",");
        Self::launch(
            &repo_root().join(".venv/bin/python"),
            &[&script],
            &[("CISRUN_MOTO_POLICIES", &policies)],
        )
    }

    fn launch(program: &Path, args: &[&str], env: &[(&str, &str)]) -> Moto {
        ensure_moto_installed();
        for _attempt in 0..3 {
            let port = free_port();
            let log = tempfile::NamedTempFile::new().expect("log file");
            let mut child = Command::new(program)
                .args(args)
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
                .envs(env.iter().copied())
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log.reopen().expect("log handle"))
                .spawn()
                .expect("start moto_server");
            let deadline = Instant::now() + Duration::from_secs(30);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    break; // died: port taken, try another
                }
                if http(port, "GET", "/moto-api/data.json", "").is_ok() {
                    return Moto {
                        child,
                        port,
                        endpoint: format!("http://127.0.0.1:{port}"),
                        home: tempfile::tempdir().expect("temp HOME"),
                    };
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
            let mut text = String::new();
            let _ = std::fs::File::open(log.path()).and_then(|mut f| f.read_to_string(&mut text));
            eprintln!("moto did not start on port {port}: {text}");
        }
        panic!("moto_server did not start");
    }

    /// Forgets all state (`POST /moto-api/reset`).
    pub fn reset(&self) {
        http(self.port, "POST", "/moto-api/reset", "").expect("reset moto");
    }

    /// Turns moto's IAM authorisation on: from now on every request must be signed with keys
    /// moto issued, and IAM policies (explicit denies included) are enforced.
    pub fn enforce_iam_policies(&self) {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect to moto");
        let body = "0";
        write!(
            stream,
            "POST /moto-api/reset-auth HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .expect("send reset-auth");
        let mut response = String::new();
        stream
            .read_to_string(&mut response)
            .expect("read reset-auth");
        assert!(
            response.starts_with("HTTP/1.1 200") || response.starts_with("HTTP/1.0 200"),
            "{response}"
        );
    }

    /// SDK configuration for the default account (123456789012) against this server.
    pub async fn sdk_config(&self) -> aws_config::SdkConfig {
        sdk_config_for(&self.endpoint).await
    }

    pub async fn iam(&self) -> aws_sdk_iam::Client {
        aws_sdk_iam::Client::new(&self.sdk_config().await)
    }

    /// Writes a CIS AWS v3.0.0 profile that audits only `controls` (ids) into this server's
    /// scratch HOME and returns its path. Framework tests run narrowed profiles, so adding a
    /// control to the shipped profiles changes none of their results.
    pub fn narrow_profile(&self, controls: &[&str]) -> String {
        let path = self
            .home
            .path()
            .join(format!("only-{}.yaml", controls.join("+")));
        std::fs::write(&path, narrow_profile_yaml(controls)).expect("write profile");
        path.to_str().expect("UTF-8 temp path").to_string()
    }

    /// `cisrun` with a clean environment pointed at this server.
    pub fn cisrun(&self) -> Command {
        cisrun_against(&self.endpoint, self.home.path())
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The YAML of a CIS AWS v3.0.0 Level 2 profile narrowed to `controls` (ids).
pub fn narrow_profile_yaml(controls: &[&str]) -> String {
    profile_yaml("v3.0.0", controls, &[], "")
}

/// The regions regional end-to-end tests read (moto enables 38): two in Europe, two in the
/// US, so "more than one region" and "a bucket in another region" are both covered.
pub const TEST_REGIONS: &[&str] = &["eu-west-1", "eu-central-1", "us-east-1", "us-west-2"];

/// The YAML of a CIS AWS v3.0.0 Level 2 profile narrowed to `controls` (ids) and to
/// `regions` (`regions: include:`).
pub fn regional_profile_yaml(controls: &[&str], regions: &[&str]) -> String {
    profile_yaml("v3.0.0", controls, regions, "")
}

/// The YAML of a CIS AWS `version` Level 2 profile narrowed to `controls`, with `regions`
/// (`regions: include:`, none: every enabled region) and `parameters` (YAML lines indented by
/// two spaces, or empty).
pub fn profile_yaml(
    version: &str,
    controls: &[&str],
    regions: &[&str],
    parameters: &str,
) -> String {
    let mut yaml = format!(
        "benchmark: cis-aws-foundations\nversion: {version}\nlevel: 2\ncontrols:\n  include: [{}]\n",
        controls.join(", ")
    );
    if !regions.is_empty() {
        yaml.push_str(&format!("regions:\n  include: [{}]\n", regions.join(", ")));
    }
    if !parameters.is_empty() {
        yaml.push_str("parameters:\n");
        yaml.push_str(parameters);
    }
    yaml
}

/// One end-to-end case of controls: its own moto and working directory. Profiles are written
/// there and the real binary runs against moto, or against a [`FaultProxy`] in front of it.
pub struct ControlCase {
    pub moto: Moto,
    pub dir: tempfile::TempDir,
}

impl Default for ControlCase {
    fn default() -> Self {
        Self::new()
    }
}

impl ControlCase {
    pub fn new() -> ControlCase {
        ControlCase {
            moto: Moto::start(),
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// Writes `yaml` as the case's profile; its path.
    pub fn profile(&self, yaml: &str) -> PathBuf {
        write_profile(self.dir.path(), "profile.yaml", yaml)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A path in the case's directory for each report format, by its flag (`json`, `junit`,
    /// `markdown`, `html`, `ocsf`), each file removed if an earlier audit left it.
    pub fn report_paths(&self) -> BTreeMap<&'static str, PathBuf> {
        let paths: BTreeMap<&'static str, PathBuf> = [
            ("json", "audit.json"),
            ("junit", "audit.xml"),
            ("markdown", "audit.md"),
            ("html", "audit.html"),
            ("ocsf", "audit.ocsf.json"),
        ]
        .into_iter()
        .map(|(format, file)| (format, self.path(file)))
        .collect();
        for path in paths.values() {
            let _ = std::fs::remove_file(path);
        }
        paths
    }

    /// `cisrun ARGS` against `endpoint`, in the case's directory.
    pub fn cisrun_at(&self, endpoint: &str, args: &[&str]) -> Run {
        let mut command = cisrun_against(endpoint, self.moto.home.path());
        command.current_dir(self.dir.path());
        run(command.args(args))
    }

    /// `cisrun ARGS` against moto.
    pub fn cisrun(&self, args: &[&str]) -> Run {
        self.cisrun_at(&self.moto.endpoint, args)
    }

    /// Audits with the profile `yaml` through `endpoint`, with `extra` arguments; the JSON
    /// report. The JUnit report (`audit.xml`) is checked against the Jenkins schema.
    pub fn audit_report_at(&self, endpoint: &str, yaml: &str, extra: &[&str]) -> Value {
        let profile = self.profile(yaml);
        let (json, junit) = (self.path("audit.json"), self.path("audit.xml"));
        let mut args = vec![
            "audit",
            "--profile",
            profile.to_str().expect("utf-8"),
            "--json",
            json.to_str().expect("utf-8"),
            "--junit",
            junit.to_str().expect("utf-8"),
        ];
        args.extend_from_slice(extra);
        let out = self.cisrun_at(endpoint, &args);
        assert!(out.code == 0 || out.code == 1, "{out:?}");
        out.assert_no_panic();
        assert_valid_junit(&junit);
        read_json(&json)
    }

    /// The seeded account's results by control id, audited with `yaml` through `endpoint`.
    pub fn audit_at(&self, endpoint: &str, yaml: &str) -> BTreeMap<String, Value> {
        results_by_control(&self.audit_report_at(endpoint, yaml, &[]), seed::ACCOUNT)
    }

    /// The seeded account's results by control id, audited with `yaml` against moto.
    pub fn audit(&self, yaml: &str) -> BTreeMap<String, Value> {
        self.audit_at(&self.moto.endpoint, yaml)
    }

    /// The case's remediation journal.
    pub fn journal(&self) -> PathBuf {
        self.path("journal.jsonl")
    }

    /// `cisrun remediate --apply` with the profile `yaml` and `extra` arguments.
    pub fn apply(&self, yaml: &str, extra: &[&str]) -> Run {
        let profile = self.profile(yaml);
        let journal = self.journal();
        let mut args = vec![
            "remediate",
            "--profile",
            profile.to_str().expect("utf-8"),
            "--apply",
            "--journal",
            journal.to_str().expect("utf-8"),
        ];
        args.extend_from_slice(extra);
        self.cisrun(&args)
    }

    /// `cisrun rollback` of the case's journal.
    pub fn rollback(&self) -> Run {
        let journal = self.journal();
        self.cisrun(&["rollback", "--journal", journal.to_str().expect("utf-8")])
    }
}

/// A result's outcome status (`pass`, `fail`, `error`, ...).
pub fn outcome_status(result: &Value) -> &str {
    result["outcome"]["status"].as_str().expect("status")
}

/// A result's findings as (resource, region or `-` when account-wide, status).
pub fn finding_rows(result: &Value) -> Vec<(String, String, String)> {
    result["outcome"]["evidence"]
        .as_array()
        .expect("evidence")
        .iter()
        .map(|e| {
            (
                e["resource"].as_str().expect("a resource").to_string(),
                e["region"].as_str().unwrap_or("-").to_string(),
                e["status"].as_str().expect("a status").to_string(),
            )
        })
        .collect()
}

/// SDK configuration with moto's test credentials against `endpoint`, for `region`.
pub async fn sdk_config_in(endpoint: &str, region: &str) -> aws_config::SdkConfig {
    sdk_config_for(endpoint)
        .await
        .into_builder()
        .region(aws_config::Region::new(region.to_string()))
        .build()
}

/// A profile narrowed to the support-role control, as YAML lines to follow a header.
pub const SUPPORT_ROLE_ONLY: &str = "controls:\n  include: [aws-iam-support-role]\n";

/// SDK configuration with moto's test credentials against `endpoint`.
pub async fn sdk_config_for(endpoint: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_iam::config::Credentials::new(
            "testing",
            "testing",
            None,
            None,
            "cisrun-tests",
        ))
        .load()
        .await
}

/// `cisrun` with only the environment a CI job would give it.
pub fn cisrun_against(endpoint: &str, home: &Path) -> Command {
    binary_against(&cisrun_bin(), endpoint, home)
}

/// A cisrun-like binary (e.g. a plugin build) with only the environment a CI job would give it.
pub fn binary_against(binary: &Path, endpoint: &str, home: &Path) -> Command {
    let mut command = Command::new(binary);
    command.env_clear();
    if let Ok(path) = std::env::var("PATH") {
        command.env("PATH", path);
    }
    command
        .env("HOME", home)
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    command
}

/// A finished cisrun run.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn from_output(output: Output) -> Run {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Panics with the whole output unless the exit code is `expected`.
    pub fn expect_code(self, expected: i32) -> Run {
        assert_eq!(
            self.code, expected,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

/// Runs a command to completion.
pub fn run(command: &mut Command) -> Run {
    Run::from_output(command.output().expect("run cisrun"))
}

/// Validates a JUnit file against Jenkins' schema (tests/fixtures); panics on failure.
pub fn assert_valid_junit(path: &Path) {
    let schema = repo_root().join("tests/fixtures/jenkins-junit-10.xsd");
    let output = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&schema)
        .arg(path)
        .output()
        .expect("xmllint is installed (Debian: libxml2-utils; .ci/run installs it)");
    assert!(
        output.status.success(),
        "{} does not validate against the Jenkins JUnit schema:\n{}\n{}",
        path.display(),
        String::from_utf8_lossy(&output.stderr),
        std::fs::read_to_string(path).unwrap_or_default()
    );
}

/// Validates a `--ocsf` report with py-ocsf-models (tests/ocsf_check.py, installed by
/// scripts/ensure-ocsf) and returns its summary: counts, requirements, resources, regions.
pub fn ocsf_check(path: &Path) -> Value {
    let python = repo_root().join(".venv/bin/python");
    let output = Command::new(&python)
        .arg(repo_root().join("tests/ocsf_check.py"))
        .arg(path)
        .output()
        .expect("run the OCSF check (scripts/ensure-ocsf installs py-ocsf-models)");
    assert!(
        output.status.success(),
        "OCSF validation failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stderr),
        std::fs::read_to_string(path).unwrap_or_default()
    );
    serde_json::from_slice(&output.stdout).expect("summary JSON")
}

/// Reads a JSON file.
pub fn read_json(path: &Path) -> Value {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()))
}

/// Writes a profile file into `dir` and returns its path.
pub fn write_profile(dir: &Path, name: &str, yaml: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, yaml).expect("write profile");
    path
}

/// The results of one account in a JSON report: control id -> result.
pub fn results_by_control(report: &Value, account: &str) -> BTreeMap<String, Value> {
    report["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .find(|a| a["account_id"] == account)
        .unwrap_or_else(|| panic!("no account {account} in {report:#}"))["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            (
                r["control_id"].as_str().unwrap_or_default().to_string(),
                r.clone(),
            )
        })
        .collect()
}

/// A minimal HTTP/1.1 exchange; returns the status code and body.
pub fn http(port: u16, method: &str, path: &str, body: &str) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("no HTTP status"))?;
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Ok((status, body))
}

/// Rewrites the text of moto's answer.
pub type Rewrite = Arc<dyn Fn(&str) -> String + Send + Sync>;

/// How a [`Fault`] answers the requests it matches.
#[derive(Clone)]
pub enum Behaviour {
    /// The fault's `status`, `code` and `message` (for a 200, `message` is the body).
    Canned,
    /// Moto's first answer, every time, saying more pages follow (`IsTruncated` true where
    /// the API has it) under a page token: always the same one, or (`fresh`) a new one on
    /// every page, forever.
    PageToken {
        fresh: bool,
        first: Arc<Mutex<Option<Vec<u8>>>>,
        pages: Arc<std::sync::atomic::AtomicU64>,
    },
    /// Moto's answer cut in half, with a `Content-Length` that matches the cut.
    Truncated,
    /// A 200 whose chunked body starts a document and never ends.
    Endless,
    /// Moto's answer with its body rewritten (a policy document replaced, a field removed).
    Rewritten(Rewrite),
}

impl std::fmt::Debug for Behaviour {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Behaviour::Canned => "Canned",
            Behaviour::PageToken { fresh: false, .. } => "PageToken (repeated)",
            Behaviour::PageToken { fresh: true, .. } => "PageToken (fresh)",
            Behaviour::Truncated => "Truncated",
            Behaviour::Endless => "Endless",
            Behaviour::Rewritten(_) => "Rewritten",
        })
    }
}

/// A canned AWS error (or another hostile answer, see [`Behaviour`]) for requests whose
/// action (and optionally body, path and region) match.
#[derive(Debug, Clone)]
pub struct Fault {
    /// e.g. `AttachRolePolicy` (query protocol) or `ListAccounts` (JSON protocol target).
    pub action: String,
    /// Further actions it matches (a REST listing's later pages name their token).
    pub also: Vec<String>,
    /// Only requests whose body contains this text.
    pub body_contains: Option<String>,
    /// Only requests to this path (without the query).
    pub path: Option<String>,
    /// Only requests signed for this region.
    pub region: Option<String>,
    pub status: u16,
    pub code: String,
    pub message: String,
    pub behaviour: Behaviour,
}

/// Where a listing's page token goes in its XML answer: the element, and the closing tag it
/// is put before.
fn token_place(action: &str) -> (&'static str, &'static str) {
    match action {
        "GetAccountAuthorizationDetails" => ("Marker", "</GetAccountAuthorizationDetailsResult>"),
        "ListEntitiesForPolicy" => ("Marker", "</ListEntitiesForPolicyResult>"),
        "ListBuckets" => ("ContinuationToken", "</ListAllMyBucketsResult>"),
        "DescribeInstances" => ("nextToken", "</DescribeInstancesResponse>"),
        other => panic!("no page token place known for {other}"),
    }
}

/// The proxy's action for `listing` (S3's ListBuckets is the REST `GET /`), with the path
/// and the later pages' action.
fn listing_fault(listing: &str, behaviour: Behaviour) -> Fault {
    let mut fault = Fault::new(listing, 200, "", "");
    fault.behaviour = behaviour;
    if listing == "ListBuckets" {
        fault.action = "GET ?".to_string();
        fault.also = vec!["GET ?continuation-token".to_string()];
        fault.path = Some("/".to_string());
    }
    fault
}

impl Fault {
    pub fn new(action: &str, status: u16, code: &str, message: &str) -> Fault {
        Fault {
            action: action.to_string(),
            also: Vec::new(),
            body_contains: None,
            path: None,
            region: None,
            status,
            code: code.to_string(),
            message: message.to_string(),
            behaviour: Behaviour::Canned,
        }
    }

    /// Every page of `listing` (`GetAccountAuthorizationDetails`, `ListEntitiesForPolicy`,
    /// `ListBuckets`, `DescribeInstances`) answers with the same page token: a listing that
    /// would loop.
    pub fn repeated_token(listing: &str) -> Fault {
        listing_fault(listing, Fault::page_token(false))
    }

    /// Every page of `listing` answers with a new page token: a listing that never ends.
    pub fn fresh_tokens(listing: &str) -> Fault {
        listing_fault(listing, Fault::page_token(true))
    }

    fn page_token(fresh: bool) -> Behaviour {
        Behaviour::PageToken {
            fresh,
            first: Arc::default(),
            pages: Arc::default(),
        }
    }

    /// `action`'s answer from moto, cut in half with a matching `Content-Length`.
    pub fn truncated(action: &str) -> Fault {
        listing_fault(action, Behaviour::Truncated)
    }

    /// `action` answers 200 with a chunked body that never ends.
    pub fn endless(action: &str) -> Fault {
        listing_fault(action, Behaviour::Endless)
    }

    /// `action`'s answer from moto with its body passed through `rewrite`.
    pub fn rewritten(
        action: &str,
        rewrite: impl Fn(&str) -> String + Send + Sync + 'static,
    ) -> Fault {
        listing_fault(action, Behaviour::Rewritten(Arc::new(rewrite)))
    }

    /// Pages the proxy has answered under this fault's page tokens so far.
    pub fn pages(&self) -> u64 {
        match &self.behaviour {
            Behaviour::PageToken { pages, .. } => pages.load(std::sync::atomic::Ordering::SeqCst),
            _ => 0,
        }
    }

    /// A 200 answer with `xml` as its body instead of moto's, as a hostile or broken
    /// endpoint would give (an account id or region name of another shape).
    pub fn answer(action: &str, xml: &str) -> Fault {
        Fault::new(action, 200, "", xml)
    }

    pub fn when_body_contains(mut self, text: &str) -> Fault {
        self.body_contains = Some(text.to_string());
        self
    }

    /// Only requests signed for `region` (the SigV4 credential scope names it), as when a
    /// service control policy denies one region.
    pub fn in_region(mut self, region: &str) -> Fault {
        self.region = Some(region.to_string());
        self
    }
}

/// A loopback proxy in front of moto: forwards every request, answers those matching a
/// [`Fault`] with an AWS error instead, and records the action of every request, so tests
/// can inject failures moto cannot produce and count the API calls cisrun makes.
pub struct FaultProxy {
    pub endpoint: String,
    faults: Arc<Mutex<Vec<Fault>>>,
    log: Arc<Mutex<Vec<String>>>,
}

impl FaultProxy {
    pub fn start(upstream_port: u16) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let port = listener.local_addr().expect("proxy address").port();
        let faults: Arc<Mutex<Vec<Fault>>> = Arc::default();
        let log: Arc<Mutex<Vec<String>>> = Arc::default();
        let (f, l) = (faults.clone(), log.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let (f, l) = (f.clone(), l.clone());
                std::thread::spawn(move || serve(client, upstream_port, &f, &l));
            }
        });
        FaultProxy {
            endpoint: format!("http://127.0.0.1:{port}"),
            faults,
            log,
        }
    }

    pub fn inject(&self, fault: Fault) {
        self.faults.lock().expect("faults").push(fault);
    }

    pub fn clear(&self) {
        self.faults.lock().expect("faults").clear();
    }

    /// Actions seen so far, in order.
    pub fn actions(&self) -> Vec<String> {
        self.log.lock().expect("log").clone()
    }

    pub fn count(&self, action: &str) -> usize {
        self.actions().iter().filter(|a| *a == action).count()
    }

    pub fn forget(&self) {
        self.log.lock().expect("log").clear();
    }
}

struct Request {
    head: String,
    body: Vec<u8>,
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        head.push_str(&line);
        if line == "\r\n" {
            break;
        }
    }
    let length = header(&head, "content-length")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Request { head, body })
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim().eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

/// The API action: `Action=` in a query-protocol body, or the JSON protocol's X-Amz-Target.
fn action_of(request: &Request) -> String {
    let body = String::from_utf8_lossy(&request.body);
    if let Some(action) = body.split('&').find_map(|kv| kv.strip_prefix("Action=")) {
        return action.to_string();
    }
    if let Some(target) = header(&request.head, "x-amz-target") {
        return target.rsplit('.').next().unwrap_or("").to_string();
    }
    rest_action(&request.head)
}

/// A REST request (S3) as `METHOD ?subresource`, e.g. `GET ?policy`: the method and the
/// query's keys, which name the operation (`x-id` only repeats it).
fn rest_action(head: &str) -> String {
    let mut request_line = head.lines().next().unwrap_or("").split(' ');
    let method = request_line.next().unwrap_or("");
    let target = request_line.next().unwrap_or("");
    let query = target.split_once('?').map_or("", |(_, q)| q);
    let keys: Vec<&str> = query
        .split('&')
        .filter_map(|kv| kv.split('=').next())
        .filter(|k| !k.is_empty() && *k != "x-id")
        .collect();
    format!("{method} ?{}", keys.join("&"))
}

fn serve(
    client: TcpStream,
    upstream_port: u16,
    faults: &Mutex<Vec<Fault>>,
    log: &Mutex<Vec<String>>,
) {
    let Ok(writer) = client.try_clone() else {
        return;
    };
    let mut writer = writer;
    let mut reader = BufReader::new(client);
    // One request per client connection too: the response says `Connection: close`, so the
    // SDK opens a new connection for its next request.
    if let Some(request) = read_request(&mut reader) {
        let action = action_of(&request);
        log.lock().expect("log").push(action.clone());
        let body_text = String::from_utf8_lossy(&request.body).into_owned();
        let path = request_path(&request.head);
        let fault = faults
            .lock()
            .expect("faults")
            .iter()
            .find(|f| {
                (f.action == action || f.also.contains(&action))
                    && f.path.as_ref().is_none_or(|p| *p == path)
                    && f.body_contains
                        .as_ref()
                        .is_none_or(|t| body_text.contains(t.as_str()))
                    && f.region.as_ref().is_none_or(|r| {
                        header(&request.head, "authorization")
                            .is_some_and(|a| a.contains(&format!("/{r}/")))
                    })
            })
            .cloned();
        let response = match fault {
            Some(fault) => match &fault.behaviour {
                Behaviour::Canned => Some(canned_error(&request, &fault)),
                Behaviour::PageToken {
                    fresh,
                    first,
                    pages,
                } => {
                    let cached = first.lock().expect("first page").clone();
                    let answer = match cached {
                        Some(answer) => Some(answer),
                        None => {
                            let answer = forward(&request, upstream_port);
                            first.lock().expect("first page").clone_from(&answer);
                            answer
                        }
                    };
                    let page = pages.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let token = if *fresh {
                        format!("cisrun-fresh-token-{page}")
                    } else {
                        "cisrun-repeated-token".to_string()
                    };
                    let listing = if fault.path.is_some() {
                        "ListBuckets"
                    } else {
                        fault.action.as_str()
                    };
                    answer.map(|a| with_page_token(&a, listing, &token))
                }
                Behaviour::Truncated => {
                    forward(&request, upstream_port).map(|answer| cut_in_half(&answer))
                }
                Behaviour::Endless => {
                    endless_answer(&mut writer);
                    None
                }
                Behaviour::Rewritten(rewrite) => forward(&request, upstream_port).map(|answer| {
                    let (head, body) = split_response(&answer);
                    with_body(&head, rewrite(&String::from_utf8_lossy(&body)).as_bytes())
                }),
            },
            None => forward(&request, upstream_port),
        };
        if let Some(response) = response {
            let _ = writer.write_all(&response);
        }
    }
    let _ = writer.shutdown(Shutdown::Both);
}

/// A request's path, without its query.
fn request_path(head: &str) -> String {
    let target = head
        .lines()
        .next()
        .unwrap_or("")
        .split(' ')
        .nth(1)
        .unwrap_or("");
    target.split('?').next().unwrap_or("").to_string()
}

/// An HTTP response's head (status line and headers, without the blank line) and body,
/// de-chunked.
fn split_response(response: &[u8]) -> (String, Vec<u8>) {
    let at = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(response.len());
    let head = String::from_utf8_lossy(&response[..at]).into_owned();
    let raw = response.get(at + 4..).unwrap_or_default();
    let chunked = header(&head, "transfer-encoding").is_some_and(|v| v.contains("chunked"));
    if !chunked {
        return (head, raw.to_vec());
    }
    let mut body = Vec::new();
    let mut rest = raw;
    while let Some(line_end) = rest.windows(2).position(|w| w == b"\r\n") {
        let size = std::str::from_utf8(&rest[..line_end])
            .ok()
            .and_then(|s| usize::from_str_radix(s.split(';').next().unwrap_or("").trim(), 16).ok())
            .unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = line_end + 2;
        let end = (start + size).min(rest.len());
        body.extend_from_slice(&rest[start..end]);
        rest = rest.get(end + 2..).unwrap_or_default();
    }
    (head, body)
}

/// `head`'s status line and headers, without those that frame the body, then `body` with
/// its own `Content-Length`.
fn with_body(head: &str, body: &[u8]) -> Vec<u8> {
    let mut out = String::new();
    for line in head.lines() {
        let name = line
            .split(':')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if matches!(
            name.as_str(),
            "content-length" | "transfer-encoding" | "connection"
        ) {
            continue;
        }
        out.push_str(line);
        out.push_str("\r\n");
    }
    out.push_str(&format!(
        "Connection: close\r\nContent-Length: {}\r\n\r\n",
        body.len()
    ));
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// Moto's answer of `listing`, saying that a page under `token` follows.
fn with_page_token(answer: &[u8], listing: &str, token: &str) -> Vec<u8> {
    let (head, body) = split_response(answer);
    let (element, before) = token_place(listing);
    let mut body = String::from_utf8_lossy(&body).into_owned();
    // Moto's own token, if it sent one, is dropped: the fault's is the only one.
    let open = format!("<{element}>");
    let close = format!("</{element}>");
    if let Some(start) = body.find(&open) {
        if let Some(end) = body[start..].find(&close) {
            body.replace_range(start..start + end + close.len(), "");
        }
    }
    body = body.replace(
        "<IsTruncated>false</IsTruncated>",
        "<IsTruncated>true</IsTruncated>",
    );
    match body.rfind(before) {
        Some(at) => body.insert_str(at, &format!("{open}{token}{close}")),
        None => panic!("{listing}: no {before} in moto's answer: {body}"),
    }
    with_body(&head, body.as_bytes())
}

/// Moto's answer with its body cut in half, framed as complete.
fn cut_in_half(answer: &[u8]) -> Vec<u8> {
    let (head, body) = split_response(answer);
    with_body(&head, &body[..body.len() / 2])
}

/// A 200 whose chunked XML body never ends: written until the client hangs up.
fn endless_answer(writer: &mut TcpStream) {
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    if writer.write_all(head.as_bytes()).is_err() {
        return;
    }
    let start = "<Response><Result><Items>";
    let item = "<member><Name>endless</Name></member>".repeat(1_700);
    let chunk = |text: &str| format!("{:x}\r\n{text}\r\n", text.len()).into_bytes();
    if writer.write_all(&chunk(start)).is_err() {
        return;
    }
    let item = chunk(&item);
    while writer.write_all(&item).is_ok() {}
}

fn canned_error(request: &Request, fault: &Fault) -> Vec<u8> {
    if fault.status == 200 {
        return format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{}",
            fault.message.len(),
            fault.message
        )
        .into_bytes();
    }
    let json = header(&request.head, "x-amz-target").is_some();
    let (content_type, body) = if json {
        (
            "application/x-amz-json-1.1",
            format!(
                "{{\"__type\":\"{}\",\"message\":\"{}\"}}",
                fault.code, fault.message
            ),
        )
    } else {
        (
            "text/xml",
            format!(
                "<ErrorResponse><Error><Type>Sender</Type><Code>{}</Code><Message>{}</Message></Error><RequestId>cisrun-fault</RequestId></ErrorResponse>",
                fault.code, fault.message
            ),
        )
    };
    format!(
        "HTTP/1.1 {} Injected\r\nContent-Type: {content_type}\r\nx-amzn-ErrorType: {}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        fault.status,
        fault.code,
        body.len()
    )
    .into_bytes()
}

fn forward(request: &Request, upstream_port: u16) -> Option<Vec<u8>> {
    let mut upstream = TcpStream::connect(("127.0.0.1", upstream_port)).ok()?;
    // One request per upstream connection: read the response to EOF.
    let head: String = request
        .head
        .lines()
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:") && !l.is_empty())
        .map(|l| format!("{l}\r\n"))
        .collect();
    upstream
        .write_all(format!("{head}Connection: close\r\n\r\n").as_bytes())
        .ok()?;
    upstream.write_all(&request.body).ok()?;
    let mut response = Vec::new();
    upstream.read_to_end(&mut response).ok()?;
    Some(response)
}

/// Seeding moto through the real SDK.
pub mod seed {
    use aws_sdk_iam::Client;

    pub const ACCOUNT: &str = "123456789012";

    pub fn trust_policy(principal: &str) -> String {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{principal}"}},"Action":"sts:AssumeRole"}}]}}"#
        )
    }

    pub fn aws_policy(name: &str) -> String {
        format!("arn:aws:iam::aws:policy/{name}")
    }

    pub async fn role(iam: &Client, name: &str) {
        iam.create_role()
            .role_name(name)
            .assume_role_policy_document(trust_policy(&format!("arn:aws:iam::{ACCOUNT}:root")))
            .send()
            .await
            .expect("create role");
    }

    pub async fn attach_to_role(iam: &Client, role: &str, policy_arn: &str) {
        iam.attach_role_policy()
            .role_name(role)
            .policy_arn(policy_arn)
            .send()
            .await
            .expect("attach role policy");
    }

    pub async fn user_with_policy(iam: &Client, user: &str, policy_arn: &str) {
        iam.create_user()
            .user_name(user)
            .send()
            .await
            .expect("create user");
        iam.attach_user_policy()
            .user_name(user)
            .policy_arn(policy_arn)
            .send()
            .await
            .expect("attach user policy");
    }

    pub async fn group_with_policy(iam: &Client, group: &str, policy_arn: &str) {
        iam.create_group()
            .group_name(group)
            .send()
            .await
            .expect("create group");
        iam.attach_group_policy()
            .group_name(group)
            .policy_arn(policy_arn)
            .send()
            .await
            .expect("attach group policy");
    }

    /// A user whose inline policy allows everything but explicitly denies `denied_action`;
    /// returns its (access key id, secret) for `enforce_iam_policies` runs.
    pub async fn user_denied(iam: &Client, user: &str, denied_action: &str) -> (String, String) {
        let policy = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"*","Resource":"*"}},{{"Effect":"Deny","Action":"{denied_action}","Resource":"*"}}]}}"#
        );
        user_with_inline_policy(iam, user, &policy).await
    }

    /// A user whose only permissions are the inline `policy` document; returns its
    /// (access key id, secret) for `enforce_iam_policies` runs.
    pub async fn user_with_inline_policy(
        iam: &Client,
        user: &str,
        policy: &str,
    ) -> (String, String) {
        iam.create_user()
            .user_name(user)
            .send()
            .await
            .expect("create user");
        iam.put_user_policy()
            .user_name(user)
            .policy_name("inline")
            .policy_document(policy)
            .send()
            .await
            .expect("put user policy");
        let key = iam
            .create_access_key()
            .user_name(user)
            .send()
            .await
            .expect("access key");
        let key = key.access_key().expect("key");
        (
            key.access_key_id().to_string(),
            key.secret_access_key().to_string(),
        )
    }

    /// A customer-managed policy; returns its ARN.
    pub async fn customer_policy(iam: &Client, name: &str) -> String {
        let out = iam
            .create_policy()
            .policy_name(name)
            .policy_document(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"support:*","Resource":"*"}]}"#,
            )
            .send()
            .await
            .expect("create policy");
        out.policy()
            .and_then(|p| p.arn())
            .expect("policy ARN")
            .to_string()
    }
}

/// Seeds moto's default account so that it passes every implemented control moto can make
/// pass. Each new control extends this once (and, if moto cannot make it pass, names itself
/// in [`MOTO_CANNOT_PASS`]); `tests/tests/shipped.rs` audits the shipped profiles against it.
pub async fn compliant_account(moto: &Moto) {
    let iam = moto.iam().await;
    // aws-iam-support-role
    seed::role(&iam, "Support").await;
    seed::attach_to_role(&iam, "Support", &seed::aws_policy("AWSSupportAccess")).await;
    // aws-iam-password-min-length, aws-iam-password-reuse
    iam_seed::password_policy(&iam, 14, Some(24)).await;
    // aws-account-security-contact
    policy_seed::security_contact(moto.port);

    let regions = regional_seed::enabled_regions(&moto.endpoint).await;
    // aws-ec2-ebs-default-encryption
    futures::future::join_all(
        regions
            .iter()
            .map(|region| regional_seed::ebs_default_on(&moto.endpoint, region)),
    )
    .await;
    // aws-config-all-regions, aws-securityhub-enabled
    switches_seed::all_on(&moto.endpoint, &regions).await;
    // aws-ec2-default-sg-restricts-all, aws-ec2-nacl-no-admin-ports-ingress (moto's default
    // VPCs have an allow-all default group egress and default ACL ingress); the security
    // group controls pass with no other group
    futures::future::join_all(
        regions
            .iter()
            .map(|region| network_seed::restrict_defaults(&moto.endpoint, region)),
    )
    .await;
    // aws-ec2-vpc-flow-logs: a REJECT flow log on every (default) VPC of every region
    futures::future::join_all(
        regions
            .iter()
            .map(|region| vpc_seed::flow_logs_everywhere(&moto.endpoint, region)),
    )
    .await;
    // aws-ec2-instance-iam-roles, aws-ec2-imdsv2-required, aws-rds-encryption-at-rest,
    // aws-rds-auto-minor-version-upgrade, aws-rds-no-public-access, aws-rds-multi-az,
    // aws-efs-encryption, aws-kms-cmk-rotation: no instances, DB instances or clusters, file
    // systems or customer-managed keys in any region, so they pass ("no ... found").
    // aws-s3-block-public-access (the account has no buckets: the bucket controls pass
    // with "no buckets found"; the account setting is what a new bucket inherits)
    s3_seed::account_block(&moto.endpoint, [true; 4]).await;
    // aws-cloudtrail-*: one multi-region trail in us-east-1 that is logging, validated,
    // KMS-encrypted (its key rotates) and records management and S3 object events, with a
    // private, access-logged bucket that denies HTTP.
    trail_seed::compliant(&moto.endpoint).await;
    // The fifteen aws-cloudwatch-* monitoring controls, on that trail: v7.0.0's patterns
    // cover every earlier version's.
    monitoring_seed::chain_on(&moto.endpoint, "us-east-1", "cisrun-main", "v7.0.0").await;
}

/// Seeding regional services in moto through the real SDK.
pub mod regional_seed {
    use crate::sdk_config_in;

    /// The regions moto enables for an account: it also lists opt-in regions, as
    /// `not-opted-in`, which cisrun (like AWS) does not count as the account's.
    pub async fn enabled_regions(endpoint: &str) -> Vec<String> {
        aws_sdk_ec2::Client::new(&sdk_config_in(endpoint, "us-east-1").await)
            .describe_regions()
            .send()
            .await
            .expect("describe regions")
            .regions()
            .iter()
            .filter(|r| r.opt_in_status() != Some("not-opted-in"))
            .filter_map(|r| r.region_name().map(str::to_string))
            .collect()
    }

    /// Turns on EBS encryption by default in `region`.
    pub async fn ebs_default_on(endpoint: &str, region: &str) {
        aws_sdk_ec2::Client::new(&sdk_config_in(endpoint, region).await)
            .enable_ebs_encryption_by_default()
            .send()
            .await
            .expect("enable EBS encryption by default");
    }
}

/// Attempts per AWS call for audits of whole shipped profiles against moto: moto answers
/// Access Analyzer (which it lacks) with HTTP 500, which the SDK would otherwise retry with
/// backoff in every region; two attempts keep the error and save a minute per audit.
pub const WHOLE_PROFILE_MAX_ATTEMPTS: &str = "2";

/// Controls whose passing state moto cannot produce (see tests/MOTO.md); their verdicts are
/// covered by unit tests. moto reports AccountMFAEnabled = 0 and no `<root_account>` row in
/// its credential report.
pub const MOTO_CANNOT_PASS: &[&str] = &[
    "aws-iam-root-mfa",
    "aws-iam-root-hardware-mfa",
    "aws-iam-root-usage",
    // moto has no IAM Access Analyzer backend: ListAnalyzers is an error in every region.
    "aws-accessanalyzer-all-regions",
    // moto 5.2.5's GetBucketVersioning answer cannot be read by the SDK (see
    // tests/tests/s3.rs), so with the trail's bucket in the account MFA delete is an error.
    "aws-s3-mfa-delete",
    // moto's GetTrailStatus never gives LatestCloudWatchLogsDeliveryTime.
    "aws-cloudtrail-cloudwatch-logs",
];

/// Seeding an AWS Organization in moto through the real SDK.
pub mod org {
    use aws_config::SdkConfig;

    /// One member of a seeded Organization.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Member {
        pub id: String,
        pub name: String,
    }

    pub fn organizations(config: &SdkConfig) -> aws_sdk_organizations::Client {
        aws_sdk_organizations::Client::new(config)
    }

    /// Creates the Organization (the default account 123456789012 is its management
    /// account, named `master`) and `count` member accounts named `<prefix>-NN`; returns
    /// every account, management account first.
    pub async fn create(config: &SdkConfig, prefix: &str, count: usize) -> Vec<Member> {
        let client = organizations(config);
        client
            .create_organization()
            .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
            .send()
            .await
            .expect("create organization");
        let mut members = vec![Member {
            id: crate::seed::ACCOUNT.to_string(),
            name: "master".to_string(),
        }];
        for i in 0..count {
            let name = format!("{prefix}-{i:02}");
            let out = client
                .create_account()
                .account_name(&name)
                .email(format!("{name}@example.com"))
                .send()
                .await
                .expect("create account");
            let id = out
                .create_account_status()
                .and_then(|s| s.account_id())
                .expect("moto creates accounts synchronously")
                .to_string();
            members.push(Member { id, name });
        }
        members
    }

    /// SDK configuration acting in `account` (moto: AssumeRole into it; the role need not exist).
    pub async fn config_in(config: &SdkConfig, account: &str) -> SdkConfig {
        if account == crate::seed::ACCOUNT {
            return config.clone();
        }
        let creds = aws_sdk_sts::Client::new(config)
            .assume_role()
            .role_arn(format!(
                "arn:aws:iam::{account}:role/OrganizationAccountAccessRole"
            ))
            .role_session_name("seed")
            .send()
            .await
            .expect("assume role for seeding")
            .credentials
            .expect("credentials");
        config
            .to_builder()
            .credentials_provider(aws_sdk_iam::config::SharedCredentialsProvider::new(
                aws_sdk_iam::config::Credentials::new(
                    creds.access_key_id,
                    creds.secret_access_key,
                    Some(creds.session_token),
                    None,
                    "cisrun-tests-seed",
                ),
            ))
            .build()
    }

    /// An IAM client acting in `account`.
    pub async fn iam_in(config: &SdkConfig, account: &str) -> aws_sdk_iam::Client {
        aws_sdk_iam::Client::new(&config_in(config, account).await)
    }

    /// The Organization's root id.
    pub async fn root_id(config: &SdkConfig) -> String {
        organizations(config)
            .list_roots()
            .send()
            .await
            .expect("list roots")
            .roots()
            .first()
            .and_then(|r| r.id())
            .expect("a root")
            .to_string()
    }

    /// Creates an OU under the root, moves `accounts` into it, returns its id.
    pub async fn ou_with(config: &SdkConfig, name: &str, accounts: &[&str]) -> String {
        let client = organizations(config);
        let root = root_id(config).await;
        let ou = client
            .create_organizational_unit()
            .parent_id(&root)
            .name(name)
            .send()
            .await
            .expect("create OU")
            .organizational_unit
            .and_then(|ou| ou.id)
            .expect("OU id");
        for account in accounts {
            client
                .move_account()
                .account_id(*account)
                .source_parent_id(&root)
                .destination_parent_id(&ou)
                .send()
                .await
                .expect("move account");
        }
        ou
    }

    /// Closes an account: it stays in ListAccounts as SUSPENDED.
    pub async fn close(config: &SdkConfig, account: &str) {
        organizations(config)
            .close_account()
            .account_id(account)
            .send()
            .await
            .expect("close account");
    }
}

/// A scratch directory for runs that need no AWS: it is HOME and the working directory, and
/// holds the profiles the test writes. AWS is a loopback endpoint that answers every request
/// with HTTP 403 AccessDenied at once, so a run that gets past its profile ends quickly with
/// exit code 1 (errors), never 2.
pub struct Offline {
    pub dir: tempfile::TempDir,
    /// The deny-everything endpoint.
    pub endpoint: String,
}

impl Offline {
    pub fn new() -> Offline {
        Offline {
            dir: tempfile::tempdir().expect("temp dir"),
            endpoint: deny_everything_endpoint(),
        }
    }

    /// The directory's path.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `cisrun` with a clean environment, HOME and cwd in this directory, AWS denying all.
    pub fn cisrun(&self) -> Command {
        let mut command = cisrun_against(&self.endpoint, self.path());
        command.current_dir(self.path());
        command
    }

    /// Writes `yaml` as `name` in this directory; returns its path.
    pub fn profile(&self, name: &str, yaml: &str) -> PathBuf {
        write_profile(self.path(), name, yaml)
    }
}

impl Default for Offline {
    fn default() -> Self {
        Self::new()
    }
}

/// A loopback HTTP endpoint that answers every request with 403 AccessDenied (for the
/// rest of the test process).
pub fn deny_everything_endpoint() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind deny-everything endpoint");
    let port = listener.local_addr().expect("local address").port();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let Ok(writer) = client.try_clone() else {
                    return;
                };
                let mut writer = writer;
                let mut reader = BufReader::new(client);
                if read_request(&mut reader).is_some() {
                    let body = "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>offline test: every request is denied</Message></Error><RequestId>offline</RequestId></ErrorResponse>";
                    let _ = write!(
                        writer,
                        "HTTP/1.1 403 Forbidden\r\nContent-Type: text/xml\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    );
                }
                let _ = writer.shutdown(Shutdown::Both);
            });
        }
    });
    format!("http://127.0.0.1:{port}")
}

/// `cisrun` for runs that must not reach AWS: the endpoint is a closed port (discard, 9).
pub fn cisrun_offline(home: &Path) -> Command {
    cisrun_against("http://127.0.0.1:9", home)
}

/// Runs a command, killing it and failing the test if it takes longer than `limit`.
pub fn run_within(command: &mut Command, limit: Duration) -> Run {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start cisrun");
    // Drain the pipes on threads so a chatty child cannot block on a full pipe.
    let mut stdout = child.stdout.take().expect("stdout pipe");
    let mut stderr = child.stderr.take().expect("stderr pipe");
    let out = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout.read_to_end(&mut buf);
        buf
    });
    let err = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr.read_to_end(&mut buf);
        buf
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for cisrun") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("cisrun did not finish within {limit:?}: {command:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run::from_output(Output {
        status,
        stdout: out.join().expect("stdout reader"),
        stderr: err.join().expect("stderr reader"),
    })
}

impl Run {
    /// Asserts the run never panicked: exit code 101 or a panic message on stderr.
    pub fn assert_no_panic(&self) -> &Run {
        assert_ne!(self.code, 101, "cisrun panicked:\n{}", self.stderr);
        assert!(
            !self.stderr.contains("panicked"),
            "cisrun panicked:\n{}",
            self.stderr
        );
        self
    }
}

/// Seeding for the IAM policy and account controls (tests/tests/iam_policies.rs).
pub mod policy_seed {
    use std::io::{Read, Write};
    use std::net::TcpStream;
    use std::time::Duration;

    use aws_sdk_iam::Client;

    /// `{"Effect":"Allow","Action":"*","Resource":"*"}` as a whole policy document.
    pub const FULL_ADMIN: &str =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    /// Everything but IAM: `NotAction`, which is not full administration.
    pub const NOT_ACTION_ADMIN: &str =
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":"*","Resource":"*"}}"#;
    /// A narrow policy.
    pub const READ_BUCKETS: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:ListAllMyBuckets"],"Resource":"*"}]}"#;

    /// A customer-managed policy with `document`; returns its ARN.
    pub async fn policy(iam: &Client, name: &str, document: &str) -> String {
        let out = iam
            .create_policy()
            .policy_name(name)
            .policy_document(document)
            .send()
            .await
            .expect("create policy");
        out.policy()
            .and_then(|p| p.arn())
            .expect("policy ARN")
            .to_string()
    }

    /// A new default version of `policy_arn` with `document`.
    pub async fn new_default_version(iam: &Client, policy_arn: &str, document: &str) {
        iam.create_policy_version()
            .policy_arn(policy_arn)
            .policy_document(document)
            .set_as_default(true)
            .send()
            .await
            .expect("create policy version");
    }

    pub async fn user(iam: &Client, name: &str) {
        iam.create_user()
            .user_name(name)
            .send()
            .await
            .expect("create user");
    }

    pub async fn inline_user_policy(iam: &Client, user: &str, name: &str, document: &str) {
        iam.put_user_policy()
            .user_name(user)
            .policy_name(name)
            .policy_document(document)
            .send()
            .await
            .expect("put user policy");
    }

    pub async fn add_to_group(iam: &Client, user: &str, group: &str) {
        iam.add_user_to_group()
            .user_name(user)
            .group_name(group)
            .send()
            .await
            .expect("add user to group");
    }

    /// Uploads a server certificate (moto gives every one the expiry 2012-05-08).
    pub async fn server_certificate(iam: &Client, name: &str) -> String {
        let out = iam
            .upload_server_certificate()
            .server_certificate_name(name)
            .certificate_body("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
            .private_key("-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n")
            .send()
            .await
            .expect("upload server certificate");
        out.server_certificate_metadata()
            .map(|m| m.arn().to_string())
            .expect("certificate metadata")
    }

    /// Registers the default account's SECURITY alternate contact through moto's Account
    /// Management API (raw HTTP: the tests crate does not depend on aws-sdk-account; moto
    /// routes by the credential scope and does not check signatures without auth mode).
    pub fn security_contact(port: u16) {
        let body = r#"{"AlternateContactType":"SECURITY","EmailAddress":"security@example.com","Name":"Security team","PhoneNumber":"+1 555 0100","Title":"SOC"}"#;
        let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to moto");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("timeout");
        write!(
            stream,
            "POST /putAlternateContact HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\
             Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/account/aws4_request, SignedHeaders=host, Signature=0\r\n\
             Content-Type: application/json\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .expect("send putAlternateContact");
        let mut response = String::new();
        stream
            .read_to_string(&mut response)
            .expect("read putAlternateContact");
        assert!(
            response.starts_with("HTTP/1.1 200") || response.starts_with("HTTP/1.0 200"),
            "{response}"
        );
    }
}

/// Seeding the IAM data the credential-report and password-policy controls read.
pub mod iam_seed {
    use aws_sdk_iam::Client;

    /// A password every password policy the tests set accepts.
    pub const PASSWORD: &str = "Correct-Horse-Battery-Staple-42!";

    pub async fn user(iam: &Client, name: &str) {
        iam.create_user()
            .user_name(name)
            .send()
            .await
            .expect("create user");
    }

    /// A user with a console password.
    pub async fn console_user(iam: &Client, name: &str) {
        user(iam, name).await;
        iam.create_login_profile()
            .user_name(name)
            .password(PASSWORD)
            .send()
            .await
            .expect("create login profile");
    }

    /// A new access key of `user`; returns its id.
    pub async fn access_key(iam: &Client, user: &str) -> String {
        iam.create_access_key()
            .user_name(user)
            .send()
            .await
            .expect("create access key")
            .access_key()
            .expect("access key")
            .access_key_id()
            .to_string()
    }

    /// Sets a key's status (`Active` or `Inactive`).
    pub async fn set_key_status(iam: &Client, user: &str, key: &str, active: bool) {
        let status = if active {
            aws_sdk_iam::types::StatusType::Active
        } else {
            aws_sdk_iam::types::StatusType::Inactive
        };
        iam.update_access_key()
            .user_name(user)
            .access_key_id(key)
            .status(status)
            .send()
            .await
            .expect("update access key");
    }

    /// The status of one of `user`'s keys (`Active`, `Inactive`), or `absent`.
    pub async fn key_status(iam: &Client, user: &str, key: &str) -> String {
        iam.list_access_keys()
            .user_name(user)
            .send()
            .await
            .expect("list access keys")
            .access_key_metadata()
            .iter()
            .find(|k| k.access_key_id() == Some(key))
            .and_then(|k| k.status())
            .map(|s| s.as_str().to_string())
            .unwrap_or_else(|| "absent".to_string())
    }

    /// Assigns a virtual MFA device to `user`.
    pub async fn virtual_mfa(iam: &Client, user: &str) {
        let serial = iam
            .create_virtual_mfa_device()
            .virtual_mfa_device_name(format!("{user}-mfa"))
            .send()
            .await
            .expect("create virtual MFA device")
            .virtual_mfa_device()
            .map(|d| d.serial_number().to_string())
            .expect("serial number");
        iam.enable_mfa_device()
            .user_name(user)
            .serial_number(serial)
            .authentication_code1("123456")
            .authentication_code2("654321")
            .send()
            .await
            .expect("enable MFA device");
    }

    /// Sets the account password policy: these values, everything else as given.
    pub async fn password_policy(iam: &Client, minimum_length: i32, reuse: Option<i32>) {
        iam.update_account_password_policy()
            .minimum_password_length(minimum_length)
            .set_password_reuse_prevention(reuse)
            .require_symbols(true)
            .require_numbers(true)
            .allow_users_to_change_password(true)
            .max_password_age(90)
            .send()
            .await
            .expect("update password policy");
    }

    /// The account password policy as text (for exact comparisons), or `none`.
    pub async fn password_policy_text(iam: &Client) -> String {
        match iam.get_account_password_policy().send().await {
            Ok(out) => format!("{:?}", out.password_policy()),
            Err(error) => {
                let text = format!("{error:?}");
                assert!(text.contains("NoSuchEntity"), "{text}");
                "none".to_string()
            }
        }
    }
}

/// Seeding the per-region "switches" (AWS Config, Security Hub) in moto through the real SDK.
pub mod switches_seed {
    use aws_sdk_config::types::{ConfigurationRecorder, DeliveryChannel, RecordingGroup};

    use crate::sdk_config_in;

    /// The recorder's (and delivery channel's) name.
    pub const RECORDER: &str = "default";

    pub async fn config_client(endpoint: &str, region: &str) -> aws_sdk_config::Client {
        aws_sdk_config::Client::new(&sdk_config_in(endpoint, region).await)
    }

    /// Puts a recorder of all supported resource types (global types too when `global`) and
    /// a delivery channel in `region`, and starts it.
    pub async fn config_recording(endpoint: &str, region: &str, global: bool) {
        let config = config_client(endpoint, region).await;
        config
            .put_configuration_recorder()
            .configuration_recorder(
                ConfigurationRecorder::builder()
                    .name(RECORDER)
                    .role_arn("arn:aws:iam::123456789012:role/aws-config")
                    .recording_group(
                        RecordingGroup::builder()
                            .all_supported(true)
                            .include_global_resource_types(global)
                            .build(),
                    )
                    .build(),
            )
            .send()
            .await
            .expect("put configuration recorder");
        config
            .put_delivery_channel()
            .delivery_channel(
                DeliveryChannel::builder()
                    .name(RECORDER)
                    .s3_bucket_name("config-history")
                    .build(),
            )
            .send()
            .await
            .expect("put delivery channel");
        config
            .start_configuration_recorder()
            .configuration_recorder_name(RECORDER)
            .send()
            .await
            .expect("start configuration recorder");
    }

    /// Stops the recorder of `region`.
    pub async fn config_stop(endpoint: &str, region: &str) {
        config_client(endpoint, region)
            .await
            .stop_configuration_recorder()
            .configuration_recorder_name(RECORDER)
            .send()
            .await
            .expect("stop configuration recorder");
    }

    /// Enables Security Hub in `region`.
    pub async fn security_hub_on(endpoint: &str, region: &str) {
        aws_sdk_securityhub::Client::new(&sdk_config_in(endpoint, region).await)
            .enable_security_hub()
            .send()
            .await
            .expect("enable security hub");
    }

    /// AWS Config recording in every region of `regions` (global types in the first only) and
    /// Security Hub on in each, concurrently.
    pub async fn all_on(endpoint: &str, regions: &[String]) {
        futures::future::join_all(regions.iter().enumerate().map(|(i, region)| async move {
            config_recording(endpoint, region, i == 0).await;
            security_hub_on(endpoint, region).await;
        }))
        .await;
    }
}

/// Seeding EC2 instances, RDS databases, EFS file systems and KMS keys in moto through the
/// real SDK (`tests/tests/compute.rs`).
pub mod compute_seed {
    use crate::sdk_config_in;

    /// An AMI moto ships in every region.
    pub const AMI: &str = "ami-12c6146b";

    /// Creates the IAM instance profile `name` (global) and returns its ARN.
    pub async fn instance_profile(endpoint: &str, name: &str) -> String {
        aws_sdk_iam::Client::new(&sdk_config_in(endpoint, "us-east-1").await)
            .create_instance_profile()
            .instance_profile_name(name)
            .send()
            .await
            .expect("create instance profile")
            .instance_profile()
            .map(|p| p.arn().to_string())
            .expect("an instance profile ARN")
    }

    /// Launches one instance in `region`, with the instance profile `profile` (an ARN) if
    /// given, and IMDSv2 required or optional. Returns its id.
    pub async fn instance(
        endpoint: &str,
        region: &str,
        profile: Option<&str>,
        imdsv2: bool,
    ) -> String {
        let ec2 = aws_sdk_ec2::Client::new(&sdk_config_in(endpoint, region).await);
        let tokens = if imdsv2 {
            aws_sdk_ec2::types::HttpTokensState::Required
        } else {
            aws_sdk_ec2::types::HttpTokensState::Optional
        };
        let mut request = ec2
            .run_instances()
            .image_id(AMI)
            .instance_type(aws_sdk_ec2::types::InstanceType::T3Micro)
            .min_count(1)
            .max_count(1)
            .metadata_options(
                aws_sdk_ec2::types::InstanceMetadataOptionsRequest::builder()
                    .http_tokens(tokens)
                    .http_endpoint(aws_sdk_ec2::types::InstanceMetadataEndpointState::Enabled)
                    .build(),
            );
        if let Some(profile) = profile {
            request = request.iam_instance_profile(
                aws_sdk_ec2::types::IamInstanceProfileSpecification::builder()
                    .arn(profile)
                    .build(),
            );
        }
        request
            .send()
            .await
            .expect("run instance")
            .instances()
            .first()
            .and_then(|i| i.instance_id())
            .expect("an instance id")
            .to_string()
    }

    /// Terminates an instance.
    pub async fn terminate(endpoint: &str, region: &str, id: &str) {
        aws_sdk_ec2::Client::new(&sdk_config_in(endpoint, region).await)
            .terminate_instances()
            .instance_ids(id)
            .send()
            .await
            .expect("terminate instance");
    }

    /// The settings of a seeded DB instance.
    #[derive(Debug, Clone, Copy)]
    pub struct Db {
        pub encrypted: bool,
        pub auto_minor_version_upgrade: bool,
        pub publicly_accessible: bool,
        pub multi_az: bool,
    }

    impl Db {
        /// Meets every RDS recommendation.
        pub const COMPLIANT: Db = Db {
            encrypted: true,
            auto_minor_version_upgrade: true,
            publicly_accessible: false,
            multi_az: true,
        };
        /// Meets none.
        pub const NONCOMPLIANT: Db = Db {
            encrypted: false,
            auto_minor_version_upgrade: false,
            publicly_accessible: true,
            multi_az: false,
        };
    }

    /// Creates a VPC in `region` with two subnets and a DB subnet group `name` of them. When
    /// `internet` is given, its main route table (the subnets have no table of their own)
    /// sends `0.0.0.0/0` to a new internet gateway: the subnets are public. Returns the
    /// internet gateway's id, if any.
    pub async fn db_subnet_group(
        endpoint: &str,
        region: &str,
        name: &str,
        internet: bool,
    ) -> Option<String> {
        let config = sdk_config_in(endpoint, region).await;
        let ec2 = aws_sdk_ec2::Client::new(&config);
        let vpc = ec2
            .create_vpc()
            .cidr_block("10.7.0.0/16")
            .send()
            .await
            .expect("create VPC")
            .vpc()
            .and_then(|v| v.vpc_id())
            .expect("a VPC id")
            .to_string();
        let mut subnets = Vec::new();
        for (cidr, zone) in [("10.7.1.0/24", "a"), ("10.7.2.0/24", "b")] {
            let subnet = ec2
                .create_subnet()
                .vpc_id(&vpc)
                .cidr_block(cidr)
                .availability_zone(format!("{region}{zone}"))
                .send()
                .await
                .expect("create subnet");
            subnets.push(
                subnet
                    .subnet()
                    .and_then(|s| s.subnet_id())
                    .expect("a subnet id")
                    .to_string(),
            );
        }
        let gateway = if internet {
            let gateway = ec2
                .create_internet_gateway()
                .send()
                .await
                .expect("create internet gateway")
                .internet_gateway()
                .and_then(|g| g.internet_gateway_id())
                .expect("a gateway id")
                .to_string();
            ec2.attach_internet_gateway()
                .internet_gateway_id(&gateway)
                .vpc_id(&vpc)
                .send()
                .await
                .expect("attach internet gateway");
            let main = ec2
                .describe_route_tables()
                .filters(
                    aws_sdk_ec2::types::Filter::builder()
                        .name("vpc-id")
                        .values(&vpc)
                        .build(),
                )
                .send()
                .await
                .expect("describe route tables")
                .route_tables()
                .iter()
                .find(|t| t.associations().iter().any(|a| a.main() == Some(true)))
                .and_then(|t| t.route_table_id())
                .expect("the VPC's main route table")
                .to_string();
            ec2.create_route()
                .route_table_id(main)
                .destination_cidr_block("0.0.0.0/0")
                .gateway_id(&gateway)
                .send()
                .await
                .expect("create route");
            Some(gateway)
        } else {
            None
        };
        aws_sdk_rds::Client::new(&config)
            .create_db_subnet_group()
            .db_subnet_group_name(name)
            .db_subnet_group_description("cisrun test")
            .set_subnet_ids(Some(subnets))
            .send()
            .await
            .expect("create DB subnet group");
        gateway
    }

    /// Creates the PostgreSQL DB instance `id` in `region` in the DB subnet group `group`;
    /// returns its ARN.
    pub async fn db_instance_in(
        endpoint: &str,
        region: &str,
        id: &str,
        db: Db,
        group: &str,
    ) -> String {
        create_db_instance(endpoint, region, id, db, Some(group)).await
    }

    /// Creates the PostgreSQL DB instance `id` in `region`; returns its ARN.
    pub async fn db_instance(endpoint: &str, region: &str, id: &str, db: Db) -> String {
        create_db_instance(endpoint, region, id, db, None).await
    }

    async fn create_db_instance(
        endpoint: &str,
        region: &str,
        id: &str,
        db: Db,
        group: Option<&str>,
    ) -> String {
        aws_sdk_rds::Client::new(&sdk_config_in(endpoint, region).await)
            .create_db_instance()
            .db_instance_identifier(id)
            .db_instance_class("db.t3.micro")
            .engine("postgres")
            .allocated_storage(20)
            .master_username("cisrun")
            .master_user_password("Correct-Horse-42")
            .storage_encrypted(db.encrypted)
            .auto_minor_version_upgrade(db.auto_minor_version_upgrade)
            .publicly_accessible(db.publicly_accessible)
            .multi_az(db.multi_az)
            .set_db_subnet_group_name(group.map(str::to_string))
            .send()
            .await
            .expect("create DB instance")
            .db_instance()
            .and_then(|d| d.db_instance_arn())
            .expect("a DB instance ARN")
            .to_string()
    }

    /// Creates an EFS file system in `region`; returns its ARN.
    pub async fn file_system(endpoint: &str, region: &str, token: &str, encrypted: bool) -> String {
        aws_sdk_efs::Client::new(&sdk_config_in(endpoint, region).await)
            .create_file_system()
            .creation_token(token)
            .encrypted(encrypted)
            .send()
            .await
            .expect("create file system")
            .file_system_arn()
            .expect("a file system ARN")
            .to_string()
    }

    fn kms(config: &aws_config::SdkConfig) -> aws_sdk_kms::Client {
        aws_sdk_kms::Client::new(config)
    }

    /// Creates a customer-managed symmetric key in `region` (imported material if
    /// `external`), turning automatic rotation on if `rotation`. Returns its ARN.
    pub async fn key(endpoint: &str, region: &str, external: bool, rotation: bool) -> String {
        let kms = kms(&sdk_config_in(endpoint, region).await);
        let origin = if external {
            aws_sdk_kms::types::OriginType::External
        } else {
            aws_sdk_kms::types::OriginType::AwsKms
        };
        let metadata = kms
            .create_key()
            .origin(origin)
            .send()
            .await
            .expect("create key")
            .key_metadata
            .expect("key metadata");
        if rotation {
            kms.enable_key_rotation()
                .key_id(metadata.key_id())
                .send()
                .await
                .expect("enable key rotation");
        }
        metadata.arn().expect("a key ARN").to_string()
    }

    /// Whether automatic rotation is on for the key `arn`.
    pub async fn key_rotation(endpoint: &str, region: &str, arn: &str) -> bool {
        kms(&sdk_config_in(endpoint, region).await)
            .get_key_rotation_status()
            .key_id(arn)
            .send()
            .await
            .expect("get key rotation status")
            .key_rotation_enabled()
    }
}

/// Seeding S3 buckets and S3 Block Public Access in moto through the real SDK.
pub mod s3_seed {
    use aws_sdk_s3::types::{
        BucketLocationConstraint, CreateBucketConfiguration, PublicAccessBlockConfiguration,
        ServerSideEncryption, ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration,
        ServerSideEncryptionRule,
    };

    use crate::{sdk_config_in, seed};

    /// An S3 client for `region`, path style (moto serves no virtual hosts).
    pub async fn s3(endpoint: &str, region: &str) -> aws_sdk_s3::Client {
        let config = sdk_config_in(endpoint, region).await;
        aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&config)
                .force_path_style(true)
                .build(),
        )
    }

    /// An S3 Control client that sends to `endpoint` as given (no account-id host prefix).
    pub async fn s3control(endpoint: &str) -> aws_sdk_s3control::Client {
        #[derive(Debug)]
        struct AsGiven(String);
        impl aws_sdk_s3control::config::endpoint::ResolveEndpoint for AsGiven {
            fn resolve_endpoint<'a>(
                &'a self,
                _params: &'a aws_sdk_s3control::config::endpoint::Params,
            ) -> aws_sdk_s3control::config::endpoint::EndpointFuture<'a> {
                aws_sdk_s3control::config::endpoint::EndpointFuture::ready(Ok(
                    aws_sdk_s3control::config::endpoint::Endpoint::builder()
                        .url(self.0.clone())
                        .build(),
                ))
            }
        }
        let config = sdk_config_in(endpoint, "us-east-1").await;
        aws_sdk_s3control::Client::from_conf(
            aws_sdk_s3control::config::Builder::from(&config)
                .endpoint_resolver(AsGiven(endpoint.to_string()))
                .build(),
        )
    }

    /// Creates `bucket` in `region` (with its location constraint outside us-east-1).
    pub async fn bucket(endpoint: &str, region: &str, bucket: &str) {
        let mut create = s3(endpoint, region).await.create_bucket().bucket(bucket);
        if region != "us-east-1" {
            create = create.create_bucket_configuration(
                CreateBucketConfiguration::builder()
                    .location_constraint(BucketLocationConstraint::from(region))
                    .build(),
            );
        }
        create.send().await.expect("create bucket");
    }

    /// The deny-HTTP statement the benchmark asks for, on `bucket`.
    pub fn deny_http_policy(bucket: &str) -> String {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"DenyHttp","Effect":"Deny","Principal":{{"AWS":"*"}},"Action":["s3:*"],"Resource":["arn:aws:s3:::{bucket}","arn:aws:s3:::{bucket}/*"],"Condition":{{"Bool":{{"aws:SecureTransport":false}}}}}}]}}"#
        )
    }

    /// A policy that only allows the account to read objects (no deny).
    pub fn read_only_policy(bucket: &str) -> String {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"Read","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{}:root"}},"Action":"s3:GetObject","Resource":"arn:aws:s3:::{bucket}/*"}}]}}"#,
            seed::ACCOUNT
        )
    }

    pub async fn put_policy(endpoint: &str, region: &str, bucket: &str, policy: &str) {
        s3(endpoint, region)
            .await
            .put_bucket_policy()
            .bucket(bucket)
            .policy(policy)
            .send()
            .await
            .expect("put bucket policy");
    }

    /// The bucket's policy text, or `None`.
    pub async fn policy(endpoint: &str, region: &str, bucket: &str) -> Option<String> {
        match s3(endpoint, region)
            .await
            .get_bucket_policy()
            .bucket(bucket)
            .send()
            .await
        {
            Ok(out) => out.policy().map(str::to_string),
            Err(e) => {
                let text = format!("{:?}", e);
                assert!(text.contains("NoSuchBucketPolicy"), "{text}");
                None
            }
        }
    }

    /// `[BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets]`.
    fn configuration(settings: [bool; 4]) -> PublicAccessBlockConfiguration {
        PublicAccessBlockConfiguration::builder()
            .block_public_acls(settings[0])
            .ignore_public_acls(settings[1])
            .block_public_policy(settings[2])
            .restrict_public_buckets(settings[3])
            .build()
    }

    /// Sets the bucket's own Block Public Access.
    pub async fn bucket_block(endpoint: &str, region: &str, bucket: &str, settings: [bool; 4]) {
        s3(endpoint, region)
            .await
            .put_public_access_block()
            .bucket(bucket)
            .public_access_block_configuration(configuration(settings))
            .send()
            .await
            .expect("put bucket public access block");
    }

    /// Sets the account's Block Public Access (S3 Control).
    pub async fn account_block(endpoint: &str, settings: [bool; 4]) {
        let c = configuration(settings);
        s3control(endpoint)
            .await
            .put_public_access_block()
            .account_id(seed::ACCOUNT)
            .public_access_block_configuration(
                aws_sdk_s3control::types::PublicAccessBlockConfiguration::builder()
                    .set_block_public_acls(c.block_public_acls())
                    .set_ignore_public_acls(c.ignore_public_acls())
                    .set_block_public_policy(c.block_public_policy())
                    .set_restrict_public_buckets(c.restrict_public_buckets())
                    .build(),
            )
            .send()
            .await
            .expect("put account public access block");
    }

    /// The account's Block Public Access as the four flags, or `None`.
    pub async fn account_block_settings(endpoint: &str) -> Option<[bool; 4]> {
        match s3control(endpoint)
            .await
            .get_public_access_block()
            .account_id(seed::ACCOUNT)
            .send()
            .await
        {
            Ok(out) => out.public_access_block_configuration().map(|c| {
                [
                    c.block_public_acls().unwrap_or(false),
                    c.ignore_public_acls().unwrap_or(false),
                    c.block_public_policy().unwrap_or(false),
                    c.restrict_public_buckets().unwrap_or(false),
                ]
            }),
            Err(e) => {
                let text = format!("{:?}", e);
                assert!(
                    text.contains("NoSuchPublicAccessBlockConfiguration"),
                    "{text}"
                );
                None
            }
        }
    }

    /// Turns on default encryption (SSE-S3) for `bucket`.
    pub async fn encrypt(endpoint: &str, region: &str, bucket: &str) {
        s3(endpoint, region)
            .await
            .put_bucket_encryption()
            .bucket(bucket)
            .server_side_encryption_configuration(
                ServerSideEncryptionConfiguration::builder()
                    .rules(
                        ServerSideEncryptionRule::builder()
                            .apply_server_side_encryption_by_default(
                                ServerSideEncryptionByDefault::builder()
                                    .sse_algorithm(ServerSideEncryption::Aes256)
                                    .build()
                                    .expect("a rule"),
                            )
                            .build(),
                    )
                    .build()
                    .expect("a configuration"),
            )
            .send()
            .await
            .expect("put bucket encryption");
    }
}

/// Seeding VPCs, flow logs, peering connections and VPC endpoints in moto through the real
/// SDK (moto creates a default VPC in every region).
pub mod vpc_seed {
    use crate::sdk_config_in;
    use aws_sdk_ec2::types::{Filter, FlowLogsResourceType, LogDestinationType, TrafficType};

    pub async fn ec2(endpoint: &str, region: &str) -> aws_sdk_ec2::Client {
        aws_sdk_ec2::Client::new(&sdk_config_in(endpoint, region).await)
    }

    /// The id of `region`'s default VPC.
    pub async fn default_vpc(endpoint: &str, region: &str) -> String {
        ec2(endpoint, region)
            .await
            .describe_vpcs()
            .filters(Filter::builder().name("is-default").values("true").build())
            .send()
            .await
            .expect("describe default VPC")
            .vpcs()
            .first()
            .and_then(|v| v.vpc_id())
            .expect("moto creates a default VPC in every region")
            .to_string()
    }

    /// Creates a VPC with `cidr` in `region`; its id.
    pub async fn vpc(endpoint: &str, region: &str, cidr: &str) -> String {
        ec2(endpoint, region)
            .await
            .create_vpc()
            .cidr_block(cidr)
            .send()
            .await
            .expect("create VPC")
            .vpc()
            .and_then(|v| v.vpc_id())
            .expect("a VPC id")
            .to_string()
    }

    /// Creates a flow log on `vpc` recording `traffic` (`ACCEPT`, `REJECT`, `ALL`) into the
    /// log group `flow-logs`; its id.
    pub async fn flow_log(endpoint: &str, region: &str, vpc: &str, traffic: &str) -> String {
        let out = ec2(endpoint, region)
            .await
            .create_flow_logs()
            .resource_type(FlowLogsResourceType::Vpc)
            .resource_ids(vpc)
            .traffic_type(TrafficType::from(traffic))
            .log_destination_type(LogDestinationType::CloudWatchLogs)
            .log_group_name(format!("flow-logs-{traffic}"))
            .deliver_logs_permission_arn("arn:aws:iam::123456789012:role/flow-logs")
            .send()
            .await
            .expect("create flow log");
        assert!(out.unsuccessful().is_empty(), "{out:?}");
        out.flow_log_ids()
            .first()
            .expect("a flow log id")
            .to_string()
    }

    /// The ids of the flow logs on `vpc`, sorted.
    pub async fn flow_logs_of(endpoint: &str, region: &str, vpc: &str) -> Vec<String> {
        let mut ids: Vec<String> = ec2(endpoint, region)
            .await
            .describe_flow_logs()
            .filter(Filter::builder().name("resource-id").values(vpc).build())
            .send()
            .await
            .expect("describe flow logs")
            .flow_logs()
            .iter()
            .filter_map(|l| l.flow_log_id().map(str::to_string))
            .collect();
        ids.sort();
        ids
    }

    /// A `REJECT` flow log on every VPC of `region`.
    pub async fn flow_logs_everywhere(endpoint: &str, region: &str) {
        let vpcs = ec2(endpoint, region)
            .await
            .describe_vpcs()
            .send()
            .await
            .expect("describe VPCs");
        for vpc in vpcs.vpcs() {
            if let Some(id) = vpc.vpc_id() {
                flow_log(endpoint, region, id, "REJECT").await;
            }
        }
    }
}

/// Seeding CloudTrail trails (and the buckets and keys they use) in moto through the real SDK.
pub mod trail_seed {
    use aws_sdk_cloudtrail::types::{
        AdvancedEventSelector, AdvancedFieldSelector, DataResource, EventSelector, ReadWriteType,
    };

    use crate::{compute_seed, s3_seed, sdk_config_in};

    pub async fn cloudtrail(endpoint: &str, region: &str) -> aws_sdk_cloudtrail::Client {
        aws_sdk_cloudtrail::Client::new(&sdk_config_in(endpoint, region).await)
    }

    /// A trail as the tests want it; `Trail::compliant` meets every CloudTrail control.
    #[derive(Debug, Clone)]
    pub struct Trail {
        pub name: &'static str,
        pub region: &'static str,
        pub bucket: &'static str,
        pub multi_region: bool,
        pub validation: bool,
        pub kms: bool,
        pub logging: bool,
    }

    impl Trail {
        pub fn compliant(name: &'static str, region: &'static str, bucket: &'static str) -> Self {
            Trail {
                name,
                region,
                bucket,
                multi_region: true,
                validation: true,
                kms: true,
                logging: true,
            }
        }
    }

    /// A bucket policy that lets S3 server access logging write to `bucket` and denies
    /// requests without TLS (so the S3 controls pass on it too).
    pub fn trail_bucket_policy(bucket: &str) -> String {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"Logging","Effect":"Allow","Principal":{{"Service":"logging.s3.amazonaws.com"}},"Action":"s3:PutObject","Resource":"arn:aws:s3:::{bucket}/*"}},{{"Sid":"DenyHttp","Effect":"Deny","Principal":{{"AWS":"*"}},"Action":["s3:*"],"Resource":["arn:aws:s3:::{bucket}","arn:aws:s3:::{bucket}/*"],"Condition":{{"Bool":{{"aws:SecureTransport":false}}}}}}]}}"#
        )
    }

    /// A private bucket for a trail in `region`, with that policy and (if `logging`) server
    /// access logging to itself.
    pub async fn bucket(endpoint: &str, region: &str, bucket: &str, logging: bool) {
        s3_seed::bucket(endpoint, region, bucket).await;
        s3_seed::put_policy(endpoint, region, bucket, &trail_bucket_policy(bucket)).await;
        if logging {
            s3_seed::s3(endpoint, region)
                .await
                .put_bucket_logging()
                .bucket(bucket)
                .bucket_logging_status(
                    aws_sdk_s3::types::BucketLoggingStatus::builder()
                        .logging_enabled(
                            aws_sdk_s3::types::LoggingEnabled::builder()
                                .target_bucket(bucket)
                                .target_prefix("access/")
                                .build()
                                .expect("logging target"),
                        )
                        .build(),
                )
                .send()
                .await
                .expect("put bucket logging");
        }
    }

    /// Creates the trail (its bucket must exist) and returns its ARN. A KMS key, when
    /// asked for, is created with rotation on.
    pub async fn create(endpoint: &str, trail: &Trail) -> String {
        let ct = cloudtrail(endpoint, trail.region).await;
        let key = if trail.kms {
            Some(compute_seed::key(endpoint, trail.region, false, true).await)
        } else {
            None
        };
        let arn = ct
            .create_trail()
            .name(trail.name)
            .s3_bucket_name(trail.bucket)
            .is_multi_region_trail(trail.multi_region)
            .enable_log_file_validation(trail.validation)
            .set_kms_key_id(key)
            .send()
            .await
            .expect("create trail")
            .trail_arn
            .expect("a trail ARN");
        if trail.logging {
            ct.start_logging()
                .name(trail.name)
                .send()
                .await
                .expect("start logging");
        }
        arn
    }

    fn field(name: &str, equals: &[&str]) -> AdvancedFieldSelector {
        AdvancedFieldSelector::builder()
            .field(name)
            .set_equals(Some(equals.iter().map(|s| s.to_string()).collect()))
            .build()
            .expect("field selector")
    }

    /// Advanced selectors: all management events, and S3 object data events of every
    /// bucket, narrowed to `read_only` (`"true"`/`"false"`) when given.
    pub async fn advanced_selectors(
        endpoint: &str,
        region: &str,
        trail: &str,
        read_only: Option<&str>,
    ) {
        let mut data = vec![
            field("eventCategory", &["Data"]),
            field("resources.type", &["AWS::S3::Object"]),
        ];
        if let Some(read_only) = read_only {
            data.push(field("readOnly", &[read_only]));
        }
        cloudtrail(endpoint, region)
            .await
            .put_event_selectors()
            .trail_name(trail)
            .advanced_event_selectors(
                AdvancedEventSelector::builder()
                    .name("management")
                    .field_selectors(field("eventCategory", &["Management"]))
                    .build()
                    .expect("selector"),
            )
            .advanced_event_selectors(
                AdvancedEventSelector::builder()
                    .name("s3-objects")
                    .set_field_selectors(Some(data))
                    .build()
                    .expect("selector"),
            )
            .send()
            .await
            .expect("put advanced event selectors");
    }

    /// One basic selector: management events of `read_write` (`All`, `ReadOnly`,
    /// `WriteOnly`), and S3 objects of `buckets` (`arn:aws:s3` for every bucket).
    pub async fn basic_selectors(
        endpoint: &str,
        region: &str,
        trail: &str,
        read_write: &str,
        buckets: &[&str],
    ) {
        let mut selector = EventSelector::builder()
            .read_write_type(ReadWriteType::from(read_write))
            .include_management_events(true);
        if !buckets.is_empty() {
            selector = selector.data_resources(
                DataResource::builder()
                    .r#type("AWS::S3::Object")
                    .set_values(Some(buckets.iter().map(|b| b.to_string()).collect()))
                    .build(),
            );
        }
        cloudtrail(endpoint, region)
            .await
            .put_event_selectors()
            .trail_name(trail)
            .event_selectors(selector.build())
            .send()
            .await
            .expect("put event selectors");
    }

    /// Whether the trail's log file validation is on, as its home region describes it.
    pub async fn validation(endpoint: &str, region: &str, trail: &str) -> bool {
        cloudtrail(endpoint, region)
            .await
            .get_trail()
            .name(trail)
            .send()
            .await
            .expect("get trail")
            .trail
            .and_then(|t| t.log_file_validation_enabled)
            .unwrap_or(false)
    }

    /// A compliant trail in us-east-1 with its bucket: every CloudTrail control passes.
    pub async fn compliant(endpoint: &str) {
        let trail = Trail::compliant("cisrun-main", "us-east-1", "cisrun-trail-logs");
        bucket(endpoint, trail.region, trail.bucket, true).await;
        create(endpoint, &trail).await;
        advanced_selectors(endpoint, trail.region, trail.name, None).await;
    }
}

/// Seeding and reading security groups, prefix lists and network ACLs in moto through the
/// real SDK (`tests/tests/network.rs`).
pub mod network_seed {
    use aws_sdk_ec2::types::{
        Filter, IpPermission, IpRange, Ipv6Range, PrefixListId, ResourceType, RuleAction, Tag,
        TagSpecification, UserIdGroupPair,
    };
    // One way to reach EC2 and the VPCs for every seeding module.
    pub use crate::vpc_seed::{default_vpc, ec2, vpc};

    /// The peer of a seeded rule.
    #[derive(Debug, Clone, Copy)]
    pub enum Source<'a> {
        Cidr(&'a str),
        PrefixList(&'a str),
        Group(&'a str),
    }

    /// Creates the security group `name` in `vpc`, attached to nothing; its id.
    pub async fn group(endpoint: &str, region: &str, vpc: &str, name: &str) -> String {
        ec2(endpoint, region)
            .await
            .create_security_group()
            .group_name(name)
            .description("cisrun test")
            .vpc_id(vpc)
            .send()
            .await
            .expect("create security group")
            .group_id()
            .expect("a group id")
            .to_string()
    }

    /// The default security group of `vpc`.
    pub async fn default_group(endpoint: &str, region: &str, vpc: &str) -> String {
        ec2(endpoint, region)
            .await
            .describe_security_groups()
            .filters(Filter::builder().name("vpc-id").values(vpc).build())
            .filters(
                Filter::builder()
                    .name("group-name")
                    .values("default")
                    .build(),
            )
            .send()
            .await
            .expect("describe security groups")
            .security_groups()
            .first()
            .and_then(|g| g.group_id())
            .expect("a default group")
            .to_string()
    }

    /// Authorizes one inbound rule on `group`: `protocol` (`tcp`, `udp`, `-1`), the ports
    /// `from..=to` (ignored for `-1`), from `source`, with an optional description and tag.
    #[allow(clippy::too_many_arguments)]
    pub async fn ingress(
        endpoint: &str,
        region: &str,
        group: &str,
        protocol: &str,
        ports: (i32, i32),
        source: Source<'_>,
        description: Option<&str>,
        tag: Option<(&str, &str)>,
    ) {
        let mut permission = IpPermission::builder().ip_protocol(protocol);
        if protocol != "-1" {
            permission = permission.from_port(ports.0).to_port(ports.1);
        }
        let description = description.map(str::to_string);
        permission = match source {
            Source::Cidr(cidr) if cidr.contains(':') => permission.ipv6_ranges(
                Ipv6Range::builder()
                    .cidr_ipv6(cidr)
                    .set_description(description)
                    .build(),
            ),
            Source::Cidr(cidr) => permission.ip_ranges(
                IpRange::builder()
                    .cidr_ip(cidr)
                    .set_description(description)
                    .build(),
            ),
            Source::PrefixList(list) => permission.prefix_list_ids(
                PrefixListId::builder()
                    .prefix_list_id(list)
                    .set_description(description)
                    .build(),
            ),
            Source::Group(other) => permission.user_id_group_pairs(
                UserIdGroupPair::builder()
                    .group_id(other)
                    .set_description(description)
                    .build(),
            ),
        };
        let mut request = ec2(endpoint, region)
            .await
            .authorize_security_group_ingress()
            .group_id(group)
            .ip_permissions(permission.build());
        if let Some((key, value)) = tag {
            request = request.tag_specifications(
                TagSpecification::builder()
                    .resource_type(ResourceType::SecurityGroupRule)
                    .tags(Tag::builder().key(key).value(value).build())
                    .build(),
            );
        }
        request.send().await.expect("authorize ingress");
    }

    /// Creates a managed prefix list of `cidrs` (IPv4); its id.
    pub async fn prefix_list(endpoint: &str, region: &str, name: &str, cidrs: &[&str]) -> String {
        let mut request = ec2(endpoint, region)
            .await
            .create_managed_prefix_list()
            .prefix_list_name(name)
            .address_family("IPv4")
            .max_entries(10);
        for cidr in cidrs {
            request = request.entries(
                aws_sdk_ec2::types::AddPrefixListEntry::builder()
                    .cidr(*cidr)
                    .build(),
            );
        }
        request
            .send()
            .await
            .expect("create prefix list")
            .prefix_list()
            .and_then(|p| p.prefix_list_id())
            .expect("a prefix list id")
            .to_string()
    }

    /// The rules of `group` as comparable lines, without their ids (EC2 gives a rule
    /// authorized again a new one): direction, protocol, ports, peer, description, tags.
    pub async fn rules(endpoint: &str, region: &str, group: &str) -> Vec<String> {
        let out = ec2(endpoint, region)
            .await
            .describe_security_group_rules()
            .filters(Filter::builder().name("group-id").values(group).build())
            .send()
            .await
            .expect("describe security group rules");
        let mut lines: Vec<String> = out
            .security_group_rules()
            .iter()
            .map(|r| {
                let peer = r
                    .cidr_ipv4()
                    .or(r.cidr_ipv6())
                    .or(r.prefix_list_id())
                    .map(str::to_string)
                    .or_else(|| {
                        r.referenced_group_info()
                            .and_then(|g| g.group_id())
                            .map(|g| format!("group {g}"))
                    })
                    .unwrap_or_default();
                let tags: Vec<String> = r
                    .tags()
                    .iter()
                    .map(|t| format!("{}={}", t.key().unwrap_or(""), t.value().unwrap_or("")))
                    .collect();
                format!(
                    "{} {} {:?}-{:?} {peer} {:?} [{}]",
                    if r.is_egress() == Some(true) {
                        "out"
                    } else {
                        "in"
                    },
                    r.ip_protocol().unwrap_or(""),
                    r.from_port(),
                    r.to_port(),
                    r.description(),
                    tags.join(",")
                )
            })
            .collect();
        lines.sort();
        lines
    }

    /// Revokes every rule of every default security group of `region`.
    pub async fn strip_default_groups(endpoint: &str, region: &str) {
        let ec2 = ec2(endpoint, region).await;
        let groups = ec2
            .describe_security_groups()
            .filters(
                Filter::builder()
                    .name("group-name")
                    .values("default")
                    .build(),
            )
            .send()
            .await
            .expect("describe security groups");
        for group in groups.security_groups() {
            let id = group.group_id().expect("a group id");
            let rules = ec2
                .describe_security_group_rules()
                .filters(Filter::builder().name("group-id").values(id).build())
                .send()
                .await
                .expect("describe security group rules");
            for egress in [false, true] {
                let ids: Vec<String> = rules
                    .security_group_rules()
                    .iter()
                    .filter(|r| r.is_egress() == Some(egress))
                    .filter_map(|r| r.security_group_rule_id().map(str::to_string))
                    .collect();
                if ids.is_empty() {
                    continue;
                }
                if egress {
                    ec2.revoke_security_group_egress()
                        .group_id(id)
                        .set_security_group_rule_ids(Some(ids))
                        .send()
                        .await
                        .expect("revoke egress");
                } else {
                    ec2.revoke_security_group_ingress()
                        .group_id(id)
                        .set_security_group_rule_ids(Some(ids))
                        .send()
                        .await
                        .expect("revoke ingress");
                }
            }
        }
    }

    /// The default network ACL of `vpc`.
    pub async fn default_acl(endpoint: &str, region: &str, vpc: &str) -> String {
        ec2(endpoint, region)
            .await
            .describe_network_acls()
            .filters(Filter::builder().name("vpc-id").values(vpc).build())
            .filters(Filter::builder().name("default").values("true").build())
            .send()
            .await
            .expect("describe network ACLs")
            .network_acls()
            .first()
            .and_then(|a| a.network_acl_id())
            .expect("a default network ACL")
            .to_string()
    }

    /// Creates a network ACL in `vpc`, associated with no subnet; its id.
    pub async fn acl(endpoint: &str, region: &str, vpc: &str) -> String {
        ec2(endpoint, region)
            .await
            .create_network_acl()
            .vpc_id(vpc)
            .send()
            .await
            .expect("create network ACL")
            .network_acl()
            .and_then(|a| a.network_acl_id())
            .expect("a network ACL id")
            .to_string()
    }

    /// Adds the inbound entry `number` to `acl`: allow or deny `protocol` (`6`, `17`, `-1`)
    /// on `ports` (none for `-1`) from `cidr`.
    #[allow(clippy::too_many_arguments)]
    pub async fn acl_entry(
        endpoint: &str,
        region: &str,
        acl: &str,
        number: i32,
        allow: bool,
        protocol: &str,
        ports: Option<(i32, i32)>,
        cidr: &str,
    ) {
        let mut request = ec2(endpoint, region)
            .await
            .create_network_acl_entry()
            .network_acl_id(acl)
            .rule_number(number)
            .rule_action(if allow {
                RuleAction::Allow
            } else {
                RuleAction::Deny
            })
            .egress(false)
            .protocol(protocol);
        if let Some((from, to)) = ports {
            request = request.port_range(
                aws_sdk_ec2::types::PortRange::builder()
                    .from(from)
                    .to(to)
                    .build(),
            );
        }
        request = if cidr.contains(':') {
            request.ipv6_cidr_block(cidr)
        } else {
            request.cidr_block(cidr)
        };
        request.send().await.expect("create network ACL entry");
    }

    /// The entries of `acl` as comparable lines: direction, number, action, protocol,
    /// ports and CIDR, in rule-number order.
    pub async fn acl_entries(endpoint: &str, region: &str, acl: &str) -> Vec<String> {
        let out = ec2(endpoint, region)
            .await
            .describe_network_acls()
            .network_acl_ids(acl)
            .send()
            .await
            .expect("describe network ACLs");
        let mut entries: Vec<(bool, i32, String)> = out
            .network_acls()
            .iter()
            .flat_map(|a| a.entries())
            .map(|e| {
                let egress = e.egress() == Some(true);
                let number = e.rule_number().unwrap_or_default();
                let line = format!(
                    "{} {number} {} {} {:?} {}",
                    if egress { "out" } else { "in" },
                    e.rule_action().map(|a| a.as_str()).unwrap_or(""),
                    e.protocol().unwrap_or(""),
                    e.port_range().map(|p| (p.from(), p.to())),
                    e.cidr_block().or(e.ipv6_cidr_block()).unwrap_or("")
                );
                (egress, number, line)
            })
            .collect();
        entries.sort();
        entries.into_iter().map(|(_, _, line)| line).collect()
    }

    /// Deletes, from every default network ACL of `region`, the inbound ALLOW entries from
    /// `0.0.0.0/0` or `::/0` (rule 100, 101): what the network ACL control asks for.
    pub async fn close_default_acls(endpoint: &str, region: &str) {
        let ec2 = ec2(endpoint, region).await;
        let acls = ec2
            .describe_network_acls()
            .filters(Filter::builder().name("default").values("true").build())
            .send()
            .await
            .expect("describe network ACLs");
        for acl in acls.network_acls() {
            let id = acl.network_acl_id().expect("an ACL id");
            for entry in acl.entries() {
                let open = matches!(
                    entry.cidr_block().or(entry.ipv6_cidr_block()),
                    Some("0.0.0.0/0") | Some("::/0")
                );
                if entry.egress() == Some(false)
                    && entry.rule_action() == Some(&RuleAction::Allow)
                    && open
                {
                    ec2.delete_network_acl_entry()
                        .network_acl_id(id)
                        .rule_number(entry.rule_number().expect("a rule number"))
                        .egress(false)
                        .send()
                        .await
                        .expect("delete network ACL entry");
                }
            }
        }
    }

    /// Makes `region` pass the network controls: no rule in default security groups and
    /// no inbound ALLOW from everywhere in default network ACLs.
    pub async fn restrict_defaults(endpoint: &str, region: &str) {
        strip_default_groups(endpoint, region).await;
        close_default_acls(endpoint, region).await;
    }
}

/// Seeding the CloudWatch monitoring chain in moto through the real SDK: a trail that
/// delivers to a log group, metric filters on it, alarms on their metrics, SNS topics and
/// subscribers. Every helper names its region; the account is moto's default.
pub mod monitoring_seed {
    use crate::sdk_config_in;
    use crate::seed::ACCOUNT;

    /// The namespace of the seeded filters' metrics.
    pub const NAMESPACE: &str = "CISBenchmark";

    async fn cloudtrail(endpoint: &str, region: &str) -> aws_sdk_cloudtrail::Client {
        aws_sdk_cloudtrail::Client::new(&sdk_config_in(endpoint, region).await)
    }

    pub async fn logs(endpoint: &str, region: &str) -> aws_sdk_cloudwatchlogs::Client {
        aws_sdk_cloudwatchlogs::Client::new(&sdk_config_in(endpoint, region).await)
    }

    pub async fn cloudwatch(endpoint: &str, region: &str) -> aws_sdk_cloudwatch::Client {
        aws_sdk_cloudwatch::Client::new(&sdk_config_in(endpoint, region).await)
    }

    pub async fn sns(endpoint: &str, region: &str) -> aws_sdk_sns::Client {
        aws_sdk_sns::Client::new(&sdk_config_in(endpoint, region).await)
    }

    /// A trail `name` in `region` writing to a new bucket, logging, recording every
    /// management event (moto has no default selector), multi-region or not; its ARN.
    pub async fn trail(endpoint: &str, region: &str, name: &str, multi_region: bool) -> String {
        let bucket = format!("{name}-trail-logs");
        crate::s3_seed::bucket(endpoint, region, &bucket).await;
        let client = cloudtrail(endpoint, region).await;
        let out = client
            .create_trail()
            .name(name)
            .s3_bucket_name(&bucket)
            .is_multi_region_trail(multi_region)
            .send()
            .await
            .expect("create trail");
        client
            .start_logging()
            .name(name)
            .send()
            .await
            .expect("start logging");
        client
            .put_event_selectors()
            .trail_name(name)
            .event_selectors(
                aws_sdk_cloudtrail::types::EventSelector::builder()
                    .read_write_type(aws_sdk_cloudtrail::types::ReadWriteType::All)
                    .include_management_events(true)
                    .build(),
            )
            .send()
            .await
            .expect("put event selectors");
        out.trail_arn().expect("trail ARN").to_string()
    }

    /// Makes `trail` (in `region`) multi-region.
    pub async fn multi_region(endpoint: &str, region: &str, trail: &str) {
        cloudtrail(endpoint, region)
            .await
            .update_trail()
            .name(trail)
            .is_multi_region_trail(true)
            .send()
            .await
            .expect("update trail");
    }

    /// Creates log group `name` in `region`; its ARN as a trail names it (`...:*`).
    pub async fn log_group(endpoint: &str, region: &str, name: &str) -> String {
        logs(endpoint, region)
            .await
            .create_log_group()
            .log_group_name(name)
            .send()
            .await
            .expect("create log group");
        format!("arn:aws:logs:{region}:{ACCOUNT}:log-group:{name}:*")
    }

    /// Points `trail` (in `region`) at the log group `arn`.
    pub async fn deliver_to(endpoint: &str, region: &str, trail: &str, arn: &str) {
        cloudtrail(endpoint, region)
            .await
            .update_trail()
            .name(trail)
            .cloud_watch_logs_log_group_arn(arn)
            .cloud_watch_logs_role_arn(format!("arn:aws:iam::{ACCOUNT}:role/CloudTrailToLogs"))
            .send()
            .await
            .expect("update trail");
    }

    /// A metric filter `name` with `pattern` on `group`, publishing `metric` in
    /// [`NAMESPACE`].
    pub async fn metric_filter(
        endpoint: &str,
        region: &str,
        group: &str,
        name: &str,
        pattern: &str,
        metric: &str,
    ) {
        logs(endpoint, region)
            .await
            .put_metric_filter()
            .log_group_name(group)
            .filter_name(name)
            .filter_pattern(pattern)
            .metric_transformations(
                aws_sdk_cloudwatchlogs::types::MetricTransformation::builder()
                    .metric_name(metric)
                    .metric_namespace(NAMESPACE)
                    .metric_value("1")
                    .build()
                    .expect("a transformation"),
            )
            .send()
            .await
            .expect("put metric filter");
    }

    /// The metric filters of `group`, by name, sorted.
    pub async fn metric_filter_names(endpoint: &str, region: &str, group: &str) -> Vec<String> {
        let mut names: Vec<String> = logs(endpoint, region)
            .await
            .describe_metric_filters()
            .log_group_name(group)
            .send()
            .await
            .expect("describe metric filters")
            .metric_filters()
            .iter()
            .filter_map(|f| f.filter_name().map(str::to_string))
            .collect();
        names.sort();
        names
    }

    /// An alarm `name` on `metric` in [`NAMESPACE`] with `actions`.
    pub async fn alarm(endpoint: &str, region: &str, name: &str, metric: &str, actions: &[&str]) {
        let mut request = cloudwatch(endpoint, region)
            .await
            .put_metric_alarm()
            .alarm_name(name)
            .metric_name(metric)
            .namespace(NAMESPACE)
            .statistic(aws_sdk_cloudwatch::types::Statistic::Sum)
            .period(300)
            .evaluation_periods(1)
            .threshold(1.0)
            .comparison_operator(
                aws_sdk_cloudwatch::types::ComparisonOperator::GreaterThanOrEqualToThreshold,
            );
        for action in actions {
            request = request.alarm_actions(*action);
        }
        request.send().await.expect("put metric alarm");
    }

    /// The alarms of `region`, by name, sorted.
    pub async fn alarm_names(endpoint: &str, region: &str) -> Vec<String> {
        let mut names: Vec<String> = cloudwatch(endpoint, region)
            .await
            .describe_alarms()
            .send()
            .await
            .expect("describe alarms")
            .metric_alarms()
            .iter()
            .filter_map(|a| a.alarm_name().map(str::to_string))
            .collect();
        names.sort();
        names
    }

    /// Creates topic `name` in `region`; its ARN.
    pub async fn topic(endpoint: &str, region: &str, name: &str) -> String {
        sns(endpoint, region)
            .await
            .create_topic()
            .name(name)
            .send()
            .await
            .expect("create topic")
            .topic_arn()
            .expect("topic ARN")
            .to_string()
    }

    /// Subscribes an e-mail address to `topic` (moto confirms at once).
    pub async fn subscribe(endpoint: &str, region: &str, topic: &str) {
        sns(endpoint, region)
            .await
            .subscribe()
            .topic_arn(topic)
            .protocol("email")
            .endpoint("security@example.com")
            .send()
            .await
            .expect("subscribe");
    }

    /// The whole chain for every monitoring control in `version`: a multi-region trail in
    /// `region` delivering to log group `cloudtrail-events`, one filter per control with the
    /// benchmark's pattern, an alarm on each, notifying one topic with a subscriber.
    pub async fn complete_chain(endpoint: &str, region: &str, version: &str) -> String {
        let trail = trail(endpoint, region, "monitored", true).await;
        chain_on(endpoint, region, &trail, version).await
    }

    /// The chain after the trail: `trail` (a compliant multi-region trail homed in `region`)
    /// delivers to log group `cloudtrail-events`, with one filter per control, an alarm on
    /// each, notifying one topic with a subscriber; the topic's ARN.
    pub async fn chain_on(endpoint: &str, region: &str, trail: &str, version: &str) -> String {
        let group = log_group(endpoint, region, "cloudtrail-events").await;
        deliver_to(endpoint, region, trail, &group).await;
        let topic = topic(endpoint, region, "security-alerts").await;
        subscribe(endpoint, region, &topic).await;
        for id in cisrun_filter_pattern::cis::CONTROL_IDS {
            let pattern = cisrun_filter_pattern::cis::patterns_for(id, version)
                .next()
                .expect("a pattern")
                .effective();
            metric_filter(endpoint, region, "cloudtrail-events", id, pattern, id).await;
            alarm(endpoint, region, id, id, &[&topic]).await;
        }
        topic
    }
}

/// Seeding the web front-ends (CloudFront distributions, load balancers, API Gateway APIs)
/// in moto through the real SDK.
pub mod web_seed {
    use aws_sdk_cloudfront::types::{
        DefaultCacheBehavior, DistributionConfig, LoggingConfig, Origin, Origins, S3OriginConfig,
        ViewerProtocolPolicy,
    };
    use aws_sdk_cloudwatchlogs::types::DeliveryDestinationConfiguration;
    use aws_sdk_ec2::types::Filter;

    use crate::sdk_config_in;

    /// Creates a distribution (in front of an S3 origin) commented `comment`, with standard
    /// logging to `logging_bucket` if given; its (id, ARN).
    pub async fn distribution(
        endpoint: &str,
        comment: &str,
        logging_bucket: Option<&str>,
    ) -> (String, String) {
        let cloudfront =
            aws_sdk_cloudfront::Client::new(&sdk_config_in(endpoint, "us-east-1").await);
        let origin = Origin::builder()
            .id("site")
            .domain_name("site.s3.amazonaws.com")
            .s3_origin_config(S3OriginConfig::builder().origin_access_identity("").build())
            .build()
            .expect("origin");
        let mut config = DistributionConfig::builder()
            .caller_reference(comment)
            .comment(comment)
            .enabled(true)
            .origins(
                Origins::builder()
                    .quantity(1)
                    .items(origin)
                    .build()
                    .expect("origins"),
            )
            .default_cache_behavior(
                DefaultCacheBehavior::builder()
                    .target_origin_id("site")
                    .viewer_protocol_policy(ViewerProtocolPolicy::RedirectToHttps)
                    .build()
                    .expect("default cache behavior"),
            );
        if let Some(bucket) = logging_bucket {
            config = config.logging(
                LoggingConfig::builder()
                    .enabled(true)
                    .include_cookies(false)
                    .bucket(format!("{bucket}.s3.amazonaws.com"))
                    .prefix("cf/")
                    .build(),
            );
        }
        let out = cloudfront
            .create_distribution()
            .distribution_config(config.build().expect("distribution config"))
            .send()
            .await
            .expect("create distribution");
        let distribution = out.distribution().expect("a distribution");
        (
            distribution.id().to_string(),
            distribution.arn().to_string(),
        )
    }

    /// Standard logging v2 of the distribution `arn` to the bucket `bucket`: a delivery
    /// source, a delivery destination and a delivery, in us-east-1.
    pub async fn log_delivery(endpoint: &str, name: &str, arn: &str, bucket: &str) {
        let logs = aws_sdk_cloudwatchlogs::Client::new(&sdk_config_in(endpoint, "us-east-1").await);
        logs.put_delivery_source()
            .name(name)
            .resource_arn(arn)
            .log_type("ACCESS_LOGS")
            .send()
            .await
            .expect("put delivery source");
        let destination = logs
            .put_delivery_destination()
            .name(format!("{name}-destination"))
            .delivery_destination_configuration(
                DeliveryDestinationConfiguration::builder()
                    .destination_resource_arn(format!("arn:aws:s3:::{bucket}"))
                    .build()
                    .expect("destination configuration"),
            )
            .send()
            .await
            .expect("put delivery destination");
        let destination_arn = destination
            .delivery_destination()
            .and_then(|d| d.arn())
            .expect("a destination ARN")
            .to_string();
        logs.create_delivery()
            .delivery_source_name(name)
            .delivery_destination_arn(destination_arn)
            .send()
            .await
            .expect("create delivery");
    }

    /// Two subnets of `region`'s default VPC.
    async fn default_subnets(endpoint: &str, region: &str) -> Vec<String> {
        let vpc = crate::vpc_seed::default_vpc(endpoint, region).await;
        let ec2 = aws_sdk_ec2::Client::new(&sdk_config_in(endpoint, region).await);
        let subnets: Vec<String> = ec2
            .describe_subnets()
            .filters(Filter::builder().name("vpc-id").values(vpc).build())
            .send()
            .await
            .expect("describe subnets")
            .subnets()
            .iter()
            .filter_map(|s| s.subnet_id().map(str::to_string))
            .take(2)
            .collect();
        assert_eq!(subnets.len(), 2, "moto's default VPC has a subnet per zone");
        subnets
    }

    /// Creates a v2 load balancer of `kind` (`application`, `network`, `gateway`) named
    /// `name` in `region`, with access logs to `logging_bucket` if given; its ARN.
    pub async fn load_balancer(
        endpoint: &str,
        region: &str,
        name: &str,
        kind: &str,
        logging_bucket: Option<&str>,
    ) -> String {
        use aws_sdk_elasticloadbalancingv2::types::{LoadBalancerAttribute, LoadBalancerTypeEnum};
        let elb =
            aws_sdk_elasticloadbalancingv2::Client::new(&sdk_config_in(endpoint, region).await);
        let out = elb
            .create_load_balancer()
            .name(name)
            .r#type(LoadBalancerTypeEnum::from(kind))
            .set_subnets(Some(default_subnets(endpoint, region).await))
            .send()
            .await
            .expect("create load balancer");
        let arn = out
            .load_balancers()
            .first()
            .and_then(|lb| lb.load_balancer_arn())
            .expect("a load balancer ARN")
            .to_string();
        if let Some(bucket) = logging_bucket {
            let attribute = |key: &str, value: &str| {
                LoadBalancerAttribute::builder()
                    .key(key)
                    .value(value)
                    .build()
            };
            elb.modify_load_balancer_attributes()
                .load_balancer_arn(&arn)
                .attributes(attribute("access_logs.s3.enabled", "true"))
                .attributes(attribute("access_logs.s3.bucket", bucket))
                .attributes(attribute("access_logs.s3.prefix", "alb"))
                .send()
                .await
                .expect("modify load balancer attributes");
        }
        arn
    }

    /// Creates a classic load balancer `name` in `region`, listening on port 80, with access
    /// logs to `logging_bucket` if given.
    pub async fn classic_load_balancer(
        endpoint: &str,
        region: &str,
        name: &str,
        logging_bucket: Option<&str>,
    ) {
        use aws_sdk_elasticloadbalancing::types::{AccessLog, Listener, LoadBalancerAttributes};
        let elb = aws_sdk_elasticloadbalancing::Client::new(&sdk_config_in(endpoint, region).await);
        elb.create_load_balancer()
            .load_balancer_name(name)
            .listeners(
                Listener::builder()
                    .protocol("HTTP")
                    .load_balancer_port(80)
                    .instance_protocol("HTTP")
                    .instance_port(8080)
                    .build()
                    .expect("listener"),
            )
            .availability_zones(format!("{region}a"))
            .send()
            .await
            .expect("create classic load balancer");
        if let Some(bucket) = logging_bucket {
            elb.modify_load_balancer_attributes()
                .load_balancer_name(name)
                .load_balancer_attributes(
                    LoadBalancerAttributes::builder()
                        .access_log(
                            AccessLog::builder()
                                .enabled(true)
                                .s3_bucket_name(bucket)
                                .emit_interval(60)
                                .build(),
                        )
                        .build(),
                )
                .send()
                .await
                .expect("modify classic load balancer attributes");
        }
    }

    /// Creates a REST API `name` in `region` with a stage `stage`, sending access logs to
    /// `log_group_arn` if given; the API's id.
    pub async fn rest_api(
        endpoint: &str,
        region: &str,
        name: &str,
        stage: &str,
        log_group_arn: Option<&str>,
    ) -> String {
        use aws_sdk_apigateway::types::{Op, PatchOperation};
        let apigateway = aws_sdk_apigateway::Client::new(&sdk_config_in(endpoint, region).await);
        let id = apigateway
            .create_rest_api()
            .name(name)
            .send()
            .await
            .expect("create REST API")
            .id()
            .expect("a REST API id")
            .to_string();
        apigateway
            .create_stage()
            .rest_api_id(&id)
            .stage_name(stage)
            .deployment_id("cisrun-deployment")
            .send()
            .await
            .expect("create stage");
        if let Some(arn) = log_group_arn {
            apigateway
                .update_stage()
                .rest_api_id(&id)
                .stage_name(stage)
                .patch_operations(
                    PatchOperation::builder()
                        .op(Op::Replace)
                        .path("/accessLogSettings/destinationArn")
                        .value(arn)
                        .build(),
                )
                .patch_operations(
                    PatchOperation::builder()
                        .op(Op::Replace)
                        .path("/accessLogSettings/format")
                        .value("$context.requestId")
                        .build(),
                )
                .send()
                .await
                .expect("update stage");
        }
        id
    }

    /// Creates an HTTP API `name` in `region` with a stage `stage`, sending access logs to
    /// `log_group_arn` if given; the API's id.
    pub async fn http_api(
        endpoint: &str,
        region: &str,
        name: &str,
        stage: &str,
        log_group_arn: Option<&str>,
    ) -> String {
        use aws_sdk_apigatewayv2::types::{AccessLogSettings, ProtocolType};
        let apigateway = aws_sdk_apigatewayv2::Client::new(&sdk_config_in(endpoint, region).await);
        let id = apigateway
            .create_api()
            .name(name)
            .protocol_type(ProtocolType::Http)
            .send()
            .await
            .expect("create HTTP API")
            .api_id()
            .expect("an API id")
            .to_string();
        let mut request = apigateway.create_stage().api_id(&id).stage_name(stage);
        if let Some(arn) = log_group_arn {
            request = request.access_log_settings(
                AccessLogSettings::builder()
                    .destination_arn(arn)
                    .format("$context.requestId")
                    .build(),
            );
        }
        request.send().await.expect("create HTTP API stage");
        id
    }
}
