//! Semantic EQ: the plug-in (CLAP, VST3), its realtime engine and the
//! command-line renderer.
//!
//! `dsp` holds plain structs that never see host types. The plug-in and the
//! CLI both drive the same [`dsp::Processor`] with the same calls at the same
//! sample positions, which is what makes an offline render equal what was
//! heard.

pub mod audition;
pub mod compare;
pub mod editor;
pub mod model_slot;
pub mod params;
pub mod test_signal;
pub mod words_slot;

use editor::{LivePublisher, LiveView};
use model_slot::AudioEnds;
use nice_plug::params::internals::ParamPtr;
use nice_plug::prelude::*;
use nice_plug_egui::{EguiEditor, EguiEditorState, RepaintNotifier};
use params::{Descriptor, SemanticEqParams};
use semantic_eq_dsp::audition::{Audition, Region};
use semantic_eq_dsp::controls::{CONTROL_COUNT, CONTROLS};
use semantic_eq_dsp::{Control, Kernel, Processor, Settings};
use semantic_eq_model::Decoder;
use std::sync::Arc;

/// Controls the processor follows: every row of the control table.
const FOLLOWED: usize = CONTROL_COUNT;

pub struct SemanticEq {
    params: Arc<SemanticEqParams>,
    /// The parameter behind each row of the control table
    /// ([`SemanticEqParams::followed`]); pointers into `params`.
    host: [Option<ParamPtr>; FOLLOWED],
    /// Built in `activate` (it needs the sample rate and channel count).
    processor: Option<Processor>,
    /// The decoder to build the next processor with, while inactive.
    decoder: Option<Box<Decoder>>,
    /// The audio thread's ends of the model queues.
    models: Option<AudioEnds>,
    /// Plain values last passed to the processor, as f32 bits, so that a
    /// change is noticed exactly at the sub-block where the host made it.
    last: [u32; FOLLOWED],
    /// Size, scale and open/closed state of the editor window.
    editor_state: Arc<EguiEditorState>,
    /// Wakes the editor when the curve or the model status changed.
    repaint: RepaintNotifier,
    /// The audio thread's end of the live-curve triple buffer.
    live: LivePublisher,
    /// The editor's end, until `editor()` takes it.
    live_view: Option<triple_buffer::Output<LiveView>>,
    /// The analyser's audio-thread end: copies blocks while the editor is
    /// open.
    tap: editor::analyser::Tap,
    /// The analyser's editor end, until `editor()` takes it.
    analyser: Option<editor::analyser::Analyser>,
    /// Band solo, after the processor; built in `activate` with it.
    audition: Option<Audition>,
    /// The standalone's `--pink` test signal ([`test_signal`]).
    pink: test_signal::Pink,
}

/// Work done off the audio thread, on nice-plug's background thread.
/// Carries no heap data: the path to load waits in
/// [`model_slot::ModelSlot::request`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Task {
    /// Load the model file last requested through the editor.
    LoadModel,
    /// Save or remove the word last requested through the editor
    /// ([`words_slot::UserWords::request`]).
    Words,
}

impl Default for SemanticEq {
    fn default() -> Self {
        Self::with_params(Arc::new(SemanticEqParams::default()))
    }
}

impl SemanticEq {
    /// The plug-in around `params` (tests give one with its own word
    /// library).
    pub fn with_params(params: Arc<SemanticEqParams>) -> Self {
        let host = params.followed();
        let models = params.model.take_audio_ends();
        let editor_state = editor::default_state();
        let repaint = RepaintNotifier::new();
        let (live, live_view) = LivePublisher::new(editor_state.clone(), repaint.clone());
        let (tap, analyser) = editor::analyser::pair(editor_state.clone());
        Self {
            params,
            host,
            processor: None,
            decoder: Some(Box::new(Decoder::embedded())),
            models,
            last: [u32::MAX; FOLLOWED],
            editor_state,
            repaint,
            live,
            live_view: Some(live_view),
            tap,
            analyser: Some(analyser),
            audition: None,
            pink: test_signal::Pink::default(),
        }
    }
}

impl Drop for SemanticEq {
    fn drop(&mut self) {
        if let Some(ends) = self.models.take() {
            self.params.model.return_audio_ends(ends);
        }
    }
}

impl SemanticEq {
    /// The controls the processor follows, as (control, plain value), in
    /// the control table's order. The morph line's ends are the `from` and
    /// `to` landmarks of the model playing, or for a *user word* slot its
    /// word's landmark on that model (an atomic); the pad centre for a
    /// descriptor or word it has no landmark for.
    fn followed(&self, decoder: &Decoder) -> [(Control, f32); FOLLOWED] {
        let p = &self.params;
        let at = |d: Descriptor| match d.user_slot() {
            Some(slot) => p.words.end(slot).unwrap_or((0.0, 0.0)),
            None => decoder
                .find_landmark(d.name())
                .map_or((0.0, 0.0), |l| (l.x, l.y)),
        };
        let (from, to) = (at(p.from.value()), at(p.to.value()));
        std::array::from_fn(|i| {
            let control = CONTROLS[i].control;
            let v = match (self.host[i], control) {
                (Some(ptr), _) => plain_value(ptr),
                (None, Control::FromX) => from.0,
                (None, Control::FromY) => from.1,
                (None, Control::ToX) => to.0,
                (None, Control::ToY) => to.1,
                // A row with an ID the parameters lack: a test rules it out.
                (None, _) => f32::NAN,
            };
            (control, v)
        })
    }

    /// Passes every parameter that changed since the last call to the
    /// processor, at the processor's current position.
    fn sync(&mut self) {
        let Some(decoder) = self.processor.as_ref().map(|p| p.decoder()) else {
            return;
        };
        let values = self.followed(decoder);
        let Some(p) = self.processor.as_mut() else {
            return;
        };
        for (i, (control, v)) in values.into_iter().enumerate() {
            if v.to_bits() != self.last[i] {
                self.last[i] = v.to_bits();
                p.set(control, f64::from(v));
            }
        }
    }

    /// Swaps in a freshly loaded decoder, if one is waiting. Wait-free; the
    /// old decoder goes back to be freed off this thread.
    fn receive_model(&mut self) {
        let (Some(ends), Some(p)) = (self.models.as_mut(), self.processor.as_mut()) else {
            return;
        };
        if let Some(new) = ends.take_new() {
            let old = p.swap_decoder(new);
            ends.retire(old);
        }
    }
}

/// The plain value of a parameter, as the processor takes it: floats as
/// they are, switches as 0 or 1, a choice as its index (for the mode, the
/// index is [`semantic_eq_dsp::Mode::value`]). Reads atomics only.
fn plain_value(ptr: ParamPtr) -> f32 {
    // SAFETY: every pointer comes from `SemanticEqParams::followed` on the
    // `Arc` that `SemanticEq::params` holds for the plug-in's whole life,
    // and the parameters never move inside it.
    unsafe {
        match ptr {
            ParamPtr::FloatParam(p) => (*p).value(),
            ParamPtr::BoolParam(p) => f32::from(u8::from((*p).value())),
            ParamPtr::IntParam(p) => (*p).value() as f32,
            ParamPtr::EnumParam(p) => (*p).modulated_plain_value() as f32,
        }
    }
}

impl Plugin for SemanticEq {
    const NAME: &'static str = "Semantic EQ";
    const VENDOR: &'static str = "Semantic EQ developers";
    const URL: &'static str = "https://example.invalid/semantic-eq";
    const EMAIL: &'static str = "dev@example.invalid";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] = &[
        AudioIOLayout {
            main_input_channels: NonZeroU32::new(2),
            main_output_channels: NonZeroU32::new(2),
            ..AudioIOLayout::const_default()
        },
        AudioIOLayout {
            main_input_channels: NonZeroU32::new(1),
            main_output_channels: NonZeroU32::new(1),
            ..AudioIOLayout::const_default()
        },
    ];

    const SAMPLE_ACCURATE_AUTOMATION: bool = true;
    /// Parameter events one host block can carry without nice-plug growing
    /// its queue on the audio thread (an allocation): every parameter
    /// changing on every sample of a 2048-sample block (29 × 2048 = 59 392;
    /// Steinberg's validator sends 29 × 1024). The queue's memory is only
    /// touched, and so only resident, as far as a host fills it.
    const INPUT_EVENT_CAPACITY: usize = 64 * 1024;

    type SysExMessage = ();
    type BackgroundTask = Task;
    type Editor = EguiEditor<editor::EditorApp>;

    fn params(&self) -> Arc<dyn Params> {
        self.params.clone()
    }

    /// Sanitises a state (from a host, a preset, an older version) before
    /// nice-plug applies it, which it does without range checks. A value
    /// that could not be saved again is dropped, so that parameter keeps its
    /// value: a non-finite float (JSON has no NaN, but 1e39 overflows f32 to
    /// infinity, which would be saved as `null`, and a state with a `null`
    /// does not load) and an enum index outside its enum (saving it would
    /// panic inside nice-plug and abort the host).
    fn filter_state(state: &mut PluginState) {
        use nice_plug::params::internals::ParamPtr;
        use nice_plug::plugin::ParamValue;
        // Only the enums' lengths are wanted: no word library to read.
        let defaults = SemanticEqParams::with_library(None);
        let enum_len: std::collections::HashMap<String, usize> = defaults
            .param_map()
            .into_iter()
            .filter_map(|(id, ptr, _)| match ptr {
                // SAFETY: `ptr` points into `defaults`, which is alive.
                ParamPtr::EnumParam(p) => Some((id, unsafe { (*p).len() })),
                _ => None,
            })
            .collect();
        state.params.retain(|id, value| match value {
            ParamValue::F32(v) => v.is_finite(),
            ParamValue::I32(i) => enum_len
                .get(id)
                .is_none_or(|&n| usize::try_from(*i).is_ok_and(|i| i < n)),
            _ => true,
        });
    }

    fn editor(&mut self, executor: AsyncExecutor<Self>) -> Option<Self::Editor> {
        let live = self.live_view.take()?;
        let analyser = self.analyser.take()?;
        editor::create(
            self.params.clone(),
            self.editor_state.clone(),
            self.repaint.clone(),
            live,
            analyser,
            executor,
        )
    }

    fn task_executor(&mut self) -> TaskExecutor<Self> {
        let params = self.params.clone();
        let repaint = self.repaint.clone();
        Box::new(move |task| match task {
            Task::LoadModel => {
                // The outcome (name or one-line error) is in the status.
                let _ = params.model.load_requested();
                repaint.request_repaint();
            }
            Task::Words => {
                // The outcome is in the words' status.
                params.words.run_requested();
                repaint.request_repaint();
            }
        })
    }

    fn activate(
        &mut self,
        layout: &AudioIOLayout,
        config: &BufferConfig,
        _context: &mut impl ActivateContext<Self>,
    ) -> bool {
        let channels = layout
            .main_output_channels
            .map(|c| c.get() as usize)
            .unwrap_or(2);
        // Keep the model that was playing; a model loaded while inactive
        // is picked up by `receive_model` on the first block.
        let decoder = match self.processor.take() {
            Some(p) => p.into_decoder(),
            None => self
                .decoder
                .take()
                .unwrap_or_else(|| Box::new(Decoder::embedded())),
        };
        let settings = Settings {
            sample_rate: f64::from(config.sample_rate),
            channels,
            kernel: Kernel::detect(),
        };
        match Processor::new(&settings, decoder) {
            Ok(p) => {
                self.audition = Some(Audition::new(settings.sample_rate));
                self.processor = Some(p);
                self.last = [u32::MAX; FOLLOWED];
                self.receive_model();
                self.sync();
                if let Some(p) = self.processor.as_mut() {
                    p.reset();
                }
                true
            }
            Err(e) => {
                nice_error!("cannot activate: {e}");
                false
            }
        }
    }

    fn reset(&mut self) {
        self.receive_model();
        self.sync();
        if let Some(p) = self.processor.as_mut() {
            p.reset();
        }
        if let Some(a) = self.audition.as_mut() {
            a.reset();
        }
    }

    fn deactivate(&mut self) {
        if let Some(p) = self.processor.take() {
            self.decoder = Some(p.into_decoder());
        }
        self.params.model.free_retired();
    }

    fn process(
        &mut self,
        buffer: &mut Buffer,
        _aux: &mut AuxiliaryBuffers,
        _context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        self.receive_model();
        self.sync();
        if let Some(p) = self.processor.as_mut() {
            // Values that arrive with the first sample after `activate` or
            // `reset` (a host's initial state, a bounce's start) apply at
            // once, as the ones that arrived before did; only later moves
            // glide. `semantic-eq render` starts the same way.
            if p.position() == 0 {
                p.reset();
            }
            // The analyser's copies: a queue push per sample, only while
            // the editor is open; no allocation, lock or transform here.
            if test_signal::enabled() {
                self.pink.fill(buffer.as_slice());
            }
            self.tap.pre(buffer.as_slice());
            p.process_planar(buffer.as_slice());
            // Band solo: only while the editor is open (closing it clears
            // the solo), on the band's frequency and Q as they play now.
            if let Some(a) = self.audition.as_mut() {
                #[cfg(feature = "audition_cycle")]
                {
                    // Test builds only: every band and none in turn, as if
                    // clicked in an open editor, 4096 samples each.
                    let turn = (p.position() / 4096) % (semantic_eq_model::BAND_COUNT as u64 + 1);
                    self.params
                        .solo
                        .set(turn.checked_sub(1).map(|b| b as usize));
                }
                let open = self.editor_state.is_open() || cfg!(feature = "audition_cycle");
                let band = self.params.solo.heard(open);
                let want = band.map(|b| Region::of_band(b, &p.current_eq().band(b)));
                a.process(buffer.as_slice(), want);
            }
            self.tap.post(buffer.as_slice());
            // Only while the editor is open; a triple-buffer write of a
            // `Copy` value, no allocation or lock.
            self.live.publish(|| LiveView::of(p));
        }
        ProcessStatus::Normal
    }
}

impl ClapPlugin for SemanticEq {
    const CLAP_ID: &'static str = "org.semantic-eq.semantic-eq";
    const CLAP_DESCRIPTION: Option<&'static str> =
        Some("A five-band EQ you steer from warm to bright, learned from engineers' settings");
    const CLAP_MANUAL_URL: Option<&'static str> = None;
    const CLAP_SUPPORT_URL: Option<&'static str> = None;
    const CLAP_FEATURES: &'static [ClapFeature] = &[
        ClapFeature::AudioEffect,
        ClapFeature::Equalizer,
        ClapFeature::Stereo,
        ClapFeature::Mono,
    ];
}

impl Vst3Plugin for SemanticEq {
    const VST3_CLASS_ID: [u8; 16] = *b"SemanticEqPlugin";
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory] =
        &[Vst3SubCategory::Fx, Vst3SubCategory::Eq];
}

nice_export_clap!(SemanticEq);
nice_export_vst3!(SemanticEq);
