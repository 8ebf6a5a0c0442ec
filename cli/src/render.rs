//! `semantic-eq render`: a WAV file through the same [`Processor`] the
//! plug-in runs (pad decoding, manual EQ, auto-gain, mix), written atomically.

use super::automation::{self, Automation, Timing};
use super::controls::{
    AMOUNT, BAND_ON, CONTROL_COUNT, CONTROLS, ControlValues, MIX, MODE, MORPH, OUT_DB, X, Y,
    processor_control, processor_plain,
};
use super::pipeline::{self, StreamError};
use super::platform;
use super::wav::{self, SampleFormat, WavFormat};
use anyhow::{Context, Result, bail, ensure};
use indicatif::{ProgressBar, ProgressStyle};
use semantic_eq_dsp::engine::GRID;
use semantic_eq_dsp::processor::CHUNK;
use semantic_eq_dsp::{Kernel, Mode, Processor, Settings};
use semantic_eq_model::file::{MAX_MODEL_BYTES, read_regular_file};
use semantic_eq_model::{BANDS, Decoder, EqParams, NUM_PARAMS};
use std::fs::{self, File, Metadata};
use std::io::{self, BufReader, IsTerminal, Seek, SeekFrom, Write};
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
    /// The 13 numbers of `--eq`, unparsed; given, the EQ is manual.
    pub eq: Option<String>,
    /// Percent.
    pub amount: f64,
    /// dB.
    pub out_db: f64,
    /// Pad position, −1..1 (pad mode).
    pub x: f64,
    /// Pad position, −1..1 (pad mode).
    pub y: f64,
    /// Wet share, percent.
    pub mix: f64,
    /// Auto-gain on.
    pub auto_gain: bool,
    /// Morph between two landmarks (by name) instead of the pad.
    pub from: Option<String>,
    /// See `from`.
    pub to: Option<String>,
    /// Percent along the morph line (−50..150).
    pub morph: Option<f64>,
    /// The mode at the start; `None` = what the other options imply
    /// (manual with `--eq`, morph with `--from`/`--to`, else the pad).
    pub mode: Option<Mode>,
    /// Manual bands switched off, by short name (`ls`, `b1` … `hs`).
    pub bands_off: Vec<String>,
    /// Decoder file; `None` = the embedded model.
    pub model: Option<PathBuf>,
    /// The word library `--from`/`--to` names the model lacks are looked
    /// up in; `None` = the user's.
    pub words: Option<PathBuf>,
    pub automation: Option<PathBuf>,
    /// Write 32-bit float whatever the input format.
    pub float: bool,
    /// No progress bar.
    pub quiet: bool,
    /// Filter implementation; `None` = [`Kernel::detect`].
    pub kernel: Option<Kernel>,
}

impl RenderOptions {
    /// Options for rendering `input` to `output` with everything at its
    /// default (pad centre, embedded model).
    pub fn new(input: PathBuf, output: PathBuf) -> Self {
        Self {
            input,
            output,
            eq: None,
            amount: 100.0,
            out_db: 0.0,
            x: 0.0,
            y: 0.0,
            mix: 100.0,
            auto_gain: false,
            from: None,
            to: None,
            morph: None,
            mode: None,
            bands_off: Vec::new(),
            model: None,
            words: None,
            automation: None,
            float: false,
            quiet: false,
            kernel: None,
        }
    }
}

/// Where the controls come from: static values, optionally overridden over
/// time by an automation file, applied to the [`Processor`] the way the
/// plug-in applies host parameter changes.
struct Controls {
    /// Plain values (this CLI's units) before any automation.
    statics: ControlValues,
    /// The morph line's ends (pad positions of `--from` and `--to`).
    morph_line: Option<((f64, f64), (f64, f64))>,
    /// Interpolated in the processor's smoothing units for `time_s` files;
    /// plain values for `sample` files.
    automation: Option<Automation>,
    /// Last value handed to the processor per control, to pass changes only.
    last: [f64; CONTROL_COUNT],
    /// Index of the next `sample` row to apply.
    next_row: usize,
    /// Where the last lookups of `time_s` automation stood among its rows
    /// (for the grid point, and one grid step ahead).
    hint_now: usize,
    hint_ahead: usize,
    /// Whether the automation has switch columns (which step, not ramp).
    automates_switches: bool,
    decoder: Decoder,
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
            ("--x", X, opts.x),
            ("--y", Y, opts.y),
            ("--mix", MIX, opts.mix),
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
        statics.0[super::controls::AUTO] = f64::from(u8::from(opts.auto_gain));
        let automation = match &opts.automation {
            None => None,
            Some(path) => {
                let text = read_regular_file(path, u64::MAX)
                    .and_then(|b| String::from_utf8(b).map_err(io::Error::other))
                    .with_context(|| format!("cannot read automation file '{}'", path.display()))?;
                Some(
                    automation::parse(&text)
                        .with_context(|| format!("automation file '{}'", path.display()))?,
                )
            }
        };
        let automated = |pred: &dyn Fn(usize) -> bool| {
            automation
                .as_ref()
                .is_some_and(|a| a.columns().iter().any(|&c| pred(c)))
        };
        let manual_given = opts.eq.is_some() || automated(&|c| c < NUM_PARAMS);
        let morph_given = opts.from.is_some() || opts.to.is_some();
        let mode_automated = automated(&|c| c == MODE);
        let decoder = match &opts.model {
            None => Decoder::embedded(),
            Some(path) => {
                let bytes = read_regular_file(path, MAX_MODEL_BYTES)
                    .with_context(|| format!("cannot read model '{}'", path.display()))?;
                Decoder::from_safetensors(&bytes)
                    .with_context(|| format!("model '{}'", path.display()))?
            }
        };
        let mode = match opts.mode {
            Some(m) => m,
            None => {
                ensure!(
                    !(manual_given && morph_given) || mode_automated,
                    "--from/--to morph the pad and --eq sets a manual EQ; say which plays with --mode (or automate 'mode')"
                );
                if manual_given {
                    Mode::Manual
                } else if morph_given {
                    Mode::Morph
                } else {
                    Mode::Pad
                }
            }
        };
        statics.0[MODE] = mode.value();
        for name in &opts.bands_off {
            let b = BANDS
                .iter()
                .position(|b| b.name == name.trim())
                .with_context(|| {
                    format!("--bands-off: unknown band '{name}' (the bands are ls, b1, b2, b3, hs)")
                })?;
            statics.0[BAND_ON + b] = 0.0;
        }
        let may_morph = mode == Mode::Morph
            || automation.as_ref().is_some_and(|a| {
                a.columns()
                    .iter()
                    .position(|&c| c == MODE)
                    .is_some_and(|k| {
                        (0..a.times().len()).any(|r| a.row_values(r)[k] == Mode::Morph.value())
                    })
            });
        let morph_line = match (&opts.from, &opts.to) {
            (None, None) => {
                ensure!(
                    opts.morph.is_none() && !automated(&|c| c == MORPH),
                    "morphing needs --from and --to"
                );
                ensure!(!may_morph, "morph mode needs --from and --to");
                None
            }
            (Some(from), Some(to)) => Some((
                landmark(&decoder, from, &opts.words)?,
                landmark(&decoder, to, &opts.words)?,
            )),
            _ => bail!("--from and --to go together"),
        };
        if let Some(m) = opts.morph {
            let spec = &CONTROLS[MORPH];
            ensure!(
                spec.contains(m),
                "--morph {m} is outside {}..{} %",
                spec.min,
                spec.max
            );
            statics.0[MORPH] = m;
        }
        let automates_switches = automated(&|c| CONTROLS[c].stepped);
        Ok(Self {
            statics,
            morph_line,
            automation: automation.map(|a| match a.timing() {
                Timing::Seconds => a.in_engine_units(),
                Timing::Samples => a,
            }),
            automates_switches,
            last: [f64::NAN; CONTROL_COUNT],
            next_row: 0,
            hint_now: 0,
            hint_ahead: 0,
            decoder,
        })
    }

    /// A processor at the values of time 0, with the EQ in force from
    /// sample 0.
    fn start(&mut self, settings: &Settings) -> Result<Processor> {
        let mut p = Processor::new(settings, Box::new(self.decoder.clone()))?;
        if let Some((from, to)) = self.morph_line {
            p.set_morph_line(from, to);
        }
        for (i, v) in self.statics.0.into_iter().enumerate() {
            self.pass(&mut p, i, v);
        }
        // `time_s` files start at their time-0 values; `sample` rows at
        // sample 0 apply at once, as a host's events at the first sample
        // do in the plug-in. Later rows glide.
        match self.automation.as_ref().map(Automation::timing) {
            Some(Timing::Seconds) => self.apply_ramps(&mut p, 0, 0),
            Some(Timing::Samples) => self.apply_events(&mut p),
            None => {}
        }
        p.reset();
        Ok(p)
    }

    /// Hands a plain value to the processor if it changed.
    fn pass(&mut self, p: &mut Processor, i: usize, v: f64) {
        if v.to_bits() != self.last[i].to_bits() {
            self.last[i] = v;
            p.set(processor_control(i), processor_plain(i, v));
        }
    }

    /// `time_s` automation at grid point `g`: each continuous control ramps
    /// to its value at `g + len`, arriving exactly then; switches step.
    fn apply_ramps(&mut self, p: &mut Processor, g: u64, len: u64) {
        let Some(a) = self.automation.take() else {
            return;
        };
        let fs = p.sample_rate();
        let mut now = [0.0; CONTROL_COUNT];
        let mut ahead = [0.0; CONTROL_COUNT];
        // `now` only feeds switches; most files automate none.
        if self.automates_switches {
            a.apply_to_from(g as f64 / fs, &mut now, &mut self.hint_now);
        }
        a.apply_to_from((g + len) as f64 / fs, &mut ahead, &mut self.hint_ahead);
        for &c in a.columns() {
            if CONTROLS[c].stepped {
                self.pass(p, c, now[c]);
            } else {
                p.set_unit_ramped(processor_control(c), ahead[c], len);
            }
        }
        self.automation = Some(a);
    }

    /// `sample` automation: applies every row at the processor's position.
    fn apply_events(&mut self, p: &mut Processor) {
        let Some(a) = self.automation.take() else {
            return;
        };
        while self.next_row < a.times().len() && a.times()[self.next_row] as u64 == p.position() {
            for (&c, &v) in a.columns().iter().zip(a.row_values(self.next_row)) {
                // Rounded to f32, as a plug-in parameter value is.
                self.pass(p, c, f64::from(v as f32));
            }
            self.next_row += 1;
        }
        self.automation = Some(a);
    }

    /// Processes interleaved `samples` that start at frame `pos` (a multiple
    /// of [`GRID`]).
    fn process(&mut self, p: &mut Processor, samples: &mut [f32], scratch: &mut [f32]) {
        let ch = p.channels();
        match self.automation.as_ref().map(Automation::timing) {
            None => p.process_interleaved(samples, scratch),
            Some(Timing::Seconds) => p.process_interleaved_gridded(samples, scratch, |p| {
                self.apply_ramps(p, p.position(), GRID as u64)
            }),
            Some(Timing::Samples) => {
                let end = p.position() + (samples.len() / ch) as u64;
                let mut at = 0;
                while at < samples.len() {
                    self.apply_events(p);
                    let next = self
                        .automation
                        .as_ref()
                        .and_then(|a| a.times().get(self.next_row))
                        .map_or(end, |&t| (t as u64).min(end));
                    let n = (next - p.position()) as usize * ch;
                    p.process_interleaved(&mut samples[at..at + n], scratch);
                    at += n;
                }
            }
        }
    }
}

/// The pad position of the model's landmark `name`, or else of the user's
/// word `name` (from the library `words`, default the user's), the point
/// the plug-in's *user word* slot plays.
fn landmark(decoder: &Decoder, name: &str, words: &Option<PathBuf>) -> Result<(f64, f64)> {
    let marks = decoder.landmarks();
    let wanted = name.trim().to_lowercase();
    // A retired name (RETIRED_LANDMARKS) plays its replacement.
    if let Some(m) = decoder.find_landmark(&wanted) {
        return Ok((f64::from(m.x), f64::from(m.y)));
    }
    if let Some((x, y)) = crate::words::word_point(decoder, name, words)? {
        return Ok((f64::from(x), f64::from(y)));
    }
    let names: Vec<&str> = marks.iter().map(|m| m.name.as_str()).collect();
    bail!(
        "the model has no landmark '{name}' (it has: {}), and it is not one of your words",
        names.join(", ")
    )
}

/// Renders `opts.input` into `opts.output`.
pub fn render(opts: &RenderOptions) -> Result<()> {
    let mut controls = Controls::from_options(opts)?;

    let input = &opts.input;
    let show_in = || format!("input '{}'", input.display());
    let not_regular = || anyhow::anyhow!("input '{}' is not a regular file", input.display());
    // Checked before opening: opening a FIFO for reading would block until
    // something writes to it.
    let pre =
        fs::metadata(input).with_context(|| format!("cannot open input '{}'", input.display()))?;
    if !pre.is_file() {
        return Err(not_regular());
    }
    let file =
        File::open(input).with_context(|| format!("cannot open input '{}'", input.display()))?;
    let in_meta = file.metadata().with_context(show_in)?;
    if !in_meta.is_file() {
        return Err(not_regular());
    }
    let mut reader = BufReader::new(file);
    let info = wav::read_header(&mut reader, in_meta.len()).with_context(show_in)?;
    let in_format = info.format;
    let sample_rate = f64::from(in_format.sample_rate);
    let settings = Settings {
        sample_rate,
        channels: in_format.channels,
        kernel: match opts.kernel {
            None => Kernel::detect(),
            Some(k) if k.is_available() => k,
            Some(k) => bail!("this CPU cannot run the {k:?} kernel"),
        },
    };
    let mut processor = controls.start(&settings).with_context(show_in)?;
    let mut scratch = vec![0.0f32; CHUNK * in_format.channels];

    refuse_input_as_output("input", input, &in_meta, &opts.output)?;
    // The other inputs are the user's files too.
    for (what, path) in [
        ("automation file", &opts.automation),
        ("model file", &opts.model),
    ] {
        if let Some(path) = path {
            let meta = fs::metadata(path)
                .with_context(|| format!("cannot access {what} '{}'", path.display()))?;
            refuse_input_as_output(what, path, &meta, &opts.output)?;
        }
    }
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

    // SIGINT, SIGTERM and SIGHUP (the terminal closed) stop the render
    // between blocks instead of killing the process, so the temporary file
    // is removed and nothing partial remains. Registered before the
    // temporary file exists.
    let stop = Arc::new(AtomicBool::new(false));
    platform::on_stop_signals(&stop).context("cannot install the signal handler")?;

    let mut sink = Sink::open(&opts.output)?;
    let interrupted = match sink {
        Sink::Atomic { .. } => "interrupted: no output written",
        Sink::Device(_) => "interrupted: the output is incomplete",
    };
    let progress = Progress::new(info.frames, sample_rate, opts.quiet);
    let write_err = || format!("cannot write output '{}'", opts.output.display());
    let out_len = header.len() as u64 + info.frames * out_format.frame_bytes() as u64 + pad as u64;
    sink.reserve(out_len).with_context(write_err)?;
    let out = sink.file_mut();
    out.write_all(&header).with_context(write_err)?;

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
            controls.process(&mut processor, samples, &mut scratch);
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
        Err(StreamError::Stopped) => bail!(interrupted),
    }
    out.write_all(&[0u8; 1][..pad]).with_context(write_err)?;
    drop(progress);
    sink.finish()
        .with_context(|| format!("cannot write output '{}'", opts.output.display()))
}

/// Where the rendered file goes.
enum Sink {
    /// A temporary file next to `path`, renamed over it once complete.
    Atomic {
        tmp: tempfile::NamedTempFile,
        path: PathBuf,
    },
    /// An existing character device (`/dev/null`, `/dev/full`, a terminal),
    /// written in place: there is no file to replace, and a temporary file
    /// renamed over it would replace the device node itself.
    Device(File),
}

impl Sink {
    /// A regular file (new or existing; through symlinks, which stay) is
    /// written atomically; a character device in place; anything else (a
    /// FIFO, a socket, a block device) is refused.
    fn open(output: &Path) -> Result<Self> {
        let show = || output.display();
        match fs::metadata(output) {
            Ok(m) if platform::is_char_device(&m.file_type()) => fs::OpenOptions::new()
                .write(true)
                .open(output)
                .map(Sink::Device)
                .with_context(|| format!("cannot open output '{}'", show())),
            Ok(m) if m.is_file() => {
                // Replace the file a symlink points to, not the link (which
                // may live somewhere else entirely, e.g. /dev/stdout).
                let path = fs::canonicalize(output)
                    .with_context(|| format!("cannot resolve output path '{}'", show()))?;
                let tmp = temp_file_for(&path)?;
                Ok(Sink::Atomic { tmp, path })
            }
            Ok(_) => bail!(
                "output '{}' is not a regular file or a character device",
                show()
            ),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Sink::Atomic {
                tmp: temp_file_for(output)?,
                path: output.to_path_buf(),
            }),
            Err(e) => Err(e).with_context(|| format!("cannot access output '{}'", show())),
        }
    }

    fn file_mut(&mut self) -> &mut File {
        match self {
            Sink::Atomic { tmp, .. } => tmp.as_file_mut(),
            Sink::Device(f) => f,
        }
    }

    /// Reserves disk space for `len` bytes of output up front (Linux, where
    /// the file system supports it), without changing the file's size. A
    /// full disk then fails the render before any work. And ext4 need not
    /// allocate the whole file when it is renamed over an existing one:
    /// writing a file through delayed allocation and renaming it over
    /// another makes ext4 allocate and start writing back all of it inside
    /// the rename, which took as long as rendering the file (measured on a
    /// 115 MB output: 85 ms).
    fn reserve(&mut self, len: u64) -> io::Result<()> {
        let Sink::Atomic { tmp, .. } = self else {
            return Ok(());
        };
        platform::reserve(tmp.as_file(), len)
    }

    /// Renames the temporary file into place.
    fn finish(self) -> io::Result<()> {
        match self {
            Sink::Atomic { tmp, path } => tmp.persist(&path).map(drop).map_err(|e| e.error),
            Sink::Device(_) => Ok(()),
        }
    }
}

/// Fails if `output` names the input file (`what`: "input", "automation
/// file", …): the same path after resolving symlinks, or another name (hard
/// link, symlink) of the same inode.
fn refuse_input_as_output(
    what: &str,
    input: &Path,
    in_meta: &Metadata,
    output: &Path,
) -> Result<()> {
    let refuse = || {
        anyhow::anyhow!(
            "refusing to overwrite the input: output '{}' is the same file as {what} '{}'",
            output.display(),
            input.display()
        )
    };
    match fs::metadata(output) {
        Ok(out_meta) => {
            if platform::same_file(&out_meta, in_meta) {
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
    let mut builder = tempfile::Builder::new();
    builder.prefix(".semantic-eq-").suffix(".tmp");
    if let Some(mode) = platform::new_file_permissions() {
        // Subject to the umask, like any newly created file.
        builder.permissions(mode);
    }
    builder.tempfile_in(dir).with_context(|| {
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
