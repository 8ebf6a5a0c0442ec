//! [`EqEngine`]: five cascaded biquads per channel, driven by smoothed targets.

use crate::cascade::Cascade;
use crate::coeffs::Plan;
use crate::consts::STAGES;
use crate::cpu::{Checked, Kernel};
use crate::fpenv::FpGuard;
use crate::io::{Interleaved, Io, Planar};
use crate::kernel::{self, ChannelState, Table};
use crate::smoother::Ramp;

// The engine's grid and limits live at the bottom of the crate, where the
// kernels can see them; they are the engine's public vocabulary.
pub use crate::consts::{
    AMOUNT_RANGE, DEFAULT_SMOOTHING_MS, GRID, INPUT_LIMIT, MAX_CHANNELS, OUTPUT_DB_RANGE,
    OUTPUT_STAGE_DB_RANGE, SAMPLE_RATE_RANGE_HZ,
};
use semantic_eq_model::{EqParams, NUM_PARAMS, PARAMS};

/// Smoothed values: the 13 EQ parameters normalised to [0, 1] (dB and
/// log-frequency, so sweeps move evenly), then amount, then output dB.
const AMOUNT_SLOT: usize = NUM_PARAMS;
const OUTPUT_SLOT: usize = NUM_PARAMS + 1;
const SLOTS: usize = NUM_PARAMS + 2;

/// Why an engine could not be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EngineError {
    #[error("{0} channels are not supported (1 to {MAX_CHANNELS})")]
    Channels(usize),
    #[error("a sample rate of {0} Hz is not supported (1000 to 1536000)")]
    SampleRate(f64),
}

/// Everything the engine can be told to aim for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Targets {
    /// The EQ at 100 % amount.
    pub eq: EqParams,
    /// Gain scale, 0..=2 (1 = 100 %).
    pub amount: f64,
    /// Output gain applied after the EQ, dB.
    pub output_db: f64,
}

impl Default for Targets {
    fn default() -> Self {
        Self {
            eq: EqParams::default(),
            amount: 1.0,
            output_db: 0.0,
        }
    }
}

impl Targets {
    /// The nearest valid targets; NaN falls back to neutral values.
    pub fn sanitized(&self) -> Self {
        let finite_or = |v: f64, d: f64| if v.is_nan() { d } else { v };
        Self {
            eq: self.eq.clamped(),
            amount: finite_or(self.amount, 1.0).clamp(AMOUNT_RANGE.0, AMOUNT_RANGE.1),
            output_db: finite_or(self.output_db, 0.0).clamp(OUTPUT_DB_RANGE.0, OUTPUT_DB_RANGE.1),
        }
    }

    /// The same targets with the EQ normalised (needs `ln`, so it is kept
    /// off the grid path; automation and the decoder work normalised).
    pub fn normalized(&self) -> NormTargets {
        NormTargets {
            eq: self.eq.to_normalized(),
            amount: self.amount,
            output_db: self.output_db,
        }
    }
}

/// Targets with the 13 EQ parameters normalised to [0, 1] (gains linear,
/// frequency and Q logarithmic): the domain the engine smooths in, and what
/// the decoder produces.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NormTargets {
    /// Normalised EQ parameters, SAFE order.
    pub eq: [f64; NUM_PARAMS],
    /// Gain scale, 0..=2 (1 = 100 %).
    pub amount: f64,
    /// Output gain applied after the EQ, dB.
    pub output_db: f64,
}

impl NormTargets {
    /// Clamped into range; NaN falls back to neutral values.
    pub fn sanitized(&self) -> Self {
        let or = |v: f64, d: f64| if v.is_nan() { d } else { v };
        // Called on every grid point: the default (which needs `ln`) is
        // only worked out for a NaN.
        let eq_or_default = |i: usize| {
            let v = self.eq[i];
            if v.is_nan() {
                PARAMS[i].normalize(PARAMS[i].default)
            } else {
                v.clamp(0.0, 1.0)
            }
        };
        Self {
            eq: std::array::from_fn(eq_or_default),
            amount: or(self.amount, 1.0).clamp(AMOUNT_RANGE.0, AMOUNT_RANGE.1),
            output_db: or(self.output_db, 0.0)
                .clamp(OUTPUT_STAGE_DB_RANGE.0, OUTPUT_STAGE_DB_RANGE.1),
        }
    }

    fn to_slots(self) -> [f64; SLOTS] {
        std::array::from_fn(|i| match i {
            AMOUNT_SLOT => self.amount,
            OUTPUT_SLOT => self.output_db,
            _ => self.eq[i],
        })
    }
}

/// What a caller tells the engine at a grid point: aim at `targets`,
/// arriving `ramp_samples` later. A run of them (one per grid point, `None`
/// where nothing changes) lets [`EqEngine::process_planar_scheduled`]
/// process many grid segments in one call, with the same bits as calling
/// [`EqEngine::set_norm_targets_ramped`] before every segment.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Retarget {
    pub targets: NormTargets,
    /// Samples until the targets are reached.
    pub ramp_samples: u64,
}

/// The realtime EQ: smoothing, coefficient grid and filter cascade for 1 to
/// [`MAX_CHANNELS`] channels. It never allocates after [`EqEngine::new`].
#[derive(Clone, Debug)]
pub struct EqEngine {
    /// Hz.
    sample_rate: f64,
    /// Channels in every buffer handed to `process_*`.
    channels: usize,
    /// Implementation of the filter loop, fixed at construction so that an
    /// engine's output never changes mid-stream; checked against the CPU.
    kernel: Checked,
    /// Sample-rate constants of the coefficient computation.
    plan: Plan,
    /// Samples processed since the engine started (or was reset); the grid
    /// and the ramps are counted on it.
    pos: u64,
    /// Length of a ramp started by [`EqEngine::set_targets`], samples.
    smoothing_samples: u64,
    /// One ramp per smoothed slot.
    ramps: [Ramp; SLOTS],
    /// A ramp was retargeted or is still moving, so the next grid point must
    /// recompute coefficients.
    dirty: bool,
    /// Coefficients the current grid segment starts from (the previous
    /// segment's end).
    seg_start: Cascade,
    /// Coefficients the current grid segment arrives at.
    seg_end: Cascade,
    /// Per-sample increment across the segment while `moving`.
    step: Cascade,
    /// Coefficients differ across the current segment.
    moving: bool,
    /// Coefficients differed across the segment before the current one.
    was_moving: bool,
    /// Filter memory per channel.
    state: [ChannelState; MAX_CHANNELS],
    /// Scratch for per-sample coefficients, sized here so that processing
    /// neither allocates nor clears a large stack array.
    table: Box<Table>,
    /// Which stages were flat at the last grid point (see
    /// [`Cascade::settle_flat`]).
    band_flat: [bool; STAGES],
}

impl EqEngine {
    /// An engine with a flat EQ, amount 100 % and 0 dB output, running the
    /// fastest kernel this CPU supports.
    pub fn new(sample_rate: f64, channels: usize) -> Result<Self, EngineError> {
        Self::with_kernel(sample_rate, channels, Kernel::detect())
    }

    /// Like [`EqEngine::new`] with a chosen kernel (falls back to
    /// [`Kernel::Scalar`] if the CPU cannot run it).
    pub fn with_kernel(
        sample_rate: f64,
        channels: usize,
        kernel: Kernel,
    ) -> Result<Self, EngineError> {
        let kernel = kernel.checked().unwrap_or(Checked::SCALAR);
        if !(1..=MAX_CHANNELS).contains(&channels) {
            return Err(EngineError::Channels(channels));
        }
        if !(sample_rate >= SAMPLE_RATE_RANGE_HZ.0 && sample_rate <= SAMPLE_RATE_RANGE_HZ.1) {
            return Err(EngineError::SampleRate(sample_rate));
        }
        let targets = Targets::default();
        let mut engine = Self {
            sample_rate,
            channels,
            kernel,
            plan: Plan::new(sample_rate),
            pos: 0,
            smoothing_samples: 0,
            ramps: targets.normalized().to_slots().map(Ramp::constant),
            dirty: true,
            seg_start: Cascade::IDENTITY,
            seg_end: Cascade::IDENTITY,
            step: Cascade::ZERO,
            moving: false,
            was_moving: false,
            state: [ChannelState::default(); MAX_CHANNELS],
            table: Box::default(),
            band_flat: [true; STAGES],
        };
        engine.set_smoothing_ms(DEFAULT_SMOOTHING_MS);
        engine.reset();
        Ok(engine)
    }

    pub fn sample_rate(&self) -> f64 {
        self.sample_rate
    }

    pub fn channels(&self) -> usize {
        self.channels
    }

    /// The filter-loop implementation in use.
    pub fn kernel(&self) -> Kernel {
        self.kernel.kernel()
    }

    /// Samples processed since the start or the last [`EqEngine::reset`].
    pub fn position(&self) -> u64 {
        self.pos
    }

    /// Ramp time used by [`EqEngine::set_targets`], ms.
    pub fn set_smoothing_ms(&mut self, ms: f64) {
        let ms = if ms.is_finite() {
            ms.clamp(0.0, 10_000.0)
        } else {
            DEFAULT_SMOOTHING_MS
        };
        self.smoothing_samples = (ms * 1e-3 * self.sample_rate).round() as u64;
    }

    /// Aims at `targets`, arriving after the smoothing time.
    pub fn set_targets(&mut self, targets: &Targets) {
        self.set_targets_ramped(targets, self.smoothing_samples);
    }

    /// Aims at `targets`, arriving `ramp_samples` from now (0 jumps at the
    /// next grid point). Out-of-range values are clamped; NaN is ignored in
    /// favour of a neutral value.
    pub fn set_targets_ramped(&mut self, targets: &Targets, ramp_samples: u64) {
        self.set_norm_targets_ramped(&targets.sanitized().normalized(), ramp_samples);
    }

    /// Like [`EqEngine::set_targets_ramped`], for targets already normalised;
    /// cheap enough to call on every grid point from the audio thread.
    pub fn set_norm_targets_ramped(&mut self, targets: &NormTargets, ramp_samples: u64) {
        self.retarget_at(self.pos, targets, ramp_samples);
    }

    /// [`EqEngine::set_norm_targets_ramped`] as if told at position `pos`.
    fn retarget_at(&mut self, pos: u64, targets: &NormTargets, ramp_samples: u64) {
        let t = targets.sanitized();
        for (ramp, value) in self.ramps.iter_mut().zip(t.to_slots()) {
            ramp.retarget(pos, value, ramp_samples);
        }
        self.dirty = true;
    }

    /// Clears the filter memory, jumps every ramp to its target and restarts
    /// the sample counter. Does not allocate.
    pub fn reset(&mut self) {
        self.pos = 0;
        for r in &mut self.ramps {
            r.snap();
        }
        self.state = [ChannelState::default(); MAX_CHANNELS];
        // Silent memory: a band flat from the start passes through exactly.
        self.band_flat = [true; STAGES];
        self.seg_end = self.cascade_at(0);
        self.seg_end.settle_flat(&mut self.band_flat);
        self.seg_start = self.seg_end;
        self.step = Cascade::ZERO;
        self.moving = false;
        self.was_moving = false;
        self.dirty = false;
    }

    /// The plain EQ (amount applied) that the smoothing has reached at the
    /// current position; what an editor would draw.
    pub fn current_eq(&self) -> EqParams {
        let (eq, amount, _) = self.smoothed_at(self.pos);
        eq.scaled_gains(amount)
    }

    fn smoothed_at(&self, pos: u64) -> (EqParams, f64, f64) {
        let n: [f64; NUM_PARAMS] = std::array::from_fn(|i| self.ramps[i].value_at(pos));
        (
            EqParams::from_normalized(&n),
            self.ramps[AMOUNT_SLOT].value_at(pos),
            self.ramps[OUTPUT_SLOT].value_at(pos),
        )
    }

    /// The position where the last ramp arrives.
    fn arrival(&self) -> u64 {
        self.ramps.iter().map(Ramp::end).max().unwrap_or(0)
    }

    fn cascade_at(&self, pos: u64) -> Cascade {
        let n: [f64; NUM_PARAMS] = std::array::from_fn(|i| self.ramps[i].value_at(pos));
        self.plan.cascade(
            self.kernel,
            &n,
            self.ramps[AMOUNT_SLOT].value_at(pos),
            self.ramps[OUTPUT_SLOT].value_at(pos),
        )
    }

    /// Called at every grid point: sets up the coefficients for the segment
    /// `[pos, pos + GRID)`.
    fn begin_segment(&mut self) {
        self.seg_start = self.seg_end;
        self.was_moving = self.moving;
        self.moving = false;
        if !self.dirty {
            return;
        }
        let mut end = self.cascade_at(self.pos);
        end.settle_flat(&mut self.band_flat);
        self.dirty = self.pos < self.arrival();
        if end != self.seg_end {
            self.moving = true;
            self.step = Cascade::step_towards(&self.seg_start, &end, GRID);
            self.seg_end = end;
        }
    }

    /// Processes interleaved frames in place. `samples.len()` must be a
    /// multiple of the channel count; a trailing partial frame is left as is.
    pub fn process_interleaved(&mut self, samples: &mut [f32]) {
        let frames = samples.len() / self.channels;
        let mut io = Interleaved {
            data: samples,
            channels: self.channels,
        };
        self.process(&mut io, frames);
    }

    /// Processes one slice per channel in place. Only the first
    /// `channels()` slices are touched; all must be at least as long as the first.
    pub fn process_planar(&mut self, channels: &mut [&mut [f32]]) {
        let n = channels.len().min(self.channels);
        let frames = channels.iter().take(n).map(|c| c.len()).min().unwrap_or(0);
        let mut io = Planar {
            data: &mut channels[..n],
        };
        self.process(&mut io, frames);
    }

    /// Processes one slice per channel in place, like
    /// [`EqEngine::process_planar`], applying `schedule[k]` (if any) at the
    /// `k`-th grid point of the call, before its frames: the same bits as
    /// calling [`EqEngine::set_norm_targets_ramped`] there and processing
    /// the grid segments one call each (which is what it does: one call
    /// for a caller's whole chunk). Frames before the call's first grid point
    /// take no retarget; frames past the schedule's last grid segment are
    /// processed too, without one.
    pub fn process_planar_scheduled(
        &mut self,
        channels: &mut [&mut [f32]],
        schedule: &[Option<Retarget>],
    ) {
        let n = channels.len().min(self.channels);
        let frames = channels.iter().take(n).map(|c| c.len()).min().unwrap_or(0);
        let channels = &mut channels[..n];
        // The definition: a retarget, then its grid segment.
        let lead = (self.pos.next_multiple_of(GRID as u64) - self.pos) as usize;
        let mut done = lead.min(frames);
        self.process_part(channels, 0, done);
        for r in schedule {
            if done == frames {
                break;
            }
            if let Some(r) = r {
                self.set_norm_targets_ramped(&r.targets, r.ramp_samples);
            }
            let n = GRID.min(frames - done);
            self.process_part(channels, done, n);
            done += n;
        }
        self.process_part(channels, done, frames - done);
    }

    /// Frames `[from, from + count)` of the first `channels()` slices.
    fn process_part(&mut self, channels: &mut [&mut [f32]], from: usize, count: usize) {
        if count == 0 {
            return;
        }
        let n = channels.len();
        let mut part: [&mut [f32]; MAX_CHANNELS] = Default::default();
        for (p, c) in part.iter_mut().zip(channels.iter_mut()) {
            *p = &mut c[from..from + count];
        }
        self.process_planar(&mut part[..n]);
    }

    /// Starts a grid segment if the position is on the grid, and returns
    /// the phase within it and how many of the `left` frames can run before
    /// the next grid point that has work to do.
    fn next_run(&mut self, left: usize) -> (usize, usize) {
        let phase = (self.pos % GRID as u64) as usize;
        if phase == 0 {
            self.begin_segment();
        }
        let n = if self.moving || self.dirty {
            (GRID - phase).min(left)
        } else {
            // Nothing can change before the next call: skip the grid
            // points, they would all find nothing to do.
            left
        };
        (phase, n)
    }

    fn process<I: Io>(&mut self, io: &mut I, frames: usize) {
        let _fp = FpGuard::new();
        self.run(io, frames);
    }

    fn run<I: Io>(&mut self, io: &mut I, frames: usize) {
        let mut done = 0;
        while done < frames {
            let (phase, n) = self.next_run(frames - done);
            let seg = kernel::Segment {
                start: &self.seg_start,
                step: &self.step,
                moving: self.moving,
                phase,
            };
            kernel::run(
                self.kernel,
                &mut self.state[..io.channels()],
                &mut self.table,
                seg,
                io,
                done,
                n,
            );
            done += n;
            self.pos += n as u64;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_unsupported_formats() {
        assert_eq!(
            EqEngine::new(48_000.0, 0).unwrap_err(),
            EngineError::Channels(0)
        );
        assert_eq!(
            EqEngine::new(48_000.0, 9).unwrap_err(),
            EngineError::Channels(9)
        );
        assert!(EqEngine::new(999.0, 2).is_err());
        assert!(EqEngine::new(1_536_001.0, 2).is_err());
        assert!(EqEngine::new(f64::NAN, 2).is_err());
        assert!(EqEngine::new(1_000.0, 1).is_ok());
        assert!(EqEngine::new(8_000.0, 2).is_ok());
        assert!(EqEngine::new(768_000.0, 8).is_ok());
        assert!(EqEngine::new(1_234_567.8, 2).is_ok());
    }

    #[test]
    fn norm_targets_are_sanitized() {
        let bad = NormTargets {
            eq: [
                f64::NAN,
                -3.0,
                7.0,
                0.25,
                f64::INFINITY,
                0.5,
                0.5,
                0.5,
                0.5,
                0.5,
                0.5,
                0.5,
                0.5,
            ],
            amount: f64::NAN,
            output_db: 1e9,
        };
        let s = bad.sanitized();
        let defaults = EqParams::default().to_normalized();
        assert_eq!(s.eq[0], defaults[0]);
        assert_eq!((s.eq[1], s.eq[2], s.eq[3], s.eq[4]), (0.0, 1.0, 0.25, 1.0));
        assert_eq!((s.amount, s.output_db), (1.0, OUTPUT_STAGE_DB_RANGE.1));
        assert_eq!(
            Targets::default().normalized().sanitized(),
            Targets::default().normalized()
        );
    }

    #[test]
    fn flat_engine_is_transparent() {
        let mut e = EqEngine::new(48_000.0, 2).unwrap();
        let input: Vec<f32> = (0..4096)
            .map(|i| ((i * 7919) % 2001) as f32 / 1000.0 - 1.0)
            .collect();
        let mut buf = input.clone();
        e.process_interleaved(&mut buf);
        for (a, b) in input.iter().zip(&buf) {
            assert!((a - b).abs() <= 1e-6 * a.abs().max(1e-6), "{a} {b}");
        }
    }
}
