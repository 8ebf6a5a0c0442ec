//! The `semantic-eq` command-line tool.
//!
//! [`main`] parses the arguments and runs a subcommand; every failure ends up
//! as one `error: …` line on stderr and a non-zero exit code.
//!
//! * [`controls`]: the table of everything a flag or automation can set.
//! * [`automation`]: the automation CSV parser.
//! * [`wav`]: WAV header parsing/writing and bulk sample conversion.
//! * [`pipeline`]: block streaming with reads and writes on their own threads.
//! * [`render`]: the `render` subcommand.
//! * [`decode`]: the `decode` subcommand (the decoded pad as CSV).
//! * [`eval`]: the `eval` subcommand (metrics of a decoder on SAFE data).
//! * [`plots`]: the PNG plots `eval` and `train` draw.
//! * `train` (cargo feature `train`): the `train` subcommand.
//! * [`words`]: `describe` (an EQ read back as words) and `words` (the
//!   user's word library).

pub mod automation;
pub mod controls;
pub mod decode;
pub mod demo;
pub mod eval;
pub mod pipeline;
pub mod platform;
pub mod plots;
pub mod render;
#[cfg(feature = "train")]
pub mod train;
pub mod wav;
pub mod words;

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Semantic EQ: a five-band EQ driven by semantic descriptors.
#[derive(Debug, Parser)]
#[command(name = "semantic-eq", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Render a WAV file through the EQ.
    #[command(after_long_help = RENDER_AFTER_HELP)]
    Render(RenderArgs),
    /// Synthesise pink noise and render it through a warm -> bright morph:
    /// writes dry.wav, morph.csv and wet.wav.
    Demo(DemoArgs),
    /// Print the decoded pad as CSV: x, y on linspace(-1, 1, N) and the 13
    /// parameters at amount 100 %.
    Decode(DecodeArgs),
    /// Evaluate a decoder on a file in the SAFE layout (all of it held out):
    /// coverage, warm/bright accuracy, validity, gates; writes PNG plots.
    #[command(after_long_help = EVAL_AFTER_HELP)]
    Eval(EvalArgs),
    /// Train the pad decoder on SAFE data and write it as safetensors
    /// (builds with the `train` feature only).
    #[cfg(feature = "train")]
    Train(TrainArgs),
    /// Name the descriptors nearest to an EQ (the model's landmarks and
    /// your words, marked *), with their distance in dB.
    #[command(after_long_help = DESCRIBE_AFTER_HELP)]
    Describe(DescribeArgs),
    /// Your word library (the words the plug-in's "Save as word" taught):
    /// list, export and import packs, remove a word.
    #[command(subcommand, after_long_help = WORDS_AFTER_HELP)]
    Words(WordsCommand),
}

const DESCRIBE_AFTER_HELP: &str = "\
Each descriptor's curve is the model's EQ at its pad point (a landmark's, or
for your words the point that best fits their rows); the distance is the mean
absolute difference of the two curves over 20 Hz-20 kHz on a log scale.

Examples:
  semantic-eq describe --x -0.6 --y 0.2
  semantic-eq describe --eq 3,120,-2,400,0.7,1.5,1500,2,-4,6000,3,5,9000 --count 5";

const WORDS_AFTER_HELP: &str = "\
The library is a CSV file in the SAFE equaliser layout (so `semantic-eq train
--data` reads it), in your config folder: $XDG_CONFIG_HOME/semantic-eq/words.csv
or ~/.config/semantic-eq/words.csv on Linux, ~/Library/Application
Support/org.semantic-eq.semantic-eq/words.csv on macOS,
%APPDATA%\\semantic-eq\\semantic-eq\\config\\words.csv on Windows; --words FILE
or SEMANTIC_EQ_WORDS names another. A pack is the same layout with a
`# pack: NAME` comment line. Imports merge without duplicates (the same word
with the same 13 values) and skip bad rows, counting them. A library with
damaged rows is never written (nothing in it is lost): import and remove
refuse until it is repaired. Every write is atomic.

Examples:
  semantic-eq words list
  semantic-eq words export my-words.csv --name \"Mix room\"
  semantic-eq words import friends.csv
  semantic-eq words remove cosy";

#[derive(Debug, Args)]
pub struct DescribeArgs {
    /// The EQ: the 13 parameters in SAFE column order (as `render --eq`).
    #[arg(long, value_name = "G,F,...", allow_hyphen_values = true, conflicts_with_all = ["x", "y"])]
    pub eq: Option<String>,
    /// Or a pad point: x, -1 (warm) .. 1 (bright).
    #[arg(long, allow_hyphen_values = true, requires = "y")]
    pub x: Option<f64>,
    /// Pad y, -1 .. 1.
    #[arg(long, allow_hyphen_values = true, requires = "x")]
    pub y: Option<f64>,
    /// How many descriptors to name.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub count: usize,
    /// Decoder file (default: the embedded model).
    #[arg(long, value_name = "FILE")]
    pub model: Option<PathBuf>,
    /// Word library (default: the one in your config folder).
    #[arg(long, value_name = "FILE")]
    pub words: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum WordsCommand {
    /// Each word, its rows and its point on the pad.
    List {
        #[arg(long, value_name = "FILE")]
        words: Option<PathBuf>,
    },
    /// Write the library (or only some words) as a pack.
    Export {
        /// The pack file to write (atomically).
        file: PathBuf,
        /// The pack's name (default: the file's name).
        #[arg(long)]
        name: Option<String>,
        /// Only these words (repeatable).
        #[arg(long = "word", value_name = "WORD")]
        only: Vec<String>,
        #[arg(long, value_name = "FILE")]
        words: Option<PathBuf>,
    },
    /// Merge a pack into the library.
    Import {
        file: PathBuf,
        #[arg(long, value_name = "FILE")]
        words: Option<PathBuf>,
    },
    /// Remove a word and all its rows.
    Remove {
        word: String,
        #[arg(long, value_name = "FILE")]
        words: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct DecodeArgs {
    /// Points per pad side (1 to 1000); prints N*N rows.
    #[arg(long, value_name = "N")]
    pub grid: usize,

    /// Decoder file (safetensors, as written by `train`). Default: the
    /// embedded model (assets/decoder.safetensors).
    #[arg(long, value_name = "FILE")]
    pub model: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Data in the SAFE equaliser CSV layout; every row except noise
    /// (`test`, empty descriptor) is evaluated.
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,

    /// Decoder file (safetensors, as written by `train`). Default: the
    /// embedded model (assets/decoder.safetensors).
    #[arg(long, value_name = "FILE")]
    pub model: Option<PathBuf>,

    /// Print the figures as JSON instead of a table.
    #[arg(long)]
    pub json: bool,

    /// Folder for the plots eval-latent.png, eval-warm-bright.png and
    /// eval-pad-grid.png (created if missing; files of those names are
    /// replaced).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub plots: PathBuf,

    /// Do not draw the plots.
    #[arg(long, conflicts_with = "plots")]
    pub no_plots: bool,
}

const EVAL_AFTER_HELP: &str = "\
The whole file is treated as held-out data. Figures (as defined in issue 3):
coverage (mean best-fit curve error over a 101x101 pad grid, target <= 1.50 dB),
warm/bright accuracy (sign of x of the best fit, target >= 0.90), validity, and
the smoothness, monotonicity, span and diversity gates.

Plots, written into --plots DIR (default: the current folder), each drawn to a
temporary file and renamed into place; an input file is never overwritten:
  eval-latent.png       every row at its best-fit pad point (the grid search the
                        coverage metric uses; the CLI has no encoder), coloured
                        by descriptor, with the model's landmarks
  eval-warm-bright.png  decoded curves along y = 0, x from -1 to 1
  eval-pad-grid.png     a 5x5 grid of decoded curves over the pad

Note: the embedded model was trained on 85 % of the SAFE file it ships with,
so evaluating it on that file mixes training and validation rows.

Examples:
  semantic-eq eval --data SAFEEqualiserUserData.csv
  semantic-eq eval --data mine.csv --model my.safetensors --json --plots out/";

#[cfg(feature = "train")]
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// SAFE equaliser data in its original CSV layout.
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,

    /// Output decoder file (safetensors), written atomically.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,

    /// Seed of the initialisation, the shuffling and the validation split.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub seed: u64,

    /// Training epochs (default: the tuned configuration's).
    #[arg(long, value_name = "N")]
    pub epochs: Option<usize>,

    /// Adam learning rate (tuning).
    #[arg(long, value_name = "LR", hide = true)]
    pub lr: Option<f64>,

    /// Minibatch size, 0 = full batch (tuning).
    #[arg(long, value_name = "N", hide = true)]
    pub batch: Option<usize>,

    /// Weight of the warm/bright hinge on x (tuning).
    #[arg(long, value_name = "W", hide = true)]
    pub semantic_weight: Option<f64>,

    /// Margin of the warm/bright hinge (tuning).
    #[arg(long, value_name = "M", hide = true)]
    pub margin: Option<f64>,

    /// Decoder hidden widths, comma-separated (tuning).
    #[arg(long, value_name = "W,..", hide = true, value_delimiter = ',')]
    pub decoder_hidden: Option<Vec<usize>>,

    /// Encoder hidden widths, comma-separated (tuning).
    #[arg(long, value_name = "W,..", hide = true, value_delimiter = ',')]
    pub encoder_hidden: Option<Vec<usize>>,

    /// Weight of the normalised-parameter MSE term (tuning).
    #[arg(long, value_name = "W", hide = true)]
    pub param_weight: Option<f64>,

    /// Weight of the pad-shape prior (tuning).
    #[arg(long, value_name = "W", hide = true)]
    pub shape_weight: Option<f64>,

    /// Probe points per step of the pad-shape prior (tuning).
    #[arg(long, value_name = "N", hide = true)]
    pub probes: Option<usize>,

    /// Smallest brightness slope of the prior, dB per unit x (tuning).
    #[arg(long, value_name = "DB", hide = true)]
    pub min_slope: Option<f64>,

    /// Weight of the plausibility prior (tuning).
    #[arg(long, value_name = "W", hide = true)]
    pub plausibility_weight: Option<f64>,

    /// Effort the plausibility prior allows (tuning).
    #[arg(long, value_name = "E", hide = true)]
    pub max_effort: Option<f64>,

    /// Gain beyond which the plausibility prior costs, dB (tuning).
    #[arg(long, value_name = "DB", hide = true)]
    pub soft_limit: Option<f64>,

    /// Weight of the side contrast during refinement (tuning).
    #[arg(long, value_name = "W", hide = true)]
    pub contrast_weight: Option<f64>,

    /// Margin of the side contrast, dB (tuning).
    #[arg(long, value_name = "DB", hide = true)]
    pub contrast_margin: Option<f64>,

    /// Epochs of refinement at the end of training (tuning).
    #[arg(long, value_name = "N", hide = true)]
    pub refine_epochs: Option<usize>,

    /// Cross-validate instead: train one model per fold of a k-fold split
    /// (stratified by descriptor) with these options, print the held-out
    /// figures of every fold with their mean and spread, and write them as
    /// JSON to --out (no model file). 0: train the model.
    #[arg(long, value_name = "K", default_value_t = 0)]
    pub folds: usize,

    /// No progress bar or summary.
    #[arg(short, long)]
    pub quiet: bool,
}

#[cfg(feature = "train")]
impl TrainArgs {
    fn into_options(self) -> anyhow::Result<train::TrainOptions> {
        let mut c = train::default_config();
        if let Some(v) = self.epochs {
            c.epochs = v;
        }
        if let Some(v) = self.lr {
            c.learning_rate = v;
        }
        if let Some(v) = self.batch {
            c.batch_size = v;
        }
        if let Some(v) = self.semantic_weight {
            c.semantic_weight = v;
        }
        if let Some(v) = self.margin {
            c.semantic_margin = v;
        }
        if let Some(v) = self.decoder_hidden {
            c.decoder = semantic_eq_model::Arch::new(v)?;
        }
        if let Some(v) = self.encoder_hidden {
            c.encoder_hidden = v;
        }
        if let Some(v) = self.param_weight {
            c.param_weight = v;
        }
        if let Some(v) = self.shape_weight {
            c.shape_weight = v;
        }
        if let Some(v) = self.probes {
            c.probes = v;
        }
        if let Some(v) = self.min_slope {
            c.min_slope_db = v;
        }
        if let Some(v) = self.plausibility_weight {
            c.plausibility_weight = v;
        }
        if let Some(v) = self.max_effort {
            c.max_effort = v;
        }
        if let Some(v) = self.soft_limit {
            c.soft_limit_db = v;
        }
        if let Some(v) = self.contrast_weight {
            c.contrast_weight = v;
        }
        if let Some(v) = self.contrast_margin {
            c.contrast_margin_db = v;
        }
        if let Some(v) = self.refine_epochs {
            c.refine_epochs = v;
        }
        Ok(train::TrainOptions {
            data: self.data,
            out: self.out,
            seed: self.seed,
            config: c,
            quiet: self.quiet,
            folds: self.folds,
        })
    }
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Directory for the demo files.
    #[arg(long, value_name = "DIR", default_value = "target/demo")]
    pub out: PathBuf,

    /// No progress bar.
    #[arg(short, long)]
    pub quiet: bool,
}

const RENDER_AFTER_HELP: &str = "\
The --eq order (SAFE column order) and ranges:
  ls_gain_db -12..12, ls_freq_hz 22..1000,
  b1_gain_db -12..12, b1_freq_hz 82..3900,  b1_q 0.1..10,
  b2_gain_db -12..12, b2_freq_hz 180..4700, b2_q 0.1..10,
  b3_gain_db -12..12, b3_freq_hz 220..10000, b3_q 0.1..10,
  hs_gain_db -12..12, hs_freq_hz 580..20000
Without --eq (and without the pad, --from/--to or --mode) the EQ is the pad's
centre.

Automation file (--automation): a CSV whose header is `time_s` (or `sample`)
followed by any of: the 13 names above; amount, mix, morph (percent); out_db;
x, y (-1..1); auto, bypass (0/1); mode (0 pad, 1 morph, 2 manual); ls_on,
b1_on, b2_on, b3_on, hs_on (manual band switches, 0/1). Each row holds a time
in seconds (finite, >= 0, strictly increasing) and one value per column. Values
are interpolated between rows (gains linearly, frequencies and Q on a log
scale; switches and mode step) and held before the first and after the last
row; automated names override the static flags. With `sample`, rows are
parameter changes at sample positions, as a host sends them. Blank lines and
lines starting with # are ignored.
  time_s,b2_gain_db,amount
  0,0,100
  2.5,6,100
  5,6,50

Examples:
  semantic-eq render in.wav out.wav --eq 3,120,-2,400,0.7,1.5,1500,2,-4,6000,3,5,9000
  semantic-eq render in.wav out.wav --eq ... --amount 50 --out-db -3 --float
  semantic-eq render in.wav out.wav --from warm --to bright --morph 30
  semantic-eq render in.wav out.wav --eq ... --bands-off b1,hs
  semantic-eq render in.wav out.wav --automation moves.csv";

/// Arguments of `semantic-eq render`.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Input WAV: 16, 24 or 32-bit integer or 32-bit float, 1 to 8 channels,
    /// 1000 to 1536000 Hz.
    #[arg(value_name = "IN.wav")]
    pub input: PathBuf,

    /// Output WAV, in the input's format unless --float. Written atomically
    /// (a temporary file renamed into place); must not be the input.
    #[arg(value_name = "OUT.wav")]
    pub output: PathBuf,

    /// The EQ: 13 comma-separated numbers in SAFE order (see below).
    #[arg(
        long,
        value_name = "G,F,G,F,Q,G,F,Q,G,F,Q,G,F",
        allow_hyphen_values = true
    )]
    pub eq: Option<String>,

    /// How much of the EQ to apply, percent (0 = flat, 200 = every gain doubled).
    #[arg(
        long,
        value_name = "PERCENT",
        default_value_t = 100.0,
        allow_negative_numbers = true
    )]
    pub amount: f64,

    /// Output gain after the EQ, dB (-24 to 24).
    #[arg(
        long = "out-db",
        value_name = "DB",
        default_value_t = 0.0,
        allow_negative_numbers = true
    )]
    pub out_db: f64,

    /// Pad position, warm (-1) to bright (+1); used unless --eq is given.
    #[arg(
        long,
        value_name = "X",
        default_value_t = 0.0,
        allow_negative_numbers = true
    )]
    pub x: f64,

    /// Pad position, -1 to 1 (the pad's second axis).
    #[arg(
        long,
        value_name = "Y",
        default_value_t = 0.0,
        allow_negative_numbers = true
    )]
    pub y: f64,

    /// Wet share, percent (0 = dry, 100 = fully EQ'd).
    #[arg(
        long,
        value_name = "PERCENT",
        default_value_t = 100.0,
        allow_negative_numbers = true
    )]
    pub mix: f64,

    /// Keep pink-noise loudness constant as the EQ changes.
    #[arg(long = "auto-gain")]
    pub auto_gain: bool,

    /// Morph from this landmark of the model (e.g. warm) ...
    #[arg(long, value_name = "DESCRIPTOR")]
    pub from: Option<String>,

    /// ... to this one (e.g. bright), instead of using the pad.
    #[arg(long, value_name = "DESCRIPTOR")]
    pub to: Option<String>,

    /// Position on the --from/--to line, percent (-50 to 150; default 0).
    #[arg(long, value_name = "PERCENT", allow_negative_numbers = true)]
    pub morph: Option<f64>,

    /// What plays at the start: the pad, the --from/--to morph or the
    /// manual EQ (default: manual with --eq, morph with --from/--to, else
    /// the pad). Automate 'mode' to switch during the render.
    #[arg(long, value_name = "MODE")]
    pub mode: Option<ModeArg>,

    /// Manual bands to switch off, comma-separated (ls, b1, b2, b3, hs).
    #[arg(long = "bands-off", value_name = "BANDS", value_delimiter = ',')]
    pub bands_off: Vec<String>,

    /// Decoder file for the pad (default: the embedded model).
    #[arg(long, value_name = "FILE")]
    pub model: Option<PathBuf>,

    /// Word library for --from/--to names the model has no landmark for
    /// (default: yours, the one the plug-in's "Save as word" writes).
    #[arg(long, value_name = "FILE")]
    pub words: Option<PathBuf>,

    /// CSV of control values over time (see below).
    #[arg(long, value_name = "FILE.csv")]
    pub automation: Option<PathBuf>,

    /// Write 32-bit float instead of the input's format.
    #[arg(long)]
    pub float: bool,

    /// No progress bar.
    #[arg(short, long)]
    pub quiet: bool,

    /// Filter implementation; default: the fastest this CPU runs. The
    /// kernels agree to the precision tests but not bit for bit (fused
    /// multiply-adds round once), so naming one reproduces another
    /// machine's bits, and it lets the kernels be timed side by side.
    #[arg(long, value_enum, hide = true)]
    pub kernel: Option<KernelArg>,
}

/// `--kernel`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum KernelArg {
    Scalar,
    Sse2,
    Fma,
}

impl KernelArg {
    fn kernel(self) -> semantic_eq_dsp::Kernel {
        match self {
            KernelArg::Scalar => semantic_eq_dsp::Kernel::Scalar,
            KernelArg::Sse2 => semantic_eq_dsp::Kernel::Sse2,
            KernelArg::Fma => semantic_eq_dsp::Kernel::Fma,
        }
    }
}

/// `--mode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ModeArg {
    Pad,
    Morph,
    Manual,
}

impl ModeArg {
    fn mode(self) -> semantic_eq_dsp::Mode {
        match self {
            ModeArg::Pad => semantic_eq_dsp::Mode::Pad,
            ModeArg::Morph => semantic_eq_dsp::Mode::Morph,
            ModeArg::Manual => semantic_eq_dsp::Mode::Manual,
        }
    }
}

impl From<RenderArgs> for render::RenderOptions {
    fn from(a: RenderArgs) -> Self {
        Self {
            input: a.input,
            output: a.output,
            eq: a.eq,
            amount: a.amount,
            out_db: a.out_db,
            x: a.x,
            y: a.y,
            mix: a.mix,
            auto_gain: a.auto_gain,
            from: a.from,
            to: a.to,
            morph: a.morph,
            mode: a.mode.map(ModeArg::mode),
            bands_off: a.bands_off,
            model: a.model,
            words: a.words,
            automation: a.automation,
            float: a.float,
            quiet: a.quiet,
            kernel: a.kernel.map(KernelArg::kernel),
        }
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Render(args) => render::render(&args.into()),
        Command::Demo(args) => demo::demo(&args.out, args.quiet),
        Command::Decode(args) => decode::decode(&decode::DecodeOptions {
            grid: args.grid,
            model: args.model,
        }),
        Command::Eval(args) => eval::eval(&eval::EvalOptions {
            data: args.data,
            model: args.model,
            json: args.json,
            plots: (!args.no_plots).then_some(args.plots),
        }),
        #[cfg(feature = "train")]
        Command::Train(args) => train::train(&args.into_options()?),
        Command::Describe(args) => words::describe(&words::DescribeOptions {
            eq: args.eq,
            pad: args.x.zip(args.y),
            count: args.count,
            model: args.model,
            words: args.words,
        }),
        Command::Words(cmd) => {
            use words::WordsAction as A;
            let (action, file) = match cmd {
                WordsCommand::List { words } => (A::List, words),
                WordsCommand::Export {
                    file,
                    name,
                    only,
                    words,
                } => (A::Export { file, name, only }, words),
                WordsCommand::Import { file, words } => (A::Import { file }, words),
                WordsCommand::Remove { word, words } => (A::Remove { word }, words),
            };
            words::words(&action, &file)
        }
    }
}

/// The whole tool: parse `std::env::args`, run, report.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", one_line(&format!("{e:#}")));
            ExitCode::FAILURE
        }
    }
}

/// Help and version go out as clap prints them; usage errors are squeezed
/// onto one `error: …` line.
fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        e.exit();
    }
    let text = e.render().to_string();
    // The first paragraph is the message; then come tips and the usage.
    let message = text.split("\n\n").next().unwrap_or_default();
    let message = one_line(message.trim_start_matches("error:"));
    eprintln!("error: {message} (see --help)");
    ExitCode::from(2)
}

/// Collapses whitespace runs (including newlines) into single spaces.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
