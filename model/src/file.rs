//! Reading model files: bounded, regular files only, one-line reasons.
//!
//! Shared by the plug-in (a file picked in the editor or named in a saved
//! state) and the CLI (`--model`), so that both refuse the same files.

use crate::Decoder;
use std::path::Path;

/// Model files are small (the shipped one is 24 KB); a bigger file than
/// this is not one, and is refused before it is read.
pub const MAX_MODEL_BYTES: u64 = 64 << 20;

/// Reads a whole regular file of at most `limit` bytes. Anything else is
/// refused before it is opened: a FIFO would block the reader (the host's
/// main thread, for a state naming it), `/dev/zero` would never end, and a
/// directory is not data.
pub fn read_regular_file(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    use std::io::{Error, ErrorKind, Read};
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(Error::new(ErrorKind::InvalidInput, "not a regular file"));
    }
    let too_big = || Error::new(ErrorKind::InvalidData, format!("larger than {limit} bytes"));
    if meta.len() > limit {
        return Err(too_big());
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    std::fs::File::open(path)?
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_big());
    }
    Ok(bytes)
}

/// Reads and validates a decoder file; one-line reason on failure.
pub fn load_decoder(path: &str) -> Result<Decoder, String> {
    if path.is_empty() {
        return Ok(Decoder::embedded());
    }
    let bytes = read_regular_file(Path::new(path), MAX_MODEL_BYTES)
        .map_err(|e| format!("cannot read '{path}': {e}"))?;
    Decoder::from_safetensors(&bytes).map_err(|e| format!("'{path}' is not a usable model: {e}"))
}
