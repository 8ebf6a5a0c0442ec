//! [`Processor`]: the whole audio path of Semantic EQ, shared by the plug-in
//! and `semantic-eq render`.
//!
//! Controls arrive as plain values at absolute sample positions
//! ([`Processor::set`]). Each is smoothed by a [`Ramp`], which is a pure
//! function of the sample position, so the result does not depend on how
//! the audio is cut into blocks. At every point of the engine's coefficient
//! grid where something moves, the processor works out the EQ the controls
//! stand for one grid step ahead (decoding the pad point when the pad or the
//! morph moves) and tells the engine to ramp there over that step. Mix and
//! bypass crossfade the dry input in per sample.
//!
//! The plug-in calls [`Processor::set`] at the start of every sub-block where
//! the host changed a parameter; the CLI calls it where the automation file
//! says. Same calls, same positions: same output bits.

use super::NormTargets;
use super::autogain::AutoGain;
use super::controls::{CONTROL_COUNT, CONTROLS};
use super::cpu::Kernel;
use super::engine::{EngineError, EqEngine, GRID, INPUT_LIMIT, MAX_CHANNELS, Retarget};
use super::smoother::Ramp;
use semantic_eq_model::{BAND_COUNT, BANDS, Decoder, EqParams, NUM_PARAMS};

/// Frames processed per engine call when nothing moves; also the size of the
/// dry buffer per channel.
pub const CHUNK: usize = 512;
const _: () = assert!(CHUNK.is_multiple_of(GRID));

/// Auto-gain is re-evaluated every this many samples while the EQ moves
/// (it costs about as much as a decode), and ramped in between.
pub const AUTO_GAIN_EVERY: usize = 4 * GRID;

/// Auto-gain never changes the level by more than this, dB.
pub const AUTO_GAIN_MAX_DB: f64 = 60.0;

/// What the EQ follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// The decoded pad point (x, y).
    Pad,
    /// The decoded point on the line from one landmark to another, at
    /// [`Control::Morph`].
    Morph,
    /// The 13 EQ parameters set directly.
    Manual,
}

impl Mode {
    /// The value of [`Control::Mode`] that selects this mode.
    pub fn value(self) -> f64 {
        match self {
            Mode::Pad => 0.0,
            Mode::Morph => 1.0,
            Mode::Manual => 2.0,
        }
    }
}

pub use crate::controls::{Control, MORPH_RANGE, smoothing_ms};

// Ramp slots: one per row of the control table, in its order, and one more
// that mode drives.
const X: usize = Control::X.index();
const Y: usize = Control::Y.index();
const AMOUNT: usize = Control::Amount.index();
const OUT: usize = Control::OutDb.index();
const AUTO: usize = Control::Auto.index();
const MIX: usize = Control::Mix.index();
const BYPASS: usize = Control::Bypass.index();
const MANUAL: usize = Control::Mode.index();
const MORPH_T: usize = Control::Morph.index();
const FROM_X: usize = Control::FromX.index();
const FROM_Y: usize = Control::FromY.index();
const TO_X: usize = Control::ToX.index();
const TO_Y: usize = Control::ToY.index();
/// First of the 13 manual EQ parameters, normalised to [0, 1].
const EQ0: usize = Control::Eq(0).index();
/// First of the 5 band on/off weights.
const ON0: usize = Control::BandOn(0).index();
/// Weight of the morph point against the pad point: not a control of its
/// own, [`Control::Mode`] sets it together with the manual weight.
const MORPHING: usize = CONTROL_COUNT;
const SLOTS: usize = CONTROL_COUNT + 1;
/// Slots that only act through the EQ targets (not mix or bypass).
const fn drives_eq(slot: usize) -> bool {
    slot != MIX && slot != BYPASS
}

/// Normalised value of 0 dB gain (gains are linear from −12 to +12).
const ZERO_GAIN_NORM: f64 = 0.5;

/// Everything the processor is told at construction.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Hz.
    pub sample_rate: f64,
    /// 1 to [`MAX_CHANNELS`].
    pub channels: usize,
    /// The filter kernel (normally [`Kernel::detect`]).
    pub kernel: Kernel,
}

/// The audio path: pad decoding, manual EQ, auto-gain, EQ engine, mix and
/// bypass. Allocation-free after [`Processor::new`].
#[derive(Clone, Debug)]
pub struct Processor {
    engine: EqEngine,
    /// The pad decoder in use; swapped by [`Processor::swap_decoder`].
    decoder: Box<Decoder>,
    auto_gain: AutoGain,
    /// Smoothed controls (see the slot constants).
    ramps: [Ramp; SLOTS],
    /// Smoothing time of each slot, samples.
    smooth: [u64; SLOTS],
    /// Auto-gain in dB (before the on/off weight), ramped between evaluations.
    auto_db: Ramp,
    /// Samples since the start or the last reset; equals the engine's.
    pos: u64,
    /// A control changed since the last grid point: recompute there.
    dirty: bool,
    /// A model swap: the next targets glide over the pad smoothing time
    /// instead of one grid step.
    glide: bool,
    /// Dry copy of the current chunk, `[channel][CHUNK]`.
    dry: Vec<f32>,
}

impl Processor {
    /// A processor at rest on the given controls' defaults (pad centre, 100 %
    /// amount, 0 dB, auto-gain off, full mix, not bypassed, pad mode).
    pub fn new(settings: &Settings, decoder: Box<Decoder>) -> Result<Self, EngineError> {
        let engine =
            EqEngine::with_kernel(settings.sample_rate, settings.channels, settings.kernel)?;
        let fs = engine.sample_rate();
        let samples = |ms: f64| (ms * 1e-3 * fs).round() as u64;
        let smooth: [u64; SLOTS] = std::array::from_fn(|s| match CONTROLS.get(s) {
            Some(c) => samples(c.smoothing_ms),
            None => samples(smoothing_ms::SWITCH),
        });
        let ramps: [Ramp; SLOTS] = std::array::from_fn(|s| {
            Ramp::constant(CONTROLS.get(s).map_or(0.0, |c| {
                c.unit_value(c.default).expect("table defaults are numbers")
            }))
        });
        let mut me = Self {
            auto_gain: AutoGain::new(fs),
            engine,
            decoder,
            ramps,
            smooth,
            auto_db: Ramp::constant(0.0),
            pos: 0,
            dirty: false,
            glide: false,
            dry: vec![0.0; MAX_CHANNELS * CHUNK],
        };
        me.reset();
        Ok(me)
    }

    /// Hz.
    pub fn sample_rate(&self) -> f64 {
        self.engine.sample_rate()
    }

    /// Channels processed.
    pub fn channels(&self) -> usize {
        self.engine.channels()
    }

    /// Samples since the start or the last reset.
    pub fn position(&self) -> u64 {
        self.pos
    }

    /// The decoder in use.
    pub fn decoder(&self) -> &Decoder {
        &self.decoder
    }

    /// Sets a control to a plain value from the current position on; it
    /// arrives after the control's smoothing time. Out-of-range values are
    /// clamped and NaN is ignored, so no value can break the output.
    pub fn set(&mut self, control: Control, value: f64) {
        if let Some((slot, v)) = Self::slot_value(control, value) {
            self.retarget(slot, v, self.smooth[slot]);
        }
    }

    /// Like [`Processor::set`], but the value is in the smoothing domain
    /// ([`Processor::unit_value`]) and arrives exactly `len` samples from
    /// now: for automation that is already a smooth curve, followed as is.
    pub fn set_unit_ramped(&mut self, control: Control, unit: f64, len: u64) {
        if let Some(slot) = Self::slot(control)
            && !unit.is_nan()
        {
            let (lo, hi) = Self::unit_range(slot);
            self.retarget(slot, unit.clamp(lo, hi), len);
        }
    }

    /// A plain value in the domain the processor smooths in: the EQ
    /// parameters normalised (dB linear, frequency and Q logarithmic),
    /// switches as 0 or 1, everything else unchanged. `None` for NaN or an
    /// unknown control.
    pub fn unit_value(control: Control, plain: f64) -> Option<f64> {
        Self::slot_value(control, plain).map(|(_, v)| v)
    }

    fn slot(control: Control) -> Option<usize> {
        control.row()
    }

    fn unit_range(slot: usize) -> (f64, f64) {
        CONTROLS[slot].unit_range()
    }

    fn slot_value(control: Control, value: f64) -> Option<(usize, f64)> {
        let slot = Self::slot(control)?;
        Some((slot, CONTROLS[slot].unit_value(value)?))
    }

    fn retarget(&mut self, slot: usize, v: f64, len: u64) {
        if slot == MANUAL {
            // One control, two crossfades: manual on or off, and (unless
            // going manual, which keeps the morph as it was so the fade
            // is between the two EQs heard) morph on or off.
            let (manual, morphing) = match v {
                m if m >= 1.5 => (1.0, None),
                m if m >= 0.5 => (0.0, Some(1.0)),
                _ => (0.0, Some(0.0)),
            };
            self.ramps[MANUAL].retarget(self.pos, manual, len);
            if let Some(w) = morphing {
                self.ramps[MORPHING].retarget(self.pos, w, len);
            }
        } else {
            self.ramps[slot].retarget(self.pos, v, len);
        }
        self.dirty |= drives_eq(slot);
    }

    /// Sets the mode; see [`Processor::set`].
    pub fn set_mode(&mut self, mode: Mode) {
        self.set(Control::Mode, mode.value());
    }

    /// Sets the morph line's ends (pad positions, e.g. two landmarks); see
    /// [`Processor::set`].
    pub fn set_morph_line(&mut self, from: (f64, f64), to: (f64, f64)) {
        self.set(Control::FromX, from.0);
        self.set(Control::FromY, from.1);
        self.set(Control::ToX, to.0);
        self.set(Control::ToY, to.1);
    }

    /// Sets all 13 manual EQ parameters; see [`Processor::set`].
    pub fn set_manual_eq(&mut self, eq: &EqParams) {
        for (i, v) in eq.to_array().into_iter().enumerate() {
            self.set(Control::Eq(i), v);
        }
    }

    /// Installs another decoder and returns the previous one, which the
    /// caller must free off the audio thread. The EQ glides to the new
    /// model's decoding over the pad smoothing time.
    /// Before the first sample after a reset, the new model takes over at
    /// once, so a restored session sounds the same from its first sample.
    pub fn swap_decoder(&mut self, decoder: Box<Decoder>) -> Box<Decoder> {
        let old = std::mem::replace(&mut self.decoder, decoder);
        if self.pos == 0 {
            self.reset();
        } else {
            self.dirty = true;
            self.glide = true;
        }
        old
    }

    /// The decoder, for building the next processor (at another sample
    /// rate, say) with the same model.
    pub fn into_decoder(self) -> Box<Decoder> {
        self.decoder
    }

    /// Clears the filters, puts every control at its target and restarts the
    /// sample count. Allocation-free.
    pub fn reset(&mut self) {
        for r in &mut self.ramps {
            r.snap();
        }
        self.pos = 0;
        self.auto_db = Ramp::constant(self.auto_gain_db_at(0));
        let t = self.targets_at(0);
        self.engine.set_norm_targets_ramped(&t, 0);
        self.engine.reset();
        self.dirty = false;
        self.glide = false;
    }

    /// The EQ (amount applied) the engine has reached, for drawing.
    pub fn current_eq(&self) -> EqParams {
        self.engine.current_eq()
    }

    /// The EQ the controls stand for at the current position, before
    /// amount: what the editor's "edit this curve" copies into the manual
    /// parameters. Costs a decode.
    pub fn current_source_eq(&self) -> EqParams {
        EqParams::from_normalized(&self.eq_at(self.pos))
    }

    /// The point being decoded at the current position: the pad point, the
    /// point on the morph line, or a blend while switching.
    pub fn current_latent(&self) -> (f64, f64) {
        self.latent_at(self.pos)
    }

    /// The pad point (after smoothing) at the current position.
    pub fn current_pad(&self) -> (f64, f64) {
        (
            self.ramps[X].value_at(self.pos),
            self.ramps[Y].value_at(self.pos),
        )
    }

    /// The pad point and the point on the morph line at `pos`, with the
    /// weight of the latter (0 in pad mode, 1 in morph mode, between while
    /// switching). Written so that at positions of exactly 0 or 1 on the
    /// line the point is exactly the landmark.
    fn points_at(&self, pos: u64) -> ((f64, f64), (f64, f64), f64) {
        let v = |s: usize| self.ramps[s].value_at(pos);
        let pad = (v(X), v(Y));
        let t = v(MORPH_T);
        let on_line = |a: f64, b: f64| (1.0 - t) * a + t * b;
        let m = (on_line(v(FROM_X), v(TO_X)), on_line(v(FROM_Y), v(TO_Y)));
        (pad, m, v(MORPHING))
    }

    /// The point shown as decoded at `pos`: the pad point, the point on the
    /// morph line, or, while switching, the straight line between them.
    fn latent_at(&self, pos: u64) -> (f64, f64) {
        let (pad, m, w) = self.points_at(pos);
        if w <= 0.0 {
            pad
        } else if w >= 1.0 {
            m
        } else {
            ((1.0 - w) * pad.0 + w * m.0, (1.0 - w) * pad.1 + w * m.1)
        }
    }

    /// The decoded EQ (normalised) of the pad or the morph line at `pos`.
    /// While switching between the two, both points are decoded and their
    /// EQs crossfaded, like every other mode switch: a straight path in the
    /// parameters, which the coefficient grid follows more closely than
    /// the decoder's curved image of a straight path on the pad (measured:
    /// 3.1-3.6 dB more splatter above the per-sample oracle that way, at
    /// most 1.7 dB this way; tests/tests/modes.rs).
    fn decoded_at(&self, pos: u64) -> [f64; NUM_PARAMS] {
        let (pad, m, w) = self.points_at(pos);
        let decode = |(x, y): (f64, f64)| {
            self.decoder
                .decode_normalized(x as f32, y as f32)
                .map(f64::from)
        };
        if w <= 0.0 {
            return decode(pad);
        }
        if w >= 1.0 {
            return decode(m);
        }
        let (a, b) = (decode(pad), decode(m));
        std::array::from_fn(|i| a[i] + (b[i] - a[i]) * w)
    }

    /// The normalised EQ the controls stand for at `pos`, before amount.
    fn eq_at(&self, pos: u64) -> [f64; NUM_PARAMS] {
        let manual_w = self.ramps[MANUAL].value_at(pos);
        let manual = || -> [f64; NUM_PARAMS] {
            std::array::from_fn(|i| {
                let v = self.ramps[EQ0 + i].value_at(pos);
                if !IS_GAIN[i] {
                    return v;
                }
                match self.ramps[ON0 + band_of(i)].value_at(pos) {
                    // Exactly the parameter when on (no rounding through 0 dB).
                    1.0 => v,
                    on => ZERO_GAIN_NORM + (v - ZERO_GAIN_NORM) * on,
                }
            })
        };
        if manual_w >= 1.0 {
            return manual();
        }
        let pad = self.decoded_at(pos);
        if manual_w <= 0.0 {
            return pad;
        }
        let m = manual();
        std::array::from_fn(|i| pad[i] + (m[i] - pad[i]) * manual_w)
    }

    fn auto_gain_db_at(&self, pos: u64) -> f64 {
        let eq = EqParams::from_normalized(&self.eq_at(pos));
        let db = self
            .auto_gain
            .gain_db(&eq.scaled_gains(self.ramps[AMOUNT].value_at(pos)));
        db.clamp(-AUTO_GAIN_MAX_DB, AUTO_GAIN_MAX_DB)
    }

    fn targets_at(&self, pos: u64) -> NormTargets {
        let auto = self.ramps[AUTO].value_at(pos);
        let auto_db = if auto > 0.0 {
            auto * self.auto_db.value_at(pos)
        } else {
            0.0
        };
        NormTargets {
            eq: self.eq_at(pos),
            amount: self.ramps[AMOUNT].value_at(pos),
            output_db: self.ramps[OUT].value_at(pos) + auto_db,
        }
    }

    /// Work at grid point `self.pos`: aim the engine at the controls' values
    /// one grid step ahead.
    fn on_grid(&mut self) {
        if let Some(r) = self.grid_retarget() {
            self.engine
                .set_norm_targets_ramped(&r.targets, r.ramp_samples);
        }
    }

    /// What [`Processor::on_grid`] tells the engine at grid point
    /// `self.pos`, if anything.
    fn grid_retarget(&mut self) -> Option<Retarget> {
        let pos = self.pos;
        let eq_moving = (0..SLOTS).any(|s| drives_eq(s) && self.ramps[s].moving_after(pos));
        let auto_moving = self.auto_db.moving_after(pos);
        if !(self.dirty || eq_moving || auto_moving) {
            return None;
        }
        let next = pos + GRID as u64;
        if (self.dirty || eq_moving) && pos.is_multiple_of(AUTO_GAIN_EVERY as u64) {
            let on = self.ramps[AUTO].value_at(pos) > 0.0 || self.ramps[AUTO].target() > 0.0;
            if on {
                let ahead = pos + AUTO_GAIN_EVERY as u64;
                let db = self.auto_gain_db_at(ahead);
                self.auto_db.retarget(pos, db, AUTO_GAIN_EVERY as u64);
            }
        }
        let len = if self.glide {
            self.smooth[X].max(GRID as u64)
        } else {
            GRID as u64
        };
        let targets = self.targets_at(if self.glide { pos + len } else { next });
        self.dirty = false;
        self.glide = false;
        Some(Retarget {
            targets,
            ramp_samples: len,
        })
    }

    /// The wet share at `pos`: mix, faded out by bypass.
    #[inline]
    fn wet_at(&self, pos: u64) -> f64 {
        self.ramps[MIX].value_at(pos) * (1.0 - self.ramps[BYPASS].value_at(pos))
    }

    /// Processes one slice per channel in place; the first `channels()`
    /// slices are used and must be equally long.
    pub fn process_planar(&mut self, io: &mut [&mut [f32]]) {
        let ch = io.len().min(self.channels());
        let frames = io.iter().take(ch).map(|c| c.len()).min().unwrap_or(0);
        let mut done = 0;
        while done < frames {
            let phase = (self.pos % GRID as u64) as usize;
            if phase == 0 {
                self.on_grid();
            }
            let busy = self.dirty
                || self.auto_db.moving_after(self.pos)
                || self.ramps.iter().any(|r| r.moving_after(self.pos));
            let n = if busy {
                (GRID - phase).min(frames - done)
            } else {
                // Nothing changes before the next `set`: no grid work needed,
                // only a bound for the dry buffer.
                (CHUNK - phase).min(frames - done)
            };
            self.run_chunk(&mut io[..ch], done, n, &[]);
            done += n;
        }
    }

    /// Like [`Processor::process_planar`], calling `at_grid` at every grid
    /// point of the block, with [`Processor::position`] there, before the
    /// frames from it on are processed: how a caller applies controls that
    /// change on the grid (the CLI's automation) without cutting the block
    /// into grid segments itself. `at_grid` may set controls, nothing else.
    /// Runs of grid segments whose dry/wet balance stays put go to the
    /// engine in one call, their retargets as a schedule: the same bits,
    /// less work per grid point.
    pub fn process_planar_gridded(
        &mut self,
        io: &mut [&mut [f32]],
        mut at_grid: impl FnMut(&mut Self),
    ) {
        let ch = io.len().min(self.channels());
        let io = &mut io[..ch];
        let frames = io.iter().map(|c| c.len()).min().unwrap_or(0);
        let mut done = 0;
        while done < frames {
            let phase = (self.pos % GRID as u64) as usize;
            let whole = ((frames - done) / GRID).min(CHUNK / GRID);
            let steady = !self.ramps[MIX].moving_after(self.pos)
                && !self.ramps[BYPASS].moving_after(self.pos);
            let mut batch = 0;
            let mut applied = false;
            if phase == 0 {
                if whole >= 2 && steady {
                    let start = self.pos;
                    let wet = (self.ramps[MIX], self.ramps[BYPASS]);
                    let mut schedule = [None; CHUNK / GRID];
                    while batch < whole {
                        self.pos = start + (batch * GRID) as u64;
                        at_grid(self);
                        if (self.ramps[MIX], self.ramps[BYPASS]) != wet {
                            // The balance moves from here: the batch ends
                            // before this grid point, whose controls are set.
                            applied = true;
                            break;
                        }
                        schedule[batch] = self.grid_retarget();
                        batch += 1;
                    }
                    self.pos = start;
                    if batch > 0 {
                        self.run_chunk(io, done, batch * GRID, &schedule[..batch]);
                        done += batch * GRID;
                    }
                } else {
                    at_grid(self);
                    applied = true;
                }
            }
            if batch == 0 || applied {
                // One grid segment (or the frames up to the next grid
                // point) the plain way; its controls are set already.
                let n = (GRID - phase).min(frames - done);
                let mut part: [&mut [f32]; MAX_CHANNELS] = Default::default();
                for (p, c) in part.iter_mut().zip(io.iter_mut()) {
                    *p = &mut c[done..done + n];
                }
                self.process_planar(&mut part[..ch]);
                done += n;
            }
        }
    }

    /// Processes `n` frames from `at`, handing the engine `schedule` (the
    /// retargets of the grid points in them) if there is one.
    fn run_chunk(
        &mut self,
        io: &mut [&mut [f32]],
        at: usize,
        n: usize,
        schedule: &[Option<Retarget>],
    ) {
        let (w0, w1) = (self.wet_at(self.pos), self.wet_at(self.pos + n as u64));
        // Moving within these frames: a gridded batch ends where a control
        // set for the next grid point starts mix or bypass moving.
        let end = self.pos + n as u64;
        let fading = self.ramps[MIX].moving_within(self.pos, end)
            || self.ramps[BYPASS].moving_within(self.pos, end);
        let all_wet = !fading && w0 == 1.0;
        if !all_wet {
            // Cleaned like the engine's input, so that mix and bypass pass
            // no NaN or infinity through either.
            for (c, chan) in io.iter().enumerate() {
                let dry = &mut self.dry[c * CHUNK..c * CHUNK + n];
                for (d, &x) in dry.iter_mut().zip(&chan[at..at + n]) {
                    *d = clean_input(x);
                }
            }
        }
        {
            // The engine sees exactly this chunk of every channel.
            let ch = io.len();
            let mut slices: [&mut [f32]; MAX_CHANNELS] = Default::default();
            for (s, chan) in slices.iter_mut().zip(io.iter_mut()) {
                *s = &mut chan[at..at + n];
            }
            if schedule.is_empty() {
                self.engine.process_planar(&mut slices[..ch]);
            } else {
                self.engine
                    .process_planar_scheduled(&mut slices[..ch], schedule);
            }
        }
        if !all_wet {
            for (c, chan) in io.iter_mut().enumerate() {
                let dry = &self.dry[c * CHUNK..c * CHUNK + n];
                let out = &mut chan[at..at + n];
                if !fading && w1 == 0.0 {
                    out.copy_from_slice(dry);
                } else if !fading {
                    let w = w0 as f32;
                    for (o, d) in out.iter_mut().zip(dry) {
                        *o = *d + w * (*o - *d);
                    }
                } else {
                    for (k, (o, d)) in out.iter_mut().zip(dry).enumerate() {
                        let w = self.wet_at(self.pos + k as u64) as f32;
                        *o = *d + w * (*o - *d);
                    }
                }
            }
        }
        self.pos += n as u64;
    }

    /// Processes interleaved frames in place, through a planar scratch of
    /// [`CHUNK`] frames (the dry buffer's twin), so the result is the same as
    /// [`Processor::process_planar`].
    pub fn process_interleaved(&mut self, samples: &mut [f32], scratch: &mut [f32]) {
        self.via_planar(samples, scratch, |p, planes| p.process_planar(planes));
    }

    /// [`Processor::process_planar_gridded`] for interleaved frames, through
    /// a planar scratch like [`Processor::process_interleaved`].
    pub fn process_interleaved_gridded(
        &mut self,
        samples: &mut [f32],
        scratch: &mut [f32],
        mut at_grid: impl FnMut(&mut Self),
    ) {
        self.via_planar(samples, scratch, |p, planes| {
            p.process_planar_gridded(planes, &mut at_grid)
        });
    }

    /// Runs `process` on [`CHUNK`]-frame planar copies of `samples`.
    fn via_planar(
        &mut self,
        samples: &mut [f32],
        scratch: &mut [f32],
        mut process: impl FnMut(&mut Self, &mut [&mut [f32]]),
    ) {
        let ch = self.channels();
        let frames = samples.len() / ch;
        let mut done = 0;
        while done < frames {
            let n = (frames - done).min(CHUNK).min(scratch.len() / ch);
            assert!(n > 0, "scratch must hold at least one frame per channel");
            let (planes, _) = scratch.split_at_mut(n * ch);
            let block = &samples[done * ch..(done + n) * ch];
            if ch == 2 {
                // The common case, without the inner loop's bookkeeping.
                let (left, right) = planes.split_at_mut(n);
                for ((frame, l), r) in block.chunks_exact(2).zip(left).zip(right) {
                    (*l, *r) = (frame[0], frame[1]);
                }
            } else {
                for (f, frame) in block.chunks_exact(ch).enumerate() {
                    for (c, v) in frame.iter().enumerate() {
                        planes[c * n + f] = *v;
                    }
                }
            }
            {
                let mut slices: [&mut [f32]; MAX_CHANNELS] = Default::default();
                for (s, plane) in slices.iter_mut().zip(planes.chunks_exact_mut(n)) {
                    *s = plane;
                }
                process(self, &mut slices[..ch]);
            }
            let block = &mut samples[done * ch..(done + n) * ch];
            if ch == 2 {
                let (left, right) = planes.split_at(n);
                for ((frame, l), r) in block.chunks_exact_mut(2).zip(left).zip(right) {
                    (frame[0], frame[1]) = (*l, *r);
                }
            } else {
                for (f, frame) in block.chunks_exact_mut(ch).enumerate() {
                    for (c, v) in frame.iter_mut().enumerate() {
                        *v = planes[c * n + f];
                    }
                }
            }
            done += n;
        }
    }
}

/// A sample as the engine takes it in: non-finite values become silence
/// and huge ones are clipped at ±[`INPUT_LIMIT`]; anything else is kept bit
/// for bit.
#[inline]
fn clean_input(x: f32) -> f32 {
    const LIMIT: f32 = INPUT_LIMIT as f32;
    if x.is_finite() {
        x.clamp(-LIMIT, LIMIT)
    } else {
        0.0
    }
}

/// Which parameters (SAFE order) are band gains; a table, because this is
/// asked for every parameter on every grid point.
const IS_GAIN: [bool; NUM_PARAMS] = {
    let mut t = [false; NUM_PARAMS];
    let mut b = 0;
    while b < BAND_COUNT {
        t[BANDS[b].gain_index] = true;
        b += 1;
    }
    t
};

/// The band a parameter index (SAFE order) belongs to.
const fn band_of(param: usize) -> usize {
    // Low shelf: 0, 1; bells: 2-4, 5-7, 8-10; high shelf: 11, 12.
    match param {
        0 | 1 => 0,
        11 | 12 => 4,
        p => 1 + (p - 2) / 3,
    }
}

#[cfg(test)]
mod tests;
