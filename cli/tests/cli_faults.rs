//! Fault injection on `semantic-eq render` (issue 6): outputs that cannot
//! be written (missing, read-only or full file systems, `/dev/full`, a file
//! size limit, FIFOs, sockets), outputs that name one of the inputs, signals
//! in the middle of a render, and inputs with broken or hostile headers.
//!
//! Every failing case must end with an exit status (not a signal), exactly
//! one `error: …` line on stderr (no panic, no backtrace: the children run
//! with `RUST_BACKTRACE=1`, so a panic would show one), no output and no
//! temporary file left in any watched directory, and every input byte for
//! byte unchanged. Nothing may hang: every child has a deadline.
//!
//! `tests/cli.rs` covers the first cases of several classes (a missing
//! directory, a directory as output, same path/symlink/hard link as input,
//! SIGINT/SIGTERM, an empty file, 0 and 9 channels, a data chunk longer than
//! the file); this file covers the rest. Read-only directories and full file
//! systems need privileges to stage when the tests run as root (as CI does):
//! see [`read_only_directories_refuse_the_output`] and
//! [`a_full_file_system_leaves_nothing_behind`]; a mechanism that is not
//! available is skipped with the reason printed, never asserted vacuously.
//!
//! Unix only: FIFOs, sockets, device nodes, signals and file modes are the
//! cases.
#![cfg(unix)]

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::fs;
use std::os::unix::fs::{FileTypeExt, PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

#[allow(dead_code)]
#[path = "../../tests/src/wav_files.rs"]
mod wav_files;
use wav_files::{extensible_body, fmt_body, riff};

const BIN: &str = env!("CARGO_BIN_EXE_semantic-eq");

/// No single run may take longer than this.
const DEADLINE: Duration = Duration::from_secs(60);

/// `semantic-eq` with a backtrace requested, so that a panic cannot hide.
fn semantic_eq() -> Command {
    let mut c = Command::new(BIN);
    c.env("RUST_BACKTRACE", "1");
    c
}

fn render_cmd(input: &Path, output: &Path, extra: &[&str]) -> Command {
    let mut c = semantic_eq();
    c.arg("render").arg(input).arg(output).args(extra);
    c
}

/// Runs `c` with stdin closed; kills it (by its pid) and fails if it is
/// still running after `limit`.
fn run_within(mut c: Command, limit: Duration) -> Output {
    c.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = c.spawn().expect("spawn");
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(limit) {
        Ok(out) => out.expect("wait for the child"),
        Err(_) => {
            let _ = Command::new("kill")
                .args(["-s", "KILL", &pid.to_string()])
                .status();
            panic!("{c:?} hung (still running after {limit:?})");
        }
    }
}

fn run(c: Command) -> Output {
    run_within(c, DEADLINE)
}

// --- what must hold -------------------------------------------------------------------

/// One entry of a directory listing.
#[derive(Debug, PartialEq)]
enum Entry {
    File(Vec<u8>),
    Dir,
    Link(PathBuf),
    /// Devices, FIFOs and sockets (their contents are not read).
    Special(String),
}

/// Every entry of `dir` (not recursive) with the bytes of its regular files.
fn listing(dir: &Path) -> BTreeMap<OsString, Entry> {
    fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("list {}: {e}", dir.display()))
        .map(|e| {
            let e = e.unwrap();
            let t = e.file_type().unwrap();
            let entry = if t.is_file() {
                Entry::File(fs::read(e.path()).unwrap_or_default())
            } else if t.is_dir() {
                Entry::Dir
            } else if t.is_symlink() {
                Entry::Link(fs::read_link(e.path()).unwrap())
            } else {
                Entry::Special(format!("{t:?}"))
            };
            (e.file_name(), entry)
        })
        .collect()
}

/// The state a failed run must leave unchanged: directory listings (with
/// file contents) and the bytes of the inputs.
struct Snapshot {
    dirs: Vec<(PathBuf, BTreeMap<OsString, Entry>)>,
    files: Vec<(PathBuf, Vec<u8>)>,
}

impl Snapshot {
    fn take(dirs: &[&Path], files: &[&Path]) -> Self {
        Self {
            dirs: dirs.iter().map(|d| (d.to_path_buf(), listing(d))).collect(),
            files: files
                .iter()
                .map(|f| (f.to_path_buf(), fs::read(f).expect("read an input")))
                .collect(),
        }
    }

    fn assert_unchanged(&self, label: &str) {
        for (d, before) in &self.dirs {
            let now = listing(d);
            let added: Vec<_> = now.keys().filter(|k| !before.contains_key(*k)).collect();
            let removed: Vec<_> = before.keys().filter(|k| !now.contains_key(*k)).collect();
            assert!(
                added.is_empty() && removed.is_empty(),
                "{label}: {} changed: added {added:?}, removed {removed:?}",
                d.display()
            );
            for (k, v) in before {
                assert!(
                    now[k] == *v,
                    "{label}: {} changed in {}",
                    k.to_string_lossy(),
                    d.display()
                );
            }
        }
        for (f, before) in &self.files {
            let now = fs::read(f).expect("read an input");
            assert!(
                now == *before,
                "{label}: input {} changed ({} -> {} bytes)",
                f.display(),
                before.len(),
                now.len()
            );
        }
    }
}

/// A clean failure: an exit status (no signal), one `error: …` line that
/// mentions `expect` (case-insensitive), no panic or backtrace.
fn assert_clean_failure(label: &str, out: &Output, expect: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{label}: succeeded");
    assert!(
        out.status.code().is_some(),
        "{label}: killed by a signal ({:?}); stderr: {stderr}",
        out.status
    );
    assert_eq!(
        stderr.lines().count(),
        1,
        "{label}: not one line on stderr:\n{stderr}"
    );
    assert!(stderr.starts_with("error: "), "{label}: {stderr}");
    for bad in ["panicked", "backtrace", "RUST_BACKTRACE"] {
        assert!(!stderr.contains(bad), "{label}: {stderr}");
    }
    assert!(
        stderr.to_lowercase().contains(&expect.to_lowercase()),
        "{label}: '{}' does not mention '{expect}'",
        stderr.trim_end()
    );
}

/// Runs `c`, which must fail cleanly, and checks that `dirs` and `inputs`
/// are exactly as before.
fn fails_cleanly(label: &str, c: Command, dirs: &[&Path], inputs: &[&Path], expect: &str) {
    let before = Snapshot::take(dirs, inputs);
    let out = run(c);
    assert_clean_failure(label, &out, expect);
    before.assert_unchanged(label);
}

/// Names of the temporary files `render` writes (`.semantic-eq-*.tmp`).
fn temp_files(dir: &Path) -> Vec<OsString> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().starts_with(".semantic-eq-"))
        .collect()
}

fn report(group: &str, cases: usize) {
    eprintln!("[cli_faults] {group}: {cases} cases, 0 failures");
}

fn skip(group: &str, why: &str) {
    eprintln!("[cli_faults] {group}: SKIPPED: {why}");
}

// --- fixtures -------------------------------------------------------------------------

/// A canonical 44-byte-header WAV: 16-bit PCM, `channels` × `frames` of
/// seeded noise at about −12 dBFS.
fn wav16(channels: u16, rate: u32, frames: usize, seed: u64) -> Vec<u8> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let data_len = frames * channels as usize * 2;
    let mut f = Vec::with_capacity(44 + data_len);
    f.extend_from_slice(b"RIFF");
    f.extend_from_slice(&(36 + data_len as u32).to_le_bytes());
    f.extend_from_slice(b"WAVEfmt ");
    f.extend_from_slice(&16u32.to_le_bytes());
    f.extend_from_slice(&fmt_body(1, channels, rate, 16));
    f.extend_from_slice(b"data");
    f.extend_from_slice(&(data_len as u32).to_le_bytes());
    for _ in 0..frames * channels as usize {
        let v: i16 = rng.random_range(-8192..8192);
        f.extend_from_slice(&v.to_le_bytes());
    }
    f
}

fn set_u32(f: &mut [u8], at: usize, v: u32) {
    f[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

fn set_u16(f: &mut [u8], at: usize, v: u16) {
    f[at..at + 2].copy_from_slice(&v.to_le_bytes());
}

/// A temporary directory others may enter (for runs as another user).
fn open_tempdir() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    fs::set_permissions(d.path(), fs::Permissions::from_mode(0o755)).unwrap();
    d
}

fn is_root() -> bool {
    // The effective uid from /proc (no libc dependency).
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|u| u == "0"))
        })
        .unwrap_or(false)
}

/// `sh -c script sh args…`.
fn sh(script: &str, args: &[&OsStr]) -> Command {
    let mut c = Command::new("sh");
    c.arg("-c").arg(script).arg("sh").args(args);
    c
}

// --- where the output goes ------------------------------------------------------------

/// Output paths that cannot be created: through a missing directory, through a
/// regular file, with a trailing slash, empty, the root or current directory,
/// a symlink to a directory, a FIFO, a socket.
#[test]
fn impossible_output_paths_fail_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let input = d.join("in.wav");
    fs::write(&input, wav16(2, 48_000, 4_000, 1)).unwrap();
    fs::write(d.join("afile"), b"not a directory").unwrap();
    fs::create_dir(d.join("sub")).unwrap();
    symlink(d.join("sub"), d.join("dirlink")).unwrap();
    Command::new("mkfifo")
        .arg(d.join("fifo"))
        .status()
        .expect("mkfifo");
    let _socket = std::os::unix::net::UnixListener::bind(d.join("socket")).unwrap();

    let cases: Vec<(&str, PathBuf, &str)> = vec![
        (
            "missing nested dirs",
            d.join("a/b/c/out.wav"),
            "cannot create the output",
        ),
        (
            "parent is a file",
            d.join("afile/out.wav"),
            "not a directory",
        ),
        ("trailing slash", d.join("new.wav/"), "output"),
        ("empty path", PathBuf::new(), "OUT.wav"),
        ("current dir", PathBuf::from("."), "is a directory"),
        ("root dir", PathBuf::from("/"), "is a directory"),
        ("symlink to a dir", d.join("dirlink"), "is a directory"),
        ("a FIFO", d.join("fifo"), "not a regular file"),
        ("a socket", d.join("socket"), "not a regular file"),
    ];
    let n = cases.len();
    for (label, output, expect) in cases {
        let mut c = render_cmd(&input, &output, &["--quiet"]);
        c.current_dir(d);
        fails_cleanly(label, c, &[d, &d.join("sub")], &[&input], expect);
    }
    report("impossible output paths", n);
}

/// Tries ways to run a child that cannot write into a directory even when
/// these tests run as root. Each returns the command prefix, or why not.
enum Denial {
    /// chmod 0555 as an ordinary user.
    Chmod,
    /// chmod 0555 and the child as `nobody` (setpriv).
    Setpriv,
    /// A read-only bind mount in a private mount namespace (unshare).
    ReadOnlyMount,
}

/// A command that runs `render` against `ro` (already chmod 0555) under
/// `how`, or `None` (with the reason) if `how` cannot deny writes here.
fn denied_render(how: &Denial, ro: &Path, args: &[&OsStr]) -> Result<Command, String> {
    // The probe: can the same mechanism create a file in `ro`? It must not.
    let probe_script = "echo x > \"$1/.probe\"";
    let (mut probe, render) = match how {
        Denial::Chmod => {
            if is_root() {
                return Err("running as root: permission bits do not stop root".into());
            }
            let mut r = semantic_eq();
            r.args(args);
            (sh(probe_script, &[ro.as_os_str()]), r)
        }
        Denial::Setpriv => {
            if !is_root() {
                return Err("not root: the plain chmod case covers this".into());
            }
            let who = ["--reuid=65534", "--regid=65534", "--clear-groups", "--"];
            let mut p = Command::new("setpriv");
            p.args(who).args(["sh", "-c", probe_script, "sh"]).arg(ro);
            let mut r = Command::new("setpriv");
            r.args(who).arg(BIN).args(args).env("RUST_BACKTRACE", "1");
            (p, r)
        }
        Denial::ReadOnlyMount => {
            let mount =
                "mount --bind \"$1\" \"$1\" && mount -o remount,bind,ro \"$1\" || exit 99; ";
            let mut p = Command::new("unshare");
            p.args(["-m", "sh", "-c", &format!("{mount}{probe_script}"), "sh"])
                .arg(ro);
            let mut r = Command::new("unshare");
            r.args([
                "-m",
                "sh",
                "-c",
                &format!("{mount}shift; exec \"$@\""),
                "sh",
            ])
            .arg(ro)
            .arg(BIN)
            .args(args)
            .env("RUST_BACKTRACE", "1");
            (p, r)
        }
    };
    let out = probe
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("cannot run the probe: {e}"))?;
    if ro.join(".probe").exists() {
        let _ = fs::remove_file(ro.join(".probe"));
        return Err("the probe could write into the directory".into());
    }
    match out.status.code() {
        Some(99) => Err(format!(
            "cannot make a read-only bind mount: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )),
        Some(0) => Err("the probe's write did not fail".into()),
        Some(_) => Ok(render),
        None => Err("the probe was killed".into()),
    }
}

/// A directory the process may not write to: by permission bits (as a plain
/// user, or as `nobody` via setpriv when root) and by a read-only bind mount.
/// Both a new output and an existing one in that directory.
#[test]
fn read_only_directories_refuse_the_output() {
    let dir = open_tempdir();
    let d = dir.path();
    let input = d.join("in.wav");
    fs::write(&input, wav16(2, 44_100, 3_000, 2)).unwrap();
    fs::set_permissions(&input, fs::Permissions::from_mode(0o644)).unwrap();
    let ro = d.join("ro");
    fs::create_dir(&ro).unwrap();
    fs::write(ro.join("old.wav"), b"an older render").unwrap();
    fs::set_permissions(&ro, fs::Permissions::from_mode(0o555)).unwrap();

    let mut cases = 0;
    for (how, name, expect) in [
        (Denial::Chmod, "chmod 0555", "permission denied"),
        (
            Denial::Setpriv,
            "chmod 0555, run as nobody",
            "permission denied",
        ),
        (
            Denial::ReadOnlyMount,
            "read-only bind mount",
            "read-only file system",
        ),
    ] {
        for target in ["new.wav", "old.wav"] {
            let out = ro.join(target);
            let args = [
                OsStr::new("render"),
                input.as_os_str(),
                out.as_os_str(),
                OsStr::new("--quiet"),
            ];
            match denied_render(&how, &ro, &args) {
                Ok(c) => {
                    let label = format!("{name}: {target}");
                    fails_cleanly(&label, c, &[d, &ro], &[&input], expect);
                    cases += 1;
                }
                Err(why) => {
                    skip(&format!("read-only directory ({name})"), &why);
                    break;
                }
            }
        }
    }
    fs::set_permissions(&ro, fs::Permissions::from_mode(0o755)).unwrap();
    assert!(cases > 0, "no mechanism could make a read-only directory");
    report("read-only directories", cases);
}

/// `/dev/full` (every write fails with ENOSPC) and `/dev/null`: a character
/// device is written in place (no temporary file in /dev, never replaced);
/// FIFOs, sockets and block devices are refused. A private copy of the
/// device node is tried first when root, so that a renderer that renamed
/// over the output would damage only the copy, never the real /dev/full.
#[test]
fn dev_full_fails_with_enospc_and_dev_null_works() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let input = d.join("in.wav");
    fs::write(&input, wav16(2, 48_000, 48_000, 3)).unwrap();
    let mut cases = 0;

    let private = d.join("devs");
    fs::create_dir(&private).unwrap();
    let copy_made = is_root()
        && Command::new("mknod")
            .arg(private.join("full"))
            .args(["c", "1", "7"])
            .status()
            .is_ok_and(|s| s.success())
        && Command::new("mknod")
            .arg(private.join("null"))
            .args(["c", "1", "3"])
            .status()
            .is_ok_and(|s| s.success());
    let mut devs: Vec<PathBuf> = Vec::new();
    if copy_made {
        devs.push(private.clone());
    } else {
        skip("private device nodes", "not root or mknod failed");
    }
    devs.push(PathBuf::from("/dev"));
    for dev in devs {
        let full = dev.join("full");
        let is_char =
            |p: &Path| fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_char_device());
        assert!(
            is_char(&full),
            "{} is not a character device",
            full.display()
        );
        let label = format!("{}", full.display());
        for extra in [&["--quiet"][..], &["--quiet", "--float"][..]] {
            fails_cleanly(
                &label,
                render_cmd(&input, &full, extra),
                &[&dev, d],
                &[&input],
                "no space left on device",
            );
            assert!(is_char(&full), "{label} was replaced");
            cases += 1;
        }
        // /dev/null takes everything.
        let null = dev.join("null");
        let before = Snapshot::take(&[&dev, d], &[&input]);
        let out = run(render_cmd(&input, &null, &["--quiet"]));
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "{}: {}",
            null.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        before.assert_unchanged(&null.display().to_string());
        assert!(is_char(&null), "{} was replaced", null.display());
        cases += 1;
    }
    report("/dev/full and /dev/null", cases);
}

/// A private mount namespace in which this process may mount a tmpfs, as the
/// `unshare` arguments to get there (`-m` as root, `-rm` as a user with
/// unprivileged user namespaces), or why not.
fn private_mount_namespace() -> Result<Vec<&'static str>, String> {
    let probe_dir = tempfile::tempdir().unwrap();
    let mut last = String::new();
    for prefix in [vec!["unshare", "-m"], vec!["unshare", "-rm"]] {
        let out = Command::new(prefix[0])
            .args(&prefix[1..])
            .args([
                "sh",
                "-c",
                "mount -t tmpfs -o size=64k semeq-probe \"$1\"",
                "sh",
            ])
            .arg(probe_dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output();
        match out {
            Ok(o) if o.status.success() => return Ok(prefix),
            Ok(o) => last = String::from_utf8_lossy(&o.stderr).trim().to_string(),
            Err(e) => last = e.to_string(),
        }
    }
    Err(format!(
        "cannot mount a tmpfs in a private namespace: {last}"
    ))
}

/// A genuinely full file system: a 64 KiB tmpfs, mounted in a private
/// mount namespace (so nothing outside sees it), with the render's output
/// on it. Once empty (the write fails part-way) and once already full (the
/// header write fails). The listing of the tmpfs after the render is taken
/// inside the namespace and must hold nothing new. Also a file size limit
/// (`ulimit -f`, EFBIG), with SIGXFSZ at its default (which would kill the
/// process) and ignored.
#[test]
fn a_full_file_system_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let input = d.join("in.wav");
    // 1 s of stereo 16-bit audio: 188 KiB, three times the tmpfs.
    fs::write(&input, wav16(2, 48_000, 48_000, 4)).unwrap();
    let mnt = d.join("mnt");
    fs::create_dir(&mnt).unwrap();
    let mut cases = 0;

    match private_mount_namespace() {
        Ok(prefix) => {
            let script = "d=$1; fill=$2; shift 2
mount -t tmpfs -o size=64k semeq-full \"$d\" || exit 99
if [ \"$fill\" = 1 ]; then head -c 1000000 /dev/zero > \"$d/filler\" 2>/dev/null; fi
\"$@\"; rc=$?
ls -A \"$d\"
exit $rc";
            for (fill, expect_left) in [("0", ""), ("1", "filler\n")] {
                for extra in [&[][..], &["--float"][..]] {
                    let out_path = mnt.join("out.wav");
                    let mut c = Command::new(prefix[0]);
                    c.args(&prefix[1..])
                        .args(["sh", "-c", script, "sh"])
                        .arg(&mnt)
                        .arg(fill)
                        .arg(BIN)
                        .arg("render")
                        .arg(&input)
                        .arg(&out_path)
                        .arg("--quiet")
                        .args(extra)
                        .env("RUST_BACKTRACE", "1");
                    let label = format!("64 KiB tmpfs, filled first: {fill}, {extra:?}");
                    let before = Snapshot::take(&[d, &mnt], &[&input]);
                    let out = run(c);
                    assert_ne!(out.status.code(), Some(99), "{label}: mount failed");
                    assert_clean_failure(&label, &out, "no space left on device");
                    assert_eq!(
                        String::from_utf8_lossy(&out.stdout),
                        expect_left,
                        "{label}: left on the full file system"
                    );
                    before.assert_unchanged(&label);
                    cases += 1;
                }
            }
        }
        Err(why) => skip("full tmpfs", &why),
    }

    // A file size limit of 16 KiB (ulimit -f counts 512-byte blocks).
    for (script, label) in [
        ("ulimit -f 32 && exec \"$@\"", "ulimit -f, SIGXFSZ default"),
        (
            "trap '' XFSZ; ulimit -f 32 && exec \"$@\"",
            "ulimit -f, SIGXFSZ ignored",
        ),
    ] {
        let out_path = d.join("out.wav");
        let mut c = sh(
            script,
            &[
                OsStr::new(BIN),
                OsStr::new("render"),
                input.as_os_str(),
                out_path.as_os_str(),
                OsStr::new("--quiet"),
            ],
        );
        c.env("RUST_BACKTRACE", "1");
        fails_cleanly(label, c, &[d], &[&input], "file too large");
        cases += 1;
    }
    report("full file systems and file size limits", cases);
}

// --- the output names an input --------------------------------------------------------

/// Beyond tests/cli.rs (same path, `sub/..`, symlink, hard link, symlinked
/// directory, input named through a link): a chain of symlinks, a relative
/// path from the working directory, doubled slashes, a hard link in another
/// directory, the input named by its hard link, and the automation and
/// model files as the output.
#[test]
fn no_name_of_an_input_is_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let input = d.join("in.wav");
    fs::write(&input, wav16(1, 48_000, 2_000, 5)).unwrap();
    let sub = d.join("sub");
    fs::create_dir(&sub).unwrap();
    symlink(&input, d.join("link1.wav")).unwrap();
    symlink(d.join("link1.wav"), d.join("link2.wav")).unwrap();
    fs::hard_link(&input, sub.join("hard.wav")).unwrap();
    let automation = d.join("moves.csv");
    fs::write(&automation, "time_s,x\n0,-1\n0.02,1\n").unwrap();
    let model = d.join("model.safetensors");
    let assets = Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/decoder.safetensors");
    fs::copy(assets, &model).unwrap();

    let mut slashes = d.as_os_str().to_os_string();
    slashes.push("//in.wav");
    let cases: Vec<(&str, PathBuf, PathBuf, Vec<&OsStr>)> = vec![
        ("symlink chain", input.clone(), d.join("link2.wav"), vec![]),
        ("relative path", "in.wav".into(), "./in.wav".into(), vec![]),
        ("doubled slashes", input.clone(), slashes.into(), vec![]),
        (
            "hard link in a subdirectory",
            input.clone(),
            sub.join("hard.wav"),
            vec![],
        ),
        (
            "input by its hard link",
            sub.join("hard.wav"),
            input.clone(),
            vec![],
        ),
        (
            "the automation file",
            input.clone(),
            automation.clone(),
            vec![OsStr::new("--automation"), automation.as_os_str()],
        ),
        (
            "the model file",
            input.clone(),
            model.clone(),
            vec![OsStr::new("--model"), model.as_os_str()],
        ),
    ];
    let n = cases.len();
    for (label, inp, out, extra) in cases {
        let mut c = semantic_eq();
        c.arg("render")
            .arg(&inp)
            .arg(&out)
            .arg("--quiet")
            .args(extra);
        c.current_dir(d);
        fails_cleanly(
            label,
            c,
            &[d, &sub],
            &[&input, &automation, &model],
            "refusing to overwrite the input",
        );
    }
    report("output names an input", n);
}

// --- signals --------------------------------------------------------------------------

fn kill(pid: u32, signal: &str) -> bool {
    Command::new("kill")
        .args(["-s", signal, &pid.to_string()])
        .status()
        .is_ok_and(|s| s.success())
}

/// Starts a render of `input` over the existing `output`, stops it (SIGSTOP)
/// as soon as its temporary file exists, sends `signals`, lets it continue
/// and returns its output, or `None` if it finished before it could be
/// stopped.
fn interrupt(input: &Path, output: &Path, signals: &[&str]) -> Option<Output> {
    let dir = output.parent().unwrap();
    let mut c = render_cmd(input, output, &["--quiet", "--x", "0.7"]);
    c.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let pid = child.id();
    let t0 = Instant::now();
    loop {
        if !temp_files(dir).is_empty() {
            break;
        }
        if child.try_wait().unwrap().is_some() || t0.elapsed() > DEADLINE {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "the render failed before it started: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            return None;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    assert!(kill(pid, "STOP"));
    // Stopped: check it is really mid-render (the output is not complete).
    let expected = fs::metadata(input).unwrap().len();
    let tmp = temp_files(dir);
    let written = tmp
        .first()
        .and_then(|t| fs::metadata(dir.join(t)).ok())
        .map_or(expected, |m| m.len());
    for s in signals {
        assert!(kill(pid, s), "kill -s {s}");
    }
    assert!(kill(pid, "CONT"));
    let out = child.wait_with_output().unwrap();
    if written >= expected && out.status.success() {
        return None;
    }
    Some(out)
}

/// SIGINT, SIGTERM and SIGHUP (the terminal closed), once and twice in a
/// row, while a render runs with its output next to its input and an older
/// output in place: a clean failure, the directory exactly as before (the
/// older output intact, no temporary file).
#[test]
fn signals_mid_render_keep_the_old_output_and_leave_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let input = d.join("long.wav");
    let output = d.join("out.wav");
    fs::write(&output, b"the previous render, which must survive").unwrap();
    let mut cases = 0;
    for signals in [
        &["INT"][..],
        &["TERM"],
        &["HUP"],
        &["INT", "INT"],
        &["TERM", "INT", "HUP"],
    ] {
        let label = format!("{signals:?}");
        let mut interrupted = None;
        // Longer inputs until one is caught mid-render (the first nearly always is).
        for seconds in [60usize, 240, 600] {
            fs::write(&input, wav16(2, 48_000, seconds * 48_000, 6)).unwrap();
            let before = Snapshot::take(&[d], &[&input]);
            match interrupt(&input, &output, signals) {
                Some(out) => {
                    assert_clean_failure(&label, &out, "interrupted");
                    before.assert_unchanged(&label);
                    interrupted = Some(seconds);
                    break;
                }
                None => {
                    eprintln!("{label}: the {seconds} s render finished first; longer");
                    fs::write(&output, b"the previous render, which must survive").unwrap();
                }
            }
        }
        assert!(interrupted.is_some(), "{label}: never caught mid-render");
        cases += 1;
    }
    report("signals mid-render", cases);
}

// --- inputs ---------------------------------------------------------------------------

/// A FIFO as any input (WAV, automation, model) must be refused, not
/// waited on (opening a FIFO for reading blocks until a writer appears);
/// `/dev/zero` must not be read (it never ends), nor a directory, nor a
/// model file far too big to be one.
#[test]
fn special_files_as_input_are_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let fifo = d.join("in.fifo");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let wav = d.join("in.wav");
    fs::write(&wav, wav16(2, 48_000, 1_000, 10)).unwrap();
    // In a directory of its own: the snapshots read every file they watch.
    fs::create_dir(d.join("big")).unwrap();
    let huge = d.join("big/huge.safetensors");
    fs::File::create(&huge).unwrap().set_len(3 << 30).unwrap();
    let out = d.join("out.wav");
    let zero = Path::new("/dev/zero");
    let mut n = 0;
    let mut case = |label: &str, input: &Path, extra: &[&OsStr], expect: &str| {
        let mut c = render_cmd(input, &out, &["--quiet"]);
        c.args(extra);
        let before = Snapshot::take(&[d], &[&wav]);
        let o = run_within(c, Duration::from_secs(20));
        assert_clean_failure(label, &o, expect);
        before.assert_unchanged(label);
        n += 1;
    };
    case("FIFO as input", &fifo, &[], "not a regular file");
    case("/dev/zero as input", zero, &[], "not a regular file");
    case(
        "/dev/null as input",
        Path::new("/dev/null"),
        &[],
        "not a regular file",
    );
    case("directory as input", d, &[], "not a regular file");
    for (what, flag) in [("automation", "--automation"), ("model", "--model")] {
        for (label, path) in [
            ("FIFO", fifo.as_path()),
            ("/dev/zero", zero),
            ("directory", d),
        ] {
            case(
                &format!("{label} as {what}"),
                &wav,
                &[OsStr::new(flag), path.as_os_str()],
                "not a regular file",
            );
        }
    }
    case(
        "3 GiB model file",
        &wav,
        &[OsStr::new("--model"), huge.as_os_str()],
        "larger than",
    );
    report("special files as inputs", n);
}

/// One hostile input: the file's bytes, and what must happen.
struct Bad {
    label: String,
    bytes: Vec<u8>,
    /// `Err(text)`: a clean failure mentioning `text`; `Ok(frames)`: a
    /// successful render of that many frames.
    outcome: Result<u64, &'static str>,
}

fn bad(label: impl Into<String>, bytes: Vec<u8>, outcome: Result<u64, &'static str>) -> Bad {
    Bad {
        label: label.into(),
        bytes,
        outcome,
    }
}

/// Broken headers: channel counts, RIFF/fmt/data sizes too big and too small,
/// rates, alignments, other chunks that claim too much, tiny files.
fn header_cases() -> Vec<Bad> {
    const FRAMES: usize = 1_000;
    let good = wav16(2, 44_100, FRAMES, 7);
    let data_len = (FRAMES * 4) as u32;
    let frames = FRAMES as u64;
    let mut v = Vec::new();
    let with = |f: &dyn Fn(&mut Vec<u8>)| {
        let mut b = good.clone();
        f(&mut b);
        b
    };

    // Too few bytes to be anything.
    v.push(bad("1 byte", b"R".to_vec(), Err("not a WAV file")));
    v.push(bad("11 bytes", good[..11].to_vec(), Err("not a WAV file")));
    v.push(bad(
        "RIFF header only",
        good[..12].to_vec(),
        Err("no fmt chunk"),
    ));
    v.push(bad(
        "RIFF + zeros",
        with(&|b| b[4..].fill(0)),
        Err("not a WAV file"),
    ));

    // Channels.
    for ch in [16u16, 255, 65_535] {
        let bytes = riff(&[
            (b"fmt ", fmt_body(1, ch, 44_100, 16)),
            (b"data", vec![0; 64]),
        ]);
        v.push(bad(format!("{ch} channels"), bytes, Err("channels")));
    }
    for ch in [0u16, 9, 32] {
        let bytes = riff(&[
            (b"fmt ", extensible_body(ch, 44_100, 24)),
            (b"data", vec![0; 96]),
        ]);
        v.push(bad(
            format!("extensible, {ch} channels"),
            bytes,
            Err("channels"),
        ));
    }

    // The RIFF size is advisory (writers often get it wrong); the chunk
    // sizes decide. Each renders the whole file.
    for riff_len in [0u32, 4, 35, 36 + data_len - 1, 36 + data_len + 1, u32::MAX] {
        v.push(bad(
            format!("RIFF size {riff_len}"),
            with(&|b| set_u32(b, 4, riff_len)),
            Ok(frames),
        ));
    }

    // data chunk size.
    for (len, expect) in [
        (data_len + 4, "truncated"),
        (data_len + 1, "truncated"),
        (0x7FFF_FFFF, "truncated"),
        (u32::MAX, "truncated"),
        (data_len - 1, "not a multiple of the frame size"),
        (3, "not a multiple of the frame size"),
    ] {
        v.push(bad(
            format!("data size {len}"),
            with(&|b| set_u32(b, 40, len)),
            Err(expect),
        ));
    }
    // Smaller but whole frames: exactly the declared frames are rendered
    // (the rest is not audio as far as the header says).
    v.push(bad(
        "data size one frame short",
        with(&|b| set_u32(b, 40, data_len - 4)),
        Ok(frames - 1),
    ));
    v.push(bad("data size 0", with(&|b| set_u32(b, 40, 0)), Ok(0)));

    // fmt chunk size.
    for len in [0u32, 2, 8, 14, 15, 4097, 0x0010_0000, u32::MAX] {
        v.push(bad(
            format!("fmt size {len}"),
            with(&|b| set_u32(b, 16, len)),
            Err("fmt chunk of"),
        ));
    }
    // Bigger than its body but plausible: it swallows the data chunk header.
    for len in [18u32, 24, 40, 100] {
        v.push(bad(
            format!("fmt size {len} (swallows the data header)"),
            with(&|b| set_u32(b, 16, len)),
            Err("wav file"),
        ));
    }
    v.push(bad(
        "fmt size past the end of the file",
        with(&|b| {
            set_u32(b, 16, 4000);
            b.truncate(200);
        }),
        Err("cut short"),
    ));
    let mut short_ext = extensible_body(2, 44_100, 16);
    short_ext.truncate(16);
    v.push(bad(
        "extensible tag in a 16-byte fmt",
        riff(&[(b"fmt ", short_ext), (b"data", vec![0; 8])]),
        Err("too short"),
    ));

    // Another chunk that claims more than the file has, before fmt and
    // between fmt and data.
    for (where_, at) in [("before fmt", 12usize), ("before data", 36)] {
        let mut b = good[..at].to_vec();
        b.extend_from_slice(b"LIST");
        b.extend_from_slice(&u32::MAX.to_le_bytes());
        b.extend_from_slice(&good[at..]);
        v.push(bad(
            format!("LIST of 4 GiB {where_}"),
            b,
            Err("extends past the end"),
        ));
    }

    // Rates, alignment, bits.
    for rate in [0u32, 1, 999, 1_536_001, u32::MAX] {
        v.push(bad(
            format!("{rate} Hz"),
            with(&|b| set_u32(b, 24, rate)),
            Err("sample rate"),
        ));
    }
    v.push(bad(
        "block align 0",
        with(&|b| set_u16(b, 32, 0)),
        Err("do not fit"),
    ));
    v.push(bad(
        "block align 3",
        with(&|b| set_u16(b, 32, 3)),
        Err("do not fit"),
    ));
    v.push(bad(
        "block align 65535",
        with(&|b| set_u16(b, 32, 65_535)),
        Err("invalid wav file"),
    ));
    v.push(bad(
        "0 bits",
        with(&|b| set_u16(b, 34, 0)),
        Err("do not fit"),
    ));
    v.push(bad(
        "float tag, 16 bits",
        with(&|b| set_u16(b, 20, 3)),
        Err("16-bit float"),
    ));
    v
}

/// Every prefix of the headers of two valid files (plain 44-byte, and
/// extensible 24-bit with a LIST chunk before the data): a clean failure.
fn prefix_cases() -> Vec<Bad> {
    let plain = wav16(2, 44_100, 100, 8);
    let mut data = vec![0u8; 6 * 3 * 10];
    data[0] = 1;
    let ext = riff(&[
        (b"fmt ", extensible_body(6, 48_000, 24)),
        (b"LIST", b"INFOISFT\x05\x00\x00\x00semeq\x00".to_vec()),
        (b"data", data),
    ]);
    let ext_header = ext.len() - 180;
    let mut v = Vec::new();
    for (name, file, header) in [("plain", &plain, 44usize), ("extensible", &ext, ext_header)] {
        for n in 0..=header {
            v.push(bad(
                format!("{name} cut at {n}"),
                file[..n].to_vec(),
                Err(""),
            ));
        }
    }
    v
}

/// Runs every case in `cases` against one directory and checks its outcome.
fn run_cases(group: &str, cases: &[Bad]) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let input = d.join("in.wav");
    let out = d.join("out.wav");
    for case in cases {
        fs::write(&input, &case.bytes).unwrap();
        let label = format!("{group}: {}", case.label);
        match case.outcome {
            Err(expect) => fails_cleanly(
                &label,
                render_cmd(&input, &out, &["--quiet"]),
                &[d],
                &[&input],
                expect,
            ),
            Ok(frames) => {
                let before = Snapshot::take(&[], &[&input]);
                let o = run(render_cmd(&input, &out, &["--quiet"]));
                assert!(
                    o.status.success() && o.stderr.is_empty(),
                    "{label}: {}",
                    String::from_utf8_lossy(&o.stderr)
                );
                before.assert_unchanged(&label);
                let r = hound::WavReader::open(&out).unwrap();
                assert_eq!(u64::from(r.duration()), frames, "{label}");
                assert!(temp_files(d).is_empty(), "{label}: temporary file left");
                fs::remove_file(&out).unwrap();
            }
        }
    }
    report(group, cases.len());
}

#[test]
fn broken_headers_fail_cleanly_or_render_what_they_declare() {
    let cases = header_cases();
    run_cases("broken headers", &cases);

    // The advisory RIFF size does not change a bit of the result.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let good = wav16(2, 44_100, 1_000, 7);
    let render_of = |bytes: &[u8], name: &str| {
        let (i, o) = (
            d.join(format!("{name}.in.wav")),
            d.join(format!("{name}.out.wav")),
        );
        fs::write(&i, bytes).unwrap();
        let out = run(render_cmd(&i, &o, &["--quiet", "--x", "0.5"]));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        fs::read(o).unwrap()
    };
    let reference = render_of(&good, "good");
    let mut wrong = good.clone();
    set_u32(&mut wrong, 4, u32::MAX);
    assert!(render_of(&wrong, "riff-max") == reference);
}

#[test]
fn every_header_prefix_fails_cleanly() {
    run_cases("header prefixes", &prefix_cases());
}

/// Seeded random corruption of header bytes (1 to 4 bytes per file, each
/// set to a random value or to 0x00/0xFF): whatever happens, the run ends
/// with either a clean failure or a readable WAV, never a panic, a signal,
/// a hang or a leftover file.
#[test]
fn random_header_corruption_never_panics_or_leaves_files() {
    const CASES: usize = 300;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let input = d.join("in.wav");
    let out = d.join("out.wav");
    let good = wav16(2, 44_100, 500, 9);
    let mut rng = ChaCha8Rng::seed_from_u64(2024);
    let (mut ok, mut failed) = (0, 0);
    for case in 0..CASES {
        let mut b = good.clone();
        for _ in 0..rng.random_range(1..=4) {
            let at = rng.random_range(0..44);
            b[at] = match rng.random_range(0..4) {
                0 => 0x00,
                1 => 0xFF,
                _ => rng.random_range(0..=255),
            };
        }
        fs::write(&input, &b).unwrap();
        let label = format!("corruption {case}");
        let before = Snapshot::take(&[], &[&input]);
        let o = run(render_cmd(&input, &out, &["--quiet"]));
        before.assert_unchanged(&label);
        if o.status.success() {
            assert!(
                o.stderr.is_empty(),
                "{label}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            let r = hound::WavReader::open(&out).unwrap_or_else(|e| panic!("{label}: {e}"));
            // At most the 2000 data bytes as 2-byte mono frames.
            assert!(r.duration() <= 1000, "{label}");
            fs::remove_file(&out).unwrap();
            ok += 1;
        } else {
            assert_clean_failure(&label, &o, "");
            assert!(!out.exists(), "{label}: output left behind");
            failed += 1;
        }
        assert!(temp_files(d).is_empty(), "{label}: temporary file left");
    }
    eprintln!("[cli_faults] random header corruption: {ok} rendered, {failed} refused");
    report("random header corruption", CASES);
}
