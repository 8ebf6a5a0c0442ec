//! `semantic-eq render`: a WAV file through the EQ engine, written atomically.

use super::automation::{self, Automation};
use super::controls::{AMOUNT, CONTROL_COUNT, CONTROLS, ControlValues, OUT_DB, norm_targets};
use super::pipeline::{self, StreamError};
use super::wav::{self, SampleFormat, WavFormat};
use crate::dsp::engine::GRID;
use crate::dsp::{EqEngine, NormTargets};
use anyhow::{Context, Result, bail, ensure};
use indicatif::{ProgressBar, ProgressStyle};
use semantic_eq_model::EqParams;
use signal_hook::consts::{SIGINT, SIGTERM};
use std::fs::{self, File, Metadata};
use std::io::{self, BufReader, IsTerminal, Seek, SeekFrom, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Frames converted and processed per block; a multiple of [`GRID`] so that
/// automation segments never straddle two blocks.
const BLOCK_FRAMES: usize = 64 * 1024;
const _: () = assert!(BLOCK_FRAMES.is_multiple_of(GRID));

/// Files longer than this (seconds of audio) get a progress bar on a terminal.
const PROGRESS_MIN_SECONDS: f64 = 10.0;

/// Everything `render` needs, already parsed by the command line.
#[derive(Clone, Debug, PartialEq)]
pub struct RenderOptions {
    pub input: PathBuf,
    pub output: PathBuf,
    /// The 13 numbers of `--eq`, unparsed.
    pub eq: Option<String>,
    /// Percent.
    pub amount: f64,
    /// dB.
    pub out_db: f64,
    pub automation: Option<PathBuf>,
    /// Write 32-bit float whatever the input format.
    pub float: bool,
    /// No progress bar.
    pub quiet: bool,
}

/// Where the controls come from: static values, optionally overridden over
/// time by an automation file. Both are held in engine units (see
/// `controls::to_engine_unit`) so the grid loop needs no logarithms.
struct Controls {
    statics: [f64; CONTROL_COUNT],
    automation: Option<Automation>,
}

impl Controls {
    fn from_options(opts: &RenderOptions) -> Result<Self> {
        let mut statics = ControlValues::default();
        if let Some(text) = &opts.eq {
            let eq =
                EqParams::parse_list(text).with_context(|| format!("invalid --eq '{text}'"))?;
            statics.set_eq(&eq);
        }
        for (flag, index, value) in [
            ("--amount", AMOUNT, opts.amount),
            ("--out-db", OUT_DB, opts.out_db),
        ] {
            let spec = &CONTROLS[index];
            ensure!(
                spec.contains(value),
                "{flag} {value} is outside {}..{} {}",
                spec.min,
                spec.max,
                spec.unit
            );
            statics.0[index] = value;
        }
        let automation = match &opts.automation {
            None => None,
            Some(path) => {
                let text = fs::read_to_string(path)
                    .with_context(|| format!("cannot read automation file '{}'", path.display()))?;
                Some(
                    automation::parse(&text)
                        .with_context(|| format!("automation file '{}'", path.display()))?,
                )
            }
        };
        Ok(Self {
            statics: statics.to_engine_units(),
            automation: automation.map(|a| a.in_engine_units()),
        })
    }

    /// Processes interleaved `samples` that start at frame `pos` (a multiple
    /// of [`GRID`]).
    ///
    /// With automation, before each grid segment `[g, g + GRID)` the engine is
    /// told to ramp to the values at `g + GRID`, arriving at the segment's
    /// end; this is the protocol the plug-in follows too, so renders match.
    fn process(&self, engine: &mut EqEngine, pos: u64, samples: &mut [f32]) {
        debug_assert!(pos.is_multiple_of(GRID as u64));
        if self.automation.is_none() {
            engine.process_interleaved(samples);
            return;
        }
        let fs = engine.sample_rate();
        for (k, seg) in samples.chunks_mut(GRID * engine.channels()).enumerate() {
            let g = pos + (k * GRID) as u64;
            engine.set_norm_targets_ramped(&self.targets_at(g + GRID as u64, fs), GRID as u64);
            engine.process_interleaved(seg);
        }
    }

    /// The targets in force at sample `pos` of a file at `sample_rate`.
    fn targets_at(&self, pos: u64, sample_rate: f64) -> NormTargets {
        let mut v = self.statics;
        if let Some(a) = &self.automation {
            a.apply_to(pos as f64 / sample_rate, &mut v);
        }
        norm_targets(&v)
    }
}

/// Renders `opts.input` into `opts.output`.
pub fn render(opts: &RenderOptions) -> Result<()> {
    let controls = Controls::from_options(opts)?;

    let input = &opts.input;
    let show_in = || format!("input '{}'", input.display());
    let file =
        File::open(input).with_context(|| format!("cannot open input '{}'", input.display()))?;
    let in_meta = file.metadata().with_context(show_in)?;
    ensure!(
        in_meta.is_file(),
        "input '{}' is not a regular file",
        input.display()
    );
    let mut reader = BufReader::new(file);
    let info = wav::read_header(&mut reader, in_meta.len()).with_context(show_in)?;
    let in_format = info.format;
    let sample_rate = f64::from(in_format.sample_rate);
    let mut engine = EqEngine::new(sample_rate, in_format.channels).with_context(show_in)?;

    refuse_input_as_output(input, &in_meta, &opts.output)?;
    let out_format = WavFormat {
        sample: if opts.float {
            SampleFormat::F32
        } else {
            in_format.sample
        },
        ..in_format
    };
    let (header, pad) = wav::header_bytes(&out_format, info.frames)?;

    let mut file = reader.into_inner();
    file.seek(SeekFrom::Start(info.data_offset))
        .with_context(show_in)?;

    // SIGINT/SIGTERM stop the render between blocks instead of killing the
    // process, so the temporary file is removed and nothing partial
    // remains. Registered before the temporary file exists.
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [SIGINT, SIGTERM] {
        signal_hook::flag::register(signal, Arc::clone(&stop))
            .context("cannot install the signal handler")?;
    }

    let mut tmp = temp_file_for(&opts.output)?;
    let progress = Progress::new(info.frames, sample_rate, opts.quiet);
    let write_err = || format!("cannot write output '{}'", opts.output.display());
    let out = tmp.as_file_mut();
    out.write_all(&header).with_context(write_err)?;

    // Start at the values of time 0, with the EQ in force from sample 0.
    engine.set_norm_targets_ramped(&controls.targets_at(0, sample_rate), 0);
    engine.reset();

    let channels = in_format.channels;
    let mut done: u64 = 0;
    let streamed = pipeline::stream(
        &mut file,
        in_format.sample,
        out,
        out_format.sample,
        info.frames * channels as u64,
        BLOCK_FRAMES * channels,
        |samples| {
            if stop.load(Ordering::Relaxed) {
                return false;
            }
            controls.process(&mut engine, done, samples);
            let n = (samples.len() / channels) as u64;
            done += n;
            progress.advance(n);
            true
        },
    );
    match streamed {
        Ok(()) => {}
        Err(StreamError::Read(e)) if e.kind() == io::ErrorKind::UnexpectedEof => {
            bail!(
                "input '{}': truncated WAV file: the data ends early",
                input.display()
            )
        }
        Err(StreamError::Read(e)) => return Err(e).with_context(show_in),
        Err(StreamError::Write(e)) => return Err(e).with_context(write_err),
        Err(StreamError::Stopped) => bail!("interrupted: no output written"),
    }
    out.write_all(&[0u8; 1][..pad]).with_context(write_err)?;
    drop(progress);

    tmp.persist(&opts.output)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot write output '{}'", opts.output.display()))?;
    Ok(())
}

/// Fails if `output` names the input file: the same path after resolving
/// symlinks, or another name (hard link, symlink) of the same inode.
fn refuse_input_as_output(input: &Path, in_meta: &Metadata, output: &Path) -> Result<()> {
    let refuse = || {
        anyhow::anyhow!(
            "refusing to overwrite the input: output '{}' is the same file as input '{}'",
            output.display(),
            input.display()
        )
    };
    match fs::metadata(output) {
        Ok(out_meta) => {
            if out_meta.dev() == in_meta.dev() && out_meta.ino() == in_meta.ino() {
                return Err(refuse());
            }
            ensure!(
                !out_meta.is_dir(),
                "output '{}' is a directory",
                output.display()
            );
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(e).with_context(|| format!("cannot access output '{}'", output.display()));
        }
    }
    let in_canon = fs::canonicalize(input)
        .with_context(|| format!("cannot resolve input path '{}'", input.display()))?;
    if let Some(out_canon) = canonical_target(output)
        && out_canon == in_canon
    {
        return Err(refuse());
    }
    Ok(())
}

/// The canonical path `path` would have, whether or not it exists yet.
fn canonical_target(path: &Path) -> Option<PathBuf> {
    if let Ok(p) = fs::canonicalize(path) {
        return Some(p);
    }
    let name = path.file_name()?;
    Some(fs::canonicalize(parent_dir(path)).ok()?.join(name))
}

/// The directory a path lives in (`.` for a bare file name).
fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// A temporary file next to `output`, so that the final rename is atomic.
/// It is deleted if dropped before [`tempfile::NamedTempFile::persist`].
fn temp_file_for(output: &Path) -> Result<tempfile::NamedTempFile> {
    ensure!(
        output.file_name().is_some(),
        "output '{}' is not a file name",
        output.display()
    );
    let dir = parent_dir(output);
    tempfile::Builder::new()
        .prefix(".semantic-eq-")
        .suffix(".tmp")
        // Subject to the umask, like any newly created file.
        .permissions(fs::Permissions::from_mode(0o666))
        .tempfile_in(dir)
        .with_context(|| {
            format!(
                "cannot create the output '{}' (temporary file in '{}')",
                output.display(),
                dir.display()
            )
        })
}

/// A progress bar on stderr for long renders on a terminal; invisible otherwise.
struct Progress(ProgressBar);

impl Progress {
    fn new(frames: u64, sample_rate: f64, quiet: bool) -> Self {
        let long = frames as f64 / sample_rate > PROGRESS_MIN_SECONDS;
        if quiet || !long || !io::stderr().is_terminal() {
            return Self(ProgressBar::hidden());
        }
        let style = ProgressStyle::with_template(
            "rendering [{bar:40}] {percent:>3}% {elapsed_precise} (eta {eta})",
        )
        .expect("valid template")
        .progress_chars("=> ");
        Self(ProgressBar::new(frames).with_style(style))
    }

    fn advance(&self, frames: u64) {
        self.0.inc(frames);
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}
