//! Every platform-specific call the CLI makes, each with a portable
//! fallback, so that the rest of the CLI is plain `std`.
//!
//! Unix (Linux, macOS) gets the full behaviour; elsewhere (Windows) each
//! function says what it does instead. `tests/tests/portable.rs` checks that
//! no `std::os::unix`, `libc::` or `/proc` use in the workspace stands
//! outside a `cfg(unix)` (or Linux) item.

use std::fs::{File, FileType, Metadata, Permissions};
use std::io;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// Whether `t` is a character device (`/dev/null`, a terminal), which the
/// render writes in place rather than replacing. Windows has no device
/// nodes in the file system (`NUL` is not reported as one), so: never.
pub fn is_char_device(t: &FileType) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        t.is_char_device()
    }
    #[cfg(not(unix))]
    {
        let _ = t;
        false
    }
}

/// Whether two files' metadata are the same file (hard links too). Where
/// there is no device and inode number (Windows, in stable Rust), `false`:
/// the callers also compare canonical paths, which catches the same path
/// and symbolic links, not hard links.
pub fn same_file(a: &Metadata, b: &Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        a.dev() == b.dev() && a.ino() == b.ino()
    }
    #[cfg(not(unix))]
    {
        let _ = (a, b);
        false
    }
}

/// Permissions for a new output file before the umask (rw for everyone,
/// like any newly created file), or `None` for the platform's default.
pub fn new_file_permissions() -> Option<Permissions> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        Some(Permissions::from_mode(0o666))
    }
    #[cfg(not(unix))]
    None
}

/// Makes a finished data file (a model, a plot) readable by everyone:
/// temporary files are created private (0600 on unix) and the file keeps
/// its mode when renamed into place. Elsewhere, files inherit the folder's
/// access rules, so nothing to do.
pub fn make_readable(file: &File) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(Permissions::from_mode(0o644))
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        Ok(())
    }
}

/// Sets `stop` when the user asks the process to end: SIGINT, SIGTERM and
/// SIGHUP (the terminal closed) on unix, Ctrl-C and SIGTERM elsewhere.
/// On unix, a write past the file size limit (`ulimit -f`) then fails with
/// EFBIG, reported like any write error, instead of SIGXFSZ killing the
/// process.
pub fn on_stop_signals(stop: &Arc<AtomicBool>) -> io::Result<()> {
    #[cfg(unix)]
    {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM, SIGXFSZ};
        for signal in [SIGINT, SIGTERM, SIGHUP] {
            signal_hook::flag::register(signal, Arc::clone(stop))?;
        }
        signal_hook::flag::register(SIGXFSZ, Arc::new(AtomicBool::new(false)))?;
    }
    #[cfg(not(unix))]
    {
        use signal_hook::consts::{SIGINT, SIGTERM};
        for signal in [SIGINT, SIGTERM] {
            signal_hook::flag::register(signal, Arc::clone(stop))?;
        }
    }
    Ok(())
}

/// Reserves disk space for `len` bytes of `file` without changing its size
/// (Linux's `fallocate` with `FALLOC_FL_KEEP_SIZE`). A full disk then fails
/// before any work. Elsewhere, and on file systems without the call,
/// nothing is reserved and a full disk shows as a write error later (the
/// output is still never left half-written).
pub fn reserve(file: &File, len: u64) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let Ok(len) = libc::off_t::try_from(len) else {
            return Ok(());
        };
        // SAFETY: a plain system call on a descriptor `file` owns and keeps
        // open for the call's duration; no memory is passed.
        let r = unsafe { libc::fallocate(file.as_raw_fd(), libc::FALLOC_FL_KEEP_SIZE, 0, len) };
        if r != 0 {
            let e = io::Error::last_os_error();
            // File systems without the call just do without it.
            if !matches!(
                e.raw_os_error(),
                Some(libc::EOPNOTSUPP | libc::ENOSYS | libc::EINVAL)
            ) {
                return Err(e);
            }
        }
        Ok(())
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (file, len);
        Ok(())
    }
}
